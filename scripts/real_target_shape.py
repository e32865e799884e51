"""Print what numba.cuda looks like, one line a name, to compare two trees.

    NUMBA_ENABLE_CUDASIM=0 VENV/bin/python scripts/real_target_shape.py

For the real target (the simulator off), once the simulator's modules are
imported too: the type of ``numba.cuda``, each
name it has with the type of its value (and, for a function, where it is
defined), and each member of ``DeviceNDArray`` and of the classes it
derives from in numba.cuda, with a digest of its code; then the same for
every function and class of the real target's modules loaded by then. Two
trees whose output is the same leave the real target as it is.
``scripts/check-upstream-repo.sh`` diffs it between numba-cuda at a tag
and the fork's head. Standard library and numba-cuda only.
"""

import hashlib
import importlib
import inspect
import pkgutil
import sys
import types

import numba.cuda  # noqa: F401
from numba.cuda.cudadrv import devicearray


def code_digest(code):
    """A digest of what ``code`` does: its bytecode, names and constants
    (nested code included), not where its file is."""
    h = hashlib.sha256(code.co_code)
    h.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            h.update(code_digest(const).encode())
        elif isinstance(const, frozenset):
            h.update(repr(sorted(map(repr, const))).encode())
        else:
            h.update(repr(const).encode())
    return h.hexdigest()[:16]


def describe(value):
    """The type of ``value`` and, for code, a digest of it."""
    if isinstance(value, (staticmethod, classmethod)):
        return "%s %s" % (type(value).__name__, describe(value.__func__))
    if isinstance(value, property):
        parts = [
            describe(f) if f is not None else "-"
            for f in (value.fget, value.fset, value.fdel)
        ]
        return "property(%s)" % ", ".join(parts)
    if isinstance(value, types.FunctionType):
        return "function %s" % code_digest(value.__code__)
    return type(value).__name__


def main():
    # Importing the simulator's modules, as collecting upstream's suite
    # does (tests/cudasim imports them), must not change the real target.
    import numba.cuda.simulator

    for found in pkgutil.walk_packages(
        numba.cuda.simulator.__path__, "numba.cuda.simulator."
    ):
        try:
            importlib.import_module(found.name)
        except Exception as e:
            print("import %s: %s" % (found.name, type(e).__name__))

    cuda = numba.cuda
    print("numba.cuda: %s" % type(cuda).__name__)
    for name in sorted(dir(cuda)):
        value = getattr(cuda, name)
        where = ""
        if inspect.isfunction(value) or inspect.isclass(value):
            where = " from %s" % value.__module__
        print("numba.cuda.%s: %s%s" % (name, type(value).__name__, where))
    for cls in devicearray.DeviceNDArray.__mro__:
        if not cls.__module__.startswith("numba.cuda"):
            continue
        members(cls.__name__, cls)
    # Every function and class of the real target's modules loaded now.
    for name in sorted(sys.modules):
        module = sys.modules[name]
        if not name.startswith("numba.cuda") or ".simulator" in name:
            continue
        if ".tests" in name:
            continue
        for attr, value in sorted(vars(module).items()):
            if getattr(value, "__module__", None) != name:
                continue
            if inspect.isclass(value):
                members("%s.%s" % (name, attr), value)
            elif inspect.isfunction(value):
                print("%s.%s: %s" % (name, attr, describe(value)))


def members(prefix, cls):
    for name, value in sorted(vars(cls).items()):
        if name in ("__dict__", "__weakref__", "__doc__"):
            continue
        print("%s.%s: %s" % (prefix, name, describe(value)))


if __name__ == "__main__":
    main()
