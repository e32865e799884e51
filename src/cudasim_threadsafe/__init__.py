"""A thread-safe CUDA simulator for numba.

Installed, the package arms itself at start-up (see ``_startup``) and, when
``numba.cuda`` is imported with the simulator enabled, gives each simulated
thread its own launch context (see ``overlay``). ``CUDASIM_THREADSAFE=0``
turns it off. The layers, and what each may import: docs/design.md.
"""

from .errors import GPUCompileError, SanitizerError
from .overlay.hook import activate, deactivate  # noqa: F401
from .settings import compile_check, gpu_typing, sanitizer

__version__ = "0.2.0"
__all__ = [
    "install",
    "status",
    "sanitizer",
    "SanitizerError",
    "compile_check",
    "GPUCompileError",
    "gpu_typing",
]


def install():
    """Activate the fix now, or as soon as ``numba.cuda`` is imported.

    The startup hook already does this; calling it again is harmless.
    ``CUDASIM_THREADSAFE=0`` still wins. Returns :func:`status`.
    """
    import sys

    from . import _startup

    if not _startup.disabled():
        # Also sees a later reload of numba.cuda.
        _startup.arm(_startup.activate_later)
    cuda = sys.modules.get("numba.cuda")
    if cuda is not None:
        activate(cuda)
    return status()


def status():
    """A dict saying whether the fix is active, and why or why not:
    ``active``, ``reason``, ``simulator``, ``numba``, ``numba_cuda``,
    ``version``."""
    from .overlay import hook

    return hook.status(__version__)
