"""Which ``numba_cuda_mlir.cuda`` modules the simulator serves, and when.

``importhook.ServingFinder`` asks ``find_spec`` here for
``numba_cuda_mlir.cuda`` and each ``numba_cuda_mlir.cuda.X`` imported
with ``NUMBA_ENABLE_CUDASIM=1``. The parent package ``numba_cuda_mlir``
is imported as shipped first (Python imports parents first), so its
version is known here. A version the front was not written against, or a
front that fails to build, leaves numba-cuda-mlir as shipped, with one
warning: importing it never breaks because of this package.
"""

import importlib.machinery
import os
import sys
import warnings

PACKAGE = "numba_cuda_mlir.cuda"

# numba-cuda-mlir's ``cuda.random`` is this module of its copy of
# numba-cuda, which users may import by this path too: served as the
# simulator's ``cuda.random`` (``standalone.random``).
RANDOM = "numba_cuda_mlir.numba_cuda.random"

# The numba-cuda-mlir releases whose ``cuda`` module the front copies.
KNOWN_VERSIONS = ("0.6.0",)

_warned = []
# The module served, once built (None: not yet, or not served).
_served = {}


class _Loader:
    """Hands over a module that is already built."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class _AliasLoader(_Loader):
    """Hands over a module already imported under another name, which
    keeps its own spec (the import system sets the alias's on it)."""

    def create_module(self, spec):
        self.spec = self.module.__spec__
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec


def version():
    """The version of the imported ``numba_cuda_mlir``, or None."""
    return getattr(sys.modules.get("numba_cuda_mlir"), "__version__", None)


def _warn(text):
    if not _warned:
        _warned.append(text)
        warnings.warn(
            "cudasim-threadsafe: %s; numba_cuda_mlir.cuda is numba-cuda-mlir's "
            "own (no CUDA simulator)" % text,
            RuntimeWarning,
            stacklevel=3,
        )


def find_spec(fullname, path=None, target=None):
    """The spec of the simulator's ``fullname``, or None to leave it to
    numba-cuda-mlir."""
    if fullname == PACKAGE:
        module = _top()
        if module is None:
            return None
    elif fullname == RANDOM:
        if _top() is None:
            return None
        from ..standalone import random

        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(random), origin="cudasim-threadsafe"
        )
    elif not fullname.startswith(PACKAGE + "."):
        return None
    else:
        top = sys.modules.get(PACKAGE)
        if top is None or top is not _served.get(PACKAGE):
            # numba-cuda-mlir's own package: its own submodules.
            return None
        from . import mlir

        module = mlir.submodule(top, fullname[len(PACKAGE) + 1 :])
    return _spec(fullname, module)


def _top():
    """The simulator's ``numba_cuda_mlir.cuda``, built once; None where
    it cannot be (the warning says why)."""
    module = _served.get(PACKAGE)
    if module is not None:
        return module
    found = version()
    if found not in KNOWN_VERSIONS:
        _warn(
            "numba-cuda-mlir %s is not a version its simulator knows (%s)"
            % (found, ", ".join(KNOWN_VERSIONS))
        )
        return None
    try:
        from . import mlir

        module = mlir.build()
    except Exception as e:
        _warn("its simulator failed to build: %s: %s" % (type(e).__name__, e))
        return None
    _served[PACKAGE] = module
    return module


def _spec(fullname, module):
    spec = importlib.machinery.ModuleSpec(
        fullname,
        _Loader(module),
        origin="cudasim-threadsafe",
        is_package=hasattr(module, "__path__"),
    )
    module.__spec__ = spec
    module.__loader__ = spec.loader
    return spec


def served(module):
    """Whether ``module`` is the simulator's ``numba_cuda_mlir.cuda``."""
    return module is not None and module is _served.get(PACKAGE)


def status():
    """Whether the simulator serves ``numba_cuda_mlir.cuda``, and why or
    why not: ``served``, ``version`` (numba-cuda-mlir's, None when it is
    not installed), ``reason``. Imports no compiler."""
    from importlib import metadata

    try:
        installed = metadata.version("numba-cuda-mlir")
    except metadata.PackageNotFoundError:
        installed = None
    module = sys.modules.get(PACKAGE)
    is_served = served(module)
    if is_served:
        reason = "served"
    elif installed is None:
        reason = "numba-cuda-mlir is not installed"
    elif _warned:
        reason = _warned[0]
    elif os.environ.get("CUDASIM_THREADSAFE", "1").strip() == "0":
        reason = "turned off by CUDASIM_THREADSAFE=0"
    elif os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        reason = "the CUDA simulator is not enabled (NUMBA_ENABLE_CUDASIM)"
    elif module is not None:
        reason = "imported with the CUDA simulator off"
    else:
        reason = "numba_cuda_mlir.cuda has not been imported"
    return {
        "served": is_served,
        "version": version() or installed,
        "reason": reason,
    }
