"""Startup hook, imported by ``cudasim_threadsafe.pth``.

Arms a finder that runs ``overlay.hook.activate`` right after
``numba.cuda`` is imported, and again after each reload of it (a test
fixture may switch the simulator at run time). Importing numba here would
cost every Python start-up far more than this module does, so nothing else
is imported.
"""

import os
import sys

WATCHED = "numba.cuda"


class _ChainedLoader:
    """Runs the real loader, then ``callback(module)``."""

    def __init__(self, loader, callback):
        self.loader = loader
        self.callback = callback

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        _before_reload(module)
        try:
            self.loader.exec_module(module)
        finally:
            # Leave no trace of this wrapper on the module.
            module.__loader__ = self.loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self.loader
        self.callback(module)


class PostImportFinder:
    """Meta path finder that sees ``numba.cuda`` being imported.

    It asks the finders after it for the spec (numba-cuda's redirector
    included) and wraps the loader. numba-cuda's redirector asks every finder
    again, so a nested call for the same name is answered with None.
    """

    def __init__(self, callback):
        self.callback = callback
        self._busy = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != WATCHED or self._busy:
            return None
        self._busy = True
        try:
            spec = self._find_after_self(fullname, path, target)
        finally:
            self._busy = False
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _ChainedLoader(spec.loader, self._loaded)
        return spec

    def _find_after_self(self, fullname, path, target):
        finders = sys.meta_path
        start = finders.index(self) + 1 if self in finders else 0
        for finder in finders[start:]:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def _loaded(self, module):
        self.callback(module)


def disabled():
    """True when ``CUDASIM_THREADSAFE=0`` turns the fix off."""
    return os.environ.get("CUDASIM_THREADSAFE", "1").strip() == "0"


def arm(callback):
    """Call ``callback(numba.cuda)`` once ``numba.cuda`` is imported."""
    if not any(isinstance(f, PostImportFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, PostImportFinder(callback))


def disarm():
    sys.meta_path[:] = [
        f for f in sys.meta_path if not isinstance(f, PostImportFinder)
    ]


def _before_reload(module):
    # A module class other than the plain one is the fix's: take it off, so
    # that upstream's code runs again on the module as it made it.
    if type(module) is not type(sys):
        from .overlay.hook import deactivate

        deactivate(module)


def activate_later(module):
    from .overlay.hook import activate

    activate(module)


if not disabled():
    arm(activate_later)
