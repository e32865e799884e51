"""One tiny call per API area of the parity report (``parity.AREAS``),
run in the simulator's child process.

Each returns None when the simulator answers as the GPU does, or a
sentence saying what it answered instead; an exception is the area
failing (``parity.probe`` reports it). Each launches at most a few
threads: the report's time is the sum of these.
"""

import numpy as np

# Read by a probe's kernel: a GPU freezes it when the kernel compiles.
FROZEN = 1.0


def _cuda():
    from numba import cuda

    return cuda


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _differs(got, expected):
    return "got %r, the GPU gives %r" % (_plain(got), _plain(expected))


def grid_sync():
    cuda = _cuda()

    @cuda.jit
    def kernel(out, tmp):
        grid = cuda.cg.this_grid()
        i = cuda.grid(1)
        tmp[i] = i + 1
        grid.sync()
        out[i] = tmp[(i + 4) % tmp.size]

    out, tmp = np.zeros(8), np.zeros(8)
    kernel[2, 4](out, tmp)
    expected = [5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0]
    if out.tolist() != expected:
        return _differs(out.tolist(), expected)


def fma():
    cuda = _cuda()

    @cuda.jit
    def kernel(a, out):
        out[0] = cuda.fma(a[0], a[0], -a[0] * a[0])

    for dtype, bits in ((np.float64, 30), (np.float32, 13)):
        a = np.array([1 + 2.0**-bits], dtype)
        out = np.zeros(1, dtype)
        kernel[1, 1](a, out)
        expected = 2.0 ** (-2 * bits)  # the product's rounding error
        if out[0] != expected:
            return "%s: %s" % (np.dtype(dtype), _differs(out[0], expected))


def fp16():
    cuda = _cuda()

    @cuda.jit
    def kernel(a, out):
        out[0] = cuda.fp16.hfma(a[0], a[0], a[1])
        out[1] = cuda.fp16.hfloor(a[2])

    a = np.array([1 + 2.0**-10, -(1 + 2.0**-9), 1.5], np.float16)
    out = np.zeros(2, np.float16)
    kernel[1, 1](a, out)
    expected = [2.0**-20, 1.0]
    if out.tolist() != expected:
        return _differs(out.tolist(), expected)


def frozen_globals():
    global FROZEN
    cuda = _cuda()

    @cuda.jit
    def kernel(out):
        out[0] = FROZEN

    out = np.zeros(1)
    FROZEN = 1.0
    kernel[1, 1](out)
    FROZEN = 2.0
    try:
        kernel[1, 1](out)
    finally:
        FROZEN = 1.0
    if out[0] != 1.0:
        return "changing the global after the first launch changed the result"


def eager_dispatch():
    cuda = _cuda()
    from numba import float32, void

    @cuda.jit(void(float32[:]))
    def kernel(a):
        a[0] = 1

    try:
        kernel[1, 1](np.zeros(2))
    except TypeError:
        return None
    return "void(float32[:]) ran on a float64 array (numba: TypeError)"


def overloads():
    cuda = _cuda()

    @cuda.jit
    def kernel(a):
        a[0] = 1

    kernel[1, 1](np.zeros(2))
    kernel[1, 1](np.zeros(2, np.int32))
    found = len(kernel.overloads), len(kernel.signatures)
    if found != (2, 2):
        return "after two compiles: %d overloads, %d signatures" % found


def detect():
    found = _cuda().detect()
    if not isinstance(found, bool):
        return "returned %r, not a bool" % (found,)


def memory_info():
    free, total = _cuda().current_context().get_memory_info()
    if not (isinstance(free, int) and isinstance(total, int)):
        return "returned (%r, %r), not integers" % (free, total)


def launch_limits():
    cuda = _cuda()

    @cuda.jit
    def kernel(a):
        a[0] = 1

    @cuda.jit
    def big_shared(a):
        s = cuda.shared.array(40000, np.float32)  # 160 KB
        s[0] = 1
        a[0] = s[0]

    a = np.zeros(2)
    launches = (
        ("2048 threads a block", kernel[1, 2048]),
        ("a block of 128 in z", kernel[1, (1, 1, 128)]),
        ("a grid of 0", kernel[0, 1]),
        ("a block of 0", kernel[1, 0]),
        ("160 KB of static shared memory", big_shared[1, 1]),
    )
    ran = []
    for what, launch in launches:
        try:
            launch(a)
        except Exception:
            continue
        ran.append(what)
    if ran:
        return "ran without an error: " + ", ".join(ran)


def dynamic_shared():
    cuda = _cuda()

    @cuda.jit
    def kernel(a):
        s = cuda.shared.array(0, dtype=np.float32)
        i = cuda.threadIdx.x
        s[i] = i
        cuda.syncthreads()
        a[i] = s[3 - i]

    a = np.zeros(4, np.float32)
    kernel[1, 4, 0, 16](a)
    if a.tolist() != [3.0, 2.0, 1.0, 0.0]:
        return _differs(a.tolist(), [3.0, 2.0, 1.0, 0.0])


def vectorize():
    cuda = _cuda()
    from numba import guvectorize, vectorize

    @vectorize(["float32(float32, float32)"], target="cuda")
    def add(x, y):
        return x + y

    @guvectorize(["void(float32[:], float32[:])"], "(n)->(n)", target="cuda")
    def double(x, out):
        for i in range(x.shape[0]):
            out[i] = 2 * x[i]

    a = cuda.to_device(np.arange(3, dtype=np.float32))
    got = add(a, a, stream=cuda.stream()).copy_to_host().tolist()
    if got != [0.0, 2.0, 4.0]:
        return "vectorize: " + _differs(got, [0.0, 2.0, 4.0])
    got = double(np.ones((2, 2), np.float32)).tolist()
    if got != [[2.0, 2.0], [2.0, 2.0]]:
        return "guvectorize: " + _differs(got, [[2.0, 2.0], [2.0, 2.0]])


def reduce():
    cuda = _cuda()
    total = cuda.reduce(lambda a, b: a + b)
    got = total(np.arange(10.0), size=5, init=1, stream=cuda.stream())
    if got != 11.0:
        return _differs(got, 11.0)


def events():
    cuda = _cuda()
    start, end = cuda.event(timing=True), cuda.event(timing=True)
    start.record()
    end.record()
    end.synchronize()
    if end.query() is not True:
        return "query() after synchronize() gave %r" % (end.query(),)
    for elapsed in (
        start.elapsed_time(end),
        cuda.event_elapsed_time(start, end),
    ):
        if not elapsed >= 0.0:
            return "elapsed time %r ms" % (elapsed,)


class _ForeignArray:
    def __init__(self, host):
        interface = dict(host.__array_interface__, stream=None)
        self.__cuda_array_interface__ = interface
        self.host = host


def cai_arguments():
    cuda = _cuda()

    @cuda.jit
    def kernel(a):
        a[0] = 1

    host = np.zeros(3)
    kernel[1, 1](_ForeignArray(host))
    if host[0] != 1:
        return "the kernel's store did not reach the array's memory"


def inspect():
    cuda = _cuda()

    @cuda.jit
    def kernel(a):
        a[0] = 1

    kernel[1, 1](np.zeros(1))
    kernel.inspect_types()
    try:
        kernel.inspect_asm()
    except AttributeError:
        raise
    except Exception as e:
        if "simulator" not in str(e).lower():
            raise


def device():
    cuda = _cuda()
    cuda.select_device(0)
    dev = cuda.get_current_device()
    got = (dev.MAX_THREADS_PER_BLOCK, dev.WARP_SIZE, dev.id)
    if got != (1024, 32, 0):
        return _differs(got, (1024, 32, 0))
    for name in ("MULTIPROCESSOR_COUNT", "MAX_SHARED_MEMORY_PER_BLOCK"):
        if not isinstance(getattr(dev, name), int):
            return "%s is %r" % (name, getattr(dev, name))


def bf16():
    cuda = _cuda()
    from numba.cuda import bf16

    @cuda.jit
    def kernel(a, out):
        out[0] = bf16.bfloat16_to_float32(bf16.float32_to_bfloat16(a[0]))

    a = np.array([1 + 2.0**-8 + 2.0**-12], np.float32)  # rounds up
    out = np.zeros(1, np.float32)
    kernel[1, 1](a, out)
    if out[0] != 1 + 2.0**-7:
        return _differs(out[0], 1 + 2.0**-7)


def declare_device():
    cuda = _cuda()
    ext = cuda.declare_device("parity_ext", "float32(float32)")
    if ext is None:
        return "returned None"

    @cuda.jit
    def kernel(a):
        a[0] = ext(a[0])

    try:
        kernel[1, 1](np.zeros(1, np.float32))
    except Exception as e:
        if "NoneType" in str(e):
            raise
        return None
    return "a call of a declared external function ran"


def jit_options():
    cuda = _cuda()

    @cuda.jit(
        lineinfo=True, max_registers=32, launch_bounds=(128,), forceinline=True
    )
    def kernel(a):
        a[0] = 1

    a = np.zeros(1)
    kernel[1, 1](a)
    if a[0] != 1:
        return "the kernel did not run"
