"""Installs the per-thread launch context into an imported ``numba.cuda``.

Works on numba's built-in simulator and on numba-cuda's: both keep the
pieces replaced here in ``numba.cuda.simulator.kernel``. A tree that lacks
any of them is left untouched, with one warning.
"""

import contextlib
import os
import sys
import weakref

from .. import settings
from ..checks import sanitize, schedule
from ..errors import NotUnderstood
from ..simulator import (
    arrays,
    context,
    cudamodule,
    dispatch,
    hostapi,
    kernelarrays,
    launch,
    launcher,
    osthreads,
    simthread,
    warp,
)
from ..target import bits, gpucheck, gputyping, signatures

# What the simulator must provide for the fix to apply, by module.
REQUIRED = {
    "kernel": (
        "FakeCUDAKernel",
        "BlockManager",
        "BlockThread",
        "_push_kernel_context",
        "_get_kernel_context",
        "swapped_cuda_module",
        "FakeWithinKernelCUDAArray",
    ),
    "kernelapi": (
        "FakeCUDAModule",
        "FakeCUDAAtomic",
        "GridGroup",
        "FakeCUDALocal",
        "FakeCUDAShared",
        "Dim3",
        "swapped_cuda_module",
    ),
}


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
    kernel_class = found["kernel"].FakeCUDAKernel
    kernelapi = found["kernelapi"]
    for cls, names in (
        (kernel_class, ("__init__", "__call__", "__getitem__")),
        (kernelapi.FakeCUDAAtomic, simthread.ATOMICS),
        (kernelapi.FakeCUDAModule, simthread.FENCES + ("popc",)),
        (kernelapi.GridGroup, ("sync",)),
    ):
        missing = [n for n in names if n not in vars(cls)]
        if missing:
            raise NotUnderstood(
                "%s lacks %s" % (cls.__name__, ", ".join(missing))
            )
    return found["kernel"], kernelapi


def _route_to_running_thread(kernelapi):
    """What upstream finds through ``threading.current_thread()`` answers
    for the running simulated thread instead, and atomics and fences let a
    spinning thread's block run on: the patches."""
    fake = kernelapi.FakeCUDAModule
    names = simthread.FAKE_MODULE_MEMBERS
    if builtin_target(kernelapi):
        names += warp.BUILTIN_TARGET_NAMES
    patches = [Patch(fake, name, getattr(simthread, name)) for name in names]
    patches.append(Patch(kernelapi.GridGroup, "sync", simthread.syncthreads))
    atomic = kernelapi.FakeCUDAAtomic
    for name in simthread.ATOMICS:
        operation = gputyping.typed_method(
            "atomic." + name,
            upstream(atomic, name),
            upstream(atomic, name),
            key=gputyping.array_key,
        )
        patches.append(Patch(atomic, name, simthread.yield_point(operation)))
    for name in simthread.FENCES:
        operation = simthread.yield_point(upstream(fake, name))
        patches.append(Patch(fake, name, operation))
    return patches


# Package only, as GPU typing needs a worker process: the intrinsics of the
# running thread and the bit intrinsics (untyped: upstream's, and our popc)
# typed as the real target types them: the block votes, and the warp
# intrinsics that take arguments.
VOTES = tuple(n for n in simthread.THREAD_MEMBERS if "syncthreads_" in n)
TYPED_THREAD_NAMES = VOTES + tuple(
    n for n in warp.INTRINSICS if n not in ("activemask", "lanemask_lt")
)
BIT_INTRINSICS = {
    "popc": bits.popc,
    "brev": bits.brev,
    "clz": bits.clz,
    "ffs": bits.ffs,
}


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
        if name == "popc":
            untyped = warp.popc
        elif name in vars(fake):
            untyped = vars(fake)[name]
        else:
            # Not the fix's to require: a simulator without it keeps that.
            continue
        typed = gputyping.typed_method(name, impl, untyped)
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


def builtin_target(kernelapi):
    """Whether the simulator is numba's own, not numba-cuda's: numba's
    real target has a few more warp names (``warp.BUILTIN_TARGET_NAMES``).
    """
    import numba

    package = os.path.dirname(os.path.abspath(numba.__file__))
    return os.path.abspath(kernelapi.__file__).startswith(package + os.sep)


# Upstream's FakeCUDAKernel.__call__ still calls these two in the package
# form; the exported form drops the calls instead (export_upstream.py).


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


def simulator_patches(kernel, kernelapi):
    """Every patch of the simulator's modules, built before any applies:
    a piece that is missing raises NotUnderstood with nothing changed."""
    kernel_class = kernel.FakeCUDAKernel
    init = upstream(kernel_class, "__init__")
    call = upstream(kernel_class, "__call__")
    getitem = upstream(kernel_class, "__getitem__")
    local = kernelapi.FakeCUDALocal
    shared = kernelapi.FakeCUDAShared
    patches = [
        Patch(kernel_class, "__init__", dispatch.direct_device_calls(init)),
        Patch(
            kernel_class,
            "__call__",
            dispatch.device_call(signatures.launching(gpucheck.checked(call))),
        ),
        Patch(kernel_class, "__getitem__", dispatch.configured_copy(getitem)),
        Patch(kernel, "_push_kernel_context", launch.Launch),
        Patch(kernel, "_get_kernel_context", launch_context),
        Patch(kernel, "swapped_cuda_module", swapped_cuda_module),
        Patch(kernelapi, "swapped_cuda_module", swapped_cuda_module),
        Patch(local, "array", arrays.cached_dtypes(upstream(local, "array"))),
        Patch(
            shared, "array", arrays.by_caller_line(upstream(shared, "array"))
        ),
        Patch(kernel, "BlockManager", launcher.BlockManager),
        Patch(kernel, "BlockThread", osthreads.SimThread),
        # Package only: the exported simulator has none of these.
        Patch(launch, "SETTINGS", settings.current),
        Patch(launch, "PLUGINS", launch.PLUGINS + (gputyping.LaunchTyping,)),
        Patch(launch, "SANITIZER", sanitize.for_launch),
        Patch(launch, "SCHEDULE", schedule.for_launch),
    ]
    patches += _route_to_running_thread(kernelapi)
    patches += _typing_patches(kernelapi)
    patches += [Patch(*change) for change in hostapi.simulator_changes()]
    namespaces = _namespaces(kernel)
    changes = sanitize.device_memory_changes(namespaces)
    changes += _jit_changes(kernelapi, namespaces)
    patches += [Patch(*change) for change in changes]
    within = kernel.FakeWithinKernelCUDAArray
    patches += [
        Patch(within, "__getitem__", kernelarrays.getitem),
        Patch(within, "__setitem__", kernelarrays.setitem),
        Patch(within, "__setattr__", kernelarrays.setattr_),
        Patch(within, "__len__", kernelarrays.length),
    ]
    # The fast attributes keep the semantics of upstream's __getattr__; an
    # upstream whose __getattr__ is neither kind keeps its own.
    upstream_getattr = vars(within).get("__getattr__")
    if kernelarrays.calls(upstream_getattr, "dir"):
        fast = kernelarrays.getattr_dir, kernelarrays.ndarray_shape
    elif kernelarrays.calls(upstream_getattr, "getattr"):
        fast = kernelarrays.getattr_item, kernelarrays.fake_shape
    else:
        fast = None
    if fast is not None:
        patches += [
            Patch(within, "__getattr__", fast[0]),
            Patch(within, "shape", fast[1]),
            Patch(within, "ndim", kernelarrays.ndim),
            Patch(within, "size", kernelarrays.size),
            Patch(within, "dtype", kernelarrays.dtype),
        ]
    return patches


def _jit_changes(kernelapi, namespaces):
    """The simulator's ``jit``, under each of its names, keeps a declared
    signature (package only: ``signatures``)."""
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
