"""Installs the per-thread launch context into an imported ``numba.cuda``.

Works on numba's built-in simulator and on numba-cuda's: both keep the
pieces replaced here in ``numba.cuda.simulator.kernel``. A tree that lacks
any of them is left untouched, with one warning.
"""

import sys

from . import arrays, context, cudamodule, dispatch, launcher

# What the simulator must provide for the fix to apply, by module.
REQUIRED = {
    "kernel": (
        "FakeCUDAKernel",
        "BlockManager",
        "BlockThread",
        "_push_kernel_context",
        "_get_kernel_context",
        "swapped_cuda_module",
    ),
    "kernelapi": (
        "FakeCUDAModule",
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
    for attr in ("__init__", "__call__", "__getitem__"):
        if attr not in vars(kernel_class):
            raise NotUnderstood("FakeCUDAKernel lacks %s" % attr)
    return found["kernel"], found["kernelapi"]


def install_into(cuda):
    """Install into the imported module ``cuda`` (``numba.cuda``).

    Raises NotUnderstood, before changing anything, if the simulator is not
    one this fix knows. Installing twice is a no-op.
    """
    if isinstance(cuda, cudamodule.SimulatedCudaModule):
        return
    kernel, kernelapi = _simulator_modules(cuda)

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
    kernel.BlockThread = launcher.SimThread

    fake = kernelapi.FakeCUDAModule((1, 1, 1), (1, 1, 1), 0)
    cudamodule.install(cuda, fake)
