"""The intrinsics and value types that GPU typing is checked on.

Each case is a device function ``f(x, a)`` calling one intrinsic with a
value ``x`` of one type (``a`` is an array of that type, for atomics).
Run as a module with the simulator off, this compiles every case with the
real compiler (``compile_ptx``, sm_80) and prints, as JSON, what each
compiles to: its result type, or the compiler's error (its class first).

    python -m cudasim_threadsafe.tests.typingmatrix
"""

import json

import numpy as np

FULL = "0xFFFFFFFF"

CALLS = {
    "shfl_sync": "cuda.shfl_sync(%s, x, 0)" % FULL,
    "shfl_up_sync": "cuda.shfl_up_sync(%s, x, 0)" % FULL,
    "shfl_down_sync": "cuda.shfl_down_sync(%s, x, 0)" % FULL,
    "shfl_xor_sync": "cuda.shfl_xor_sync(%s, x, 0)" % FULL,
    "all_sync": "cuda.all_sync(%s, x)" % FULL,
    "any_sync": "cuda.any_sync(%s, x)" % FULL,
    "eq_sync": "cuda.eq_sync(%s, x)" % FULL,
    "ballot_sync": "cuda.ballot_sync(%s, x)" % FULL,
    "match_any_sync": "cuda.match_any_sync(%s, x)" % FULL,
    "match_all_sync": "cuda.match_all_sync(%s, x)" % FULL,
    "syncthreads_count": "cuda.syncthreads_count(x)",
    "syncthreads_and": "cuda.syncthreads_and(x)",
    "syncthreads_or": "cuda.syncthreads_or(x)",
    "syncwarp": "cuda.syncwarp(x)",
    "popc": "cuda.popc(x)",
    "brev": "cuda.brev(x)",
    "clz": "cuda.clz(x)",
    "ffs": "cuda.ffs(x)",
    "atomic.add": "cuda.atomic.add(a, 0, x)",
    "atomic.max": "cuda.atomic.max(a, 0, x)",
    "atomic.and_": "cuda.atomic.and_(a, 0, x)",
    "atomic.inc": "cuda.atomic.inc(a, 0, x)",
    "atomic.exch": "cuda.atomic.exch(a, 0, x)",
    "atomic.cas": "cuda.atomic.cas(a, 0, x, x)",
    "libdevice.sinf": "libdevice.sinf(x)",
    "libdevice.sin": "libdevice.sin(x)",
    "libdevice.popcll": "libdevice.popcll(x)",
    "libdevice.llabs": "libdevice.llabs(x)",
}

# bool, the signed and unsigned integers, the floats.
TYPES = (
    ("bool",)
    + tuple("%sint%d" % (u, n) for u in ("", "u") for n in (8, 16, 32, 64))
    + tuple("float%d" % n for n in (16, 32, 64))
)


def function(name):
    """The case's device function, as plain Python."""
    from numba import cuda
    from numba.cuda import libdevice

    scope = {"cuda": cuda, "libdevice": libdevice}
    exec("def f(x, a):\n    return %s\n" % CALLS[name], scope)
    return scope["f"]


def values(type_name):
    """The case's ``x`` and ``a``."""
    a = np.ones(1, dtype=type_name)
    return a[0], a


def compiled():
    """``{"name type": ["ok", result] or ["error", text]}``, compiled."""
    from numba import cuda

    from cudasim_threadsafe.target import typingworker

    typing = typingworker.Typing()
    # Raises, and the module exits with its error, without a compiler.
    cuda.compile_ptx(
        lambda x: x + 1, (typing.typeof(1),), device=True, cc=(8, 0)
    )
    found = {}
    for name in CALLS:
        for type_name in TYPES:
            x, a = values(type_name)
            argtypes = (typing.typeof(x), typing.typeof(a))
            try:
                _, result = cuda.compile_ptx(
                    function(name), argtypes, device=True, cc=(8, 0)
                )
            except Exception as e:
                line = str(e).strip().splitlines()[0]
                text = "%s: %s" % (type(e).__name__, line)
                found[name + " " + type_name] = ["error", text]
            else:
                described = typingworker.describe(result)
                found[name + " " + type_name] = ["ok", described]
    return found


if __name__ == "__main__":
    print(json.dumps(compiled()))
