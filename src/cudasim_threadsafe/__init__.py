"""A thread-safe CUDA simulator for numba.

Installed, the package arms itself at start-up (see ``_startup``) and, when
``numba.cuda`` is imported with the simulator enabled, gives each simulated
thread its own launch context (see ``overlay``). ``CUDASIM_THREADSAFE=0``
turns it off. The layers, and what each may import: docs/design.md.

Every Python start-up imports this package (its start-up hook is a module
of it), so the public names load on first use.
"""

__version__ = "0.2.0"
__all__ = [
    "install",
    "status",
    "sanitizer",
    "SanitizerError",
    "SanitizerWarning",
    "compile_check",
    "GPUCompileError",
    "gpu_typing",
]

# Public names defined in the layers below: name -> module.
_LAZY = {
    "SanitizerError": "errors",
    "SanitizerWarning": "errors",
    "GPUCompileError": "errors",
    "sanitizer": "settings",
    "compile_check": "settings",
    "gpu_typing": "settings",
    "activate": "overlay.hook",
    "deactivate": "overlay.hook",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module = importlib.import_module("." + _LAZY[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def install():
    """Activate the fix now, or as soon as ``numba.cuda`` is imported.

    The startup hook already does this; calling it again is harmless.
    ``CUDASIM_THREADSAFE=0`` still wins. Returns :func:`status`.
    """
    import sys

    from .overlay import hook

    # Also sees a later reload of numba.cuda.
    hook.arm()
    cuda = sys.modules.get("numba.cuda")
    if cuda is not None:
        hook.activate(cuda)
    return status()


def status():
    """A dict saying whether the fix is active, and why or why not:
    ``active``, ``reason``, ``simulator``, ``numba``, ``numba_cuda``,
    ``version``; and ``mlir``, whether the simulator serves
    ``numba_cuda_mlir.cuda``: ``served``, ``version`` (numba-cuda-mlir's),
    ``reason``."""
    from .fronts import finder
    from .overlay import hook

    found = hook.status(__version__)
    found["mlir"] = finder.status()
    return found
