"""The cases of ``test_libdevice``: for each libdevice function, the
argument rows it is called with in a kernel, its reference and the error
bound allowed (``CASES``)."""

import math

import numpy as np
from numba.cuda import libdevice

from .libdevicerefs import (
    F32,
    F64,
    INF,
    MODES,
    NAN,
    erfcinv_ref,
    erfcx_ref,
    erfinv_ref,
    exact_ref,
    from_int_ref,
    gamma,
    jn_ref,
    lgamma,
    normcdfinv_ref,
    sqrt_ref,
    struct_bits,
    to_int_ref,
    trig_pi,
    wrapped,
    yn_ref,
)

# -- the cases --------------------------------------------------------------

# name -> (rows of arguments, reference, bound). A reference is called
# with a row as the kernel receives it (converted to the parameter types)
# and returns the expected value (a tuple for pairs), or None where the
# row has no reference; or it is a list of expected values, one a row.
# Bounds: "exact", ("ulp", n), ("abs", e) or ("rel", r).
CASES = {}


def case(name, rows, ref, bound="exact"):
    CASES[name] = (rows, ref, bound)


def explicit(name, pairs, bound="exact"):
    """Rows given with their expected results."""
    case(name, [p[0] for p in pairs], [p[1] for p in pairs], bound)


def f32(x):
    with np.errstate(over="ignore"):
        return float(F32(x))


def twin(name, rows, fn, bound64, bound32=("ulp", 1)):
    """``name`` in float64 against ``fn``, and ``name + "f"`` against
    ``fn`` on float32 arguments, rounded to float32.

    Our float32 variants round a float64 result once, so 1 ulp holds;
    CUDA's bounds for them are 1 to 9 ulp."""
    case(name, rows, fn, bound64)
    rows32 = [
        tuple(f32(a) if isinstance(a, float) else a for a in r) for r in rows
    ]

    def ref32(*args):
        value = fn(*args)
        if isinstance(value, tuple):
            return tuple(f32(v) if isinstance(v, float) else v for v in value)
        return f32(value)

    case(name + "f", rows32, ref32, bound32)


def _cases():
    # Elementary functions: CUDA's double bounds are 1 to 2 ulp (erfc,
    # erfcx, pow: up to 5; lgamma, tgamma: 4 to 10 away from their zeros).
    two = ("ulp", 2)
    for name, rows, fn in (
        ("acos", [0.3, -0.7, 1.0], math.acos),
        ("acosh", [1.5, 10.0], math.acosh),
        ("asin", [0.3, -0.7], math.asin),
        ("asinh", [0.5, -3.0], math.asinh),
        ("atan", [0.5, -20.0], math.atan),
        ("atanh", [0.5, -0.9], math.atanh),
        ("cbrt", [27.0, -2.0], lambda x: math.copysign(abs(x) ** (1 / 3), x)),
        ("cos", [1.0, 100.0], math.cos),
        ("cosh", [1.0, -3.0], math.cosh),
        ("erf", [0.5, -1.5], math.erf),
        ("erfc", [0.5, 5.0], math.erfc),
        ("exp", [1.0, -3.5], math.exp),
        ("exp10", [2.0, -1.5], lambda x: 10.0**x),
        ("exp2", [10.0, -0.5], lambda x: 2.0**x),
        ("expm1", [1e-10, 1.0], math.expm1),
        ("log", [2.0, 0.1], math.log),
        ("log10", [1000.0, 2.0], math.log10),
        ("log1p", [1e-10, 3.0], math.log1p),
        ("log2", [8.0, 3.0], math.log2),
        ("sin", [1.0, -100.0], math.sin),
        ("sinh", [1.0, -2.0], math.sinh),
        ("sqrt", [2.0, 9.0], math.sqrt),
        ("tan", [1.0, 0.5], math.tan),
        ("tanh", [0.5, -2.0], math.tanh),
        ("rsqrt", [4.0, 2.0], lambda x: 1 / math.sqrt(x)),
        ("rcbrt", [8.0, -3.0], lambda x: math.copysign(abs(x) ** (-1 / 3), x)),
        ("sinpi", [0.25, 1.0, -1.5, 1 / 6], lambda x: trig_pi(x)[0]),
        ("cospi", [0.25, 0.5, 1.0, 1 / 3], lambda x: trig_pi(x)[1]),
        ("normcdf", [0.5, -3.0], lambda x: 0.5 * math.erfc(-x / math.sqrt(2))),
    ):
        twin(name, [(float(x),) for x in rows], fn, two)
    for name, rows, fn in (
        ("atan2", [(1.0, 2.0), (-1.0, -0.5)], math.atan2),
        ("hypot", [(3.0, 4.0), (1e200, 1e200)], math.hypot),
        ("pow", [(2.0, 0.5), (-2.0, 3.0), (10.0, -2.0)], math.pow),
        ("powi", [(2.0, 10), (1.5, -3)], lambda x, n: x**n),
    ):
        twin(name, rows, fn, ("ulp", 4))
    twin("sincos", [(1.0,), (-3.0,)], lambda x: (math.sin(x), math.cos(x)), two)
    twin("sincospi", [(0.25,), (1.5,), (1 / 6,)], trig_pi, two)
    twin("tgamma", [(5.0,), (0.5,), (-2.5,)], gamma, ("ulp", 10), ("ulp", 2))
    # Not near lgamma's zeros (-2.46, -2.75, ...), where CUDA gives no bound.
    twin("lgamma", [(10.0,), (0.5,), (-0.5,)], lgamma, ("ulp", 4), ("ulp", 2))
    # Special functions, against independent references.
    inverse = ("rel", 1e-13), ("rel", 2e-7)
    twin("erfinv", [(0.3,), (-0.9,), (0.999999,)], erfinv_ref, *inverse)
    twin("erfcinv", [(0.3,), (1.5,), (1e-30,)], erfcinv_ref, *inverse)
    twin("normcdfinv", [(0.025,), (0.9,)], normcdfinv_ref, *inverse)
    twin(
        "erfcx",
        [(0.5,), (-2.0,), (5.0,), (30.0,), (1e5,)],
        erfcx_ref,
        *inverse,
    )
    # Bessel functions: CUDA bounds them in absolute error, 2.2e-16 to
    # 5e-12 for double and 2.2e-6 to 9e-6 for float.
    bessel = ("abs", 1e-12), ("abs", 3e-6)
    for name, n in (("j0", 0), ("j1", 1), ("y0", 0), ("y1", 1)):
        xs = [(0.5,), (5.0,), (30.0,)] + ([(-2.0,)] if name[0] == "j" else [])
        fn = jn_ref if name[0] == "j" else yn_ref
        twin(name, xs, lambda x, n=n, fn=fn: fn(n, x), *bessel)
    twin("jn", [(2, 3.0), (5, 40.0), (10, 5.0), (3, -2.0)], jn_ref, *bessel)
    twin("yn", [(2, 3.0), (5, 40.0), (10, 5.0)], yn_ref, *bessel)
    for name in ("cos", "exp10", "exp", "log10", "log2", "log", "sin", "tan"):
        rows, fn, _ = CASES[name + "f"]
        case("fast_%sf" % name, rows, fn, ("ulp", 1))
    case("fast_sincosf", *CASES["sincosf"][:2], ("ulp", 1))
    case(
        "fast_powf",
        [(2.0, 10.0), (3.0, 0.5)],
        lambda x, y: f32(x**y),
        ("ulp", 1),
    )

    # Exact functions, the same in both precisions.
    for name, pairs in _exact_pairs().items():
        explicit(name, pairs)
        if name + "f" in dir(libdevice) and name not in ("nextafter",):
            explicit(name + "f", [(k, v) for k, v in pairs if _f32_exact(k, v)])
    explicit(
        "nextafterf",
        [((1.0, 2.0), 1.0 + 2.0**-23), ((0.0, -1.0), -(2.0**-149))],
    )

    # Correctly rounded arithmetic and conversions, in every mode.
    for mode in MODES:
        for prefix, ftype, tiny, eps in (
            ("d", F64, 2.0**-1074, 2.0**-60),
            ("f", F32, 2.0**-149, 2.0**-30),
        ):
            third = float(ftype(1 / 3))
            case(
                prefix + "add_" + mode,
                [(1.0, eps), (-1.0, eps), (0.1, 0.2), (3 * tiny, tiny)],
                exact_ref(lambda x, y: x + y, mode, ftype),
            )
            case(
                prefix + "mul_" + mode,
                [
                    (1 + 2 * eps**0.5, 1 + 2 * eps**0.5),
                    (-third, 3.0),
                    (3 * tiny, 0.5),
                ],
                exact_ref(lambda x, y: x * y, mode, ftype),
            )
            case(
                prefix + "div_" + mode,
                [(1.0, 3.0), (-2.0, 3.0), (3 * tiny, 2.0), (1.0, 10.0)],
                exact_ref(lambda x, y: x / y, mode, ftype),
            )
            case(
                prefix + "rcp_" + mode,
                [(3.0,), (-3.0,), (10.0,), (-7.0,)],
                exact_ref(lambda x: 1 / x, mode, ftype),
            )
            case(
                prefix + "sqrt_" + mode,
                [(2.0,), (3.0,), (5.0,), (3 * tiny,)],
                sqrt_ref(mode, ftype),
            )
        case(
            "fsub_" + mode,
            [(1.0, 2.0**-30), (-1.0, 2.0**-30), (0.1, 0.3)],
            exact_ref(lambda x, y: x - y, mode, F32),
        )
        for name, ftype in (("fma_", F64), ("fmaf_", F32)):
            third = float(ftype(1 / 3))
            case(
                name + mode,
                [
                    (third, 3.0, -1.0),
                    (third, third, 0.5),
                    (-third, third, -0.25),
                ],
                exact_ref(lambda x, y, z: x * y + z, mode, ftype),
            )
        case(
            "double2float_" + mode,
            [(0.1,), (-0.1,), (1 / 3,), (1e-40,), (-1e-45,), (1e39,), (-1e39,)],
            exact_ref(lambda x: x, mode, F32),
        )
        for src, ftype in (("double", F64), ("float", F32)):
            rows = [(2.5,), (-2.5,), (3.7,), (-3.7,), (1e20,), (-1e20,), (NAN,)]
            for dst, bits, signed in (
                ("int", 32, True),
                ("uint", 32, False),
                ("ll", 64, True),
                ("ull", 64, False),
            ):
                name = "%s2%s_%s" % (src, dst, mode)
                case(name, rows, to_int_ref(mode, bits, signed, bits))
        for src, bits, signed, rows in (
            ("int", 32, True, [2**24 + 1, -(2**24 + 1), 2**24 + 3, 7]),
            ("uint", 32, False, [-1, 2**24 + 1, 2**31 + 1]),
            ("ll", 64, True, [2**53 + 1, -(2**53 + 1), 2**63 - 1, -(2**63)]),
            ("ull", 64, False, [-1, 2**53 + 1, 2**63 + 3]),
        ):
            for dst, ftype in (("double", F64), ("float", F32)):
                name = "%s2%s_%s" % (src, dst, mode)
                if hasattr(libdevice, name):
                    case(
                        name,
                        [(wrapped(r, bits),) for r in rows],
                        from_int_ref(mode, ftype, bits, signed),
                    )
    for prefix, ftype in (("", F64), ("f", F32)):
        case(
            "rsqrt" + prefix if prefix == "" else "frsqrt_rn",
            [(2.0,), (3.0,), (0.1,)],
            sqrt_ref("rn", ftype, reciprocal=True),
        )
        third = float(ftype(1 / 3))
        case(
            "fma" + prefix,
            [(third, 3.0, -1.0), (third, third, 0.5)],
            exact_ref(lambda x, y, z: x * y + z, "rn", ftype),
        )
    case("rsqrtf", [(2.0,), (3.0,)], sqrt_ref("rn", F32, reciprocal=True))

    # Integer functions, with wraparound, and reinterpreted bits.
    for name, pairs in _integer_pairs().items():
        explicit(name, pairs)


def _f32_exact(args, expected):
    values = list(args) + list(
        expected if isinstance(expected, tuple) else (expected,)
    )
    return all(
        not isinstance(v, float) or math.isnan(v) or f32(v) == v for v in values
    )


def _exact_pairs():
    m0, p0 = -0.0, 0.0
    return {
        "ceil": [((-0.5,), m0), ((1.2,), 2.0), ((-1.5,), -1.0)],
        "floor": [((-0.5,), -1.0), ((1.5,), 1.0), ((-0.0,), m0)],
        "trunc": [((-0.75,), m0), ((2.75,), 2.0), ((-2.75,), -2.0)],
        "rint": [((2.5,), 2.0), ((3.5,), 4.0), ((-0.5,), m0)],
        "nearbyint": [((2.5,), 2.0), ((-3.5,), -4.0), ((0.5,), p0)],
        "round": [((2.5,), 3.0), ((-2.5,), -3.0), ((0.4999999,), p0)],
        "fabs": [((-2.0,), 2.0), ((m0,), p0)],
        "copysign": [((2.0, -0.0), -2.0), ((-3.0, 1.0), 3.0)],
        "fmod": [((7.0, 3.0), 1.0), ((-7.0, 3.0), -1.0), ((1.0, 0.0), NAN)],
        "remainder": [
            ((7.0, 2.0), -1.0),
            ((5.0, 3.0), -1.0),
            ((INF, 1.0), NAN),
        ],
        "fmax": [((1.0, NAN), 1.0), ((-2.0, 3.0), 3.0), ((m0, p0), p0)],
        "fmin": [((NAN, 1.0), 1.0), ((-2.0, 3.0), -2.0), ((p0, m0), m0)],
        "fdim": [((5.0, 3.0), 2.0), ((3.0, 5.0), p0), ((NAN, 1.0), NAN)],
        "ldexp": [
            ((1.5, 4), 24.0),
            ((1.0, -1074), 2.0**-1074),
            ((1.0, 2000), INF),
        ],
        "scalbn": [((1.5, -2), 0.375), ((-1.0, 10), -1024.0)],
        "frexp": [
            ((8.0,), (0.5, 4)),
            ((-3.0,), (-0.75, 2)),
            ((0.0,), (0.0, 0)),
        ],
        "modf": [
            ((2.5,), (0.5, 2.0)),
            ((-3.25,), (-0.25, -3.0)),
            ((INF,), (p0, INF)),
        ],
        "logb": [((8.0,), 3.0), ((0.1,), -4.0), ((0.0,), -INF)],
        "ilogb": [
            ((8.0,), 3),
            ((0.1,), -4),
            ((0.0,), -(2**31)),
            ((INF,), 2**31 - 1),
        ],
        "nextafter": [
            ((1.0, 2.0), 1.0 + 2.0**-52),
            ((0.0, -1.0), -(2.0**-1074)),
        ],
        "remquo": [
            ((7.0, 2.0), (-1.0, 4)),
            ((-10.0, 3.0), (-1.0, -3)),
            ((29.0, 3.0), (-1.0, 2)),
        ],
        "llrint": [((2.5,), 2), ((-3.5,), -4), ((1e30,), 2**63 - 1)],
        "llround": [((2.5,), 3), ((-2.5,), -3), ((NAN,), 0)],
        "saturatef": [
            ((1.5,), 1.0),
            ((-0.5,), 0.0),
            ((0.25,), 0.25),
            ((NAN,), 0.0),
        ],
        "isinfd": [((INF,), 1), ((1.0,), 0)],
        "isnand": [((NAN,), 1), ((1.0,), 0)],
        "isfinited": [((INF,), 0), ((1.0,), 1)],
        "signbitd": [((-0.0,), 1), ((1.0,), 0)],
        "isinff": [((-INF,), 1), ((1.0,), 0)],
        "isnanf": [((NAN,), 1), ((INF,), 0)],
        "finitef": [((NAN,), 0), ((2.0,), 1)],
        "signbitf": [((-1.0,), 1), ((0.0,), 0)],
        "fast_fdividef": [
            ((1.0, 4.0), 0.25),
            ((1.0, 2.0**127), 0.0),
            ((INF, 2.0**127), NAN),
        ],
    }


def _integer_pairs():
    i32min, i64min = -(2**31), -(2**63)
    pi32 = struct_bits(np.float32(math.pi), np.int32)
    return {
        "abs": [((-5,), 5), ((i32min,), i32min)],
        "llabs": [((-5,), 5), ((i64min,), i64min)],
        "max": [((-1, 3), 3)],
        "min": [((-1, 3), -1)],
        "llmax": [((-1, 2**40), 2**40)],
        "llmin": [((-1, 2**40), -1)],
        "umax": [((-1, 3), -1), ((1, 2), 2)],
        "umin": [((-1, 3), 3)],
        "ullmax": [((-1, 0), -1)],
        "ullmin": [((-1, 5), 5)],
        "brev": [((1,), i32min), ((0x0000FFFF,), -65536)],
        "brevll": [((1,), i64min), ((2,), 2**62)],
        "clz": [((0,), 32), ((1,), 31), ((-1,), 0)],
        "clzll": [((0,), 64), ((1,), 63), ((2**40,), 23)],
        "ffs": [((0,), 0), ((8,), 4), ((i32min,), 32)],
        "ffsll": [((0,), 0), ((2**40,), 41)],
        "popc": [((-1,), 32), ((0b1011,), 3)],
        "popcll": [((-1,), 64), ((2**40 + 1,), 2)],
        "byte_perm": [
            ((0x03020100, 0x07060504, 0x4567), 0x04050607),
            ((0x03020100, 0x07060504, 0x0123), 0x00010203),
            ((0x44332211, 0, 0x1111), 0x22222222),
        ],
        "hadd": [((2**31 - 1, 1), 2**30), ((-3, 0), -2)],
        "rhadd": [((1, 2), 2), ((-3, 0), -1)],
        "uhadd": [((-1, -1), -1), ((-1, 1), i32min)],
        "urhadd": [((-1, 0), i32min), ((1, 2), 2)],
        "mulhi": [((2**30, 8), 2), ((-1, 1), -1)],
        "umulhi": [((-1, -1), -2), ((-1, 2), 1)],
        "mul64hi": [((2**62, 4), 1), ((-1, 1), -1)],
        "umul64hi": [((-1, -1), -2)],
        "mul24": [((0x800000, 2), -(2**24)), ((3, 5), 15), ((0x1000003, 2), 6)],
        "umul24": [
            ((0xFFFFFF, 0xFFFFFF), wrapped(0xFE000001, 32)),
            ((0x1000003, 2), 6),
        ],
        "sad": [((1, 5, 10), 14), ((-3, 4, 0), 7)],
        "usad": [((-1, 0, 0), -1), ((2, 5, 1), 4)],
        "float_as_int": [
            ((1.0,), 0x3F800000),
            ((-2.0,), wrapped(0xC0000000, 32)),
        ],
        "int_as_float": [((pi32,), f32(math.pi)), ((0x7F800000,), INF)],
        "double_as_longlong": [((1.0,), 0x3FF0000000000000)],
        "longlong_as_double": [((0x4000000000000000,), 2.0)],
        "double2hiint": [
            ((1.0,), 0x3FF00000),
            ((-2.0,), wrapped(0xC0000000, 32)),
        ],
        "double2loint": [((1.0 + 2.0**-52,), 1), ((1.0,), 0)],
        "hiloint2double": [((0x3FF00000, 1), 1.0 + 2.0**-52)],
        "float2half_rn": [
            ((1.0,), 0x3C00),
            ((1.0 + 2.0**-11,), 0x3C00),
            ((65520.0,), 0x7C00),
            ((-2.0,), wrapped(0xC000, 16)),
        ],
        "half2float": [
            ((0x3C01,), 1.0 + 2.0**-10),
            ((0x7C00,), INF),
            ((wrapped(0xC000, 16),), -2.0),
        ],
    }


_cases()
