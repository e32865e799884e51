"""The compile check's results on disk, shared by processes.

A kernel's check costs a compile (seconds for a large kernel). A GPU CI
compiles each kernel once per process, and caches to disk when asked; the
compile check keeps each result in a file named by a digest of what was
compiled: the kernel's code and what it reaches (device functions,
closures, globals: the pickle the worker gets), the code of the plain
functions reached by name, the argument types, options, target, numba
settings, the versions of numba-cuda, this package and Python, and the
check's own source (a changed worker compiles afresh). So
pytest-xdist workers and reruns reuse each other's results; a changed
kernel is a new name. Files are written whole to a temporary name and
renamed, so a reader sees a whole file or none.

``NUMBA_CUDASIM_COMPILE_CACHE``: a folder, or ``0`` for none; by default
``cudasim-threadsafe/compile-check`` in the user's cache folder
(``$XDG_CACHE_HOME``, else ``~/.cache``).
"""

import hashlib
import os
import pickle
import sys
import tempfile

VARIABLE = "NUMBA_CUDASIM_COMPILE_CACHE"
# Changes when what a file holds, or what the digest covers, changes.
FORMAT = b"1"


def folder():
    """The cache's folder, or None when it is off."""
    value = os.environ.get(VARIABLE, "").strip()
    if value == "0":
        return None
    if value:
        return os.path.abspath(os.path.expanduser(value))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "cudasim-threadsafe", "compile-check")


_versions = []
# The check's modules: what they compile, and how, is in the name too.
CHECK_SOURCES = (
    "gpucheck.py",
    "gpuworker.py",
    "jitoptions.py",
    "compilecache.py",
)


def _versions_text():
    if not _versions:
        from importlib import metadata

        found = []
        for package in ("numba-cuda", "numba", "cudasim-threadsafe"):
            try:
                found.append("%s=%s" % (package, metadata.version(package)))
            except metadata.PackageNotFoundError:
                found.append(package + "=none")
        found.append(sys.version)
        text = "\n".join(found).encode()
        here = os.path.dirname(os.path.abspath(__file__))
        for name in CHECK_SOURCES:
            try:
                with open(os.path.join(here, name), "rb") as f:
                    text += hashlib.sha256(f.read()).digest()
            except OSError:
                text += name.encode()
        _versions.append(text)
    return _versions[0]


def digest(*parts):
    """The name of a result: a digest of ``parts`` (bytes, or anything
    whose ``repr`` is stable) and the versions."""
    h = hashlib.sha256(FORMAT)
    h.update(_versions_text())
    for part in parts:
        if not isinstance(part, bytes):
            part = repr(part).encode()
        h.update(b"%d:" % len(part))
        h.update(part)
    return h.hexdigest()


def _path(where, name):
    return os.path.join(where, name[:2], name[2:] + ".pickle")


MISSING = object()


def load(name):
    """The result named ``name``, or MISSING."""
    where = folder()
    if where is None:
        return MISSING
    try:
        with open(_path(where, name), "rb") as f:
            return pickle.load(f)
    except Exception:
        # Absent, or unreadable: compiled again and rewritten.
        return MISSING


def store(name, result):
    """Keep ``result`` under ``name``; a folder that cannot be written
    leaves the check uncached, never failing it."""
    where = folder()
    if where is None:
        return
    path = _path(where, name)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, temporary = tempfile.mkstemp(
            dir=os.path.dirname(path), suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass
