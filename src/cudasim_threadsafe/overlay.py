"""Installs the per-thread launch context into an imported ``numba.cuda``.

Works on numba's built-in simulator and on numba-cuda's: both keep the
pieces replaced here in ``numba.cuda.simulator.kernel``. A tree that lacks
any of them is left untouched, with one warning.
"""

import os
import sys
import weakref

from . import (
    arrays,
    context,
    cudamodule,
    dispatch,
    hostapi,
    kernelarrays,
    launcher,
    osthreads,
    simthread,
    warp,
)

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


class NotUnderstood(Exception):
    """The installed simulator does not look like one this fix knows."""


def simulator_enabled():
    """numba's ``ENABLE_CUDASIM``, from numba-cuda's config where present."""
    for name in ("numba.cuda.core.config", "numba.core.config"):
        config = sys.modules.get(name)
        if config is not None and hasattr(config, "ENABLE_CUDASIM"):
            return bool(config.ENABLE_CUDASIM)
    return False


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
    spinning thread's block run on."""
    fake = kernelapi.FakeCUDAModule
    names = simthread.FAKE_MODULE_MEMBERS
    if builtin_target(kernelapi):
        names += warp.BUILTIN_TARGET_NAMES
    for name in names:
        setattr(fake, name, getattr(simthread, name))
    fake.popc = warp.popc
    kernelapi.GridGroup.sync = simthread.syncthreads
    for cls, names in (
        (kernelapi.FakeCUDAAtomic, simthread.ATOMICS),
        (fake, simthread.FENCES),
    ):
        for name in names:
            operation = simthread.yield_point(vars(cls)[name])
            setattr(cls, name, operation)


def builtin_target(kernelapi):
    """Whether the simulator is numba's own, not numba-cuda's: numba's
    real target has a few more warp names (``warp.BUILTIN_TARGET_NAMES``).
    """
    import numba

    package = os.path.dirname(os.path.abspath(numba.__file__))
    return os.path.abspath(kernelapi.__file__).startswith(package + os.sep)


# Simulator modules patched by an install. A reload of numba.cuda (the
# simulator switched at run time) runs none of them again.
_patched = weakref.WeakSet()


def remove_from(cuda):
    """Leave ``numba.cuda`` as upstream makes it, before a reload runs its
    code again; the simulator's own modules keep the fix."""
    hostapi.remove_from(cuda)
    # Loaded only by an install with the simulator on.
    libdevice = sys.modules.get(__package__ + ".libdevice")
    if libdevice is not None:
        libdevice.remove_from(cuda)
    if isinstance(cuda, cudamodule.SimulatedCudaModule):
        ours = vars(cuda).get("__getattr__")
        if getattr(ours, "__module__", None) == cudamodule.__name__:
            del cuda.__getattr__
        cuda.__class__ = type(sys)


def install_into(cuda):
    """Install into the imported module ``cuda`` (``numba.cuda``).

    Raises NotUnderstood, before changing anything, if the simulator is not
    one this fix knows. Installing twice is a no-op.
    """
    if isinstance(cuda, cudamodule.SimulatedCudaModule):
        return
    kernel, kernelapi = _simulator_modules(cuda)
    hostapi.install(cuda)
    # Imported here, so that nothing of it loads without the simulator.
    from . import libdevice

    libdevice.install(cuda)
    if kernel in _patched:
        fake = kernelapi.FakeCUDAModule((1, 1, 1), (1, 1, 1), 0)
        cudamodule.install(cuda, fake)
        return
    _patched.add(kernel)

    kernel_class = kernel.FakeCUDAKernel
    call = vars(kernel_class)["__call__"]
    getitem = vars(kernel_class)["__getitem__"]
    init = vars(kernel_class)["__init__"]
    kernel_class.__init__ = dispatch.direct_device_calls(init)
    kernel_class.__call__ = dispatch.device_call(call)
    kernel_class.__getitem__ = dispatch.configured_copy(getitem)
    kernel._push_kernel_context = context.launching
    kernel._get_kernel_context = context.launch_context
    kernel.swapped_cuda_module = dispatch.swapped_cuda_module
    kernelapi.swapped_cuda_module = dispatch.swapped_cuda_module
    local = kernelapi.FakeCUDALocal
    local.array = arrays.cached_dtypes(vars(local)["array"])
    shared = kernelapi.FakeCUDAShared
    shared.array = arrays.by_caller_line(vars(shared)["array"])
    kernel.BlockManager = launcher.BlockManager
    kernel.BlockThread = osthreads.SimThread
    _route_to_running_thread(kernelapi)
    within = kernel.FakeWithinKernelCUDAArray
    within.__getitem__ = kernelarrays.getitem
    within.__setitem__ = kernelarrays.setitem
    within.__setattr__ = kernelarrays.setattr_
    within.__len__ = kernelarrays.length
    # The fast attributes keep the semantics of upstream's __getattr__.
    upstream_getattr = vars(within).get("__getattr__")
    if kernelarrays.calls(upstream_getattr, "dir"):
        within.__getattr__ = kernelarrays.getattr_dir
        within.shape = kernelarrays.ndarray_shape
    elif kernelarrays.calls(upstream_getattr, "getattr"):
        within.__getattr__ = kernelarrays.getattr_item
        within.shape = kernelarrays.fake_shape
    if upstream_getattr is not within.__getattr__:
        within.ndim = kernelarrays.ndim
        within.size = kernelarrays.size
        within.dtype = kernelarrays.dtype

    fake = kernelapi.FakeCUDAModule((1, 1, 1), (1, 1, 1), 0)
    cudamodule.install(cuda, fake)
