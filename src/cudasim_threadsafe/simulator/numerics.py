"""Fused multiply-add, half and bfloat16 rounded as the GPU rounds them.

The simulator's ``FakeCUDAModule.fma`` and ``FakeCUDAFp16.hfma`` compute
``a * b + c`` as written: two roundings, where the GPU's
``fma.rn`` rounds the exact ``a * b + c`` once, so ``fma(a, b, -a * b)``
(the rounding error of a product) gives 0 instead of the error.
``cuda.fp16.hfloor`` returns the ceiling, and ``hmax``, ``hmin`` and
``hne`` answer as Python's ``max``, ``min`` and ``!=`` do for NaN and
signed zeros, not as the GPU's instructions. numba-cuda's ``numba.cuda.bf16``
functions are missing from its simulator.

Here each result is the exact value rounded once, to nearest even: fast
when a float64 sum is exact (the common case), else with integers
(``libdevice.round_ratio``).

bfloat16 values are :class:`bfloat16`, a ``float`` subclass always
holding a bfloat16 value: they store exactly into any float array (an
``ml_dtypes.bfloat16`` one included), and their ``+ - * /`` round to
bfloat16 as the GPU's operators do.
"""

import math
import operator
import struct

import numpy as np

from .libdevice import F32, F64, Format, round_ratio

F16 = Format(11, -14, 15)
BF16 = Format(8, -126, 127)

_FMA = getattr(math, "fma", None)  # Python 3.13+


def _exact(x, y, z, fmt):
    """x * y + z, all finite, rounded once to ``fmt`` (nearest even)."""
    a, b = x.as_integer_ratio()
    c, d = y.as_integer_ratio()
    e, f = z.as_integer_ratio()
    num, den = a * c * f + e * b * d, b * d * f
    if num == 0:
        # An exact zero: -0 only when both addends are -0.
        product = 0.0 * math.copysign(1.0, x) * math.copysign(1.0, y)
        return product + z if a * c == 0 else 0.0
    return round_ratio(num, den, "rn", fmt)


def _narrow(s, fmt):
    """The float ``s`` rounded once to ``fmt``, a format narrower than
    float64 whose conversion NumPy does in one rounding (or bfloat16)."""
    if fmt is F32 and abs(s) < F32.largest:
        return float(np.float32(s))
    if fmt is F16 and abs(s) < F16.largest:
        return float(np.float16(s))
    if s == 0 or not math.isfinite(s):
        return s
    return round_ratio(*s.as_integer_ratio(), "rn", fmt)


def fused(x, y, z, fmt):
    """``x * y + z`` rounded once to ``fmt`` (F64, F32, F16 or BF16).

    ``x``, ``y``, ``z`` are floats holding values of ``fmt``.
    """
    if fmt is F64:
        if _FMA is not None:
            try:
                return _FMA(x, y, z)
            except (ValueError, OverflowError):
                pass
        if math.isfinite(x) and math.isfinite(y):
            if math.isfinite(z):
                return _exact(x, y, z, fmt)
            return z
        return x * y + z
    # The product of two narrower values is exact in float64.
    p = x * y
    s = p + z
    if not math.isfinite(s):
        return s
    # The error of the sum (TwoSum): zero when float64 held it exactly.
    v = s - p
    if (p - (s - v)) + (z - v) == 0:
        return _narrow(s, fmt)
    return _exact(x, y, z, fmt)


def _round(x, fmt):
    """The number ``x`` (any real) rounded to ``fmt``, a float."""
    return _narrow(float(x), fmt)


# -- cuda.fma -----------------------------------------------------------------

# Argument types numba converts safely to float32: ``cuda.fma`` of only
# these is ``fma.rn.f32`` with a float32 result; any other makes it
# ``fma.rn.f64`` (compile_ptx for numba-cuda 0.30.4 shows both).
_FLOAT32_ARGS = frozenset(
    (np.float32, np.float16, np.bool_, bool)
    + (np.int8, np.uint8, np.int16, np.uint16)
)


def fma(self, a, b, c):
    """``cuda.fma``: ``a * b + c`` rounded once."""
    if (
        type(a) in _FLOAT32_ARGS
        and type(b) in _FLOAT32_ARGS
        and type(c) in _FLOAT32_ARGS
    ):
        return np.float32(fused(float(a), float(b), float(c), F32))
    return np.float64(fused(float(a), float(b), float(c), F64))


# -- cuda.fp16 ----------------------------------------------------------------


def _half(x):
    return float(np.float16(x))


def hfma(self, a, b, c):
    """``fma.rn.f16``: one rounding to half."""
    return np.float16(fused(_half(a), _half(b), _half(c), F16))


def hfloor(self, x):
    return np.floor(x, dtype=np.float16)


def _max(a, b):
    """``max.f16``: a NaN operand gives the other; +0 is above -0."""
    if a != a:
        return b if b == b else math.nan
    if b != b or a > b:
        return a
    if a == b:
        return a if math.copysign(1.0, a) > 0 else b
    return b


def _min(a, b):
    """``min.f16``: a NaN operand gives the other; -0 is below +0."""
    if a != a:
        return b if b == b else math.nan
    if b != b or a < b:
        return a
    if a == b:
        return a if math.copysign(1.0, a) < 0 else b
    return b


def hmax(self, a, b):
    return np.float16(_max(_half(a), _half(b)))


def hmin(self, a, b):
    return np.float16(_min(_half(a), _half(b)))


def hne(self, a, b):
    """``__hne`` is ordered: false when either is NaN."""
    a, b = _half(a), _half(b)
    return a < b or a > b


def _arguments_to_half(name, op):
    """A ``cuda.fp16`` function taking its arguments as half, as the GPU's
    typing converts them (a float32 argument is rounded first)."""

    def method(self, *args):
        return op(*[np.float16(a) for a in args])

    method.__name__ = method.__qualname__ = name
    return method


def _compare(op):
    def compare(a, b):
        return bool(op(a, b))

    compare.__name__ = op.__name__
    return compare


FP16_CONVERTING = {
    "h" + name: _arguments_to_half("h" + name, fn)
    for name, fn in (
        ("add", operator.add),
        ("sub", operator.sub),
        ("mul", operator.mul),
        ("div", operator.truediv),
        ("neg", operator.neg),
        ("abs", operator.abs),
        ("eq", _compare(operator.eq)),
        ("ge", _compare(operator.ge)),
        ("gt", _compare(operator.gt)),
        ("le", _compare(operator.le)),
        ("lt", _compare(operator.lt)),
    )
}


# -- numba.cuda.bf16 ---------------------------------------------------------


def _bf16(x):
    """The float ``x`` rounded to bfloat16, nearest even."""
    if x == 0 or not math.isfinite(x):
        return x
    return round_ratio(*x.as_integer_ratio(), "rn", BF16)


class bfloat16(float):
    """A bfloat16 value (numba-cuda's ``nv_bfloat16``).

    ``bfloat16(x)`` rounds ``x`` to nearest even; arithmetic between two
    bfloat16 values rounds once to bfloat16, as the GPU's operators do.
    """

    __slots__ = ()

    def __new__(cls, value=0.0):
        if type(value) is cls:
            return value
        return float.__new__(cls, _bf16(float(value)))

    @classmethod
    def _exact(cls, value):
        return float.__new__(cls, value)

    def __repr__(self):
        return "bfloat16(%r)" % float(self)

    def __add__(self, other):
        if type(other) is not bfloat16:
            return float(self) + other
        return bfloat16._exact(fused(float(self), 1.0, float(other), BF16))

    def __sub__(self, other):
        if type(other) is not bfloat16:
            return float(self) - other
        return bfloat16._exact(fused(float(self), 1.0, -float(other), BF16))

    def __mul__(self, other):
        if type(other) is not bfloat16:
            return float(self) * other
        return bfloat16._exact(_bf16(float(self) * other))

    def __truediv__(self, other):
        if type(other) is not bfloat16:
            return float(self) / other
        return bfloat16._exact(_bf16(_divide(self, other)))

    def __radd__(self, other):
        return other + float(self)

    def __rsub__(self, other):
        return other - float(self)

    def __rmul__(self, other):
        return other * float(self)

    def __rtruediv__(self, other):
        return other / float(self)

    def __neg__(self):
        return bfloat16._exact(-float(self))

    def __pos__(self):
        return self

    def __abs__(self):
        return bfloat16._exact(abs(float(self)))


def _divide(a, b):
    """IEEE division: by zero it gives infinity or NaN, never raises."""
    if b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return float(a) / b


def _value(x):
    """An argument the GPU converts to nv_bfloat16."""
    return x if type(x) is bfloat16 else bfloat16(x)


def _unary(fn):
    def call(x):
        with np.errstate(all="ignore"):
            return bfloat16(fn(float(_value(x))))

    return call


def _sat(x):
    """Saturation to [0, 1]; NaN gives +0."""
    return min(max(x, 0.0), 1.0) if x == x else 0.0


def _ordered(op):
    return lambda a, b: bool(op(float(_value(a)), float(_value(b))))


def _unordered(op):
    def compare(a, b):
        a, b = float(_value(a)), float(_value(b))
        return a != a or b != b or bool(op(a, b))

    return compare


def _bits(x):
    """A bfloat16's 16 bits: the top half of its float32's."""
    return struct.unpack("<I", struct.pack("<f", float(_value(x))))[0] >> 16


def _from_bits(bits):
    packed = struct.pack("<I", (int(bits) & 0xFFFF) << 16)
    return bfloat16._exact(struct.unpack("<f", packed)[0])


def _to_bf16_mode(mode):
    def convert(x):
        x = float(x)
        if x == 0 or not math.isfinite(x):
            return bfloat16._exact(x)
        return bfloat16._exact(round_ratio(*x.as_integer_ratio(), mode, BF16))

    return convert


_INT_ROUND = {
    "rn": round,  # Python rounds halves to even, as cvt.rni does
    "rz": math.trunc,
    "rd": math.floor,
    "ru": math.ceil,
}


def _to_int(mode, lo, hi, numpy_type):
    """bfloat16 to an integer type: NaN gives 0, the rest saturates."""
    rounding = _INT_ROUND[mode]

    def convert(x):
        x = float(_value(x))
        if x != x:
            return numpy_type(0)
        if math.isinf(x):
            return numpy_type(hi if x > 0 else lo)
        return numpy_type(min(max(rounding(x), lo), hi))

    return convert


def _float32_to_bf16_mode(mode):
    convert = _to_bf16_mode(mode)
    return lambda x: convert(float(np.float32(x)))


def _hisinf(x):
    x = float(_value(x))
    return np.int32(0 if not math.isinf(x) else (1 if x > 0 else -1))


def _bf16_functions():
    """numba-cuda's ``numba.cuda.bf16`` names, simulated."""

    def binary(fn):
        return lambda a, b: bfloat16._exact(fn(_value(a), _value(b)))

    add = binary(lambda a, b: a + b)
    sub = binary(lambda a, b: a - b)
    mul = binary(lambda a, b: a * b)

    def hfma_bf16(a, b, c):
        a, b, c = float(_value(a)), float(_value(b)), float(_value(c))
        return bfloat16._exact(fused(a, b, c, BF16))

    def hfma_relu(a, b, c):
        r = hfma_bf16(a, b, c)
        return r if r != r or r > 0 else bfloat16._exact(0.0)

    def nan_max(a, b):
        a, b = _value(a), _value(b)
        return bfloat16._exact(math.nan if a != a or b != b else _max(a, b))

    def nan_min(a, b):
        a, b = _value(a), _value(b)
        return bfloat16._exact(math.nan if a != a or b != b else _min(a, b))

    t = {
        "bfloat16": bfloat16,
        "habs": lambda a: abs(_value(a)),
        "hneg": lambda a: -_value(a),
        "hadd": add,
        "hsub": sub,
        "hmul": mul,
        "hadd_rn": add,
        "hsub_rn": sub,
        "hmul_rn": mul,
        "hdiv": binary(lambda a, b: a / b),
        "hadd_sat": lambda a, b: bfloat16._exact(_sat(add(a, b))),
        "hsub_sat": lambda a, b: bfloat16._exact(_sat(sub(a, b))),
        "hmul_sat": lambda a, b: bfloat16._exact(_sat(mul(a, b))),
        "hfma": hfma_bf16,
        "hfma_sat": lambda a, b, c: bfloat16._exact(_sat(hfma_bf16(a, b, c))),
        "hfma_relu": hfma_relu,
        "hmax": binary(_max),
        "hmin": binary(_min),
        "hmax_nan": nan_max,
        "hmin_nan": nan_min,
        "hisnan": lambda a: bool(_value(a) != _value(a)),
        "hisinf": _hisinf,
        "bfloat16_to_float32": lambda a: np.float32(_value(a)),
        "float64_to_bfloat16": _to_bf16_mode("rn"),
        "float32_to_bfloat16": _float32_to_bf16_mode("rn"),
        "bfloat16_as_int16": lambda a: np.int16(np.uint16(_bits(a))),
        "bfloat16_as_uint16": lambda a: np.uint16(_bits(a)),
        "int16_as_bfloat16": _from_bits,
        "uint16_as_bfloat16": _from_bits,
        "bfloat16_to_int8_rz": _to_int("rz", -128, 127, np.int8),
        "bfloat16_to_uint8_rz": _to_int("rz", 0, 255, np.uint8),
    }
    for name, fn in (
        ("eq", operator.eq),
        ("ne", operator.ne),
        ("ge", operator.ge),
        ("gt", operator.gt),
        ("le", operator.le),
        ("lt", operator.lt),
    ):
        # heq..hlt are ordered (false for NaN), hequ..hltu unordered.
        t["h" + name] = _ordered(fn) if name != "ne" else _ordered_ne
        t["h" + name + "u"] = _unordered(fn)
    integers = (
        ("int16", -(1 << 15), (1 << 15) - 1, np.int16),
        ("uint16", 0, (1 << 16) - 1, np.uint16),
        ("int32", -(1 << 31), (1 << 31) - 1, np.int32),
        ("uint32", 0, (1 << 32) - 1, np.uint32),
        ("int64", -(1 << 63), (1 << 63) - 1, np.int64),
        ("uint64", 0, (1 << 64) - 1, np.uint64),
    )
    for mode in ("rn", "rz", "rd", "ru"):
        t["float32_to_bfloat16_" + mode] = _float32_to_bf16_mode(mode)
        for name, lo, hi, numpy_type in integers:
            t["%s_to_bfloat16_%s" % (name, mode)] = _to_bf16_mode(mode)
            t["bfloat16_to_%s_%s" % (name, mode)] = _to_int(
                mode, lo, hi, numpy_type
            )
    for name, fn in (
        ("htrunc", math.trunc),
        ("hceil", math.ceil),
        ("hfloor", math.floor),
        ("hrint", np.rint),
        ("hsqrt", np.sqrt),
        ("hrsqrt", lambda x: _divide(1.0, float(np.sqrt(x)))),
        ("hrcp", lambda x: _divide(1.0, x)),
        ("hlog", np.log),
        ("hlog2", np.log2),
        ("hlog10", np.log10),
        ("hcos", np.cos),
        ("hsin", np.sin),
        ("htanh", np.tanh),
        ("htanh_approx", np.tanh),
        ("hexp", np.exp),
        ("hexp2", np.exp2),
        ("hexp10", lambda x: np.power(10.0, x)),
    ):
        t[name] = _unary(_nonfinite_safe(fn))
    return t


def _ordered_ne(a, b):
    a, b = float(_value(a)), float(_value(b))
    return bool(a < b or a > b)


def _nonfinite_safe(fn):
    """``fn`` on floats where math's rounding functions would raise for
    infinities and NaN: those are their own result."""
    if fn in (math.trunc, math.ceil, math.floor):
        return lambda x: fn(x) if math.isfinite(x) else x
    return fn


BF16_FUNCTIONS = _bf16_functions()


# -- installing -------------------------------------------------------------


def simulator_changes():
    """``(owner, name, new)``: ``cuda.fma`` and the ``cuda.fp16`` functions
    that round or compare otherwise than the GPU, and the ``numba.cuda.bf16``
    functions on the simulator's bf16 module, where it has one (numba-cuda;
    numba's built-in target has no bf16)."""
    import importlib

    from numba.cuda.simulator import kernelapi

    changes = [(kernelapi.FakeCUDAModule, "fma", fma)]
    fp16 = getattr(kernelapi, "FakeCUDAFp16", None)
    if fp16 is not None:
        for fn in (hfma, hfloor, hmax, hmin, hne):
            changes.append((fp16, fn.__name__, fn))
        for name, fn in FP16_CONVERTING.items():
            changes.append((fp16, name, fn))
    try:
        bf16 = importlib.import_module("numba.cuda.simulator.bf16")
    except ImportError:
        return changes
    for name, fn in BF16_FUNCTIONS.items():
        changes.append((bf16, name, fn))
    return changes
