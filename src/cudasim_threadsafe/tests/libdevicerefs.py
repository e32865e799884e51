"""References for ``test_libdevice``: exact rounding in each mode by
rational arithmetic, and the special functions that ``math`` lacks
(integrals, inverses by bisection), computed without the simulator."""

import math
from fractions import Fraction

import numpy as np

F32, F64 = np.float32, np.float64
# The rounding modes of the _rn, _rz, _ru, _rd variants.
MODES = ("rn", "rz", "ru", "rd")
INF, NAN = math.inf, math.nan


# -- reference rounding, by exact comparison --------------------------------


def round_ref(compare, approx, mode, ftype):
    """The ``ftype`` value that rounds the true value in ``mode``.

    ``compare(c)`` gives the sign of ``c - true`` for a Fraction ``c``;
    ``approx`` is a float near the true value.
    """
    top = float(np.finfo(ftype).max)
    down, up_ = ftype(-INF), ftype(INF)

    def sign(v):
        if math.isinf(v):
            return 1 if v > 0 else -1
        return compare(Fraction(float(v)))

    x = ftype(min(max(approx, -top), top))
    with np.errstate(over="ignore"):  # stepping past the largest value
        while sign(x) > 0:
            x = np.nextafter(x, down)
        while True:
            up = np.nextafter(x, up_)
            if sign(up) > 0:
                break
            x = up
    if sign(x) == 0:
        return float(x)
    positive = compare(Fraction(0)) < 0
    if mode == "rd":
        return float(x)
    if mode == "ru":
        return float(up)
    if mode == "rz":
        return float(x) if positive else float(up)
    if math.isinf(up):  # halfway to the next power of two rounds up
        below = Fraction(float(np.nextafter(x, down)))
        middle = Fraction(float(x)) * 3 / 2 - below / 2
    elif math.isinf(x):
        above = Fraction(float(np.nextafter(up, up_)))
        middle = Fraction(float(up)) * 3 / 2 - above / 2
    else:
        middle = (Fraction(float(x)) + Fraction(float(up))) / 2
    side = compare(middle)
    if side == 0:
        bits = np.array(x).view(np.int32 if ftype is F32 else np.int64)
        return float(up) if int(bits) & 1 else float(x)
    return float(up) if side < 0 else float(x)


def rational(value):
    return lambda c: (c > value) - (c < value)


def exact_ref(op, mode, ftype):
    """Reference for a correctly rounded ``op`` on Fractions."""

    def ref(*args):
        if not all(math.isfinite(a) for a in args):
            return None
        value = op(*[Fraction(a) for a in args])
        if value == 0:
            return None
        return round_ref(rational(value), float(value), mode, ftype)

    return ref


def sqrt_ref(mode, ftype, reciprocal=False):
    def ref(x):
        if not math.isfinite(x) or x <= 0:
            return None
        f = Fraction(x)
        if reciprocal:

            def compare(c):
                return (c * c * f > 1) - (c * c * f < 1) if c > 0 else -1

            approx = 1 / math.sqrt(x)
        else:

            def compare(c):
                return (c * c > f) - (c * c < f) if c > 0 else -1

            approx = math.sqrt(x)
        return round_ref(compare, approx, mode, ftype)

    return ref


def to_int_ref(mode, bits, signed, wrap):
    lo = -(1 << (bits - 1)) if signed else 0
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1

    def ref(x):
        if math.isnan(x):
            return 0
        if math.isinf(x):
            n = hi if x > 0 else lo
        else:
            f = Fraction(x)
            n = {
                "rn": round(f),
                "rz": math.trunc(f),
                "ru": math.ceil(f),
                "rd": math.floor(f),
            }[mode]
        return wrapped(min(max(n, lo), hi), wrap)

    return ref


def wrapped(n, bits):
    half = 1 << (bits - 1)
    return ((n + half) % (1 << bits)) - half


def from_int_ref(mode, ftype, bits, signed):
    def ref(i):
        n = i if signed else i % (1 << bits)
        return round_ref(rational(Fraction(n)), float(n), mode, ftype)

    return ref


def struct_bits(value, itype):
    return int(np.array(value).view(itype))


def trig_pi(x):
    """(sin(pi x), cos(pi x)) from exactly known values where possible."""
    known = {0.25: (0.5**0.5, 0.5**0.5), 0.5: (1.0, 0.0), 1.0: (0.0, -1.0)}
    known[1.5] = (-1.0, 0.0)
    known[-1.5] = (1.0, 0.0)
    if x in known:
        return known[x]
    return math.sin(math.pi * x), math.cos(math.pi * x)


def gamma(x):
    return {
        5.0: 24.0,
        0.5: math.sqrt(math.pi),
        -0.5: -2 * math.sqrt(math.pi),
        -2.5: -8 * math.sqrt(math.pi) / 15,
    }[x]


def lgamma(x):
    return math.log(abs(gamma(x))) if x != 10.0 else math.log(362880.0)


def _bisect(f, target, lo, hi, increasing=True):
    """x in [lo, hi] with f(x) == target, to the last bit f can tell."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def erfinv_ref(y):
    if abs(y) > 0.5:  # erf is flat there: invert erfc instead
        return math.copysign(erfcinv_ref(1.0 - abs(y)), y)
    return _bisect(math.erf, y, -6.0, 6.0)


def erfcinv_ref(y):
    return _bisect(math.erfc, y, -6.0, 30.0, increasing=False)


def normcdfinv_ref(p):
    return _bisect(lambda t: 0.5 * math.erfc(-t / math.sqrt(2)), p, -40.0, 10.0)


def erfcx_ref(x):
    if x < 10:
        return math.exp(x * x) * math.erfc(x)
    # Asymptotic series: 1/(x sqrt(pi)) * sum (-1)^k (2k-1)!! / (2x^2)^k
    total, term = 1.0, 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) / (2 * x * x)
        total += term
    return total / (x * math.sqrt(math.pi))


_LEGENDRE = np.polynomial.legendre.leggauss(32)


def _gauss(f, a, b, panels=16):
    """Composite Gauss-Legendre quadrature, 32 points a panel."""
    nodes, weights = _LEGENDRE
    edges = np.linspace(a, b, panels + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        t = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
        total += 0.5 * (hi - lo) * float(np.sum(weights * f(t)))
    return total


def jn_ref(n, x):
    # J_n(x) = 1/pi * integral over [0, pi] of cos(n t - x sin t)
    return (
        _gauss(lambda t: np.cos(n * t - x * np.sin(t)), 0.0, math.pi) / math.pi
    )


def yn_ref(n, x):
    first = _gauss(lambda t: np.sin(x * np.sin(t) - n * t), 0.0, math.pi)
    end = 1.0
    while x * math.sinh(end) - n * end < 60:
        end += 0.5

    def tail(t):
        return (np.exp(n * t) + (-1) ** n * np.exp(-n * t)) * np.exp(
            -x * np.sinh(t)
        )

    return (first - _gauss(tail, 0.0, end)) / math.pi
