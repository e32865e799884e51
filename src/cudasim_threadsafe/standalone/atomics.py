"""``cuda.atomic``: read-modify-write operations, each returning the old
value, as numba-cuda compiles them.

The value is first converted to the array's type, as the compiled
operation converts it; integers wrap around at the array's width; ``inc``
and ``dec`` wrap at ``val`` as CUDA's ``atomicInc`` and ``atomicDec``;
``max`` and ``min`` leave the element as it is when either value is NaN,
``nanmax`` and ``nanmin`` take the other value instead (numba-cuda's
lowering). One lock makes each operation atomic under the OS-thread
launcher; each is a yield point (``simthread.yield_point``), so a thread
spinning on an atomic lets the others of its block run.

An operation reads and writes the element with ``array[index]``, so an
array of a sanitized launch sees one load and one store, made while the
sanitizer marks the thread as in an atomic.
"""

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


def _max(old, val, integer):
    return val if old < val else old


def _min(old, val, integer):
    return val if old > val else old


def _nanmax(old, val, integer):
    return val if val == val and (old != old or old < val) else old


def _nanmin(old, val, integer):
    return val if val == val and (old != old or old > val) else old


def _same_bits(a, b):
    """Equal as the GPU compares in ``atom.cas``: bit for bit (a NaN
    matches itself, -0.0 does not match 0.0)."""
    return a.tobytes() == b.tobytes()


def cas(array, index, old, val):
    """Store ``val`` if the element is ``old``; return the element."""
    dtype = array.dtype
    old = cast(dtype, old)
    val = cast(dtype, val)
    with _lock:
        loaded = array[index]
        if loaded == old if _integer(dtype) else _same_bits(loaded, old):
            array[index] = val
    return loaded


def compare_and_swap(array, old, val):
    """``cas`` on the array's first element."""
    return cas(array, (0,) * array.ndim if array.ndim != 1 else 0, old, val)


def _operations():
    plain = {
        "add": _operation("add", _add),
        "sub": _operation("sub", _sub),
        "and_": _operation("and_", lambda a, b, i: int(a) & int(b), True),
        "or_": _operation("or_", lambda a, b, i: int(a) | int(b), True),
        "xor": _operation("xor", lambda a, b, i: int(a) ^ int(b), True),
        "exch": _operation("exch", lambda a, b, i: b),
        "inc": _operation("inc", _inc, True),
        "dec": _operation("dec", _dec, True),
        "max": _operation("max", _max),
        "min": _operation("min", _min),
        "nanmax": _operation("nanmax", _nanmax),
        "nanmin": _operation("nanmin", _nanmin),
        "cas": cas,
        "compare_and_swap": compare_and_swap,
    }
    assert set(plain) == set(simthread.ATOMICS)
    return {name: simthread.yield_point(fn) for name, fn in plain.items()}


OPERATIONS = _operations()
ATOMIC = Namespace("atomic", **OPERATIONS)
