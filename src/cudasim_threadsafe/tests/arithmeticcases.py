"""The operators and operand types that typed arithmetic is checked on.

Each case is a device function of this module applying one operator to
its arguments, ``x op y`` or ``op x``; the literal cases apply one to a
number written in the source. Run as a module with the simulator off,
this prints, as JSON, what numba's CUDA target types each case as: the
typing context's answer for every operator and pair of operand types,
and, with ``--compile``, the result type ``compile_ptx`` gives each
literal case.

    python -m cudasim_threadsafe.tests.arithmeticcases [--compile]
"""

import json
import operator
import sys

import numpy as np


def add(x, y):
    return x + y


def sub(x, y):
    return x - y


def mul(x, y):
    return x * y


def truediv(x, y):
    return x / y


def floordiv(x, y):
    return x // y


def mod(x, y):
    return x % y


def pow(x, y):
    return x**y


def lshift(x, y):
    return x << y


def rshift(x, y):
    return x >> y


def and_(x, y):
    return x & y


def or_(x, y):
    return x | y


def xor(x, y):
    return x ^ y


def iadd(x, y):
    x += y
    return x


def isub(x, y):
    x -= y
    return x


def imul(x, y):
    x *= y
    return x


def itruediv(x, y):
    x /= y
    return x


def ifloordiv(x, y):
    x //= y
    return x


def imod(x, y):
    x %= y
    return x


def ipow(x, y):
    x **= y
    return x


def ilshift(x, y):
    x <<= y
    return x


def irshift(x, y):
    x >>= y
    return x


def iand(x, y):
    x &= y
    return x


def ior(x, y):
    x |= y
    return x


def ixor(x, y):
    x ^= y
    return x


def lt(x, y):
    return x < y


def le(x, y):
    return x <= y


def gt(x, y):
    return x > y


def ge(x, y):
    return x >= y


def eq(x, y):
    return x == y


def ne(x, y):
    return x != y


def neg(x):
    return -x


def pos(x):
    return +x


def invert(x):
    return ~x


BINARY = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow")
BINARY += ("lshift", "rshift", "and_", "or_", "xor")
INPLACE = tuple("i" + n.rstrip("_") for n in BINARY)
COMPARE = ("lt", "le", "gt", "ge", "eq", "ne")
UNARY = ("neg", "pos", "invert")
OPERATORS = BINARY + INPLACE + COMPARE + UNARY


# Python numbers written in the source: numba types them int64 and
# float64, and folds nothing the simulator would compute otherwise.
def times_two(x):
    return x * 2


def times_one_and_a_half(x):
    return x * 1.5


def plus_one(x):
    return x + 1


def two_minus(x):
    return 2 - x


def halved(x):
    return x / 2


def floor_halved(x):
    return x // 2


def squared(x):
    return x**2


def below_one(x):
    return x < 1


def negated(x):
    return -x


def accumulated(x):
    total = 0
    total += x
    total *= 3
    return total


LITERALS = (
    "times_two",
    "times_one_and_a_half",
    "plus_one",
    "two_minus",
    "halved",
    "floor_halved",
    "squared",
    "below_one",
    "negated",
    "accumulated",
)

# The operand types: NumPy scalars (as array elements are) and Python's
# numbers, which numba types bool, int64 and float64.
NUMPY_TYPES = ("bool",)
NUMPY_TYPES += tuple(
    "%sint%d" % (u, n) for u in ("", "u") for n in (8, 16, 32, 64)
)
NUMPY_TYPES += ("float16", "float32", "float64")
PYTHON_TYPES = ("py_bool", "py_int", "py_float")
TYPES = NUMPY_TYPES + PYTHON_TYPES


def value(type_name, number):
    """``number`` as an operand of ``type_name``."""
    if type_name == "py_bool":
        return bool(number)
    if type_name == "py_int":
        return int(number)
    if type_name == "py_float":
        return float(number)
    return np.array(number).astype(type_name)[()]


def operand_sets(type_name):
    """Values of ``type_name`` the value checks use: small ones, the
    type's extremes (where ints wrap and floats overflow), and zero."""
    if type_name in ("bool", "py_bool"):
        numbers = [True, True, False]
    elif type_name.startswith("uint"):
        numbers = [3, np.iinfo(type_name).max, 0]
    elif type_name.startswith("int"):
        info = np.iinfo(type_name)
        numbers = [-7, info.max, info.min]
    elif type_name == "py_int":
        numbers = [-7, 2**63 - 1, -(2**63)]
    elif type_name == "py_float":
        numbers = [-2.75, 1e300, -0.1]
    else:
        big = {"float16": 6e4, "float32": 3e38, "float64": 1e300}[type_name]
        numbers = [1.5, big, -0.1]
    return [value(type_name, n) for n in numbers]


def numba_type_name(type_name):
    """How numba names the type of an operand of ``type_name``."""
    return {"py_bool": "bool", "py_int": "int64", "py_float": "float64"}.get(
        type_name, type_name
    )


def typed():
    """``{"op left right": ["ok", result] or ["rejected", text]}``: the
    real CUDA target's typing context, asked for every case."""
    from cudasim_threadsafe.target import typingworker

    typing = typingworker.Typing()
    found = {}
    for name in OPERATORS:
        function = getattr(operator, name)
        pairs = (
            [(t,) for t in TYPES]
            if name in UNARY
            else [(a, b) for a in TYPES for b in TYPES]
        )
        for pair in pairs:
            argtypes = tuple(typing.typeof(value(t, 1)) for t in pair)
            try:
                with typing.target_override("cuda"):
                    signature = typing.context.resolve_function_type(
                        function, argtypes, {}
                    )
            except Exception as e:
                signature = None
                text = "%s: %s" % (type(e).__name__, e)
            else:
                text = "no signature matches"
            key = " ".join((name,) + pair)
            if signature is None:
                found[key] = ["rejected", text.splitlines()[0]]
            else:
                result = typingworker.describe(signature.return_type)
                found[key] = ["ok", result]
    return found


def compiled():
    """``{"case type": result}``: each literal case compiled by
    ``compile_ptx`` (sm_80) for the numeric NumPy types."""
    from numba import cuda

    from cudasim_threadsafe.target import typingworker

    typing = typingworker.Typing()
    found = {}
    for name in LITERALS:
        for type_name in ("int8", "int32", "uint32", "uint64", "float32"):
            argtype = typing.typeof(value(type_name, 1))
            _, result = cuda.compile_ptx(
                globals()[name], (argtype,), device=True, cc=(8, 0)
            )
            found[name + " " + type_name] = typingworker.describe(result)
    return found


if __name__ == "__main__":
    print(json.dumps(compiled() if "--compile" in sys.argv else typed()))
