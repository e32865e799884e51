"""The standalone simulator's kernel namespace (``standalone/kernelapi``):
atomics, bit intrinsics at their width, vector types, shared memory,
``Dim3``, fp16, libdevice and grid groups, called from kernels that
numba-cuda's simulator runs, and compared with numba-cuda's own
``cuda.*`` there."""

import math
import threading

import numpy as np
import pytest
from numba import config, cuda
from numba.cuda.simulator import kernelapi as upstream

from cudasim_threadsafe import settings
from cudasim_threadsafe.simulator import libdevice as simulated_libdevice
from cudasim_threadsafe.standalone import atomics, intrinsics, kernelapi

from .modes import launcher, no_sanitizer
from .test_launchers import run_with_timeout

# The kernels here run on numba-cuda's simulator, beside the namespace.
pytestmark = pytest.mark.skipif(
    not config.ENABLE_CUDASIM, reason="runs kernels on the CUDA simulator"
)

NAMES = kernelapi.NAMES
atomic = NAMES["atomic"]
numba_cuda_atomic = atomics.atomic_namespace("numba-cuda")
LAUNCHERS = ("greenlet", "threads")


def run(kernel, griddim, blockdim, *args, name="greenlet"):
    with launcher(name), no_sanitizer():
        kernel[griddim, blockdim](*args)


# -- Dim3 ---------------------------------------------------------------------


def test_dim3_prints_iterates_as_upstream():
    ours, theirs = kernelapi.Dim3(1, 2, 3), upstream.Dim3(1, 2, 3)
    assert (str(ours), repr(ours)) == (str(theirs), repr(theirs))
    x, y, z = ours
    assert (x, y, z) == tuple(theirs)
    assert (ours == (1, 2, 3)) == (theirs == (1, 2, 3))


# -- atomics ------------------------------------------------------------------

# (operation, dtype, initial, arguments): compared with numba-cuda's
# simulator, where both agree with the GPU.
CASES = [
    ("add", np.int32, 5, (3,)),
    ("add", np.float32, 1.5, (0.25,)),
    ("add", np.float64, 1.5, (-2.0,)),
    ("sub", np.int64, 5, (7,)),
    ("sub", np.float32, 1.0, (0.5,)),
    ("and_", np.uint32, 0b1100, (0b1010,)),
    ("or_", np.int32, 0b1100, (0b1010,)),
    ("xor", np.uint64, 0b1100, (0b1010,)),
    ("exch", np.int32, 4, (9,)),
    ("inc", np.uint32, 3, (5,)),
    ("inc", np.uint32, 5, (5,)),
    ("inc", np.uint64, 9, (5,)),
    ("dec", np.uint32, 3, (5,)),
    ("dec", np.uint32, 0, (5,)),
    ("dec", np.uint64, 9, (5,)),
    ("max", np.int32, -3, (2,)),
    ("max", np.float64, 2.0, (-1.0,)),
    ("max", np.float64, math.nan, (1.0,)),
    ("max", np.float32, 1.0, (math.nan,)),
    ("min", np.uint32, 7, (2,)),
    ("min", np.float64, math.nan, (1.0,)),
    ("min", np.float64, 1.0, (math.nan,)),
    ("nanmax", np.float64, math.nan, (1.0,)),
    ("nanmax", np.float64, 1.0, (math.nan,)),
    ("nanmax", np.float32, 1.0, (3.0,)),
    ("nanmin", np.float64, math.nan, (1.0,)),
    ("nanmin", np.float32, 1.0, (math.nan,)),
    ("nanmin", np.int64, 4, (-4,)),
    ("cas", np.int32, 4, (4, 9)),
    ("cas", np.int32, 4, (5, 9)),
    ("cas", np.uint64, 4, (4, 9)),
]


def _atomic_kernel(numba_cuda, name):
    @cuda.jit
    def kernel(ary, old, args):
        namespace = cuda.atomic if numba_cuda else numba_cuda_atomic
        operation = getattr(namespace, name)
        old[0] = operation(ary, 0, *args)

    return kernel


@pytest.mark.parametrize("name, dtype, initial, args", CASES)
def test_atomic_as_numba_cuda(name, dtype, initial, args):
    results = []
    for numba_cuda in (True, False):
        ary = np.array([initial], dtype)
        old = np.zeros(1, dtype)
        run(_atomic_kernel(numba_cuda, name), 1, 1, ary, old, args)
        results.append((ary.tobytes(), old.tobytes()))
    assert results[0] == results[1]


@pytest.mark.parametrize("name, dtype, initial, args", CASES)
def test_atomic_mlir_as_numba_cuda_but_nan(name, dtype, initial, args):
    # numba-cuda-mlir's max and min differ from numba-cuda's for NaN only.
    if name in ("max", "min") and math.nan in (initial,) + args:
        pytest.skip("NaN rules differ")
    results = []
    for namespace in (numba_cuda_atomic, atomic):
        ary = np.array([initial], dtype)
        old = getattr(namespace, name)(ary, 0, *args)
        results.append((ary.tobytes(), np.asarray(old, dtype).tobytes()))
    assert results[0] == results[1]


def test_atomic_nan_rules():
    # numba-cuda's lowering: max and min keep the element when either is
    # NaN; nanmax and nanmin take the value that is not NaN.
    ary = np.array([math.nan, 1.0, math.nan, 1.0])
    assert math.isnan(numba_cuda_atomic.max(ary, 0, 2.0))
    assert numba_cuda_atomic.max(ary, 1, math.nan) == 1.0
    assert math.isnan(ary[0]) and ary[1] == 1.0
    numba_cuda_atomic.nanmax(ary, 2, 2.0)
    numba_cuda_atomic.nanmin(ary, 3, math.nan)
    assert ary[2] == 2.0 and ary[3] == 1.0


def test_atomic_mlir_nan_and_zero_rules():
    # numba-cuda-mlir 0.6.0 lowers max and min to LLVM's atomicrmw
    # fmaximum and fminimum (read in its compile_mlir output): a NaN wins,
    # -0.0 is below +0.0; nanmax and nanmin to fmax and fmin.
    ary = np.array([math.nan, 1.0, -0.0, 0.0, math.nan, 1.0])
    assert math.isnan(atomic.max(ary, 0, 2.0)) and math.isnan(ary[0])
    assert atomic.min(ary, 1, math.nan) == 1.0 and math.isnan(ary[1])
    atomic.max(ary, 2, 0.0)
    atomic.min(ary, 3, -0.0)
    assert math.copysign(1, ary[2]) == 1 and math.copysign(1, ary[3]) == -1
    atomic.nanmax(ary, 4, 2.0)
    atomic.nanmin(ary, 5, math.nan)
    assert ary[4] == 2.0 and ary[5] == 1.0


def test_atomic_wraps_at_width():
    ary = np.array([2**31 - 1], np.int32)
    assert atomic.add(ary, 0, 1) == 2**31 - 1
    assert ary[0] == -(2**31)
    unsigned = np.array([0], np.uint32)
    assert atomic.sub(unsigned, 0, 1) == 0
    assert unsigned[0] == 2**32 - 1
    # The value is converted to the array's type first, as compiled.
    ints = np.array([1], np.int32)
    atomic.add(ints, 0, 2.9)
    assert ints[0] == 3
    assert atomic.exch(ints, 0, -1) == 3 and ints[0] == -1
    # Both compilers type exch, inc, dec and cas for integers only.
    for name, args in (("exch", (1,)), ("inc", (1,)), ("cas", (0, 1))):
        with pytest.raises(TypeError, match=name):
            getattr(atomic, name)(np.zeros(1), 0, *args)


def test_atomic_index_tuple_and_compare_and_swap():
    ary = np.zeros((2, 3), np.int64)
    assert atomic.add(ary, (1, 2), 5) == 0 and ary[1, 2] == 5
    flat = np.array([7, 0], np.int32)
    assert atomic.compare_and_swap(flat, 7, 8) == 7 and flat[0] == 8
    assert atomic.compare_and_swap(flat, 7, 9) == 8 and flat[0] == 8
    with pytest.raises(TypeError, match="and_"):
        atomic.and_(np.zeros(1), 0, 1)


def test_atomic_returns_array_type():
    ary = np.zeros(1, np.uint32)
    assert type(atomic.inc(ary, 0, 10)) is np.uint32


@cuda.jit
def _counts(counter, total, rounds):
    for _ in range(rounds):
        atomic.add(counter, 0, 1)
        atomic.add(total, 0, 0.5)
        atomic.max(counter, 1, cuda.threadIdx.x)


@pytest.mark.parametrize("name", LAUNCHERS)
def test_atomics_are_atomic(name):
    counter = np.zeros(2, np.int64)
    total = np.zeros(1, np.float64)
    run(_counts, 2, 128, counter, total, 50, name=name)
    assert counter[0] == 2 * 128 * 50
    assert counter[1] == 127
    assert total[0] == 2 * 128 * 50 * 0.5


@cuda.jit
def _spin_lock(lock, owners, order):
    # Every thread takes a spin lock in turn: a thread spinning on cas
    # must let the holder run (atomics are yield points).
    while atomic.cas(lock, 0, 0, 1) != 0:
        pass
    n = owners[0]
    NAMES["threadfence"]()
    owners[0] = n + 1
    order[n] = cuda.threadIdx.x
    atomic.exch(lock, 0, 0)


@pytest.mark.parametrize("name", LAUNCHERS)
def test_spin_lock_completes(name):
    lock = np.zeros(1, np.int32)
    owners = np.zeros(1, np.int32)
    order = np.full(64, -1, np.int32)
    with launcher(name), no_sanitizer():
        run_with_timeout(_spin_lock[1, 64], (lock, owners, order))
    assert owners[0] == 64
    assert sorted(order) == list(range(64))


def test_atomics_and_fences_are_yield_points():
    for fn in list(vars(atomic).values()) + [
        NAMES[n] for n in ("threadfence", "threadfence_block")
    ]:
        if callable(fn):
            assert hasattr(fn, "__wrapped__"), fn


# -- bit intrinsics -----------------------------------------------------------

VALUES = [
    np.int8(-1),
    np.int8(1),
    np.uint8(0x80),
    np.int16(-2),
    np.uint16(6),
    np.int32(-1),
    np.int32(0),
    np.uint32(0x00F0),
    np.int64(-8),
    np.uint64(2**63),
    5,
    -5,
]


@pytest.mark.parametrize("name", ["popc", "clz", "ffs", "brev"])
def test_bits_at_width_as_numba_cuda(name):
    # numba-cuda's simulator with GPU typing (the package's default) gives
    # the GPU's answer; its ffs takes 32 and 64-bit integers only, its
    # brev uint32 and uint64 (other types are converted, an int64 to a
    # uint32).
    values = VALUES
    if name == "ffs":
        values = [v for v in VALUES if np.asarray(v).itemsize >= 4]
    if name == "brev":
        values = [v for v in VALUES if type(v) in (np.uint32, np.uint64)]
    theirs = [None]

    @cuda.jit
    def kernel(out):
        out[0] = [getattr(cuda, name)(v) for v in values]

    with settings.gpu_typing(True):
        run(kernel, 1, 1, theirs)
    ours = intrinsics.BIT_FUNCTIONS["numba-cuda"][name]
    assert [ours(v) for v in values] == theirs[0]


def test_bits_known_values():
    bits = intrinsics.BIT_FUNCTIONS["numba-cuda"]
    assert bits["clz"](np.int8(1)) == 7
    assert bits["clz"](1) == 63
    assert bits["clz"](np.uint32(0)) == 32
    assert bits["brev"](np.uint32(1)) == 2**31
    assert bits["ffs"](np.int16(0)) == 0
    assert bits["ffs"](np.uint32(8)) == 4
    assert bits["popc"](np.int16(-1)) == 16


# numba-cuda-mlir 0.6.0's lowering (its compile_mlir output): an integer
# of 32 bits or fewer is zero-extended to i32 (arith.extui, a signed one
# too), a wider one used at i64; clz, popc and ffs give an int32; brev the
# reversed i32 or i64, read as signed when the argument is.
MLIR_BITS = [
    # value, clz, popc, ffs, brev
    (np.int8(1), 31, 1, 1, np.int32(-(2**31))),
    (np.int8(-1), 24, 8, 1, np.int32(-(2**24))),
    (np.uint8(1), 31, 1, 1, np.uint32(2**31)),
    (np.int16(-2), 16, 15, 2, np.int32(0x7FFF0000)),
    (np.int32(-1), 0, 32, 1, np.int32(-1)),
    (np.uint32(6), 29, 2, 2, np.uint32(0x60000000)),
    (np.int64(1), 63, 1, 1, np.int64(-(2**63))),
    (np.uint64(0), 64, 0, 0, np.uint64(0)),
    (5, 61, 2, 1, np.int64(-0x6000000000000000)),
]


@pytest.mark.parametrize("value, clz, popc, ffs, brev", MLIR_BITS)
def test_bits_as_numba_cuda_mlir(value, clz, popc, ffs, brev):
    assert (NAMES["clz"](value), NAMES["popc"](value)) == (clz, popc)
    assert NAMES["ffs"](value) == ffs
    result = NAMES["brev"](value)
    assert type(result) is type(brev) and result == brev


def test_selp_fma_cbrt():
    assert NAMES["selp"](True, 1, 2) == 1 and NAMES["selp"](0, 1, 2) == 2
    x = np.float32(1 + 2**-12)
    fused = NAMES["fma"](x, x, np.float32(-1))
    assert type(fused) is np.float32 and fused == np.float32(2**-11 + 2**-24)
    assert NAMES["cbrt"](-8.0) == -2.0
    assert type(NAMES["cbrt"](np.float32(27))) is np.float32


# -- fp16 ---------------------------------------------------------------------


def test_fp16_as_numba_cuda():
    fp16 = NAMES["fp16"]
    names = sorted(n for n in vars(upstream.FakeCUDAFp16) if n[0] == "h")
    args = (np.float16(1.25), np.float16(-0.5), np.float16(2.0))
    out = {}

    binary = "hadd hsub hmul hdiv heq hne hge hgt hle hlt hmax hmin".split()

    def arity(n):
        return 3 if n == "hfma" else 2 if n in binary else 1

    @cuda.jit
    def kernel(out):
        for n in names:
            out[n] = getattr(cuda.fp16, n)(*args[: arity(n)])

    run(kernel, 1, 1, out)
    for n in names:
        ours = getattr(fp16, n)(*args[: arity(n)])
        assert type(ours) is type(out[n]), n
        assert np.float16(ours) == np.float16(out[n]), n
    assert fp16.htanh(np.float16(0.5)) == np.float16(math.tanh(0.5))


# -- vector types -------------------------------------------------------------


def test_vector_types_as_numba_cuda():
    out = {}

    @cuda.jit
    def kernel(out):
        v2 = cuda.float32x2(1.0, 2.0)
        out["a"] = cuda.float32x4(0.5, v2, 3.0)
        out["b"] = cuda.int16x3(1, 2, 3)

    run(kernel, 1, 1, out)
    a = NAMES["float32x4"](0.5, NAMES["float32x2"](1.0, 2.0), 3.0)
    b = NAMES["short3"](1, 2, 3)
    assert [a.x, a.y, a.z, a.w] == [out["a"].x, 1.0, 2.0, out["a"].w]
    assert [b.x, b.y, b.z] == [out["b"].x, out["b"].y, out["b"].z]
    names = set(upstream.vector_types)
    for stub in upstream.vector_types.values():
        names.update(stub.aliases)
    assert names <= set(NAMES)


def test_vector_values():
    v = NAMES["int32x2"](1.7, -2.9)
    assert (v.x, v.y) == (1, -2) and type(v.x) is np.int32
    assert NAMES["float4"](2).as_list() == [2.0] * 4
    assert NAMES["uchar2"](256, -1).as_list() == [0, 255]
    with pytest.raises(TypeError, match="expects 3 elements"):
        NAMES["double3"](1, 2)
    with pytest.raises(AttributeError):
        v.x = 3
    with pytest.raises(AttributeError):
        NAMES["float2"](1, 2).z
    # Arithmetic as numba-cuda-mlir types it.
    w = v + NAMES["int2"](1, 1)
    assert type(w).name == "int32x2" and w.as_list() == [2, -1]
    assert (v * 2).name == "int64x2"
    assert (v / 2).name == "float64x2" and (v / 2).x == 0.5
    assert (NAMES["float2"](1, 2) * np.float32(3)).as_list() == [3, 6]
    assert (-v).as_list() == [-1, 2]
    assert complex(NAMES["double2"](1, 2)) == 1 + 2j
    with pytest.raises(TypeError):
        v * v
    assert NAMES["long4"] is NAMES["int64x4"] is NAMES["longlong4"]
    assert NAMES["half2"](1.5, 2).name == "float16x2"


def test_vector_load_store():
    # numba-cuda-mlir's cuda.vector: a vector of the array's dtype over
    # its last dimensions, from the index.
    vector = NAMES["vector"]
    ary = np.arange(12, dtype=np.float32).reshape(3, 4)
    v = vector.load(ary, (1, 0), 4)
    assert type(v) is NAMES["float32x4"] and v.as_list() == [4, 5, 6, 7]
    assert (v.x, v.w) == (4.0, 7.0)
    block = vector.load(ary, (1, 2), (2, 2))
    assert block.name == "float32x2x2" and block.as_list() == [6, 7, 10, 11]
    vector.store(ary, (0, 1), NAMES["float2"](-1, -2), 8)
    assert list(ary[0]) == [0, -1, -2, 3]
    flat = np.zeros(6, np.int16)
    vector.store(flat, 4, NAMES["short2"](5, 6))
    assert list(flat) == [0, 0, 0, 0, 5, 6]
    with pytest.raises(IndexError, match="outside"):
        vector.load(flat, 5, 2)
    with pytest.raises(IndexError, match="outside"):
        vector.store(flat, 5, NAMES["short2"](5, 6))


def test_cache_hints_load_and_store():
    ary = np.arange(4)
    assert NAMES["ldcg"](ary, 2) == 2 and NAMES["ldca"](ary, 3) == 3
    NAMES["stwt"](ary, 0, 9)
    assert ary[0] == 9


# -- shared, local and const memory -------------------------------------------


def test_dynamic_shared_arrays_alias():
    shared = kernelapi.Shared(16)
    floats = shared.array(0, np.float32)
    ints = shared.array(0, "int32")
    floats[1] = 1.0
    assert floats.size == 4 and ints[1] == 0x3F800000
    assert shared.array((0,), np.int64).size == 2


def test_static_shared_arrays_per_line_per_launch():
    shared = kernelapi.Shared(0)

    def make():
        return [shared.array(4, np.float32) for _ in range(2)]

    first, again = make()
    assert first is again
    other = shared.array(4, np.float32)
    assert other is not first
    assert kernelapi.Shared(0).array(4, np.float32) is not first
    assert list(shared._allocations) == [
        (__file__, make.__code__.co_firstlineno + 1),
        (__file__, make.__code__.co_firstlineno + 5),
    ]


def test_static_shared_over_the_limit():
    from numba.cuda.simulator.cudadrv.driver import LinkerError

    with pytest.raises(LinkerError, match="too much shared data"):
        kernelapi.Shared(0).array(60000, np.float64)


@cuda.jit
def _block_reverse(shared_by_block, out):
    t = cuda.threadIdx.x
    b = cuda.blockIdx.x
    s = shared_by_block[b].array(32, np.int32)
    s[t] = t
    cuda.syncthreads()
    out[b, t] = s[31 - t]


@pytest.mark.parametrize("name", LAUNCHERS)
def test_shared_array_seen_by_every_thread(name):
    out = np.zeros((2, 32), np.int32)
    shared = [kernelapi.Shared(0), kernelapi.Shared(0)]
    run(_block_reverse, 2, 32, shared, out, name=name)
    assert (out == np.arange(31, -1, -1)).all()


def test_local_array_and_dtype_converter():
    local = NAMES["local"]
    a, b = local.array(3, np.float64), local.array(3, np.float64)
    assert a is not b and a.dtype == np.float64
    assert local.array((2, 2), "int16").dtype == np.int16
    from numba import float32
    from numba.np import numpy_support

    assert local.array(2, float32).dtype == np.float32
    try:
        kernelapi.set_dtype_converter(numpy_support.as_dtype)
        assert local.array(2, float32).dtype == np.float32
        assert local.array(2, np.uint8).dtype == np.uint8
    finally:
        kernelapi.set_dtype_converter(kernelapi._to_dtype)
    assert local.array(2, np.int8, alignment=16).dtype == np.int8
    assert local.array(2, np.int8, alignas=8).dtype == np.int8
    for bad in (3, 4, -8, 0):
        with pytest.raises(ValueError, match="Alignment"):
            local.array(2, np.int8, alignment=bad)


def test_const_array_like_is_read_only():
    host = np.arange(4.0)
    ary = NAMES["const"].array_like(host)
    assert (ary == host).all()
    with pytest.raises(ValueError):
        ary[0] = 1.0


# -- grid groups --------------------------------------------------------------


@cuda.jit
def _rotate(out, tmp):
    g = NAMES["cg"].this_grid()
    i = cuda.grid(1)
    tmp[i] = i + 1
    g.sync()
    out[i] = tmp[(i + 4) % tmp.size]


@pytest.mark.parametrize("name", LAUNCHERS)
def test_grid_sync(name):
    out = np.zeros(16, np.int64)
    tmp = np.zeros(16, np.int64)
    run(_rotate, 4, 4, out, tmp, name=name)
    assert list(out) == [(i + 4) % 16 + 1 for i in range(16)]


def test_grid_sync_outside_a_kernel():
    with pytest.raises(RuntimeError, match="inside a kernel"):
        NAMES["cg"].this_grid().sync()


# -- libdevice ----------------------------------------------------------------


def test_libdevice_from_numba_cuda_stubs():
    module = cuda.libdevice
    stubs = getattr(module, simulated_libdevice.INSTALLED)
    ours = kernelapi.libdevice_namespace(stubs)
    for name, args in (
        ("sinf", (0.5,)),
        ("frexpf", (3.0,)),
        ("brev", (1,)),
        ("fmaf", (1.5, 2.0, 0.25)),
    ):
        assert getattr(ours, name)(*args) == getattr(module, name)(*args)


class _Type:
    """A type in an annotation: what its ``str`` says."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


def test_libdevice_from_annotated_stubs():
    # numba-cuda-mlir's stubs are typed by annotations.
    f32 = _Type("float32")

    def sinf(x: f32) -> f32:
        """See the libdevice guide."""

    def frexpf(x: f32) -> _Type("Tuple(float32, int32)"):
        pass

    ours = kernelapi.libdevice_namespace({"sinf": sinf, "frexpf": frexpf})
    assert type(ours.sinf(0.5)) is np.float32
    assert ours.sinf(0.5) == np.float32(math.sin(np.float32(0.5)))
    assert ours.frexpf(3.0) == (0.75, 2)
    assert "libdevice guide" in ours.sinf.__doc__


# -- the names ----------------------------------------------------------------


def test_names():
    expected = {
        "local",
        "const",
        "atomic",
        "cg",
        "fp16",
        "threadfence",
        "threadfence_block",
        "threadfence_system",
        "selp",
        "popc",
        "brev",
        "clz",
        "ffs",
        "fma",
        "cbrt",
        "float32x4",
        "int2",
        "warpsize",
    }
    assert expected <= set(NAMES)
    assert NAMES["warpsize"] == 32
    # Public names only: Python 3.13 adds __firstlineno__ and
    # __static_attributes__ to every class's namespace.
    assert sorted(n for n in vars(atomic) if not n.startswith("_")) == sorted(
        n for n in vars(upstream.FakeCUDAAtomic) if not n.startswith("_")
    )


def test_threads_see_one_namespace():
    # The namespace holds no per-thread state: host threads share it.
    seen = []

    def work():
        ary = np.zeros(1, np.int32)
        atomic.add(ary, 0, 1)
        seen.append(int(ary[0]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [1] * 4
