"""libdevice functions that compute in simulated kernels.

``numba.cuda.libdevice`` holds stubs that only the CUDA compiler gives a
meaning: called in a simulated kernel, each returns None. :func:`install`
binds each name, once, to a Python version built from ``IMPLEMENTATIONS``.
The types come from each stub's docstring, its numba signature: arguments
are converted to the parameter types as a compiled call converts them, and
results to the return type. So the ``...f`` variants round to float32,
integer functions wrap around, and the unsigned ones give the bits of the
unsigned result in the signed type numba declares for them.
"""

import math
import re
import struct
import sys
import types

import numpy as np

MODES = ("rn", "rz", "ru", "rd")
INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


# -- exact rounding ---------------------------------------------------------


class Format:
    """A binary floating-point format: significand bits, exponent range."""

    def __init__(self, digits, emin, emax):
        self.digits = digits
        self.emin = emin
        self.emax = emax
        self.largest = math.ldexp((1 << digits) - 1, emax - digits + 1)


F32 = Format(24, -126, 127)
F64 = Format(53, -1022, 1023)


def round_ratio(num, den, mode, fmt):
    """num / den (den > 0) rounded to ``fmt`` in ``mode``, as a float.

    Integer arithmetic throughout, so every mode rounds the exact value.
    """
    negative = num < 0
    num = abs(num)
    if num == 0:
        return 0.0
    e = num.bit_length() - den.bit_length()
    if (num << max(-e, 0)) < (den << max(e, 0)):
        e -= 1  # now 2**e <= num / den < 2**(e + 1)
    e = max(e, fmt.emin)
    shift = fmt.digits - 1 - e
    if shift >= 0:
        n, r = divmod(num << shift, den)
        d = den
    else:
        d = den << -shift
        n, r = divmod(num, d)
    if mode == "rn":
        n += 2 * r > d or (2 * r == d and n & 1)
    elif mode != "rz" and r:
        n += (mode == "ru") != negative
    if e > fmt.emax or (e == fmt.emax and n >> fmt.digits):
        toward_inf = mode == "rn" or mode == ("rd" if negative else "ru")
        big = math.inf if toward_inf else fmt.largest
        return -big if negative else big
    value = math.ldexp(n, -shift)
    return -value if negative else value


def round_sqrt(num, den, mode, fmt):
    """sqrt(num / den) rounded to ``fmt`` in ``mode``.

    The integer root carries at least two bits more than ``fmt``; when it
    is not exact, the true root lies strictly between two integers that
    no rounding boundary separates, so their midpoint rounds the same way.
    """
    k = max(0, fmt.digits + 4 - (num.bit_length() - den.bit_length()) // 2)
    scaled = num << (2 * k)
    root = math.isqrt(scaled // den)
    if root * root * den == scaled:
        return round_ratio(root, 1 << k, mode, fmt)
    return round_ratio(2 * root + 1, 1 << (k + 1), mode, fmt)


def _ieee(ufunc):
    """A NumPy ufunc on floats, with IEEE results and no warnings."""

    def call(*args):
        with np.errstate(all="ignore"):
            return float(ufunc(*args))

    return call


def _sign(x):
    return math.copysign(1.0, x)


def _sum_zero(mode, addends):
    """The sign of an exact zero sum, as IEEE 754 gives it."""
    if all(a == 0 for a in addends):
        signs = {_sign(a) for a in addends}
        if len(signs) == 1:
            return 0.0 * signs.pop()
    return -0.0 if mode == "rd" else 0.0


def _ratio_sum(*parts):
    """Sum of (num, den) pairs whose dens are powers of two."""
    den = 1
    for _, d in parts:
        den = max(den, d)
    return sum(n * (den // d) for n, d in parts), den


def _add(mode, fmt, x, y):
    num, den = _ratio_sum(x.as_integer_ratio(), y.as_integer_ratio())
    if num == 0:
        return _sum_zero(mode, (x, y))
    return round_ratio(num, den, mode, fmt)


def _mul(mode, fmt, x, y):
    a, b = x.as_integer_ratio()
    c, d = y.as_integer_ratio()
    if a == 0 or c == 0:
        return 0.0 * _sign(x) * _sign(y)
    return round_ratio(a * c, b * d, mode, fmt)


def _div(mode, fmt, x, y):
    if y == 0:
        return _ieee(np.divide)(x, y)
    a, b = x.as_integer_ratio()
    c, d = y.as_integer_ratio()
    if a == 0:
        return 0.0 * _sign(x) * _sign(y)
    num, den = a * d, b * c
    if den < 0:
        num, den = -num, -den
    return round_ratio(num, den, mode, fmt)


def _fma(mode, fmt, x, y, z):
    a, b = x.as_integer_ratio()
    c, d = y.as_integer_ratio()
    num, den = _ratio_sum((a * c, b * d), z.as_integer_ratio())
    if num == 0:
        return _sum_zero(
            mode, (0.0 * _sign(x) * _sign(y) if a * c == 0 else 1, z)
        )
    return round_ratio(num, den, mode, fmt)


def _sqrt(mode, fmt, x):
    if x <= 0:
        return x if x == 0 else math.nan
    return round_sqrt(*x.as_integer_ratio(), mode, fmt)


def _rsqrt(mode, fmt, x):
    if x <= 0:
        return math.copysign(math.inf, x) if x == 0 else math.nan
    num, den = x.as_integer_ratio()
    return round_sqrt(den, num, mode, fmt)


# IEEE results for arguments that are not all finite.
_NONFINITE = {
    _add: _ieee(np.add),
    _mul: _ieee(np.multiply),
    _div: _ieee(np.divide),
    # A finite product is exact: an infinite z is the sum, even where
    # x * y overflows in float64.
    _fma: lambda x, y, z: z if math.isfinite(x * 0 + y * 0) else x * y + z,
    _sqrt: _ieee(np.sqrt),
    _rsqrt: lambda x: _ieee(np.divide)(1.0, _ieee(np.sqrt)(x)),
}


def rounded(op, mode, fmt, transform=None):
    """``op`` on the exact arguments, rounded once to ``fmt`` in ``mode``.

    ``transform`` maps the call's arguments to ``op``'s (subtraction and
    reciprocal reuse addition and division).
    """
    nonfinite = _NONFINITE[op]

    def fn(*args):
        if transform is not None:
            args = transform(*args)
        if all(map(math.isfinite, args)):
            return op(mode, fmt, *args)
        return nonfinite(*args)

    return fn


def float_to_int(mode, bits, signed=True):
    """Conversion to an integer type: rounded as named, saturated, NaN
    giving 0, as the GPU's ``cvt`` does."""
    lo = -(1 << (bits - 1)) if signed else 0
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    to_int = {
        "rn": round,
        "rz": math.trunc,
        "ru": math.ceil,
        "rd": math.floor,
        "ra": lambda x: math.trunc(_round_away(x)),
    }[mode]

    def fn(x):
        if x != x:
            return 0
        if math.isinf(x):
            return hi if x > 0 else lo
        return min(max(to_int(x), lo), hi)

    return fn


def int_to_float(mode, fmt, bits, signed=True):
    """Conversion of an integer, read as ``bits`` wide, to ``fmt``."""
    mask = (1 << bits) - 1

    def fn(i):
        return round_ratio(i if signed else i & mask, 1, mode, fmt)

    return fn


def narrow(mode):
    """float64 to float32, rounded as named."""

    def fn(x):
        if not math.isfinite(x) or x == 0:
            return x
        return round_ratio(*x.as_integer_ratio(), mode, F32)

    return fn


# -- math functions, computed in float64 ------------------------------------


def _nan(*args):
    return math.nan


def libm(name, ufunc=None):
    """``math.<name>``, or the ufunc where ``math`` raises instead of
    returning C's inf or NaN (or lacks the function)."""
    if ufunc is None:
        # NumPy 1 knows some by their old names only; erf, erfc never raise.
        old = {"pow": "power"}.get(name, "arc" + name[1:])
        ufunc = getattr(np, name, None) or getattr(np, old, None)
    fallback = _ieee(ufunc) if ufunc is not None else _nan
    fn = getattr(math, name, None)
    if fn is None:
        return fallback

    def call(*args):
        try:
            return fn(*args)
        except (ValueError, OverflowError):
            return fallback(*args)

    return call


_sin, _cos = libm("sin"), libm("cos")


def _sinpi(x):
    if not math.isfinite(x):
        return math.nan
    y = math.fmod(x, 2.0)
    n = round(2.0 * y)
    r = math.pi * (y - 0.5 * n)
    result = (math.sin(r), math.cos(r), -math.sin(r), -math.cos(r))[n % 4]
    return math.copysign(0.0, x) if result == 0 else result


def _cospi(x):
    if not math.isfinite(x):
        return math.nan
    y = math.fmod(abs(x), 2.0)
    n = round(2.0 * y)
    r = math.pi * (y - 0.5 * n)
    result = (math.cos(r), -math.sin(r), -math.cos(r), math.sin(r))[n % 4]
    return result + 0.0


def _round_away(x):
    """C's round: halfway cases away from zero."""
    if not math.isfinite(x):
        return x
    t = float(math.trunc(x))
    if abs(x - t) >= 0.5:
        t += _sign(x)
    return math.copysign(t, x)


def _tgamma(x):
    try:
        return math.gamma(x)
    except ValueError:
        return math.copysign(math.inf, x) if x == 0 else math.nan
    except OverflowError:
        return math.inf


def _lgamma(x):
    try:
        return math.lgamma(x)
    except (ValueError, OverflowError):
        return math.inf


def _logb(x):
    if x == 0:
        return -math.inf
    if not math.isfinite(x):
        return abs(x)
    return float(math.frexp(x)[1] - 1)


def _ilogb(x):
    if x != x or x == 0:
        return INT32_MIN
    if math.isinf(x):
        return INT32_MAX
    return math.frexp(x)[1] - 1


def _ldexp(x, n):
    try:
        return math.ldexp(x, n)
    except OverflowError:
        return math.copysign(math.inf, x)


def _fmax(x, y):
    if x != x or y != y:
        return y if x != x else x
    if x == y:
        return x if _sign(x) > 0 else y
    return x if x > y else y


def _fmin(x, y):
    if x != x or y != y:
        return y if x != x else x
    if x == y:
        return x if _sign(x) < 0 else y
    return x if x < y else y


def _fdim(fmt):
    sub = rounded(_add, "rn", fmt, lambda x, y: (x, -y))
    return lambda x, y: (
        sub(x, y) if x > y else (x - y if x != x or y != y else 0.0)
    )


def _remainder(x, y):
    try:
        return math.remainder(x, y)
    except ValueError:
        return math.nan


def _remquo(x, y):
    """(remainder, quotient): the quotient's sign and its low 3 bits, the
    part C and CUDA specify."""
    r = _remainder(x, y)
    if not (math.isfinite(x) and math.isfinite(y)) or y == 0:
        return r, 0
    a, b = x.as_integer_ratio()
    c, d = y.as_integer_ratio()
    num, den = a * d, b * c
    if den < 0:
        num, den = -num, -den
    q, rest = divmod(abs(num), den)
    q += 2 * rest > den or (2 * rest == den and q & 1)
    return r, (q & 7) * (-1 if num < 0 else 1)


def _nextafterf(x, y):
    return float(np.nextafter(np.float32(x), np.float32(y)))


_SQRT_PI = math.sqrt(math.pi)


def _erfcx(x):
    """exp(x*x) * erfc(x), without overflow or loss for large x."""
    if x != x:
        return x
    if x < 25.0:
        # exp(x*x) with the rounding error of x*x put back in.
        hi = x * x
        if hi > 709.0:
            return math.inf
        a, b = x.as_integer_ratio()
        c, d = hi.as_integer_ratio()
        lo = (a * a * d - c * b * b) / (b * b * d)
        return math.exp(hi) * (1.0 + lo) * math.erfc(x)
    if math.isinf(x):
        return 0.0
    # Continued fraction, converged to double precision for x >= 25.
    t = x
    for k in range(40, 0, -1):
        t = x + 0.5 * k / t
    return 1.0 / (_SQRT_PI * t)


def _erfcinv(y):
    """t with erfc(t) == y, by Newton's method from an asymptotic guess."""
    if not 0.0 <= y <= 2.0:
        return math.nan
    if y == 0.0 or y == 2.0:
        return math.inf if y == 0.0 else -math.inf
    if y > 1.0:
        return -_erfcinv(2.0 - y)
    if y > 0.5:
        return _erfinv(1.0 - y)
    w = -math.log(y)
    t = math.sqrt(max(w - 0.5 * math.log(math.pi * w), 0.25))
    for _ in range(60):
        e = math.erfc(t)
        step = 0.5 * _SQRT_PI * _erfcx(t) * (1.0 - y / e)
        t += step
        if abs(step) <= 1e-17 * t:
            break
    return t


def _erfinv(y):
    if not -1.0 <= y <= 1.0:
        return math.nan
    if abs(y) > 0.5:
        return math.copysign(_erfcinv(1.0 - abs(y)), y)
    if y == 0:
        return y
    t = 0.5 * _SQRT_PI * (y + math.pi * y**3 / 12.0)
    for _ in range(60):
        step = (y - math.erf(t)) * 0.5 * _SQRT_PI * math.exp(t * t)
        t += step
        if abs(step) <= 1e-17 * abs(t):
            break
    return t


def _normcdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _normcdfinv(p):
    return -math.sqrt(2.0) * _erfcinv(2.0 * p) + 0.0  # +0 at p = 0.5


# -- Bessel functions of integer order --------------------------------------

# Enough digits of pi and of Euler's constant for the series below.
_PI = "3.14159265358979323846264338327950288419716939937510582097494459"
_EULER = "0.57721566490153286060651209008240243104215933593992359880576723"
_SERIES_LIMIT = 25.0


def _bessel_series(n, x):
    """(J_n(x), Y_n(x)) for x > 0 from their power series, summed in
    decimal with digits to spare for the cancellation."""
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 40 + int(x) // 2 + n // 4
        D = decimal.Decimal
        pi, euler = D(_PI), D(_EULER)
        half = D(x) / 2
        q = -(half * half)
        # J_n: sum over k of q**k / (k! (n+k)!), times half**n.
        term = D(1) / math.factorial(n)
        harmonic_k, harmonic_nk = D(0), sum(D(1) / i for i in range(1, n + 1))
        j_sum = term
        y_sum = term * (harmonic_k + harmonic_nk)
        largest = abs(term) * (1 + abs(harmonic_nk))
        tiny = D(10) ** (-ctx.prec)
        k = 0
        while True:
            k += 1
            term = term * q / (k * (n + k))
            harmonic_k += D(1) / k
            harmonic_nk += D(1) / (n + k)
            j_sum += term
            y_part = term * (harmonic_k + harmonic_nk)
            y_sum += y_part
            size = abs(term) + abs(y_part)
            largest = max(largest, size)
            if k > half and size <= largest * tiny:
                break
        power = half**n
        j = j_sum * power
        finite = D(0)
        for i in range(n):
            finite += (
                D(math.factorial(n - i - 1))
                / math.factorial(i)
                * (half ** (2 * i - n))
            )
        y = (2 * (half.ln() + euler) * j - power * y_sum - finite) / pi
        return float(j), float(y)


def _bessel_asymptotic(n, x):
    """(J_n(x), Y_n(x)), n in (0, 1), x >= 25, from Hankel's expansion."""
    mu = 4.0 * n * n
    p, q = 1.0, 0.0
    term = 1.0
    k = 0
    while True:
        k += 1
        factor = (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        if abs(term * factor) >= abs(term) and k > 1:
            break
        term *= factor
        if k % 2:
            q += term if k % 4 == 1 else -term
        else:
            p += -term if k % 4 == 2 else term
        if abs(term) < 1e-18:
            break
    s, c = math.sin(x), math.cos(x)
    # chi = x - (n/2 + 1/4) pi, expanded so that libm reduces x alone.
    if n == 0:
        cos_chi, sin_chi = (c + s) / math.sqrt(2.0), (s - c) / math.sqrt(2.0)
    else:
        cos_chi, sin_chi = (s - c) / math.sqrt(2.0), -(s + c) / math.sqrt(2.0)
    scale = math.sqrt(2.0 / (math.pi * x))
    return (
        scale * (p * cos_chi - q * sin_chi),
        scale * (p * sin_chi + q * cos_chi),
    )


def _bessel(n, x):
    """(J_n(x), Y_n(x)) for n >= 0 and finite x > 0."""
    if x <= _SERIES_LIMIT or n >= x:
        return _bessel_series(n, x)
    j0, y0 = _bessel_asymptotic(0, x)
    j1, y1 = _bessel_asymptotic(1, x)
    for k in range(1, n):
        # Forward recurrence: stable for Y, and for J while k < x.
        j0, j1 = j1, 2.0 * k / x * j1 - j0
        y0, y1 = y1, 2.0 * k / x * y1 - y0
    return (j0, y0) if n == 0 else (j1, y1)


def _jn(n, x):
    if n < 0 or x != x:
        return math.nan
    if math.isinf(x):
        return 0.0
    if x == 0:
        return 1.0 if n == 0 else 0.0 * (_sign(x) if n % 2 else 1.0)
    j = _bessel(n, abs(x))[0]
    return -j if x < 0 and n % 2 else j


def _yn(n, x):
    if n < 0 or x != x or x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    if math.isinf(x):
        return 0.0
    return _bessel(n, x)[1]


# -- integers ---------------------------------------------------------------

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1


def unsigned(fn, mask):
    """``fn`` on its integer arguments read as unsigned."""
    return lambda *args: fn(*(a & mask for a in args))


def _brev(bits):
    return lambda x: int(format(x & ((1 << bits) - 1), "0%db" % bits)[::-1], 2)


def _clz(bits):
    return lambda x: bits - (x & ((1 << bits) - 1)).bit_length()


def _ffs(bits):
    def fn(x):
        x &= (1 << bits) - 1
        return (x & -x).bit_length()

    return fn


def _popc(mask):
    return lambda x: bin(x & mask).count("1")


def _byte_perm(x, y, s):
    data = (x & M32) | ((y & M32) << 32)
    out = 0
    for i in range(4):
        pick = (s >> (4 * i)) & 7
        out |= ((data >> (8 * pick)) & 0xFF) << (8 * i)
    return out


def _low24_signed(x):
    return ((x & 0xFFFFFF) ^ 0x800000) - 0x800000


def _bits(pack, unpack):
    """Reinterpret the bits of one type as another."""
    return lambda x: struct.unpack(unpack, struct.pack(pack, x))[0]


def _hiloint2double(hi, lo):
    return struct.unpack("<d", struct.pack("<II", lo & M32, hi & M32))[0]


def _float2half_rn(x):
    if abs(x) >= 65520.0:  # rounds to infinity in half precision
        x = math.copysign(math.inf, x)
    return int(np.float16(x).view(np.int16))


def _half2float(h):
    return float(np.int16(h).view(np.float16))


# -- the table --------------------------------------------------------------


def _table():
    t = {}
    # Functions computed in float64; the float32 twin, named with an "f",
    # takes float32 arguments and rounds the result once to float32.
    both = {
        name: libm(name)
        for name in (
            "acos",
            "acosh",
            "asin",
            "asinh",
            "atan",
            "atan2",
            "atanh",
            "cos",
            "cosh",
            "erf",
            "erfc",
            "exp",
            "expm1",
            "fmod",
            "hypot",
            "log",
            "log10",
            "log1p",
            "log2",
            "pow",
            "sin",
            "sinh",
            "tan",
            "tanh",
        )
    }
    both.update(
        cbrt=libm("cbrt"),
        ceil=_ieee(np.ceil),
        copysign=math.copysign,
        cospi=_cospi,
        erfcinv=_erfcinv,
        erfcx=_erfcx,
        erfinv=_erfinv,
        exp10=lambda x: both["pow"](10.0, x),
        exp2=libm("exp2"),
        fabs=abs,
        floor=_ieee(np.floor),
        fmax=_fmax,
        fmin=_fmin,
        frexp=math.frexp,
        ilogb=_ilogb,
        j0=lambda x: _jn(0, x),
        j1=lambda x: _jn(1, x),
        jn=_jn,
        ldexp=_ldexp,
        lgamma=_lgamma,
        logb=_logb,
        modf=math.modf,
        nearbyint=_ieee(np.rint),
        normcdf=_normcdf,
        normcdfinv=_normcdfinv,
        powi=lambda x, n: both["pow"](x, float(n)),
        rcbrt=lambda x: (
            1.0 / both["cbrt"](x) if x else math.copysign(math.inf, x)
        ),
        remainder=_remainder,
        remquo=_remquo,
        rint=_ieee(np.rint),
        round=_round_away,
        scalbn=_ldexp,
        sincos=lambda x: (_sin(x), _cos(x)),
        sincospi=lambda x: (_sinpi(x), _cospi(x)),
        sinpi=_sinpi,
        sqrt=libm("sqrt"),
        tgamma=_tgamma,
        trunc=_ieee(np.trunc),
        y0=lambda x: _yn(0, x),
        y1=lambda x: _yn(1, x),
        yn=_yn,
    )
    for name, fn in both.items():
        t[name] = t[name + "f"] = fn
    t["nextafter"], t["nextafterf"] = math.nextafter, _nextafterf
    t["fdim"], t["fdimf"] = _fdim(F64), _fdim(F32)
    t["rsqrt"] = rounded(_rsqrt, "rn", F64)
    t["rsqrtf"] = t["frsqrt_rn"] = rounded(_rsqrt, "rn", F32)
    t["fma"], t["fmaf"] = rounded(_fma, "rn", F64), rounded(_fma, "rn", F32)
    # The fast intrinsics: as accurate as their full versions here.
    for name in ("cos", "exp10", "exp", "log10", "log2", "log", "sin", "tan"):
        t["fast_%sf" % name] = both[name]
    t["fast_sincosf"] = both["sincos"]
    t["fast_powf"] = lambda x, y: both["exp2"](y * both["log2"](x))
    t["fast_fdividef"] = _fast_fdividef
    t["saturatef"] = lambda x: min(max(x, 0.0), 1.0) if x > 0 else 0.0
    for d, f, fn in (
        ("isfinited", "finitef", math.isfinite),
        ("isinfd", "isinff", math.isinf),
        ("isnand", "isnanf", math.isnan),
        ("signbitd", "signbitf", lambda x: _sign(x) < 0),
    ):
        t[d] = t[f] = lambda x, fn=fn: int(fn(x))
    for name, fn in (("llrint", "rn"), ("llround", "ra")):
        t[name] = t[name + "f"] = float_to_int(fn, 64)

    # Correctly rounded arithmetic and conversions, in each rounding mode.
    def neg(x, y):
        return x, -y

    def recip(x):
        return 1.0, x

    for mode in MODES:
        for prefix, fmt in (("d", F64), ("f", F32)):
            t[prefix + "add_" + mode] = rounded(_add, mode, fmt)
            t[prefix + "mul_" + mode] = rounded(_mul, mode, fmt)
            t[prefix + "div_" + mode] = rounded(_div, mode, fmt)
            t[prefix + "rcp_" + mode] = rounded(_div, mode, fmt, recip)
            t[prefix + "sqrt_" + mode] = rounded(_sqrt, mode, fmt)
        t["fsub_" + mode] = rounded(_add, mode, F32, neg)
        t["fma_" + mode] = rounded(_fma, mode, F64)
        t["fmaf_" + mode] = rounded(_fma, mode, F32)
        t["double2float_" + mode] = narrow(mode)
        for src in ("double", "float"):
            t["%s2int_%s" % (src, mode)] = float_to_int(mode, 32)
            t["%s2uint_%s" % (src, mode)] = float_to_int(mode, 32, False)
            t["%s2ll_%s" % (src, mode)] = float_to_int(mode, 64)
            t["%s2ull_%s" % (src, mode)] = float_to_int(mode, 64, False)
        for src, bits, signed in (
            ("int", 32, True),
            ("uint", 32, False),
            ("ll", 64, True),
            ("ull", 64, False),
        ):
            for dst, fmt in (("double", F64), ("float", F32)):
                t["%s2%s_%s" % (src, dst, mode)] = int_to_float(
                    mode, fmt, bits, signed
                )

    # Integer functions; the return type wraps the result around.
    for prefix, bits, mask in (("", 32, M32), ("ll", 64, M64)):
        t[prefix + "abs"] = abs
        t[prefix + "max"] = max
        t[prefix + "min"] = min
        t["brev" + prefix] = _brev(bits)
        t["clz" + prefix] = _clz(bits)
        t["ffs" + prefix] = _ffs(bits)
        t["popc" + prefix] = _popc(mask)
    t["umax"], t["umin"] = unsigned(max, M32), unsigned(min, M32)
    t["ullmax"], t["ullmin"] = unsigned(max, M64), unsigned(min, M64)
    t["byte_perm"] = _byte_perm
    t["hadd"] = lambda x, y: (x + y) >> 1
    t["rhadd"] = lambda x, y: (x + y + 1) >> 1
    t["uhadd"] = unsigned(t["hadd"], M32)
    t["urhadd"] = unsigned(t["rhadd"], M32)
    t["mulhi"] = lambda x, y: (x * y) >> 32
    t["umulhi"] = unsigned(t["mulhi"], M32)
    t["mul64hi"] = lambda x, y: (x * y) >> 64
    t["umul64hi"] = unsigned(t["mul64hi"], M64)
    t["mul24"] = lambda x, y: _low24_signed(x) * _low24_signed(y)
    t["umul24"] = lambda x, y: (x & 0xFFFFFF) * (y & 0xFFFFFF)
    t["sad"] = lambda x, y, z: abs(x - y) + (z & M32)
    t["usad"] = unsigned(t["sad"], M32)

    # Bits of one type read as another.
    t["float_as_int"] = _bits("<f", "<i")
    t["int_as_float"] = _bits("<i", "<f")
    t["double_as_longlong"] = _bits("<d", "<q")
    t["longlong_as_double"] = _bits("<q", "<d")
    t["double2hiint"] = lambda x: struct.unpack("<ii", struct.pack("<d", x))[1]
    t["double2loint"] = lambda x: struct.unpack("<ii", struct.pack("<d", x))[0]
    t["hiloint2double"] = _hiloint2double
    t["float2half_rn"] = _float2half_rn
    t["half2float"] = _half2float
    return t


def _fast_fdividef(x, y):
    # __fdividef gives 0 (NaN for an infinite x) for 2**126 < |y| < 2**128.
    if 2.0**126 < abs(y) < 2.0**128:
        return math.nan if math.isinf(x) else 0.0 * _sign(x) * _sign(y)
    return _ieee(np.divide)(x, y)


IMPLEMENTATIONS = _table()


# -- types ------------------------------------------------------------------


def _wrapping(bits):
    half = 1 << (bits - 1)
    mask = (1 << bits) - 1
    return lambda i: ((int(i) + half) & mask) - half


# float32 results at or beyond this magnitude round to infinity.
_F32_OVERFLOW = math.ldexp((1 << 25) - 1, 127 - 24)


def _to_float32(x):
    x = float(x)
    if abs(x) >= _F32_OVERFLOW:
        return np.float32(math.copysign(math.inf, x))
    return np.float32(x)


# Conversions to the types named in the stubs' docstrings: for arguments
# (Python values the implementations compute with) and for results.
ARGUMENT = {
    "float64": float,
    "float32": lambda x: float(_to_float32(x)),
    "int16": _wrapping(16),
    "int32": _wrapping(32),
    "int64": _wrapping(64),
}
RESULT = {
    "float64": np.float64,
    "float32": _to_float32,
    "int16": lambda i: np.int16(_wrapping(16)(i)),
    "int32": lambda i: np.int32(_wrapping(32)(i)),
    "int64": lambda i: np.int64(_wrapping(64)(i)),
}

_PARAM = re.compile(r":type \w+: (\w+)")
_RTYPE = re.compile(r":rtype: (\w+)\((\w+)(?: x (\d)|, (\w+))\)|:rtype: (\w+)")


def signature(stub):
    """(argument types, result types or a single type) from a stub's
    docstring, e.g. ``([float32], (float32, int32))``."""
    doc = stub.__doc__ or ""
    params = _PARAM.findall(doc)
    m = _RTYPE.search(doc)
    if m is None:
        raise ValueError("%s: no :rtype: in its docstring" % stub.__name__)
    kind, first, count, second, single = m.groups()
    if single:
        return params, single
    if kind == "UniTuple":
        return params, (first,) * int(count)
    return params, (first, second)


def typed(fn, params, result):
    """``fn`` called as the GPU calls it: arguments converted to
    ``params``, the result to ``result`` (one type or a tuple of them)."""
    convert_args = [ARGUMENT[p] for p in params]
    if isinstance(result, tuple):
        converters = [RESULT[r] for r in result]

        def convert_result(values):
            return tuple(c(v) for c, v in zip(converters, values))

    else:
        convert_result = RESULT[result]

    if len(convert_args) == 1:
        (a,) = convert_args

        def call(x):
            return convert_result(fn(a(x)))

    else:

        def call(*args):
            return convert_result(
                fn(*[c(v) for c, v in zip(convert_args, args)])
            )

    return call


# -- installing -------------------------------------------------------------

INSTALLED = "_simulated"


def _not_simulated(name, why):
    def call(*args):
        raise NotImplementedError(
            "numba.cuda.libdevice.%s is not available in the CUDA "
            "simulator (%s)" % (name, why)
        )

    return call


def build(name, stub):
    """The simulated ``name``, typed from its stub's docstring. A name
    this table lacks, or a docstring giving no signature, gives a function
    that raises instead of returning None."""
    fn = IMPLEMENTATIONS.get(name)
    if fn is None:
        return _not_simulated(name, "no implementation")
    try:
        return typed(fn, *signature(stub))
    except (KeyError, ValueError) as e:
        return _not_simulated(name, "unknown type %s" % e)


def simulated(name, stub):
    """Stands for ``name``; built on its first call, so that installing
    costs little (reading 317 signatures takes milliseconds)."""
    built = []

    def call(*args):
        if not built:
            built.append(build(name, stub))
        return built[0](*args)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = stub.__doc__
    return call


def install(cuda):
    """Bind the names of ``cuda.libdevice`` to simulated functions, once.

    Only for the simulator: with it off, ``numba.cuda.libdevice`` is what
    the compiler reads, and this changes nothing.
    """
    config = sys.modules.get(cuda.__name__ + ".core.config") or sys.modules.get(
        "numba.core.config"
    )
    if not getattr(config, "ENABLE_CUDASIM", False):
        return
    module = sys.modules.get(cuda.__name__ + ".libdevice")
    if module is None:
        import importlib

        module = importlib.import_module(cuda.__name__ + ".libdevice")
    if getattr(module, INSTALLED, None):
        return
    stubs = {
        name: stub
        for name, stub in vars(module).items()
        if isinstance(stub, types.FunctionType) and not name.startswith("_")
    }
    for name, stub in stubs.items():
        setattr(module, name, simulated(name, stub))
    # Kept for ``remove_from``.
    setattr(module, INSTALLED, stubs)


def remove_from(cuda):
    """Put the stubs back in ``cuda.libdevice``: with the simulator
    switched off at run time, the compiler types calls by them."""
    module = sys.modules.get(cuda.__name__ + ".libdevice")
    stubs = getattr(module, INSTALLED, None)
    if not stubs:
        return
    for name, stub in stubs.items():
        setattr(module, name, stub)
    delattr(module, INSTALLED)
