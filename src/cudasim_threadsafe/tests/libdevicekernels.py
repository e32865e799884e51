"""Kernels that call one libdevice function per thread, as GPU code would.

Thread ``i`` calls ``fn`` on ``a[i]`` (and ``b[i]``, ``c[i]``) and stores
the result in ``out[i]`` (a pair in ``out[i]`` and ``out2[i]``).
"""

from numba import cuda


def _one(fn):
    @cuda.jit
    def kernel(a, b, c, out, out2):
        i = cuda.threadIdx.x
        out[i] = fn(a[i])

    return kernel


def _two(fn):
    @cuda.jit
    def kernel(a, b, c, out, out2):
        i = cuda.threadIdx.x
        out[i] = fn(a[i], b[i])

    return kernel


def _three(fn):
    @cuda.jit
    def kernel(a, b, c, out, out2):
        i = cuda.threadIdx.x
        out[i] = fn(a[i], b[i], c[i])

    return kernel


def _one_pair(fn):
    @cuda.jit
    def kernel(a, b, c, out, out2):
        i = cuda.threadIdx.x
        r, s = fn(a[i])
        out[i] = r
        out2[i] = s

    return kernel


def _two_pair(fn):
    @cuda.jit
    def kernel(a, b, c, out, out2):
        i = cuda.threadIdx.x
        r, s = fn(a[i], b[i])
        out[i] = r
        out2[i] = s

    return kernel


_KERNELS = {
    (1, 1): _one,
    (2, 1): _two,
    (3, 1): _three,
    (1, 2): _one_pair,
    (2, 2): _two_pair,
}


def caller(fn, n_args, n_results):
    """A kernel calling ``fn`` with ``n_args`` arguments."""
    return _KERNELS[n_args, n_results](fn)
