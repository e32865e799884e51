"""numba-cuda-mlir's API on the simulator, as its users write it: host
arrays, streams and events, the device, atomics, fp16, libdevice,
cooperative groups, ``cuda.random``, shared, local and constant arrays,
vector types, ``cuda.jit``'s keywords as numba-cuda-mlir checks them,
missing names, and the sanitizer."""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba_cuda_mlir import cuda
from numba_cuda_mlir.cuda import libdevice
from numba_cuda_mlir.cuda.random import (
    create_xoroshiro128p_states,
    xoroshiro128p_normal_float64,
    xoroshiro128p_uniform_float32,
)

from ..modes import launcher, no_sanitizer

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)


@pytest.fixture(params=LAUNCHERS)
def mode(request):
    with launcher(request.param):
        yield request.param


@cuda.jit
def add_one(a):
    i = cuda.grid(1)
    if i < a.size:
        a[i] += 1


# -- host arrays, streams, events, the device ---------------------------------


def test_device_arrays():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    d = cuda.to_device(host)
    assert d.shape == (3, 4) and d.dtype == np.float32
    assert cuda.is_cuda_array(d)
    assert d.__cuda_array_interface__["shape"] == (3, 4)
    add_one[3, 4](d.reshape(12))
    np.testing.assert_equal(d.copy_to_host(), host + 1)
    np.testing.assert_equal(host, np.arange(12).reshape(3, 4))
    row = d[1]
    add_one[1, 4](row)
    np.testing.assert_equal(d.copy_to_host()[1], host[1] + 2)
    empty = cuda.device_array_like(host)
    empty.copy_to_device(host)
    np.testing.assert_equal(empty.copy_to_host(), host)
    zeros = cuda.device_array(5, np.int64)
    assert zeros.size == 5 and zeros.dtype == np.int64


def test_host_array_argument_is_copied_back():
    a = np.zeros(10, np.int32)
    add_one[2, 8](a)
    np.testing.assert_equal(a, 1)


def test_streams_and_events():
    stream = cuda.stream()
    start, end = cuda.event(), cuda.event()
    host = np.arange(64, dtype=np.float64)
    start.record(stream)
    d = cuda.to_device(host, stream=stream)
    add_one[2, 32, stream](d)
    out = d.copy_to_host(stream=stream)
    end.record(stream)
    end.synchronize()
    stream.synchronize()
    np.testing.assert_equal(out, host + 1)
    assert cuda.event_elapsed_time(start, end) >= 0
    with stream.auto_synchronize():
        add_one[2, 32, stream](d)
    np.testing.assert_equal(d.copy_to_host(), host + 2)
    cuda.synchronize()


def test_device_attributes():
    assert cuda.is_available()
    dev = cuda.get_current_device()
    assert dev.WARP_SIZE == 32
    assert dev.MAX_THREADS_PER_BLOCK == 1024
    cc = (dev.COMPUTE_CAPABILITY_MAJOR, dev.COMPUTE_CAPABILITY_MINOR)
    assert cc == tuple(dev.compute_capability)
    assert cuda.gpus[0].device == dev
    free, total = cuda.current_context().get_memory_info()
    assert 0 <= free <= total


@cuda.jit
def mark(a):
    if cuda.threadIdx.x + cuda.threadIdx.y + cuda.threadIdx.z == 0:
        a[0] += 1


def test_launch_beyond_the_device_is_refused():
    a = np.zeros(1, np.int32)
    mark[1, (32, 32)](a)
    assert a[0] == 1
    with pytest.raises(Exception) as raised:
        mark[1, (1, 1, 128)](a)
    assert type(raised.value).__name__ == "CudaAPIError", raised.value
    assert a[0] == 1


# -- atomics, fp16, libdevice, bit and math intrinsics ------------------------


@cuda.jit
def atomics(counts, values, extremes, hist, slots):
    i = cuda.grid(1)
    v = values[i]
    cuda.atomic.add(counts, 0, 1)
    cuda.atomic.add(counts, 1, v)
    cuda.atomic.max(extremes, 0, v)
    cuda.atomic.min(extremes, 1, v)
    cuda.atomic.add(hist, (i % 2, i % 3), 1)
    cuda.atomic.inc(slots, 0, 9)
    cuda.atomic.cas(slots, 1, i, i + 1)
    cuda.atomic.exch(slots, 2, 7)


def test_atomics(mode):
    n = 96
    values = np.random.default_rng(0).integers(-1000, 1000, n).astype(np.int64)
    counts = np.zeros(2, np.int64)
    extremes = np.array([-(2**62), 2**62], np.int64)
    hist = np.zeros((2, 3), np.int32)
    slots = np.zeros(3, np.uint32)
    atomics[3, 32](counts, values, extremes, hist, slots)
    np.testing.assert_equal(counts, [n, values.sum()])
    np.testing.assert_equal(extremes, [values.max(), values.min()])
    np.testing.assert_equal(hist, np.full((2, 3), n // 6))
    # inc wraps to 0 past 9; cas from i to i + 1 chains in any order only
    # as far as the threads find their own index there.
    assert slots[0] == n % 10
    assert 1 <= slots[1] <= n
    assert slots[2] == 7


@cuda.jit
def float_atomics(total, lo):
    i = cuda.grid(1)
    cuda.atomic.add(total, 0, 0.5)
    cuda.atomic.min(lo, 0, 1.0 / (i + 1))


def test_float_atomics(mode):
    total, lo = np.zeros(1), np.ones(1, np.float32)
    float_atomics[4, 16](total, lo)
    assert total[0] == 32.0
    assert lo[0] == np.float32(1 / 64)


@cuda.jit
def half_math(a, b, c, out):
    i = cuda.grid(1)
    out[0, i] = cuda.fp16.hadd(a[i], b[i])
    out[1, i] = cuda.fp16.hmul(a[i], b[i])
    out[2, i] = cuda.fp16.hfma(a[i], b[i], c[i])
    out[3, i] = cuda.fp16.hmax(a[i], b[i])
    out[4, i] = cuda.fp16.hneg(a[i])


def test_fp16():
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal(32).astype(np.float16) for _ in range(3))
    out = np.zeros((5, 32), np.float16)
    half_math[1, 32](a, b, c, out)
    wide = [x.astype(np.float64) for x in (a, b, c)]
    expected = [
        a + b,
        a * b,
        # fma rounds once.
        (wide[0] * wide[1] + wide[2]).astype(np.float16),
        np.maximum(a, b),
        -a,
    ]
    np.testing.assert_equal(out, np.array(expected))


@cuda.jit
def libdevice_calls(x, ints, out, iout):
    i = cuda.grid(1)
    out[0, i] = libdevice.sqrt(x[i])
    out[1, i] = libdevice.fma(x[i], x[i], 1.0)
    out[2, i] = libdevice.hypot(x[i], 0.0)
    out[3, i] = cuda.libdevice.sin(x[i])
    out[4, i] = libdevice.pow(x[i], 2.0)
    iout[0, i] = libdevice.popc(ints[i])
    iout[1, i] = libdevice.llrint(x[i] + 0.25)
    iout[2, i] = libdevice.clz(ints[i])


def test_libdevice():
    x = np.arange(16, dtype=np.float64) ** 2
    ints = np.arange(-8, 8, dtype=np.int32)
    out = np.full((5, 16), np.nan)
    iout = np.zeros((3, 16), np.int64)
    libdevice_calls[1, 16](x, ints, out, iout)
    np.testing.assert_equal(out[0], np.arange(16))
    np.testing.assert_equal(out[1], x * x + 1)
    np.testing.assert_equal(out[2], x)
    np.testing.assert_allclose(out[3], np.sin(x), rtol=1e-15, atol=1e-15)
    np.testing.assert_equal(out[4], x * x)
    np.testing.assert_equal(
        iout[0], [bin(int(v) & 0xFFFFFFFF).count("1") for v in ints]
    )
    np.testing.assert_equal(iout[1], x)
    np.testing.assert_equal(
        iout[2], [32 - (int(v) & 0xFFFFFFFF).bit_length() for v in ints]
    )


@cuda.jit
def math_intrinsics(x, out):
    i = cuda.grid(1)
    out[0, i] = cuda.fma(x[i], 2.0, 1.0)
    out[1, i] = cuda.cbrt(x[i] * x[i] * x[i])
    out[2, i] = cuda.selp(x[i] > 3.0, x[i], -1.0)
    out[3, i] = math.sqrt(x[i] * x[i])


def test_math_intrinsics():
    x = np.arange(8, dtype=np.float64)
    out = np.zeros((4, 8))
    math_intrinsics[1, 8](x, out)
    np.testing.assert_equal(out[0], 2 * x + 1)
    np.testing.assert_allclose(out[1], x, rtol=1e-15)
    np.testing.assert_equal(out[2], np.where(x > 3, x, -1))
    np.testing.assert_equal(out[3], x)


# -- cooperative groups, random numbers ---------------------------------------


@cuda.jit
def sequential_rows(m):
    """Each row from the row before, read across blocks after a grid
    sync (numba-cuda-mlir's own example of grid sync)."""
    col = cuda.grid(1)
    g = cuda.cg.this_grid()
    cols = m.shape[1]
    for row in range(1, m.shape[0]):
        m[row, col] = m[row - 1, cols - col - 1] + 1
        g.sync()


def test_grid_sync_across_blocks(mode):
    m = np.zeros((6, 64), np.int32)
    sequential_rows[4, 16](m)
    np.testing.assert_equal(m, np.tile(np.arange(6), (64, 1)).T)


@cuda.jit
def draw(states, uniform, normal):
    i = cuda.grid(1)
    for j in range(2):
        uniform[i, j] = xoroshiro128p_uniform_float32(states, i)
    normal[i] = xoroshiro128p_normal_float64(states, i)


# numba-cuda 0.30.4's results for seed 42, four threads: the bits of two
# float32 uniforms a thread, then one float64 normal a thread.
UNIFORM_BITS = [
    0x3EF75CC9, 0x3E95BDD7, 0x3D20DBFC, 0x3F435DD5,
    0x3F70F4E1, 0x3E0C2846, 0x3F7BD122, 0x3F5495B1,
]  # fmt: skip
NORMAL_BITS = [
    0xBFF5B3FAA6D3F2BE, 0xBFF197C28BF0C877,
    0x3FEB017333B91356, 0x3FE7D710192AAF1D,
]  # fmt: skip


def test_random_matches_numba_cuda():
    states = create_xoroshiro128p_states(4, seed=42)
    uniform, normal = np.zeros((4, 2), np.float32), np.zeros(4)
    draw[1, 4](states, uniform, normal)
    np.testing.assert_equal(uniform.view(np.uint32).ravel(), UNIFORM_BITS)
    expected = np.array(NORMAL_BITS, np.uint64).view(np.float64)
    np.testing.assert_allclose(normal, expected, rtol=1e-14)


# -- shared, local and constant arrays, vector types --------------------------

TABLE = np.array([3.0, 1.0, 4.0, 1.0, 5.0])


@cuda.jit
def memories(out, n):
    static = cuda.shared.array(32, cuda.float32)
    dynamic = cuda.shared.array(0, cuda.float64)
    local = cuda.local.array(3, cuda.int32)
    table = cuda.const.array_like(TABLE)
    t = cuda.threadIdx.x
    static[t] = t
    dynamic[t] = 2 * t
    for j in range(3):
        local[j] = t + j
    cuda.syncthreads()
    out[cuda.blockIdx.x, t] = (
        static[n - 1 - t] + dynamic[(t + 1) % n] + local[2] + table[t % 5]
    )


def test_shared_local_and_const_arrays(mode):
    n = 16
    out = np.zeros((2, n))
    memories[2, n, 0, n * 8](out, n)
    t = np.arange(n)
    row = (n - 1 - t) + 2 * ((t + 1) % n) + (t + 2) + TABLE[t % 5]
    np.testing.assert_equal(out, [row, row])


@cuda.jit
def vectors(out):
    v = cuda.float32x3(1.0, 2.0, 3.0)
    w = cuda.int32x2(4, 5)
    out[0] = v.x + v.y * v.z
    out[1] = w.x * w.y
    out[2] = cuda.float64x4(1.0, 2.0, 3.0, 4.0).w


def test_vector_types():
    out = np.zeros(3)
    vectors[1, 1](out)
    np.testing.assert_equal(out, [7.0, 20.0, 4.0])


def test_submodules_and_aliases():
    import numba_cuda_mlir.cuda.fp16 as fp16
    from numba_cuda_mlir.cuda import local_array, shared_array

    @cuda.jit
    def kernel(a, out):
        buf = shared_array(4, np.float16)
        tmp = local_array(1, np.float16)
        t = cuda.threadIdx.x
        buf[t] = a[t]
        cuda.syncthreads()
        tmp[0] = fp16.hadd(buf[3 - t], buf[t])
        out[t] = tmp[0]

    a = np.array([1, 2, 3, 4], np.float16)
    out = np.zeros(4, np.float16)
    kernel[1, 4](a, out)
    np.testing.assert_equal(out, [5, 5, 5, 5])


NO_NUMBA = """
import sys
import cudasim_threadsafe._startup
import numpy as np
from numba_cuda_mlir import cuda

@cuda.jit
def kernel(a):
    a[cuda.threadIdx.x] = cuda.threadIdx.x

a = np.zeros(4)
kernel[1, 4](a)
assert list(a) == [0, 1, 2, 3], a
loaded = [m for m in sys.modules if m.split(".")[0] in ("numba", "llvmlite")]
assert not loaded, loaded
"""


def test_no_numba_loaded():
    """The simulator serves numba-cuda-mlir without loading numba, as
    numba-cuda-mlir itself does not."""
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(NO_NUMBA)],
        check=True,
        timeout=120,
    )


# -- cuda.jit's keywords, missing names, the sanitizer ------------------------


def kernel_of(**options):
    @cuda.jit(**options)
    def kernel(a):
        a[cuda.threadIdx.x] = cuda.threadIdx.x + 1

    return kernel


def runs(kernel):
    a = np.zeros(4, np.int32)
    kernel[1, 4](a)
    np.testing.assert_equal(a, [1, 2, 3, 4])


def test_jit_keywords_of_numba_cuda_mlir():
    # numba-cuda-mlir's own keywords, numba-cuda's lineinfo among them.
    runs(kernel_of(opt_level=0, debug=True))
    runs(kernel_of(lineinfo=True, fastmath=True, inline="always"))
    runs(kernel_of(launch_bounds=(128, 1), max_registers=32))
    runs(kernel_of(opt=False))


def test_jit_unknown_keyword():
    with pytest.raises(ValueError, match="invalid options: bogus"):
        kernel_of(bogus=1)
    # numba-cuda's, not numba-cuda-mlir's.
    with pytest.raises(ValueError):
        kernel_of(cache_hints=True)
    runs(kernel_of())


def test_jit_keyword_of_the_wrong_type():
    with pytest.raises(TypeError):
        kernel_of(opt="yes")
    with pytest.raises(TypeError):
        kernel_of(max_registers="32")
    runs(kernel_of(opt=True))


def test_jit_opt_and_opt_level_together():
    with pytest.raises(ValueError, match="opt and opt_level"):
        kernel_of(opt=True, opt_level=2)
    runs(kernel_of(opt_level=2))


def test_jit_debug_needs_opt_level_0():
    with pytest.raises(ValueError, match="opt_level=0"):
        kernel_of(debug=True, opt_level=3)
    runs(kernel_of(debug=True, opt=False))


def test_device_function_keywords():
    @cuda.jit(device=True, inline="never")
    def twice(x):
        return 2 * x

    @cuda.jit(lineinfo=True)
    def kernel(a):
        a[cuda.threadIdx.x] = twice(cuda.threadIdx.x)

    a = np.zeros(4, np.int32)
    kernel[1, 4](a)
    np.testing.assert_equal(a, [0, 2, 4, 6])


def test_eager_signature():
    @cuda.jit((cuda.float32[::1], cuda.int32))
    def scale(a, k):
        a[cuda.threadIdx.x] *= k

    a = np.arange(4, dtype=np.float32)
    scale[1, 4](a, 3)
    np.testing.assert_equal(a, [0, 3, 6, 9])


@cuda.jit
def uses_missing(a):
    a[0] = cuda.no_such_intrinsic(1)


def test_missing_name_raises_naming_it():
    with pytest.raises(AttributeError, match="no_such_intrinsic"):
        uses_missing[1, 1](np.zeros(1))
    with pytest.raises(AttributeError, match="no_such_host_name"):
        cuda.no_such_host_name


@cuda.jit
def write_past_the_end(out):
    i = cuda.threadIdx.x
    out[i + 1] = i


def test_sanitizer_names_the_kernel():
    from cudasim_threadsafe import settings

    out = np.zeros(4)
    with settings.sanitizer("memcheck"):
        with pytest.raises(Exception) as raised:
            write_past_the_end[1, 4](out)
    assert type(raised.value).__name__ in (
        "SanitizerError",
        "OutOfBoundsError",
    ), repr(raised.value)
    text = str(raised.value)
    assert "write_past_the_end" in text, text
    assert "out of bounds" in text, text


def test_sanitizer_from_the_environment(monkeypatch):
    from cudasim_threadsafe import SanitizerError

    monkeypatch.setenv("NUMBA_CUDASIM_SANITIZER", "memcheck")
    with pytest.raises(SanitizerError, match="write_past_the_end"):
        write_past_the_end[1, 4](np.zeros(4))
    with no_sanitizer():
        with pytest.raises(IndexError):
            write_past_the_end[1, 4](np.zeros(4))


# -- more of what numba-cuda-mlir's users write -------------------------------


def test_cooperative_example_of_numba_cuda_mlir():
    """numba-cuda-mlir's own grid sync example: an eager signature, and
    the overload's max_cooperative_grid_blocks sizing the launch."""
    sig = (cuda.int32[:, ::1],)
    kernel = cuda.jit(sig)(sequential_rows.py_func)
    blockdim, m = 32, np.zeros((8, 128), np.int32)
    griddim = m.shape[1] // blockdim
    assert kernel.overloads[sig].max_cooperative_grid_blocks(blockdim) >= 4
    kernel[griddim, blockdim](m)
    np.testing.assert_equal(m, np.tile(np.arange(8), (128, 1)).T)


@cuda.jit
def block_votes(values, out):
    v = values[cuda.threadIdx.x]
    # int32 predicates: numba-cuda's GPU typing refuses a bool.
    positive, above, big = 0, 0, 0
    if v > 0:
        positive = 1
    if v > -100:
        above = 1
    if v > 40:
        big = 1
    out[0] = cuda.syncthreads_count(positive)
    out[1] = cuda.syncthreads_and(above)
    out[2] = cuda.syncthreads_or(big)
    cuda.threadfence()
    cuda.threadfence_block()


def test_block_votes(mode):
    values = np.arange(-24, 40)
    out = np.full(3, -1, np.int64)
    block_votes[1, 64](values, out)
    np.testing.assert_equal(out, [39, 1, 0])


@cuda.jit
def aliased(out):
    ints = cuda.shared.array(0, cuda.int32)
    floats = cuda.shared.array(0, cuda.float32)
    grid = cuda.shared.array((2, 3), cuda.int64)
    if cuda.threadIdx.x == 0:
        floats[0] = 1.0
        grid[1, 2] = 7
    cuda.syncthreads()
    out[0] = ints[0]
    out[1] = grid[1, 2]


def test_dynamic_shared_arrays_share_their_memory():
    out = np.zeros(2, np.int64)
    aliased[1, 4, 0, 16](out)
    np.testing.assert_equal(out, [np.float32(1).view(np.int32), 7])


def test_forall():
    a = np.zeros(100, np.int32)
    add_one.forall(a.size)(a)
    np.testing.assert_equal(a, 1)


def test_grid_stride_loop_and_dims(mode):
    @cuda.jit
    def fill(out):
        start, stride = cuda.grid(2), cuda.gridsize(2)
        for i in range(start[0], out.shape[0], stride[0]):
            for j in range(start[1], out.shape[1], stride[1]):
                out[i, j] = i * 100 + j

    out = np.zeros((9, 13), np.int64)
    fill[(2, 3), (4, 2)](out)
    i, j = np.indices(out.shape)
    np.testing.assert_equal(out, i * 100 + j)


def test_kernel_exception_names_the_thread():
    @cuda.jit
    def fails(a):
        if cuda.threadIdx.x == 3:
            raise ValueError("bad value")
        a[cuda.threadIdx.x] = 1

    with pytest.raises(ValueError, match=r"tid=\[3, 0, 0\].*bad value"):
        fails[1, 4](np.zeros(4))


def test_prints_whole_lines(capfd):
    @cuda.jit
    def talk():
        print("thread", cuda.threadIdx.x, "of block", cuda.blockIdx.x)

    talk[2, 16]()
    cuda.synchronize()
    lines = capfd.readouterr().out.splitlines()
    expected = {"thread %d of block %d" % (t, b) for t in range(16)
                for b in range(2)}  # fmt: skip
    assert sorted(lines) == sorted(expected)


SCALE = 2.0


@cuda.jit
def scaled(out):
    out[cuda.threadIdx.x] = SCALE * cuda.threadIdx.x


def test_globals_are_frozen_when_compiled():
    """As numba-cuda-mlir compiles them: a kernel keeps the value a global
    had at its first launch for those argument types."""
    global SCALE
    out = np.zeros(4)
    scaled[1, 4](out)
    try:
        SCALE = 3.0
        scaled[1, 4](out)
    finally:
        SCALE = 2.0
    np.testing.assert_equal(out, [0, 2, 4, 6])


def test_host_memory_kinds():
    pinned = cuda.pinned_array(8, np.float64)
    pinned[:] = np.arange(8)
    mapped = cuda.mapped_array(8, np.float64)
    mapped[:] = 0
    managed = cuda.managed_array(8, np.float64)
    managed[:] = 10
    for a in (pinned, mapped, managed):
        add_one[1, 8](a)
    cuda.synchronize()
    np.testing.assert_equal(np.array(pinned), np.arange(8) + 1)
    np.testing.assert_equal(np.array(mapped), np.ones(8))
    np.testing.assert_equal(np.array(managed), np.full(8, 11.0))
    host = np.arange(4, dtype=np.float64)
    with cuda.pinned(host):
        d = cuda.to_device(host)
    assert isinstance(d, cuda.DeviceNDArray)
    view = cuda.as_cuda_array(d)
    add_one[1, 4](view)
    np.testing.assert_equal(d.copy_to_host(), host + 1)
    out = np.zeros(4)
    d.copy_to_host(out)
    np.testing.assert_equal(out, host + 1)
    np.testing.assert_equal(d[1:3].copy_to_host(), [2, 3])


def test_records_and_complex():
    rec = np.dtype([("x", np.float64), ("n", np.int32)])

    @cuda.jit
    def kernel(points, zs):
        i = cuda.threadIdx.x
        points[i]["x"] = points[i]["n"] * 0.5
        zs[i] = zs[i] * 1j

    points = np.zeros(4, rec)
    points["n"] = np.arange(4)
    zs = np.arange(4) + 1j
    kernel[1, 4](points, zs)
    np.testing.assert_equal(points["x"], np.arange(4) * 0.5)
    np.testing.assert_equal(zs, (np.arange(4) + 1j) * 1j)


def test_devices_and_contexts():
    assert len(cuda.gpus) == 1
    assert len(cuda.list_devices()) == 1
    dev = cuda.select_device(0)
    assert cuda.get_current_device() == dev
    assert cuda.default_stream() is not None
    runs(kernel_of())


@cuda.jit
def cache_hints(src, dst):
    i = cuda.threadIdx.x
    v = cuda.ldcg(src, i) + cuda.ldca(src, i) + cuda.ldcs(src, i)
    v += cuda.ldlu(src, i) + cuda.ldcv(src, i)
    cuda.stcg(dst, i, v)
    cuda.stwb(dst, i + 4, v + 1)
    cuda.stcs(dst, i + 8, v + 2)
    cuda.stwt(dst, i + 12, v + 3)


def test_cache_hint_loads_and_stores():
    """Stubs returning None on the host; loads and stores in a kernel."""
    src = np.arange(4, dtype=np.float64)
    dst = np.zeros(16)
    cache_hints[1, 4](src, dst)
    v = 5 * src
    np.testing.assert_equal(dst, np.concatenate([v, v + 1, v + 2, v + 3]))


@cuda.jit
def write_rows(a, value):
    i = cuda.threadIdx.x
    if i < a.shape[0]:
        for j in range(a.shape[1]):
            a[i, j] = value + i


def test_device_array_views_write_through():
    host = np.zeros((4, 6))
    d = cuda.to_device(host)
    write_rows[1, 8](d[:, ::2], 10.0)
    write_rows[1, 8](d[1:3, 1::2], 20.0)
    expected = np.zeros((4, 6))
    expected[:, ::2] = 10.0 + np.arange(4)[:, None]
    expected[1:3, 1::2] = 20.0 + np.arange(2)[:, None]
    np.testing.assert_equal(d.copy_to_host(), expected)
    # As numba-cuda's: the transpose of a 2D device array is a copy.
    t = d.T
    write_rows[1, 8](t, -5.0)
    np.testing.assert_equal(d.copy_to_host(), expected)
    np.testing.assert_equal(t.copy_to_host()[:, 0], -5.0 + np.arange(6))
    np.testing.assert_equal(d[:, 1].copy_to_host(), expected[:, 1])
    d[0, 0] = -1.0
    assert d[0, 0] == -1.0
    fortran = cuda.device_array((3, 4), order="F")
    assert fortran.is_f_contiguous() and not fortran.is_c_contiguous()
    parts = list(cuda.to_device(np.arange(10)).split(4))
    assert [p.size for p in parts] == [4, 4, 2]
    flat = d.reshape(24)
    assert flat.shape == (24,) and d.ravel().size == 24
    assert d.nbytes == 24 * 8 and len(d) == 4


@cuda.jit
def scalars(out, f, b, t):
    out[0] = f * 2
    out[1] = 1 if b else 0
    out[2] = t[0] + t[1]


def test_scalar_and_tuple_arguments():
    out = np.zeros(3)
    scalars[1, 1](out, np.float32(1.5), True, (3, 4.5))
    np.testing.assert_equal(out, [3.0, 1.0, 7.5])
