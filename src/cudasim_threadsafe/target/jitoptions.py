"""The options a kernel was declared with, kept for the compile check.

The simulator's ``cuda.jit`` takes a few of the real target's options and
drops them; some it refuses (``lineinfo``, ``max_registers``,
``launch_bounds``, ``forceinline``: ``TypeError``). The real target
compiles other code with them (a device function returning a local array
compiles only with ``inline="always"``), so the compile check must compile
with exactly what the user gave. ``jit_keeping_options`` accepts every
option of the real ``cuda.jit`` (numba-cuda's and numba's built-in), gives
the simulator those it takes, and keeps all of them on the kernel
(``ATTRIBUTE``).
"""

import functools
import inspect

ATTRIBUTE = "_cudasim_jit"

# The keywords of the real targets' ``cuda.jit``: numba-cuda 0.30.4's
# parameters and the ones it reads from ``**kws``, and numba 0.68.1's
# built-in target's (a subset).
OPTIONS = frozenset(
    (
        "inline",
        "forceinline",
        "link",
        "debug",
        "opt",
        "lineinfo",
        "cache",
        "launch_bounds",
        "lto",
        "shared_memory_carveout",
        "fastmath",
        "max_registers",
        "extensions",
        "boundscheck",
    )
)


class Declared:
    """What ``cuda.jit`` was given for one kernel or device function: its
    ``options`` (keywords) and ``signatures`` (a tuple, or None); ``key``
    tells them apart."""

    __slots__ = ("options", "signatures", "key")

    def __init__(self, options, signatures):
        self.options = options
        self.signatures = signatures
        self.key = repr((sorted(options.items()), signatures))


def declared(kernel):
    """The ``Declared`` of a simulated kernel, or an empty one."""
    return getattr(kernel, ATTRIBUTE, None) or _NONE


_NONE = Declared({}, None)


def _signatures(func_or_sig):
    if isinstance(func_or_sig, list):
        return tuple(func_or_sig)
    if func_or_sig is None or callable(func_or_sig):
        return None
    return (func_or_sig,)


def jit_keeping_options(jit, then=None):
    """Wraps the simulator's ``jit``: it accepts every real option, and the
    kernel it makes keeps them (``ATTRIBUTE``). ``then(kernel, func_or_sig)``
    is called on each kernel made."""
    takes = set(inspect.signature(jit).parameters)

    @functools.wraps(jit)
    def wrapper(func_or_sig=None, device=False, **options):
        unknown = [n for n in options if n not in OPTIONS | takes]
        if unknown:
            # Upstream's own TypeError for a keyword no target knows.
            return jit(func_or_sig, device=device, **options)
        given = {n: v for n, v in options.items() if n in takes}
        made = jit(func_or_sig, device=device, **given)
        keep = Declared(dict(options), _signatures(func_or_sig))

        def decorate(kernel):
            setattr(kernel, ATTRIBUTE, keep)
            if options.get("fastmath"):
                kernel._fastmath = True
            if options.get("extensions"):
                # Applied to the arguments at launch, as on the GPU.
                kernel.extensions = list(options["extensions"])
            if then is not None:
                then(kernel, func_or_sig)
            return kernel

        if hasattr(made, "fn"):
            return decorate(made)

        @functools.wraps(made)
        def making(fn):
            return decorate(made(fn))

        return making

    return wrapper
