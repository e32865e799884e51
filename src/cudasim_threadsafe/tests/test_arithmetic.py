"""Typed arithmetic: a simulated kernel's operators give numba's types and
values (``target/arithmetic.py``).

The type matrix runs every operator of ``arithmeticcases`` on every pair
of operand types in the simulator and compares the result's type with
what the real CUDA target's typing context resolves for the same
operator and types (in a child process with the simulator off). The
value matrix compares each result with numba's own compiled code: the
CPU target (``njit`` with the NumPy error model, as CUDA kernels
compile), whose operator typing and lowering the CUDA target shares but
for ``float16``. The literal cases are compiled by ``compile_ptx`` where
the CUDA toolkit wheels are installed.
"""

import functools
import json
import math
import os
import subprocess
import sys
import traceback
import warnings

import numba
import numpy as np
import pytest
from numba import cuda

import cudasim_threadsafe as cts

from . import arithmeticcases as cases

pytestmark = pytest.mark.skipif(
    not numba.config.ENABLE_CUDASIM, reason="the simulator's arithmetic"
)


def _child(*args):
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    proc = subprocess.run(
        [sys.executable, "-m", cases.__name__, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode:
        return None, proc.stderr.strip().splitlines()[-1]
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


@pytest.fixture(scope="module")
def cuda_typing():
    found, why = _child()
    if found is None:
        pytest.fail("the CUDA target's typing did not load: %s" % why)
    return found


def _type_name(result):
    """The numba type of a simulated result, by name: Python's numbers
    are numba's bool, int64 and float64."""
    if isinstance(result, BaseException):
        return "rejected"
    if isinstance(result, (np.number, np.bool_)):
        return "bool" if result.dtype == np.bool_ else result.dtype.name
    python = {bool: "bool", int: "int64", float: "float64"}
    return python.get(type(result), repr(type(result)))


def _pairs(name, types):
    if name in cases.UNARY:
        return [(t,) for t in types]
    return [(a, b) for a in types for b in types]


def simulate(name, operands):
    """``name``'s device function applied in a kernel to each tuple of
    ``operands``: its results, or the TypeError it raised."""
    device = cuda.jit(device=True)(getattr(cases, name))
    results = []

    @cuda.jit
    def kernel(arguments):
        for args in arguments:
            try:
                results.append(device(*args))
            except TypeError as e:
                results.append(e)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kernel[1, 1](operands)
    return results


# Where the CUDA target's typing context and its lowering disagree:
# typing says ``x /= y`` on two integers is an int64 (uint64 if both are
# unsigned), but the lowering computes the float64 quotient
# (``compile_ptx`` stores a double). numba's CPU typing says float64, and
# the simulator gives the value computed.
def _expected_type(name, pair, answer):
    if answer[0] != "ok":
        return "rejected"
    if name == "itruediv" and answer[1] in ("int64", "uint64"):
        return "float64"
    return answer[1]


@pytest.mark.parametrize("name", cases.OPERATORS)
def test_types_are_the_cuda_targets(name, cuda_typing):
    pairs = _pairs(name, cases.TYPES)
    operands = [tuple(cases.value(t, 1) for t in pair) for pair in pairs]
    results = simulate(name, operands)
    wrong = []
    for pair, result in zip(pairs, results):
        expected = _expected_type(
            name, pair, cuda_typing[" ".join((name,) + pair)]
        )
        if _type_name(result) != expected:
            wrong.append(
                "%s%s: %s, not %s" % (name, pair, _type_name(result), expected)
            )
    assert not wrong, "\n".join(wrong)


# The value matrix: every type but float16, whose arithmetic the CPU
# target types apart (below, against NumPy's half precision).
# The 16-bit ints and Python's bool are left out of it, as each compile
# of numba's side grows with the pairs.
VALUE_TYPES = tuple(
    t for t in cases.TYPES if t not in ("float16", "py_bool", "int16", "uint16")
)
VALUE_OPERATORS = cases.BINARY + cases.COMPARE + cases.UNARY
VALUE_OPERATORS += ("iadd", "itruediv")
# Right operands that stay in the range where numba's result is defined:
# small exponents (numba takes ``pow`` past 65536), shift amounts below
# the width (beyond, LLVM's shift is poison: x86 masks the amount, PTX
# clamps it).
SMALL = {"pow": (1, 2, 3), "lshift": (1, 5, 63), "rshift": (1, 5, 63)}


# The Python symbol of each operator the value matrix checks.
SYMBOLS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "lshift": "<<",
    "rshift": ">>",
    "and_": "&",
    "or_": "|",
    "xor": "^",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "eq": "==",
    "ne": "!=",
    "neg": "-",
    "pos": "+",
    "invert": "~",
}


def _compiled(name, pairs):
    """numba's compiled ``name`` for each pair of types: one function
    computing every pair (written out: a call per pair would compile a
    function per pair), its results in a tuple."""
    lines = []
    for i in range(len(pairs)):
        if name in cases.UNARY:
            lines.append("r%d = %sx%d" % (i, SYMBOLS[name], i))
        elif name.startswith("i") and name not in SYMBOLS:
            symbol = SYMBOLS[name[1:]] + "="
            lines.append("x%d %s y%d" % (i, symbol, i))
            lines.append("r%d = x%d" % (i, i))
        else:
            lines.append("r%d = x%d %s y%d" % (i, i, SYMBOLS[name], i))
    arity = 1 if name in cases.UNARY else 2
    params = ", ".join(
        ("x%d" % i) + (", y%d" % i if arity == 2 else "")
        for i in range(len(pairs))
    )
    source = "def all_pairs(%s):\n    %s\n    return (%s,)\n" % (
        params,
        "\n    ".join(lines),
        ", ".join("r%d" % i for i in range(len(pairs))),
    )
    scope = {}
    exec(source, scope)
    return numba.njit(error_model="numpy")(scope["all_pairs"])


def _typed_pairs(name, typing):
    """The pairs numba's typing accepts (pow only with exponents small
    enough to stay on repeated squaring)."""
    return [
        pair
        for pair in _pairs(name, VALUE_TYPES)
        if typing[" ".join((name,) + pair)][0] == "ok"
    ]


# Some numba versions (0.61.2) compute an integer power through a double
# (``int32 2147483647 ** 2`` is 4611686014132420608 there; exactly
# 4611686014132420609 on 0.68.1 and in the simulator): there the values
# of integer powers are not compared, their types are.
@functools.cache
def _int_pow_in_double():
    power = numba.njit(lambda a, b: a**b)
    return power(np.int32(2147483647), 2) != 2147483647**2


def _is_int(ty):
    return str(ty).startswith(("int", "uint"))


def _same(a, b):
    if isinstance(b, float) or isinstance(a, (float, np.floating)):
        a, b = float(a), float(b)
        return a == b or (math.isnan(a) and math.isnan(b))
    return int(a) == int(b)


@pytest.mark.parametrize("name", VALUE_OPERATORS)
def test_values_are_numbas(name, cuda_typing):
    pairs = _typed_pairs(name, cuda_typing)
    compiled = _compiled(name, pairs)
    wrong = []
    for which in range(3):
        operands = []
        for pair in pairs:
            values = [cases.operand_sets(t)[which] for t in pair]
            if name in SMALL:
                values[1] = cases.value(pair[1], SMALL[name][which])
            operands.append(tuple(values))
        flat = [v for args in operands for v in args]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = compiled(*flat)
        types = compiled.nopython_signatures[0].return_type.types
        results = simulate(name, operands)
        for args, result, want, want_type in zip(
            operands, results, expected, types
        ):
            if name == "pow" and _is_int(want_type) and _int_pow_in_double():
                # The type is numba's; the value, as numba 0.62+ gives it.
                want = result if _type_name(result) == str(want_type) else want
            if _type_name(result) != str(want_type) or not _same(result, want):
                wrong.append(
                    "%s%r: %r, not %s(%r)"
                    % (name, args, result, want_type, want)
                )
    assert not wrong, "\n".join(wrong[:40])


def test_half_precision_is_the_gpus():
    # The CUDA target computes float16 in half precision, each operation
    # rounded once (NumPy's float16 scalars do the same).
    x, y = np.float16(0.1), np.float16(3.0)
    results = simulate("mul", [(x, y)]) + simulate("add", [(x, y)])
    assert results == [x * y, x + y]
    assert all(type(r) is np.float16 for r in results)
    # With an int64, numba widens to float64.
    result = simulate("mul", [(x, 3)])[0]
    assert type(result) is float and result == float(x) * 3


@pytest.fixture(scope="module")
def compiled_literals():
    found, why = _child("--compile")
    if found is None:
        pytest.skip("no CUDA compiler: %s" % why)
    return found


@pytest.mark.parametrize("name", cases.LITERALS)
def test_literals_are_typed_as_compiled(name, compiled_literals):
    for type_name in ("int8", "int32", "uint32", "uint64", "float32"):
        result = simulate(name, [(cases.value(type_name, 3),)])[0]
        expected = compiled_literals[name + " " + type_name]
        assert _type_name(result) == expected, (name, type_name)


# -- the rules that matter most, each on its own --------------------------


def run(kernel, *args, blocks=1, threads=1):
    results = []
    kernel[blocks, threads](results, *args)
    return results


@cuda.jit
def products(results, a):
    i = cuda.grid(1)
    x = a[i]
    results.append(x * x)
    results.append(x * 1.5)
    results.append(x + 1)
    results.append(x // 2)
    results.append(x / 2)


def test_int32_products_widen():
    a = np.array([2**20, 3], dtype=np.int32)
    results = run(products, a, threads=1)
    assert results[0] == 2**40 and type(results[0]) is int
    assert results[1] == 1.5 * 2**20 and type(results[1]) is float
    assert type(results[3]) is int and type(results[4]) is float


def test_float32_with_a_python_float_is_float64():
    a = np.array([0.1], dtype=np.float32)
    results = run(products, a)
    assert type(results[0]) is np.float32
    assert results[0] == np.float32(0.1) * np.float32(0.1)
    # NumPy 2 keeps float32 for ``float32 * 1.5``; numba gives float64.
    assert type(results[1]) is float
    assert results[1] == float(np.float32(0.1)) * 1.5
    assert type(results[2]) is float


def test_typing_off_computes_as_numpy():
    a = np.array([2**20], dtype=np.int32)
    with cts.gpu_typing(False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = run(products, a)
    assert type(results[0]) is np.int32 and results[0] == 0


@cuda.jit(device=True)
def square(x):
    return x * x


@cuda.jit
def squares(results, a):
    results.append(square(a[0]))


def test_device_function_typed_per_call():
    a = np.array([2**20], dtype=np.int32)
    assert run(squares, a) == [2**40]
    with cts.gpu_typing(False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert run(squares, a) == [0]
    # Called from the host, as the thread's setting says.
    assert square(np.int32(2**20)) == 2**40


@cuda.jit
def divisions(results, a, b):
    results.append(a[0] // b[0])
    results.append(a[0] % b[0])
    results.append(a[1] / b[1])


def test_division_by_zero_follows_the_numpy_error_model():
    a = np.array([7, 1.0], dtype=np.float64).astype(np.int64)
    b = np.zeros(2, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = run(divisions, a, b)
    assert results == [0, 0, math.inf]


def test_division_by_zero_raises_in_a_debug_kernel():
    # As the simulator's debug mode raises for NumPy's scalars (numba's
    # Python error model raises ZeroDivisionError).
    kernel = cuda.jit(debug=True, opt=False)(divisions.py_func)
    a = np.array([7, 1], dtype=np.int64)
    b = np.zeros(2, dtype=np.int64)
    with pytest.raises(FloatingPointError):
        run(kernel, a, b)


@cuda.jit
def unsigned(results, a):
    results.append(-a[0])
    results.append(~a[0])
    results.append(a[0] + 1)
    results.append(a[1] < -1)


def test_unsigned_and_mixed_signedness():
    a = np.array([3, 2**64 - 1], dtype=np.uint64)
    results = run(unsigned, a)
    assert results[0] == np.uint64(2**64 - 3) and type(results[0]) is np.uint64
    assert results[1] == np.uint64(2**64 - 4)
    # uint64 + int64 is an int64 in numba.
    assert results[2] == 4 and type(results[2]) is int
    # Compared as float64: 2**64 - 1 is not below -1.
    assert results[3] is False


@cuda.jit(device=True)
def counted(counter):
    counter[0] += 1
    return 0


@cuda.jit
def augmented(results, a, counter):
    a[counted(counter)] += 1
    n = a[0]
    n += n
    results.append(n)
    results.append(0 <= counted(counter) < 1 < counted(counter) + 2)


def test_augmented_assignment_evaluates_once():
    a = np.array([2**30], dtype=np.int32)
    counter = np.zeros(1, dtype=np.int64)
    results = run(augmented, a, counter)
    assert a[0] == 2**30 + 1
    # int32 + int32 is an int64: no wrap at 2**31.
    assert results[0] == 2**31 + 2
    assert results[1] is True
    # The index evaluated once, and each operand of the chain.
    assert counter[0] == 3


def test_kernel_fn_is_the_users_function():
    from cudasim_threadsafe.target import arithmetic

    fn = products.py_func
    assert products.fn is fn
    typed = arithmetic.typed(fn)
    assert typed is not fn
    assert typed.__globals__ is fn.__globals__
    assert typed.__code__.co_filename == fn.__code__.co_filename
    assert typed.__name__ == fn.__name__


def make_closure(scale):
    @cuda.jit
    def scaled(results, a):
        results.append(a[0] * scale)

    return scaled


def test_closure_cells_are_the_users():
    kernel = make_closure(np.int32(2**20))
    a = np.array([2**20], dtype=np.int32)
    assert run(kernel, a) == [2**40]
    from cudasim_threadsafe.target import arithmetic

    fn = kernel.py_func
    typed = arithmetic.typed(fn)
    assert (
        typed.__closure__[typed.__code__.co_freevars.index("scale")]
        is fn.__closure__[0]
    )


@cuda.jit
def fails(results, a):
    x = a[0] * a[0]
    results.append(x)
    raise ValueError("line of the raise")


def test_traceback_gives_the_kernels_lines():
    a = np.ones(1, dtype=np.int32)
    with pytest.raises(ValueError) as info:
        run(fails, a)
    frames = traceback.extract_tb(info.value.__traceback__)
    line = fails.py_func.__code__.co_firstlineno + 4
    assert (frames[-1].filename, frames[-1].lineno) == (__file__, line)


def test_source_unavailable_runs_plain():
    from cudasim_threadsafe.target import arithmetic

    scope = {"cuda": cuda}
    exec("def made(results, a):\n    results.append(a[0] * a[0])\n", scope)
    kernel = cuda.jit(scope["made"])
    a = np.array([2**20], dtype=np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run(kernel, a)
    assert type(results[0]) is np.int32
    assert arithmetic.typed(scope["made"]) is scope["made"]


def test_rejected_operands_raise():
    results = simulate("lshift", [(np.float32(1), 2)])
    assert isinstance(results[0], TypeError)
    assert "does not compile for the GPU" in str(results[0])


def logged(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return fn(x)

    return wrapper


@logged
def doubled(x):
    return x * 2


def test_a_wrapper_is_not_replaced_by_what_it_wraps():
    # inspect would give the wrapped function's source: the wrapper runs
    # as it is, and the function it calls is not a device function.
    from cudasim_threadsafe.target import arithmetic

    assert arithmetic.typed(doubled) is doubled


def declared_kernel():
    # Made when the test runs: with the simulator off, a signature
    # compiles at once, which needs a GPU.
    @cuda.jit("float64(float32)", device=True)
    def declared_square(x):
        return x * x

    @cuda.jit
    def declared_squares(results, a):
        results.append(declared_square(a[0]))

    return declared_squares


def test_declared_signature_device_function_is_typed():
    # x is a float32 by its signature: x * x is rounded to float32.
    a = np.array([0.1])
    expected = float(np.float32(0.1) * np.float32(0.1))
    assert run(declared_kernel(), a) == [expected]


@cuda.jit
def generator(state, out):
    i = cuda.grid(1)
    s = state[i]
    for _ in range(3):
        # uint32 * int64 is an int64; the store into the uint32 array
        # keeps its low 32 bits.
        s = s * 1664525 + 1013904223
        state[i] = s
    out[i] = state[i] * state[i]
    out[i] += 2**40
    nan = math.nan
    out[i + 2] = nan


def test_stores_convert_as_compiled_code():
    state = np.array([1, 2**31], dtype=np.uint32)
    out = np.zeros(4, dtype=np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generator[1, 2](state, out)
    expected = state.astype(np.uint64)
    expected[:] = [1, 2**31]
    for _ in range(3):
        expected = (expected * 1664525 + 1013904223) % 2**32
    assert state.tolist() == expected.tolist()
    squares = [(int(s) * int(s) + 2**40) % 2**32 for s in expected]
    assert out[:2].tolist() == [s - 2**32 if s >= 2**31 else s for s in squares]
    # NaN into an int: 0, as PTX's conversion gives.
    assert out[2:].tolist() == [0, 0]
