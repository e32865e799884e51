"""The start-up hook's machinery: two meta path finders.

``arm(callback, before_reload)`` makes a finder that runs ``callback``
right after ``numba.cuda`` is imported, and again after each reload of it
(a test fixture may switch the simulator at run time), and
``before_reload`` before a reload runs upstream's code on the module
again.

``serve(package, front)`` makes a finder that, while
``NUMBA_ENABLE_CUDASIM=1``, asks module ``front`` (imported then, not
before) for the spec of ``package`` and of its submodules: a compiler
that ships no simulator (numba-cuda-mlir) gets this package's.

Every Python start-up imports this (``_startup``), so it imports nothing
but ``sys`` and ``os`` (both loaded before any ``.pth`` file).
"""

import os
import sys

WATCHED = "numba.cuda"


class _ChainedLoader:
    """Runs the real loader, then ``callback(module)``."""

    def __init__(self, loader, callback, before):
        self.loader = loader
        self.callback = callback
        self.before = before

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        if type(module) is not type(sys):
            # A module class other than the plain one is the fix's: it
            # comes off, so that upstream's code runs again on the module
            # as it made it.
            self.before(module)
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

    def __init__(self, callback, before):
        self.callback = callback
        self.before = before
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
        spec.loader = _ChainedLoader(spec.loader, self._loaded, self.before)
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


def arm(callback, before_reload):
    """Call ``callback(numba.cuda)`` once ``numba.cuda`` is imported, and
    ``before_reload(numba.cuda)`` before each reload of it."""
    if not any(isinstance(f, PostImportFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, PostImportFinder(callback, before_reload))


class ServingFinder:
    """Meta path finder that hands ``package`` and its submodules to
    ``front.find_spec`` while the simulator is on.

    Every import in the process passes here, so a name outside
    ``package`` costs one string test; the front is imported the first
    time it is asked. Its ``find_spec`` may return None, and then the
    finders after this one answer as if it were not there.
    """

    def __init__(self, package, front):
        self.package = package
        self.prefix = package + "."
        self.front = front

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.package and not fullname.startswith(self.prefix):
            return None
        if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
            return None
        __import__(self.front)
        return sys.modules[self.front].find_spec(fullname, path, target)


def serve(package, front):
    """Have module ``front`` serve ``package`` and its submodules whenever
    they are imported with ``NUMBA_ENABLE_CUDASIM=1``."""
    for finder in sys.meta_path:
        if isinstance(finder, ServingFinder) and finder.package == package:
            return
    sys.meta_path.insert(0, ServingFinder(package, front))
