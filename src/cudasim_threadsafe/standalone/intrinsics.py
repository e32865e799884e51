"""The kernel-side functions of the simulator's own ``cuda`` module that do
not depend on the calling thread: fences, ``selp``, the bit intrinsics at
their argument's width, ``fma``, ``cbrt``, ``cuda.fp16``, ``libdevice``
and the vector types (``cuda.float32x4``, ``cuda.int2``...)."""

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


# -- vector types ----------------------------------------------------------

_FIELDS = ("x", "y", "z", "w")


class Vector:
    """A value of a CUDA vector type: ``x``, ``y``, ``z``, ``w`` as its
    length has them, each of the type's element dtype. Made from scalars
    and other vectors (flattened), or one scalar for every element;
    read-only, as a kernel cannot assign an element."""

    __slots__ = _FIELDS
    dtype = None
    num_elements = 0
    name = "vector"
    aliases = ()

    def __init__(self, *args):
        values = []
        for arg in args:
            if isinstance(arg, Vector):
                values.extend(arg.as_list())
            elif isinstance(arg, (complex, np.complexfloating)):
                values.extend((arg.real, arg.imag))
            else:
                values.append(arg)
        count = self.num_elements
        if len(values) == 1 and count > 1:
            values *= count
        if len(values) != count:
            raise TypeError(
                "%s expects %d elements, got %d"
                % (self.name, count, len(values))
            )
        for field, value in zip(_FIELDS, values):
            object.__setattr__(self, field, cast(self.dtype, value))

    def as_list(self):
        return [getattr(self, f) for f in _FIELDS[: self.num_elements]]

    def __setattr__(self, name, value):
        raise AttributeError(
            "%s.%s cannot be assigned: vector values are read-only"
            % (self.name, name)
        )

    def __repr__(self):
        return "%s(%s)" % (self.name, ", ".join(map(str, self.as_list())))

    def __neg__(self):
        return type(self)(*[-v for v in self.as_list()])

    def __abs__(self):
        return type(self)(*[abs(v) for v in self.as_list()])

    def __complex__(self):
        if self.num_elements != 2:
            raise TypeError("complex() takes a vector of 2 elements")
        return complex(float(self.x), float(self.y))


def _dtype_of(value):
    if isinstance(value, Vector):
        return value.dtype
    if isinstance(value, np.generic):
        return value.dtype
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, int):
        return np.dtype(np.int64)
    if isinstance(value, float):
        return np.dtype(np.float64)
    raise TypeError("no vector operation with %r" % type(value).__name__)


def _combine(op, lhs, rhs, true_divide=False):
    """``op`` element by element, a scalar with every element; the result
    of the vector type of the two types unified (numba's typing: int32
    with a Python int gives int64), a true division of integers a float
    of their width (at least 32 bits)."""
    vectors = [v for v in (lhs, rhs) if isinstance(v, Vector)]
    count = vectors[0].num_elements
    if len(vectors) == 2:
        if op not in (operator.add, operator.sub):
            raise TypeError("%s of two vectors is not supported" % op.__name__)
        if rhs.num_elements != count:
            raise TypeError(
                "vectors of %d and %d elements" % (count, rhs.num_elements)
            )
    dtype = np.result_type(_dtype_of(lhs), _dtype_of(rhs))
    if true_divide and dtype.kind in "iub":
        dtype = np.dtype("float%d" % max(dtype.itemsize * 8, 32))
    result = VECTOR_CLASSES.get((dtype, count))
    if result is None:
        raise TypeError("no vector type of %d %s" % (count, dtype))

    def elements(v):
        return v.as_list() if isinstance(v, Vector) else [v] * count

    pairs = zip(elements(lhs), elements(rhs))
    if dtype.kind in "iub":
        values = [op(int(a), int(b)) for a, b in pairs]
    else:
        with np.errstate(all="ignore"):
            values = [op(cast(dtype, a), cast(dtype, b)) for a, b in pairs]
    return result(*values)


def _binary(op, true_divide=False):
    def method(self, other):
        return _combine(op, self, other, true_divide)

    def reflected(self, other):
        return _combine(op, other, self, true_divide)

    return method, reflected


for _name, _op in (
    ("add", operator.add),
    ("sub", operator.sub),
    ("mul", operator.mul),
    ("truediv", operator.truediv),
    ("floordiv", operator.floordiv),
    ("mod", operator.mod),
):
    _method, _reflected = _binary(_op, _name == "truediv")
    setattr(Vector, "__%s__" % _name, _method)
    setattr(Vector, "__r%s__" % _name, _reflected)
del _name, _op, _method, _reflected

# numba-cuda-mlir's vector types: element type and C names for each.
_ELEMENTS = (
    ("int8", "char"),
    ("int16", "short"),
    ("int32", "int"),
    ("int64", "long", "longlong"),
    ("uint8", "uchar"),
    ("uint16", "ushort"),
    ("uint32", "uint"),
    ("uint64", "ulong", "ulonglong"),
    ("float16", "half"),
    ("float32", "float"),
    ("float64", "double"),
)


def _vector_types():
    classes = {}
    names = {}
    for element, *c_names in _ELEMENTS:
        dtype = np.dtype(element)
        for count in (1, 2, 3, 4):
            name = "%sx%d" % (element, count)
            aliases = ["%s%d" % (c, count) for c in c_names]
            cls = type(
                name,
                (Vector,),
                {
                    "__slots__": (),
                    "dtype": dtype,
                    "num_elements": count,
                    "name": name,
                    "aliases": aliases,
                },
            )
            classes[dtype, count] = cls
            names[name] = cls
            for alias in aliases:
                names[alias] = cls
    return classes, names


VECTOR_CLASSES, VECTOR_TYPES = _vector_types()


FUNCTIONS = {
    "threadfence": _fence("threadfence"),
    "threadfence_block": _fence("threadfence_block"),
    "threadfence_system": _fence("threadfence_system"),
    "selp": selp,
    **BIT_FUNCTIONS["numba-cuda-mlir"],
    "fma": fma,
    "cbrt": cbrt,
}
assert set(simthread.FENCES) <= set(FUNCTIONS)
