"""The kernel-side functions of the simulator's own ``cuda`` module that do
not depend on the calling thread: fences, ``selp``, the bit intrinsics,
``fma``, ``cbrt``, ``cuda.fp16``, ``libdevice`` and the cache-hint loads
and stores."""

import operator
import types

import numpy as np

from ..simulator import libdevice, numerics, simthread, warp


class Namespace:
    """A namespace of kernel functions (``cuda.atomic``, ``cuda.fp16``)."""

    def __init__(self, name, **functions):
        self.__dict__.update(functions)
        self._name = name

    def __repr__(self):
        return "<cuda.%s>" % self._name


def cast(dtype, value):
    """``value`` converted to NumPy ``dtype`` as a compiled conversion
    converts it: integers wrap around at the type's width, floats to an
    integer type are truncated."""
    kind = dtype.kind
    if kind == "i" or kind == "u":
        value = int(value)
        bits = dtype.itemsize * 8
        value &= (1 << bits) - 1
        if kind == "i" and value >> (bits - 1):
            value -= 1 << bits
    return dtype.type(value)


# -- fences, selection, bits ---------------------------------------------


def _fence(name):
    """A memory fence: nothing to order in the simulator, but a yield
    point, so that a thread spinning on a flag lets the others run."""

    def fence():
        pass

    fence.__name__ = fence.__qualname__ = name
    return simthread.yield_point(fence)


def selp(predicate, a, b):
    """``a`` if ``predicate`` else ``b``."""
    return a if predicate else b


def popc(value):
    """The set bits of ``value`` at its type's width (a Python int is
    numba's int64), as numba-cuda types ``popc``."""
    return warp.popc(None, value)


def brev(value):
    """The bits of ``value`` reversed, at its type's width."""
    bits, width = warp.unsigned_bits(value)
    return int(format(bits, "0%db" % width)[::-1], 2)


def clz(value):
    """The leading zero bits of ``value`` at its type's width."""
    bits, width = warp.unsigned_bits(value)
    return width - bits.bit_length()


def ffs(value):
    """The 1-based position of the lowest set bit; 0 if none is set."""
    bits, _ = warp.unsigned_bits(value)
    return (bits & -bits).bit_length()


def _mlir_operand(value):
    """``(bits, width, signed)``: ``value`` as numba-cuda-mlir 0.6.0's
    lowering hands it to a bit intrinsic: an integer of 32 bits or fewer
    zero-extended to 32 bits (a signed one too), a wider one at 64 (a
    Python int is int64)."""
    if isinstance(value, np.integer):
        size = value.dtype.itemsize * 8
        signed = value.dtype.kind == "i"
    else:
        size, signed = 64, True
    bits = operator.index(value) & ((1 << size) - 1)
    return bits, 32 if size <= 32 else 64, signed


def mlir_popc(value):
    return bin(_mlir_operand(value)[0]).count("1")


def mlir_clz(value):
    """Leading zeros at 32 or 64 bits: ``clz(int8(1))`` is 31."""
    bits, width, _ = _mlir_operand(value)
    return width - bits.bit_length()


def mlir_ffs(value):
    bits, _, _ = _mlir_operand(value)
    return (bits & -bits).bit_length()


def mlir_brev(value):
    """The 32 or 64 bits reversed, as a signed or unsigned integer of that
    width as the argument is signed: ``brev(int8(1))`` is int32's
    -2**31."""
    bits, width, signed = _mlir_operand(value)
    reversed_bits = int(format(bits, "0%db" % width)[::-1], 2)
    return cast(
        np.dtype("%sint%d" % ("" if signed else "u", width)), reversed_bits
    )


# The bit intrinsics by compiler: numba-cuda types ``clz`` and ``popc``
# at the argument's width (``clz(int8(1))`` is 7), numba-cuda-mlir
# computes at 32 or 64 bits.
BIT_FUNCTIONS = {
    "numba-cuda": {"popc": popc, "brev": brev, "clz": clz, "ffs": ffs},
    "numba-cuda-mlir": {
        "popc": mlir_popc,
        "brev": mlir_brev,
        "clz": mlir_clz,
        "ffs": mlir_ffs,
    },
}


def fma(a, b, c):
    """``a * b + c`` rounded once (``simulator/numerics``)."""
    return numerics.fma(None, a, b, c)


def cbrt(x):
    """The real cube root (negative for a negative ``x``), at ``x``'s
    float type (a float32 stays float32)."""
    return np.cbrt(x)


# -- cuda.fp16 -------------------------------------------------------------


def _half_unary(name, fn):
    """A ``cuda.fp16`` function computed in float32 and rounded to half."""

    def call(x):
        return np.float16(fn(np.float32(np.float16(x))))

    call.__name__ = call.__qualname__ = name
    return call


def _fp16():
    functions = {}
    for fn in (numerics.hfma, numerics.hfloor, numerics.hmax, numerics.hmin):
        functions[fn.__name__] = _without_self(fn)
    functions["hne"] = _without_self(numerics.hne)
    for name, fn in numerics.FP16_CONVERTING.items():
        functions[name] = _without_self(fn)
    with np.errstate(all="ignore"):
        for name, fn in (
            ("hsin", np.sin),
            ("hcos", np.cos),
            ("hlog", np.log),
            ("hlog2", np.log2),
            ("hlog10", np.log10),
            ("hexp", np.exp),
            ("hexp2", np.exp2),
            ("hexp10", lambda x: np.power(np.float32(10), x)),
            ("hsqrt", np.sqrt),
            ("hrsqrt", lambda x: np.float32(1) / np.sqrt(x)),
            ("hrcp", lambda x: np.float32(1) / x),
            ("hceil", np.ceil),
            ("htrunc", np.trunc),
            ("hrint", np.rint),
            ("htanh", np.tanh),
            ("htanh_approx", np.tanh),
        ):
            functions[name] = _half_unary(name, fn)
    return functions


def _without_self(method):
    """A ``numerics`` method of upstream's fp16 class, as a function."""

    def call(*args):
        return method(None, *args)

    call.__name__ = call.__qualname__ = method.__name__
    return call


FP16 = Namespace("fp16", **_fp16())


# -- libdevice -------------------------------------------------------------


def _typed_stub(name, stub):
    """``stub`` if its docstring types it (numba-cuda's ``:type x:`` and
    ``:rtype:``), else a stand-in whose docstring says what its
    annotations say (numba-cuda-mlir's ``def sinf(x: float32) ->
    float32``)."""
    doc = stub.__doc__ or ""
    if ":rtype:" in doc:
        return stub
    annotations = dict(getattr(stub, "__annotations__", {}))
    result = annotations.pop("return", None)
    lines = [":type %s: %s" % (arg, ty) for arg, ty in annotations.items()]
    lines.append(":rtype: %s" % result)
    return types.SimpleNamespace(
        __name__=name, __doc__=doc + "\n" + "\n".join(lines)
    )


def libdevice_namespace(stubs, name="libdevice"):
    """``cuda.libdevice`` computing in Python (``simulator/libdevice``):
    each public function of ``stubs`` (a compiler's libdevice module, or a
    dict) simulated, typed as the stub declares. A function the simulator
    cannot compute raises ``NotImplementedError`` when called."""
    if not isinstance(stubs, dict):
        stubs = vars(stubs)
    functions = {
        fn_name: libdevice.simulated(fn_name, _typed_stub(fn_name, stub))
        for fn_name, stub in stubs.items()
        if isinstance(stub, types.FunctionType) and not fn_name.startswith("_")
    }
    return Namespace(name, **functions)


# -- cache hints ------------------------------------------------------------


def _cache_load(name):
    """``ld.global.<hint>``: the element; a cache hint changes nothing a
    kernel can see."""

    def load(array, i):
        return array[i]

    load.__name__ = load.__qualname__ = name
    return load


def _cache_store(name):
    """``st.global.<hint>``: stores the element."""

    def store(array, i, value):
        array[i] = value

    store.__name__ = store.__qualname__ = name
    return store


CACHE_HINTS = {
    **{n: _cache_load(n) for n in ("ldca", "ldcg", "ldcs", "ldlu", "ldcv")},
    **{n: _cache_store(n) for n in ("stcg", "stcs", "stwb", "stwt")},
}


FUNCTIONS = {
    "threadfence": _fence("threadfence"),
    "threadfence_block": _fence("threadfence_block"),
    "threadfence_system": _fence("threadfence_system"),
    "selp": selp,
    **BIT_FUNCTIONS["numba-cuda-mlir"],
    "fma": fma,
    "cbrt": cbrt,
    **CACHE_HINTS,
}
assert set(simthread.FENCES) <= set(FUNCTIONS)


def __getattr__(name):
    """``VECTOR_TYPES`` and ``VECTOR_CLASSES``, which moved to
    ``vectors`` (that module imports this one)."""
    if name in ("VECTOR_TYPES", "VECTOR_CLASSES"):
        from . import vectors

        return getattr(vectors, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
