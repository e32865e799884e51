"""A simulated kernel's arithmetic, typed as numba types it.

A simulated kernel is plain Python, so ``x * y`` follows Python's and
NumPy's rules: two ``int32`` wrap at 2**31 and ``float32 * 1.5`` stays a
``float32`` under NumPy 2. Compiled for the GPU, numba types the same
expression as an ``int64`` and a ``float64``. With GPU typing on, each
kernel's and device function's source is rewritten once (``rewrite``):
every binary and unary operator, augmented assignment and comparison
becomes a call of a helper (``HELPERS``) that looks up, per operator and
operand types, what numba's typing resolves (``operator.mul`` for
``(int32, int32)`` is ``(int64, int64) -> int64``), converts the operands
and the result as compiled code does, and computes. Operands that are not
numbers (arrays, tuples, strings) get the plain operator.

The types come from numba's own typing: the CPU target's typing context,
in this process, whose operator templates the CUDA target shares; ``float16``
operands, which the CUDA target types apart (half-precision arithmetic),
are asked of the real CUDA target in GPU typing's worker process
(``gputyping.resolve``). Nothing here lists types.

``kernel.fn`` stays the user's function: a launch runs the rewritten one
(``for_launch``, the simulator's ``launch.FUNCTION`` hook) and a device
call picks it per call (``device_function``, ``dispatch.DEVICE_FUNCTION``),
both only while GPU typing is on. The rewritten function has the user's
globals dictionary, closure cells, file name and line numbers. Where the
source cannot be read or parsed (``exec``, a lambda) the plain function
runs.
"""

import ast
import functools
import inspect
import math
import operator
import textwrap
import threading
import types
import weakref

import numpy as np

from .. import settings
from . import gputyping

# -- numba's types of the operands ----------------------------------------

_PYTHON = {bool: "bool", int: "int64", float: "float64"}


def numba_name(cls):
    """The numba type of instances of ``cls``, as a NumPy dtype name (or
    ``bool``); None for what is not a number here."""
    name = _PYTHON.get(cls)
    if name is not None:
        return name
    # A Python number a declared signature typed (``signatures``).
    name = getattr(cls, "numba_type", None)
    if isinstance(name, str):
        return name
    if isinstance(cls, type) and issubclass(cls, (np.number, np.bool_)):
        dtype = np.dtype(cls)
        if dtype.kind == "b":
            return "bool"
        if dtype.kind in "iuf":
            return dtype.name
    return None


class Typing:
    """numba's typing of an operator: the CPU target's context here, the
    real CUDA target's (``gputyping``'s worker) for ``float16``."""

    def __init__(self):
        from numba.core import types as numba_types
        from numba.core.registry import cpu_target

        self.types = numba_types
        self.context = cpu_target.typing_context
        self.context.refresh()

    def resolve(self, name, operands):
        """``("ok", (parameters, result))``, ``("rejected", text)``, or
        None where numba's typing cannot say; types by name."""
        if "float16" in operands:
            return gputyping.resolve("operator." + name, list(operands))
        from .typingworker import describe

        argtypes = tuple(
            self.types.boolean if n == "bool" else getattr(self.types, n)
            for n in operands
        )
        try:
            signature = self.context.resolve_function_type(
                getattr(operator, name), argtypes, {}
            )
        except Exception as e:
            return "rejected", "%s: %s" % (type(e).__name__, e)
        if signature is None:
            return "rejected", "no signature matches"
        return "ok", (
            [describe(t) for t in signature.args],
            describe(signature.return_type),
        )


_typing = None
_lock = threading.Lock()


def resolve(name, operands):
    global _typing
    with _lock:
        if _typing is None:
            _typing = Typing()
        return _typing.resolve(name, operands)


# -- converting values ------------------------------------------------------

_INT64 = 1 << 63


def _wrap64(r):
    """``r`` as an int64 wraps it."""
    if isinstance(r, float):
        r = math.trunc(r)
    return ((r + _INT64) & ((1 << 64) - 1)) - _INT64


def _to_int(name):
    """Integer ``r`` wrapped to integer type ``name``, a Python int."""
    info = np.iinfo(name)
    mask = (1 << info.bits) - 1
    half = -info.min

    def wrap(r):
        if isinstance(r, float):
            r = math.trunc(r)
        return ((int(r) + half) & mask) - half

    return wrap


def _to_float(name):
    """``r`` rounded to float type ``name``, as a Python float: beyond its
    range, infinity (no warning)."""
    rounded = gputyping.converter(name)
    return lambda r: float(rounded(r))


def _operand(source, cls, target):
    """How an operand of numba type ``source`` (Python class ``cls``)
    becomes the Python value of type ``target``: None (as it is), a
    builtin's name, or a function."""
    if source == target and cls in _PYTHON:
        return None
    if target == "bool":
        return "bool"
    kind = np.dtype(target).kind
    if source == "bool":
        return "int" if kind in "iu" else "float"
    if kind == "f":
        if target == "float64" or source == target:
            return None if cls is float else "float"
        return _to_float(target)
    if kind in "iu":
        if np.dtype(source).kind in "iu" and _fits(source, target):
            return None if cls is int else "int"
        return _to_int(target)
    return None


def _fits(source, target):
    inner, outer = np.iinfo(source), np.iinfo(target)
    return outer.min <= inner.min and inner.max <= outer.max


def _result(name):
    """The conversion of a Python result to numba type ``name``'s value.
    int64, float64 and bool are Python numbers (numba's types of
    Python's); the other types NumPy scalars, as array elements are."""
    if name == "bool":
        return bool
    if name == "float64":
        return float
    if name == "int64":
        return _wrap64
    kind = np.dtype(name).kind
    make = np.dtype(name).type
    if kind in "iu":
        wrap = _to_int(name)
        return lambda r: make(wrap(r))
    rounded = gputyping.converter(name)
    return lambda r: rounded(float(r))


def _widened(name, result):
    """Integer ``r`` wrapped to type ``name``, then converted to type
    ``result``."""
    wrap = _to_int(name)
    convert = _result(result)
    return lambda r: convert(wrap(r))


# -- the operations ---------------------------------------------------------

# Exponents beyond this take the generic ``pow`` in numba's lowering, not
# repeated multiplication.
_SQUARINGS = 0x10000


def _power(params, result):
    """``x ** y`` as numba's lowering computes it for ``params``: an
    integer exponent by repeated squaring in the result type, a float
    one by ``pow``."""
    if np.dtype(params[1]).kind == "f":
        return math.pow
    if np.dtype(result).kind in "iu":
        # Ints wrap: modular exponentiation is exact.
        lowest = -(1 << (np.iinfo(result).bits - 1))

        def int_power(x, y):
            if y > _SQUARINGS:
                return math.trunc(math.pow(x, y))
            if y >= 0:
                return pow(x, y, 1 << 64)
            if x == 0:
                # numba's NumPy error model gives the lowest int64 (its
                # Python one, of a debug kernel, raises).
                if np.geterr()["divide"] == "raise":
                    raise ZeroDivisionError(
                        "0 cannot be raised to a negative power"
                    )
                return lowest
            # The reciprocal, truncated.
            return x**-y if x in (1, -1) else 0

        return int_power
    rounded = _to_float(result)

    def float_power(x, y):
        if abs(y) > _SQUARINGS:
            return math.pow(x, y)
        r = 1.0
        e = abs(y)
        while e:
            if e & 1:
                r = rounded(r * x)
            e >>= 1
            if e:
                x = rounded(x * x)
        return 1.0 / r if y < 0 else r

    return float_power


def _lshift(x, y):
    # Shifts of the width or more give 0 (PTX clamps the amount).
    return x << y if y < 64 else 0


# Per helper: the Python expression of the operation on the operands
# (``{0}``, ``{1}``), converted as numba's lowering converts them.
BINARY = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    # numba converts integers to float64 first: Python's int / int is the
    # exact quotient, rounded once.
    "truediv": "float({0}) / float({1})",
    "floordiv": "{0} // {1}",
    "mod": "{0} % {1}",
    "pow": "_pow({0}, {1})",
    "lshift": "_lshift({0}, {1})",
    "rshift": "{0} >> {1}",
    "and_": "{0} & {1}",
    "or_": "{0} | {1}",
    "xor": "{0} ^ {1}",
}


def _inplace(name):
    return "i" + name.rstrip("_")


INPLACE = {_inplace(k): v for k, v in BINARY.items()}
COMPARE = {
    "lt": "{0} < {1}",
    "le": "{0} <= {1}",
    "gt": "{0} > {1}",
    "ge": "{0} >= {1}",
    "eq": "{0} == {1}",
    "ne": "{0} != {1}",
}
UNARY = {"neg": "-{0}", "pos": "+{0}", "invert": "~{0}"}
_TEMPLATES = {**BINARY, **INPLACE, **COMPARE, **UNARY}


def _plain(name):
    """The Python operator of helper ``name``."""
    return getattr(operator, name)


def _kind(name):
    return "b" if name == "bool" else np.dtype(name).kind


def _entry(name, classes):
    """What the helper ``name`` runs for operands of Python classes
    ``classes``: a function of the operands."""
    plain = _plain(name)
    operands = [numba_name(c) for c in classes]
    if None in operands:
        return plain
    answer = resolve(name, operands)
    if answer is None:
        return plain
    if answer[0] == "rejected":
        return _rejection(name, operands, answer[1])
    params, result = answer[1]
    if not all(isinstance(p, str) for p in params + [result]):
        return plain
    if _numpy_computes(name, classes, params, result):
        return plain
    template = _TEMPLATES[name]
    targets = params
    unary_int = name in UNARY and _kind(params[0]) in "iu"
    if name not in COMPARE and not unary_int and _kind(result) in "iu":
        # Binary integer operations work in the result's type: the
        # operands are cast to it first (a uint64 to an int64 wraps).
        targets = [result] * len(params)
    elif name == "invert" and result == "bool":
        # A boolean's bitwise not is its logical not.
        template = "not {0}"
    names = ["a", "b"][: len(classes)]
    scope = {"_lshift": _lshift}
    if name in ("pow", "ipow"):
        scope["_pow"] = _power(params, result)
    args = []
    conversions = []
    for i, (n, c, t) in enumerate(zip(names, classes, targets)):
        how = _operand(operands[i], c, t)
        if how is None:
            args.append(n)
            conversions.append(_same)
        elif isinstance(how, str):
            args.append("%s(%s)" % (how, n))
            conversions.append(_BUILTINS[how])
        else:
            scope["c%d" % i] = how
            args.append("c%d(%s)" % (i, n))
            conversions.append(how)
    expression = template.format(*args)
    if name in COMPARE or template.startswith("not"):
        ret = "r"
    elif unary_int:
        # Negated or inverted in the operand's type, then widened: -uint8(3)
        # is uint64(253).
        scope["_result"] = _widened(params[0], result)
        ret = "_result(r)"
    elif result == "int64":
        scope["_wrap64"] = _wrap64
        ret = "r if -%d <= r < %d else _wrap64(r)" % (_INT64, _INT64)
    elif result == "float64" and all(_kind(p) == "f" for p in params):
        ret = "r"
    else:
        scope["_result"] = _result(result)
        ret = "_result(r)"
    scope["_fallback"] = _fallback(name, targets, conversions, result)
    signature = ", ".join(names)
    source = (
        "def entry(%s):\n"
        "    try:\n"
        "        r = %s\n"
        "    except (ArithmeticError, ValueError) as e:\n"
        "        return _fallback(e, %s)\n"
        "    return %s\n" % (signature, expression, signature, ret)
    )
    exec(compile(source, "<cudasim arithmetic %s>" % name, "exec"), scope)
    return scope["entry"]


# Operations whose NumPy scalar arithmetic is numba's where the operands
# already have numba's parameter types and the result is of the same type:
# IEEE arithmetic in that width, integers wrapping, Python's floor
# semantics. Launches with typing on run with NumPy's floating-point
# warnings off (``gputyping.LaunchTyping``), as the GPU has none.
_NUMPY = {"add", "sub", "mul", "truediv", "floordiv", "mod", "and_", "or_"}
_NUMPY |= {"xor"}
_NUMPY |= {_inplace(n) for n in _NUMPY} | set(COMPARE) | set(UNARY)


def _numpy_computes(name, classes, params, result):
    """Whether NumPy's own operator gives numba's result for operands of
    ``classes``: at least one a NumPy scalar, each of its parameter's
    type (a Python int or float standing for int64 or float64), and the
    result of that type too (bool for a comparison)."""
    if name not in _NUMPY or all(c in _PYTHON for c in classes):
        return False
    if name not in COMPARE and any(p != result for p in params):
        return False
    for c, p in zip(classes, params):
        if not (c is _NUMPY_CLASSES.get(p) or _PYTHON.get(c, "bool") == p):
            return False
    return True


_NUMPY_CLASSES = {
    name: np.dtype(name).type
    for name in ("bool", "float16", "float32", "float64")
    + tuple("%sint%d" % (u, n) for u in ("", "u") for n in (8, 16, 32, 64))
}
_BUILTINS = {"int": int, "float": float, "bool": bool}


def _same(value):
    return value


def _fallback(name, params, conversions, result):
    """What an operation that Python refuses (a division by zero, an
    overflow, a power out of its domain) gives: NumPy's answer on the
    parameter types, without a warning, as compiled code under numba's
    NumPy error model. A debug kernel, which the simulator runs with
    NumPy's ``divide='raise'``, raises NumPy's ``FloatingPointError``
    for a division by zero, as it does untyped."""
    makers = [(np.dtype(p).type, c) for p, c in zip(params, conversions)]
    operation = _plain(name)
    convert = _result(result)

    def fallback(error, *operands):
        values = [m(c(v)) for (m, c), v in zip(makers, operands)]
        if isinstance(error, ZeroDivisionError):
            if np.geterr()["divide"] == "raise":
                operation(*values)
                raise error
        try:
            with np.errstate(all="ignore"):
                r = operation(*values)
        except Exception:
            raise error from None
        return convert(r.item() if isinstance(r, np.generic) else r)

    return fallback


def _rejection(name, operands, text):
    message = (
        "operator.%s(%s) does not compile for the GPU: numba's typing "
        "rejects these operand types.\n%s" % (name, ", ".join(operands), text)
    )

    def rejected(*args):
        raise TypeError(message)

    return rejected


# The fast paths of the helpers: Python ints (indices, counters) and
# floats, numba's int64 and float64, where Python's operator is numba's
# but for an int64's wrap-around.
_FAST = {
    "add": ("+", True),
    "sub": ("-", True),
    "mul": ("*", True),
    "and_": ("&", False),
    "or_": ("|", False),
    "xor": ("^", False),
}
_FAST.update({_inplace(n): v for n, v in _FAST.items()})
_FAST.update({n: (t.format("", "").strip(), True) for n, t in COMPARE.items()})

_BINARY_HELPER = """
def helper(a, b):{fast}
    entry = cache.get((a.__class__, b.__class__))
    if entry is None:
        entry = fill(a, b)
    return entry(a, b)
"""
_INTS = """
    if a.__class__ is int and b.__class__ is int:
        r = a {symbol} b
        if {check}:
            return r"""
_FLOATS = """
    if a.__class__ is float and b.__class__ is float:
        return a {symbol} b"""


def _binary_helper(name):
    cache = {}

    def fill(a, b):
        classes = (a.__class__, b.__class__)
        entry = cache[classes] = _entry(name, classes)
        return entry

    fast = ""
    if name in _FAST:
        symbol, floats = _FAST[name]
        check = "-%d <= r < %d" % (_INT64, _INT64)
        fast = _INTS.format(
            symbol=symbol, check="True" if name in COMPARE else check
        )
        if floats:
            fast += _FLOATS.format(symbol=symbol)
    source = _BINARY_HELPER.format(fast=fast)
    scope = {"cache": cache, "fill": fill}
    exec(compile(source, "<cudasim arithmetic %s>" % name, "exec"), scope)
    helper = scope["helper"]
    helper.__name__ = helper.__qualname__ = name
    return helper


def _unary_helper(name):
    cache = {}

    def helper(a):
        entry = cache.get(a.__class__)
        if entry is None:
            entry = cache[a.__class__] = _entry(name, (a.__class__,))
        return entry(a)

    helper.__name__ = helper.__qualname__ = name
    return helper


def stored(array, value, error):
    """What ``array[i] = value`` stores where NumPy refused ``value``
    (``error``: a Python int beyond the element type, a NaN into ints):
    ``value`` converted as compiled code converts it (ints wrap, floats
    truncate and saturate, NaN gives 0), else ``error`` raised."""
    dtype = getattr(array, "dtype", None)
    if (
        not isinstance(dtype, np.dtype)
        or dtype.kind not in "iu"
        or numba_name(type(value)) is None
    ):
        raise error
    converted = gputyping.converter(dtype.name)(value)
    if converted == value:
        # Refused for another reason (a read-only array).
        raise error
    return converted


HELPERS = {n: _binary_helper(n) for n in (*BINARY, *INPLACE, *COMPARE)}
HELPERS.update({n: _unary_helper(n) for n in UNARY})
HELPERS["stored"] = stored


# -- rewriting a function --------------------------------------------------

PREFIX = "_cudasim_"
_BINOPS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "truediv",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.Pow: "pow",
    ast.LShift: "lshift",
    ast.RShift: "rshift",
    ast.BitAnd: "and_",
    ast.BitOr: "or_",
    ast.BitXor: "xor",
}
_UNARYOPS = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}
_CMPOPS = {
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Eq: "eq",
    ast.NotEq: "ne",
}


class Rewriter(ast.NodeTransformer):
    """Operators into calls of the helpers, named ``PREFIX + helper``;
    the helpers used are collected in ``used``."""

    def __init__(self):
        self.used = set()
        self._temporaries = 0

    def _call(self, helper, args, node):
        self.used.add(helper)
        call = ast.Call(
            func=ast.Name(id=PREFIX + helper, ctx=ast.Load()),
            args=args,
            keywords=[],
        )
        return ast.copy_location(call, node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        name = _BINOPS.get(type(node.op))
        if name is None or _constants(node.left, node.right):
            return node
        return self._call(name, [node.left, node.right], node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        name = _UNARYOPS.get(type(node.op))
        if name is None or _constants(node.operand):
            return node
        return self._call(name, [node.operand], node)

    def visit_Compare(self, node):
        self.generic_visit(node)
        names = [_CMPOPS.get(type(op)) for op in node.ops]
        if None in names or _constants(node.left, *node.comparators):
            return node
        if len(names) == 1:
            return self._call(names[0], [node.left, node.comparators[0]], node)
        # a < b < c: b evaluated once, c only if a < b, as Python does.
        calls = []
        left = node.left
        for name, right in zip(names[:-1], node.comparators[:-1]):
            temporary = self._temporary()
            bound = ast.NamedExpr(
                target=ast.Name(id=temporary, ctx=ast.Store()), value=right
            )
            calls.append(self._call(name, [left, bound], node))
            left = ast.Name(id=temporary, ctx=ast.Load())
        calls.append(self._call(names[-1], [left, node.comparators[-1]], node))
        return ast.copy_location(ast.BoolOp(op=ast.And(), values=calls), node)

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        name = _BINOPS.get(type(node.op))
        if name is None:
            return node
        helper = _inplace(name)
        target = node.target
        if isinstance(target, ast.Subscript) and any(
            isinstance(n, ast.Slice) for n in ast.walk(target.slice)
        ):
            # A slice of an array: NumPy's in-place array arithmetic.
            return node
        if isinstance(target, ast.Name):
            load = ast.Name(id=target.id, ctx=ast.Load())
            value = self._call(helper, [load, node.value], node)
            assign = ast.Assign(targets=[target], value=value)
            return ast.copy_location(assign, node)
        # obj[key] op= value, obj.attr op= value: obj and key evaluated
        # once, the element loaded and stored in the kernel's own frame
        # (the sanitizer reads its line).
        before = []
        obj = target.value
        if not isinstance(obj, ast.Name):
            obj = self._bind(obj, before, node)
        if isinstance(target, ast.Subscript):
            key = target.slice
            if not _simple(key):
                key = self._bind(key, before, node)
            load = ast.Subscript(value=obj, slice=key, ctx=ast.Load())
            value = self._call(helper, [load, node.value], node)
            return before + self._store(obj, key, value, node)
        load = ast.Attribute(value=obj, attr=target.attr, ctx=ast.Load())
        store = ast.Attribute(value=obj, attr=target.attr, ctx=ast.Store())
        value = self._call(helper, [load, node.value], node)
        assign = ast.copy_location(
            ast.Assign(targets=[store], value=value), node
        )
        return before + [assign]

    def visit_Assign(self, node):
        self.generic_visit(node)
        if len(node.targets) != 1 or not isinstance(
            node.targets[0], ast.Subscript
        ):
            return node
        target = node.targets[0]
        if any(isinstance(n, ast.Slice) for n in ast.walk(target.slice)):
            return node
        # value, obj, key: Python's order of evaluation.
        before = []
        value = self._bind(node.value, before, node)
        obj = target.value
        if not isinstance(obj, ast.Name):
            obj = self._bind(obj, before, node)
        key = target.slice
        if not _simple(key):
            key = self._bind(key, before, node)
        return before + self._store(obj, key, value, node)

    def _store(self, obj, key, value, node):
        """``obj[key] = value``, converted to the element's type as
        compiled code stores it (an int64 into an int32 array wraps)
        where NumPy refuses the value: ``value`` evaluated once."""
        statements = []
        if not _simple(value):
            value = self._bind(value, statements, node)
        self.used.add("stored")

        def store(stored):
            target = ast.Subscript(value=obj, slice=key, ctx=ast.Store())
            return ast.Assign(targets=[target], value=stored)

        error = self._temporary()
        converted = ast.Call(
            func=ast.Name(id=PREFIX + "stored", ctx=ast.Load()),
            args=[obj, value, ast.Name(id=error, ctx=ast.Load())],
            keywords=[],
        )
        handler = ast.ExceptHandler(
            type=ast.Tuple(
                elts=[
                    ast.Name(id="OverflowError", ctx=ast.Load()),
                    ast.Name(id="ValueError", ctx=ast.Load()),
                ],
                ctx=ast.Load(),
            ),
            name=error,
            body=[store(converted)],
        )
        guarded = ast.Try(
            body=[store(value)], handlers=[handler], orelse=[], finalbody=[]
        )
        statements.append(guarded)
        # The new nodes get the statement's line (``fix_missing_locations``
        # gives their parts theirs).
        return [ast.copy_location(s, node) for s in statements]

    def _temporary(self):
        self._temporaries += 1
        return "%st%d" % (PREFIX, self._temporaries)

    def _bind(self, value, statements, node):
        temporary = self._temporary()
        statements.append(
            ast.copy_location(
                ast.Assign(
                    targets=[ast.Name(id=temporary, ctx=ast.Store())],
                    value=value,
                ),
                node,
            )
        )
        return ast.Name(id=temporary, ctx=ast.Load())


def _constants(*nodes):
    """Whether every node is a number written in the source: Python's
    folding gives numba's value (a literal is int64 or float64)."""
    return all(isinstance(n, ast.Constant) for n in nodes)


def _simple(node):
    """Whether evaluating ``node`` twice costs nothing and does nothing."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Tuple):
        return all(_simple(e) for e in node.elts)
    return False


def _function_node(fn):
    """The parsed ``def`` of ``fn``, at its lines in its file, or None."""
    if inspect.unwrap(fn) is not fn:
        # ``inspect`` would give the source of the function it wraps.
        return None
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    source = "".join(lines)
    offset = first - 1
    if source[:1].isspace():
        # A nested def: inside a block rather than dedented, so that a
        # multi-line string keeps its text.
        source = "if 1:\n" + source
        offset -= 1
    try:
        tree = ast.parse(source)
    except SyntaxError:
        try:
            tree = ast.parse(textwrap.dedent("".join(lines)))
            offset = first - 1
        except SyntaxError:
            return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef)
            and node.name == fn.__code__.co_name
        ):
            ast.increment_lineno(node, offset)
            node.decorator_list = []
            return node
    return None


def _mangled(node):
    """Whether the function uses a private name (``__x``), which Python
    mangles inside a class body and not here."""
    for sub in ast.walk(node):
        name = getattr(sub, "id", None) or getattr(sub, "attr", None)
        if (
            isinstance(name, str)
            and name.startswith("__")
            and not name.endswith("__")
        ):
            return True
    return False


def rewrite(fn):
    """``fn`` with its arithmetic typed as numba types it, or None where
    its source cannot be had: the same globals, closure cells, defaults,
    name, file and line numbers."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_flags & (
        inspect.CO_GENERATOR | inspect.CO_COROUTINE
    ):
        return None
    if inspect.unwrap(fn) is not fn:
        # ``inspect`` would give the source of the function it wraps.
        return None
    # Once a code object: a kernel's functions with frozen globals
    # (``kernelinfo``) share their code with the user's.
    try:
        made = _codes[code]
    except KeyError:
        made = _codes[code] = _rewritten_code(fn, code)
    if made is None:
        return None
    if made is _UNCHANGED:
        return fn
    new, helpers = made
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    for h in helpers:
        cells[h] = types.CellType(HELPERS[h[len(PREFIX) :]])
    try:
        closure = tuple(cells[n] for n in new.co_freevars)
    except KeyError:
        return None
    made = types.FunctionType(
        new, fn.__globals__, fn.__name__, fn.__defaults__, closure or None
    )
    made.__kwdefaults__ = fn.__kwdefaults__
    made.__dict__.update(fn.__dict__)
    functools.update_wrapper(made, fn, updated=())
    return made


# code -> (its rewritten code, the helpers it names), _UNCHANGED, or None.
_codes = weakref.WeakKeyDictionary()
_UNCHANGED = "unchanged"


def _rewritten_code(fn, code):
    node = _function_node(fn)
    if node is None or _mangled(node):
        return None
    rewriter = Rewriter()
    node = rewriter.visit(node)
    if not rewriter.used:
        return _UNCHANGED
    helpers = sorted(PREFIX + h for h in rewriter.used)
    freevars = list(code.co_freevars)
    outer_args = [ast.arg(arg=n) for n in freevars + helpers]
    outer = ast.FunctionDef(
        name=PREFIX + "outer",
        args=ast.arguments(
            posonlyargs=[],
            args=outer_args,
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=[node, ast.Return(value=ast.Name(id=node.name, ctx=ast.Load()))],
        decorator_list=[],
        returns=None,
        type_comment=None,
    )
    ast.copy_location(outer, node)
    module = ast.Module(body=[outer], type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        compiled = compile(module, code.co_filename, "exec")
    except (SyntaxError, ValueError, TypeError):
        # An assignment expression where Python allows none (a chained
        # comparison in a comprehension's iterable).
        return None
    new = _inner_code(compiled, PREFIX + "outer", node.name)
    if new is None or not _same_signature(new, code):
        # The file changed since the function was defined.
        return None
    return new, helpers


def _inner_code(compiled, outer, name):
    for const in compiled.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == outer:
            for inner in const.co_consts:
                if isinstance(inner, types.CodeType) and inner.co_name == name:
                    return inner
    return None


def _same_signature(new, old):
    count = old.co_argcount + old.co_kwonlyargcount
    return (
        new.co_argcount == old.co_argcount
        and new.co_kwonlyargcount == old.co_kwonlyargcount
        and new.co_varnames[:count] == old.co_varnames[:count]
        and set(old.co_freevars) <= set(new.co_freevars)
    )


# fn -> its rewritten function (fn itself where there is none).
_rewritten = weakref.WeakKeyDictionary()


def typed(fn):
    """The function that runs for ``fn`` while GPU typing is on."""
    try:
        return _rewritten[fn]
    except (KeyError, TypeError):
        pass
    made = rewrite(fn) or fn
    try:
        _rewritten[fn] = made
    except TypeError:
        pass
    return made


# -- the hooks --------------------------------------------------------------


def for_launch(launch, fn):
    """``launch.FUNCTION``: the function a launch's threads run for the
    kernel's ``fn``."""
    chosen = launch.settings
    if chosen is None or not chosen.gpu_typing:
        return fn
    return typed(fn)


def on():
    """Whether a device function called now types its arithmetic: the
    running launch's setting, or outside a launch this thread's."""
    value = gputyping.arithmetic_in_launch.get()
    if value is None:
        return settings.gpu_typing_on()
    return value


def device_function(fn):
    """``dispatch.DEVICE_FUNCTION``: what a device function's calls run,
    choosing per call between ``fn`` and its typed form."""
    current = gputyping.arithmetic_in_launch.get
    typed_fn = None

    @functools.wraps(fn)
    def call(*args, **kwargs):
        nonlocal typed_fn
        value = current()
        if value is None:
            value = settings.gpu_typing_on()
        if not value:
            return fn(*args, **kwargs)
        if typed_fn is None:
            typed_fn = typed(fn)
        return typed_fn(*args, **kwargs)

    return call
