"""Installs the per-thread launch context into an imported ``numba.cuda``.

Works on numba's built-in simulator and on numba-cuda's: both have the
pieces that the table (``table.py``) replaces, which the export writes
into upstream's source instead. A tree that lacks any of them is left
untouched, with one warning.
"""

import contextlib
import importlib
import os
import sys
import weakref

from .. import settings
from ..checks import sanitize, schedule
from ..errors import NotUnderstood
from ..simulator import (
    context,
    cudamodule,
    dispatch,
    hostapi,
    kernelarrays,
    launch,
    simthread,
    warp,
)
from ..target import arithmetic, bits, gpucheck, gputyping, signatures
from . import table


def _required():
    """What the simulator must provide for the fix to apply, by module:
    every module-level name the table uses, and what else our code reads
    of it (simthread's ``Dim3``; kernel's import of
    ``swapped_cuda_module``, for which a stand-in goes too)."""
    named = list(table.REPLACE) + list(table.REMOVE)
    named += [key[:2] for key in table.DECORATE]
    named += [row[:2] for row in table.MEMBERS + table.BUILTIN_WARP_MEMBERS]
    named += [("kernel", "swapped_cuda_module"), ("kernelapi", "Dim3")]
    required = {}
    for module, name in named:
        required.setdefault(module, {})[name] = None
    return {module: tuple(names) for module, names in required.items()}


REQUIRED = _required()


def _simulator_modules(cuda):
    found = {}
    for short, names in REQUIRED.items():
        module = sys.modules.get("%s.simulator.%s" % (cuda.__name__, short))
        missing = [n for n in names if not hasattr(module, n)]
        if missing:
            raise NotUnderstood(
                "numba.cuda.simulator.%s lacks %s" % (short, ", ".join(missing))
            )
        found[short] = module
    kernelapi = found["kernelapi"]
    # Two methods the table replaces: a simulator without them is not one
    # this fix knows. (Those it decorates, ``upstream`` checks.)
    for cls, name in (
        (kernelapi.FakeCUDAModule, "popc"),
        (kernelapi.GridGroup, "sync"),
    ):
        if name not in vars(cls):
            raise NotUnderstood("%s lacks %s" % (cls.__name__, name))
    return found["kernel"], kernelapi


class Patch:
    """``owner.name = new``, one piece of the fix; ``undo`` puts back what
    upstream had there (``old``, or nothing)."""

    __slots__ = ("owner", "name", "new", "old")

    def __init__(self, owner, name, new):
        self.owner = owner
        self.name = name
        self.new = new
        self.old = vars(owner).get(name, _NOTHING)

    def apply(self):
        setattr(self.owner, self.name, self.new)

    def undo(self):
        if self.old is not _NOTHING:
            setattr(self.owner, self.name, self.old)
        elif self.name in vars(self.owner):
            delattr(self.owner, self.name)


_NOTHING = object()


def upstream(owner, name):
    """Upstream's ``owner.name``, which a patch wraps; NotUnderstood if
    ``owner`` does not define it itself."""
    try:
        return vars(owner)[name]
    except KeyError:
        raise NotUnderstood(
            "%s lacks %s" % (getattr(owner, "__name__", owner), name)
        ) from None


def builtin_target(kernelapi):
    """Whether the simulator is numba's own, not numba-cuda's: numba's
    real target has a few more warp names (``warp.BUILTIN_TARGET_NAMES``).
    """
    import numba

    package = os.path.dirname(os.path.abspath(numba.__file__))
    return os.path.abspath(kernelapi.__file__).startswith(package + os.sep)


def simulator_patches(kernel, kernelapi):
    """Every patch of the simulator's modules, built before any applies:
    a piece that is missing raises NotUnderstood with nothing changed.
    The table's patches, then the package's own."""
    package = kernel.__name__.rpartition(".")[0]
    simulator = {
        short: sys.modules[package + "." + short] for short in REQUIRED
    }
    patches = _table_patches(simulator, builtin_target(kernelapi))
    return patches + _package_patches(kernel, kernelapi)


# The table's patches (table.py): what the export writes into upstream's
# source, set on the imported modules instead.


def _ours(module):
    return importlib.import_module("..simulator." + module, __package__)


def _each(row):
    """The table's ``row``, one per name where a field is
    ``*module.CONSTANT`` (each name in that constant of our module)."""
    for field in row:
        if isinstance(field, str) and field.startswith("*"):
            module, constant = field[1:].split(".")
            names = getattr(_ours(module), constant)
            return [tuple(n if f == field else f for f in row) for n in names]
    return [row]


def _table_patches(simulator, builtin):
    """``simulator``: upstream's modules that the table names, by short
    name; ``builtin``: whether they are numba's own."""
    patches = []
    for key, (ours, decorator) in table.DECORATE.items():
        for module, cls_name, method in _each(key):
            cls = getattr(simulator[module], cls_name)
            wrapped = _beneath(cls_name, method, upstream(cls, method))
            new = getattr(_ours(ours), decorator)(wrapped)
            patches.append(Patch(cls, method, new))
    for (module, name), (ours, our_name) in table.REPLACE.items():
        new = getattr(_ours(ours), our_name)
        patches.append(Patch(simulator[module], name, new))
    for module, name in table.REMOVE:
        removed = upstream(simulator[module], name)
        # Wherever upstream bound it: kernel imports swapped_cuda_module.
        for where in simulator.values():
            if vars(where).get(name) is removed:
                patches.append(Patch(where, name, STAND_INS[name]))
    rows = table.MEMBERS
    if builtin:
        rows += table.BUILTIN_WARP_MEMBERS
    done = set()
    for row in rows:
        for module, cls_name, member, ours, name, needs in _each(row):
            cls = getattr(simulator[module], cls_name)
            if (cls, member) in done or (
                needs is not None
                and not kernelarrays.calls(vars(cls).get("__getattr__"), needs)
            ):
                continue
            done.add((cls, member))
            new = _typed_member(cls_name, member, getattr(_ours(ours), name))
            patches.append(Patch(cls, member, new))
    return patches


# What stands in for each name the table removes (REMOVE): upstream's
# FakeCUDAKernel.__call__ still calls them in the package form; the
# exported form drops the calls instead (export_upstream.py).


def launch_context():
    """The launch (fake module) of the calling thread, simulated or host,
    else None: what upstream's ``_get_kernel_context`` returned."""
    state = context.thread_state
    launch = state.launch
    if launch is None and state.starting is not None:
        return state.starting.fake
    return launch


def swapped_cuda_module(fn, fake_cuda_module):
    """Stands in for the simulator's swap: globals are never rewritten."""
    return contextlib.nullcontext()


STAND_INS = {
    "_get_kernel_context": launch_context,
    "swapped_cuda_module": swapped_cuda_module,
}


# Package only: the exported simulator has none of what follows. A
# launch's settings, plugins, sanitizer and schedule; GPU typing, as it
# needs a worker process; the compile check and declared signatures; the
# host API, device memory and jit.


def _beneath(cls_name, method, fn):
    """Upstream's ``method`` as the package has it beneath the table's
    decorator."""
    if (cls_name, method) == ("FakeCUDAKernel", "__call__"):
        # A host launch converts its arguments to a declared signature and
        # runs the compile check.
        return signatures.launching(gpucheck.checked(fn))
    if cls_name == "FakeCUDAAtomic":
        # Typed as the real target types the atomic.
        return gputyping.typed_method(
            "atomic." + method, fn, fn, key=gputyping.array_key
        )
    return fn


def _typed_member(cls_name, member, ours):
    """The table's ``member`` as the package sets it: popc (ours: it counts
    at the value's width) typed as the real target types it."""
    if (cls_name, member) == ("FakeCUDAModule", "popc"):
        return gputyping.typed_method("popc", bits.popc, ours)
    return ours


def _package_patches(kernel, kernelapi):
    patches = [
        Patch(launch, "SETTINGS", settings.current),
        Patch(launch, "PLUGINS", launch.PLUGINS + (gputyping.LaunchTyping,)),
        Patch(launch, "SANITIZER", sanitize.for_launch),
        Patch(launch, "SCHEDULE", schedule.for_launch),
        # Arithmetic typed as numba types it (GPU typing).
        Patch(launch, "FUNCTION", arithmetic.for_launch),
        Patch(dispatch, "DEVICE_FUNCTION", arithmetic.device_function),
        # A device function declared with a signature converts (GPU typing).
        Patch(dispatch, "DEVICE_CALL", signatures.device_call),
    ]
    patches += _typing_patches(kernelapi)
    patches += [Patch(*change) for change in hostapi.simulator_changes()]
    namespaces = _namespaces(kernel)
    changes = sanitize.device_memory_changes(namespaces)
    changes += _jit_changes(kernelapi, namespaces)
    patches += [Patch(*change) for change in changes]
    return patches


# The intrinsics of the running thread typed as the real target types
# them: the block votes, and the warp intrinsics that take arguments; and
# upstream's bit intrinsics, at their width (popc is the table's, typed
# by ``_typed_member``).
VOTES = tuple(n for n in simthread.THREAD_MEMBERS if "syncthreads_" in n)
TYPED_THREAD_NAMES = VOTES + tuple(
    n for n in warp.INTRINSICS if n not in ("activemask", "lanemask_lt")
)
BIT_INTRINSICS = {"brev": bits.brev, "clz": bits.clz, "ffs": bits.ffs}


def _typing_patches(kernelapi):
    patches = []
    for cls in (simthread.SimulatedThread, sanitize.SanitizedThread):
        for name in TYPED_THREAD_NAMES:
            method = getattr(cls, name)
            # A shuffle's value (after the mask) has the result's type.
            value = 1 if name.startswith("shfl") else None
            typed = gputyping.typed_method(name, method, method, value=value)
            patches.append(Patch(cls, name, typed))
    fake = kernelapi.FakeCUDAModule
    for name, impl in BIT_INTRINSICS.items():
        # Not the fix's to require: a simulator without it keeps that.
        if name in vars(fake):
            typed = gputyping.typed_method(name, impl, vars(fake)[name])
            patches.append(Patch(fake, name, typed))
    return patches


def _type_libdevice(cuda):
    """Type the simulated ``cuda.libdevice`` functions, once."""
    from ..simulator import libdevice

    module = sys.modules.get(cuda.__name__ + ".libdevice")
    stubs = getattr(module, libdevice.INSTALLED, None)
    if not stubs:
        return
    for name in stubs:
        fn = getattr(module, name)
        if not hasattr(fn, "__wrapped__"):
            typed = gputyping.typed_function("libdevice." + name, fn, fn)
            setattr(module, name, typed)


def _jit_changes(kernelapi, namespaces):
    """The simulator's ``jit``, under each of its names, keeps a declared
    signature (``signatures``)."""
    api = sys.modules.get(kernelapi.__name__.rpartition(".")[0] + ".api")
    jit = getattr(api, "jit", None)
    if jit is None:
        return []
    keeping = signatures.jit_keeping_signatures(jit)
    return [
        (namespace, "jit", keeping)
        for namespace in namespaces
        if vars(namespace).get("jit") is jit
    ]


def _namespaces(kernel):
    """``numba.cuda`` and its simulator's modules, loaded: where the
    simulator's functions are found by name."""
    cuda = kernel.__name__.rpartition(".simulator.")[0]
    return [
        module
        for name, module in list(sys.modules.items())
        if module is not None
        and (name == cuda or name.startswith(cuda + ".simulator"))
    ]


# Simulator modules patched by an install, and their patches, which
# ``remove_from`` undoes. A reload of numba.cuda (the simulator switched at
# run time) runs none of those modules again.
_patched = weakref.WeakKeyDictionary()


def remove_from(cuda):
    """Leave ``numba.cuda`` and its simulator as upstream makes them,
    before a reload runs upstream's code again: the patches that installed
    the fix are undone, last first."""
    kernel = sys.modules.get(cuda.__name__ + ".simulator.kernel")
    if kernel is not None:
        for patch in reversed(_patched.pop(kernel, ())):
            patch.undo()
    hostapi.remove_from(cuda)
    # Loaded only by an install with the simulator on.
    libdevice = sys.modules.get(context.__package__ + ".libdevice")
    if libdevice is not None:
        libdevice.remove_from(cuda)
    if isinstance(cuda, cudamodule.SimulatedCudaModule):
        ours = vars(cuda).get("__getattr__")
        if getattr(ours, "__module__", None) == cudamodule.__name__:
            del cuda.__getattr__
        cuda.__class__ = type(sys)


def install_into(cuda):
    """Install into the imported module ``cuda`` (``numba.cuda``).

    All or nothing: every piece is checked and built first (NotUnderstood
    if the simulator is not one this fix knows), and an error while
    applying them undoes those applied. Installing twice is a no-op.
    """
    if isinstance(cuda, cudamodule.SimulatedCudaModule):
        return
    kernel, kernelapi = _simulator_modules(cuda)
    patches = [] if kernel in _patched else simulator_patches(kernel, kernelapi)
    try:
        fake = kernelapi.FakeCUDAModule((1, 1, 1), (1, 1, 1), 0)
    except Exception as e:
        raise NotUnderstood(
            "FakeCUDAModule((1, 1, 1), (1, 1, 1), 0) raised %s: %s"
            % (type(e).__name__, e)
        ) from None
    # Imported here, so that nothing of it loads without the simulator.
    from ..simulator import libdevice

    applied = []
    try:
        for patch in patches:
            patch.apply()
            applied.append(patch)
        hostapi.install(cuda)
        libdevice.install(cuda)
        _type_libdevice(cuda)
        cudamodule.install(cuda, fake)
    except BaseException:
        for patch in reversed(applied):
            patch.undo()
        remove_from(cuda)
        raise
    if patches:
        _patched[kernel] = patches
