"""Second round of GPU answers for issue 28 (see gpu_api.py)."""

import numpy as np
from gpu_api import plain, probe
from numba import cuda, float32, int32, void


@probe("eager_mismatch_values")
def _():
    @cuda.jit(void(float32[:]))
    def k(a):
        a[0] = 1.5
        a[1] = 2.5

    a = np.zeros(2)
    k[1, 1](a)
    b = np.zeros(2, np.int32)
    try:
        k[1, 1](b)
        rb = plain(b)
    except Exception as e:  # noqa: BLE001
        rb = type(e).__name__ + ": " + str(e)[:200]
    # A 2-D array here makes the GPU fault (misaligned address), which
    # ends the process's CUDA context: not probed.
    rc = None
    return [plain(a), rb, rc, [str(s) for s in k.signatures]]


@probe("eager_two_sigs")
def _():
    @cuda.jit([void(float32[:]), void(int32[:])])
    def k(a):
        a[0] = 1.5

    a = np.zeros(2)
    try:
        k[1, 1](a)
        return plain(a)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__ + ": " + str(e)[:300]


@probe("introspection")
def _():
    @cuda.jit
    def k(a):
        a[0] = 1

    k[1, 1](np.zeros(2))
    asm = k.inspect_asm()
    llvm = k.inspect_llvm()
    return [
        type(asm).__name__,
        [str(x) for x in asm] if isinstance(asm, dict) else None,
        type(llvm).__name__,
        repr(cuda.declare_device("ext2", "float32(float32)"))[:80],
    ]


@cuda.jit
def half_math(a, out):
    out[0] = cuda.fp16.hexp(a[0])
    out[1] = cuda.fp16.hsqrt(a[1])
    out[2] = cuda.fp16.hrcp(a[2])
    out[3] = cuda.fp16.hlog(a[2])
    out[4] = cuda.fp16.hsin(a[3])
    out[5] = cuda.fp16.hcos(a[3])
    out[6] = cuda.fp16.hdiv(a[3], a[2])
    out[7] = cuda.fp16.hexp2(a[0])


@probe("fp16_math")
def _():
    a = np.array([0.5, 2.0, 3.0, 1.0], np.float16)
    out = np.zeros(8, np.float16)
    half_math[1, 1](a, out)
    return [float(x) for x in out]


@probe("fma_specials")
def _():
    @cuda.jit
    def k(a, b, c, out):
        i = cuda.grid(1)
        out[i] = cuda.fma(a[i], b[i], c[i])

    a = np.array([1e308, np.inf, 0.0, -0.0, 2.0**-1074, 1 + 2.0**-52])
    b = np.array([10.0, 0.0, -1.0, 1.0, 0.5, 1 - 2.0**-53])
    c = np.array([-1e308, 1.0, 0.0, 0.0, 0.0, -1.0])
    out = np.zeros(6)
    k[1, 6](a, b, c, out)
    return [repr(float(x)) for x in out]


@probe("static_shared_60k_cc")
def _():
    @cuda.jit
    def k(a):
        s = cuda.shared.array(15000, np.float32)
        s[0] = 1
        a[0] = s[0]

    k[1, 1](np.zeros(2))
    ptx, _ = cuda.compile_ptx(k.py_func, (float32[:],), cc=(5, 2))
    return [len(ptx), cuda.get_current_device().compute_capability]
