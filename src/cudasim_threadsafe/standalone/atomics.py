"""``cuda.atomic``: read-modify-write operations, each returning the old
value, as the compilers compile them.

The value is first converted to the array's type, as the compiled
operation converts it; integers wrap around at the array's width; ``inc``
and ``dec`` wrap at ``val`` as CUDA's ``atomicInc`` and ``atomicDec``;
``and_``, ``or_``, ``xor``, ``exch``, ``inc``, ``dec`` and ``cas`` take
integer arrays only, as both compilers type them.

The compilers differ on float ``max`` and ``min`` (``FLOAT_RULES``):
numba-cuda's lowering leaves the element as it is when either value is
NaN; numba-cuda-mlir 0.6.0 lowers them to LLVM's ``fmaximum`` and
``fminimum`` (a NaN wins; -0.0 is below +0.0). For ``nanmax`` and
``nanmin`` both take the value that is not NaN (mlir: ``fmax``,
``fmin``).

One lock makes each operation atomic under the OS-thread launcher; each
is a yield point (``simthread.yield_point``), so a thread spinning on an
atomic lets the others of its block run. An operation reads and writes
the element with ``array[index]``, so an array of a sanitized launch sees
one load and one store, made while the sanitizer marks the thread as in
an atomic.
"""

import math
import threading

from ..simulator import simthread
from .intrinsics import Namespace, cast

# One lock for every operation: two operations on one element, whichever
# they are, must not interleave.
_lock = threading.Lock()


def _integer(dtype):
    return dtype.kind in "iub"


def _operation(name, update, integers_only=False):
    """The atomic ``name``: the element becomes ``update(old, val,
    integer)``, ``val`` converted to the array's type first."""

    def operation(array, index, val):
        dtype = array.dtype
        integer = _integer(dtype)
        if integers_only and not integer:
            raise TypeError(
                "Unimplemented atomic %s with %s array" % (name, dtype)
            )
        val = cast(dtype, val)
        with _lock:
            old = array[index]
            array[index] = cast(dtype, update(old, val, integer))
        return old

    operation.__name__ = operation.__qualname__ = name
    return operation


def _add(old, val, integer):
    return int(old) + int(val) if integer else old + val


def _sub(old, val, integer):
    return int(old) - int(val) if integer else old - val


def _inc(old, val, integer):
    return 0 if old >= val else int(old) + 1


def _dec(old, val, integer):
    return val if old == 0 or old > val else int(old) - 1


def _keep_nan_max(old, val, integer):
    """numba-cuda: the larger; the element as it is if either is NaN."""
    return val if old < val else old


def _keep_nan_min(old, val, integer):
    return val if old > val else old


def _signed_zero(old, val, negative):
    """Of two equal values (zeros of either sign), ``val`` if its sign is
    ``negative``, else ``old``."""
    return val if (math.copysign(1.0, val) < 0) == negative else old


def _maximum(old, val, integer):
    """LLVM's ``fmaximum``: a NaN wins, +0.0 is above -0.0."""
    if integer:
        return val if old < val else old
    if old != old:
        return old
    if val != val or old < val:
        return val
    if old == val:
        return _signed_zero(old, val, False)
    return old


def _minimum(old, val, integer):
    """LLVM's ``fminimum``: a NaN wins, -0.0 is below +0.0."""
    if integer:
        return val if old > val else old
    if old != old:
        return old
    if val != val or old > val:
        return val
    if old == val:
        return _signed_zero(old, val, True)
    return old


def _nanmax(old, val, integer):
    """The larger, a NaN taken as missing."""
    return val if val == val and (old != old or old < val) else old


def _nanmin(old, val, integer):
    return val if val == val and (old != old or old > val) else old


# Float max and min by compiler: (max, min).
FLOAT_RULES = {
    "numba-cuda": (_keep_nan_max, _keep_nan_min),
    "numba-cuda-mlir": (_maximum, _minimum),
}


def cas(array, index, old, val):
    """Store ``val`` if the element is ``old``; return the element."""
    dtype = array.dtype
    if not _integer(dtype):
        raise TypeError("Unimplemented atomic cas with %s array" % dtype)
    old = cast(dtype, old)
    val = cast(dtype, val)
    with _lock:
        loaded = array[index]
        if loaded == old:
            array[index] = val
    return loaded


def compare_and_swap(array, old, val):
    """``cas`` on the array's first element."""
    return cas(array, (0,) * array.ndim if array.ndim != 1 else 0, old, val)


def atomic_namespace(compiler="numba-cuda-mlir"):
    """``cuda.atomic`` as ``compiler`` (a key of ``FLOAT_RULES``)
    compiles it."""
    maximum, minimum = FLOAT_RULES[compiler]
    plain = {
        "add": _operation("add", _add),
        "sub": _operation("sub", _sub),
        "and_": _operation("and_", lambda a, b, i: int(a) & int(b), True),
        "or_": _operation("or_", lambda a, b, i: int(a) | int(b), True),
        "xor": _operation("xor", lambda a, b, i: int(a) ^ int(b), True),
        "exch": _operation("exch", lambda a, b, i: b, True),
        "inc": _operation("inc", _inc, True),
        "dec": _operation("dec", _dec, True),
        "max": _operation("max", maximum),
        "min": _operation("min", minimum),
        "nanmax": _operation("nanmax", _nanmax),
        "nanmin": _operation("nanmin", _nanmin),
        "cas": cas,
        "compare_and_swap": compare_and_swap,
    }
    assert set(plain) == set(simthread.ATOMICS)
    operations = {name: simthread.yield_point(fn) for name, fn in plain.items()}
    return Namespace("atomic", **operations)


ATOMIC = atomic_namespace()
