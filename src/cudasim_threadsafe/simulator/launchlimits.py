"""Launch configurations the simulated device refuses, as a GPU does, and
dynamic shared memory.

A GPU refuses a block of more than 1024 threads, a block of more than 64
in z, a grid or block of 0, and more shared memory than a block may have;
the simulator ran each. The limits are the device table's
(``devicetable``), the errors numba-cuda 0.30.4's on a GPU:

- a grid or block with a 0: ``ValueError`` from the launch configuration;
- a block, grid or dynamic shared memory over the device's limits: the
  driver's ``CUDA_ERROR_INVALID_VALUE``, raised here as the simulator's
  ``CudaAPIError`` (``numba.cuda.cudadrv.driver.CudaAPIError`` under the
  simulator; numba-cuda 0.30.4 raises cuda.core's ``CUDAError`` with the
  same text);
- static shared memory over the block's limit: the linker's "uses too
  much shared data", as the simulator's ``LinkerError`` (nvJitLink's
  error on numba-cuda 0.30.4). Static and dynamic together over the
  limit: ``CUDA_ERROR_INVALID_VALUE``, as the launch would raise.

A GPU knows a kernel's static shared memory when it is compiled; the
simulator knows it as the kernel makes its shared arrays, so those two
errors come from the first thread that makes one too many, and count
only the arrays the kernel made.
"""

import functools
import math
import threading

import numpy as np

from . import context, devicetable

INVALID_VALUE = (
    "CUDA_ERROR_INVALID_VALUE: This indicates that one or more of the "
    "parameters passed to the API call is not within an acceptable range "
    "of values."
)
# The value of CUDA_ERROR_INVALID_VALUE in the driver's CUresult.
INVALID_VALUE_CODE = 1

# Serializes the count of a launch's static shared memory, which threads
# of a block on several OS threads may add to at once.
_count_lock = threading.Lock()


def _driver(fake=None):
    """Where the errors of the launch of fake module ``fake`` are: the
    simulator's driver."""
    # package-only: the fake module of the package's standalone simulator
    # names its compiler's CudaAPIError and LinkerError (``_errors``)
    errors = getattr(fake, "_errors", None)
    if errors is not None:
        return errors
    # end package-only
    from numba.cuda.simulator.cudadrv import driver

    return driver


def invalid_value(why, fake=None):
    """The driver's error for a launch parameter out of range, ``why``
    saying which limit, as the simulator's ``CudaAPIError`` (that of the
    launch of ``fake``)."""
    error = _driver(fake).CudaAPIError("%s (%s)" % (INVALID_VALUE, why))
    error.code = INVALID_VALUE_CODE
    error.msg = str(error)
    return error


def check(fake):
    """Raise what a GPU raises for the launch configuration of ``fake``
    (the simulator's ``FakeCUDAModule`` for the launch), before any thread
    runs; the launch goes on otherwise."""
    table = devicetable.ATTRIBUTES
    grid = (fake.gridDim.x, fake.gridDim.y, fake.gridDim.z)
    block = (fake.blockDim.x, fake.blockDim.y, fake.blockDim.z)
    for name, dims in (("grid", grid), ("block", block)):
        if min(dims) < 1:
            raise ValueError(
                "LaunchConfig.%s values must be >= 1 (got %s)" % (name, dims)
            )
    for name, dims in (("BLOCK", block), ("GRID", grid)):
        for axis, size in zip("XYZ", dims):
            limit = table["MAX_%s_DIM_%s" % (name, axis)]
            if size > limit:
                raise invalid_value(
                    "%s dimension %s is %d; the device allows %d "
                    "(MAX_%s_DIM_%s)"
                    % (name.lower(), axis.lower(), size, limit, name, axis),
                    fake,
                )
    threads = math.prod(block)
    limit = table["MAX_THREADS_PER_BLOCK"]
    if threads > limit:
        raise invalid_value(
            "a block of %d threads; the device allows %d "
            "(MAX_THREADS_PER_BLOCK)" % (threads, limit),
            fake,
        )
    dynamic = _dynamic_size(fake._shared)
    limit = table["MAX_SHARED_MEMORY_PER_BLOCK"]
    if dynamic > limit:
        raise invalid_value(
            "%d bytes of dynamic shared memory; a block may have %d "
            "(MAX_SHARED_MEMORY_PER_BLOCK)" % (dynamic, limit),
            fake,
        )


def _dynamic_size(shared):
    return getattr(shared, "_dynshared_size", 0) or 0


def _kernel_name(caller):
    """The running kernel's name, else the function making the array."""
    thread = context.thread_state.thread
    block = getattr(thread, "block", None)
    name = getattr(getattr(block, "fn", None), "__name__", None)
    return name or caller.f_code.co_name


def count_static(shared, key, nbytes, caller):
    """Count the static shared array ``key`` (its line), of ``nbytes``, in
    the launch whose shared memory is ``shared`` (a
    ``FakeCUDAShared``), made by the frame ``caller``; raise as a GPU
    would if the block no longer fits. An array counts once a launch,
    however many blocks make it."""
    with _count_lock:
        sizes = vars(shared).setdefault("_static_sizes", {})
        if key in sizes:
            return
        sizes[key] = nbytes
        total = sum(sizes.values())
    table = devicetable.ATTRIBUTES
    limit = table["MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"]
    # The launch of the calling thread.
    fake = context.thread_state.launch
    if total > limit:
        raise _driver(fake).LinkerError(
            "Entry function '%s' uses too much shared data (%#x bytes, "
            "%#x max)" % (_kernel_name(caller), total, limit)
        )
    dynamic = _dynamic_size(shared)
    limit = table["MAX_SHARED_MEMORY_PER_BLOCK"]
    if total + dynamic > limit:
        raise invalid_value(
            "kernel '%s' has %d bytes of static shared memory and the launch "
            "%d of dynamic; a block may have %d in all "
            "(MAX_SHARED_MEMORY_PER_BLOCK)"
            % (_kernel_name(caller), total, dynamic, limit),
            fake,
        )


def dynamic_array(shared, dtype):
    """``cuda.shared.array(0, dtype)``: the launch's dynamic shared memory
    as an array of ``dtype`` (a NumPy dtype or scalar type), as many
    whole items as the launch's bytes hold. Every such array of a block
    views the same bytes, whatever its dtype, as on a GPU."""
    dtype = np.dtype(dtype)
    count = _dynamic_size(shared) // dtype.itemsize
    return np.frombuffer(shared._dynshared.data, dtype=dtype, count=count)


def _no_work(*args):
    """A launch of no tasks: nothing runs."""


def no_work_forall(kernel_forall):
    """Wrap the simulator's ``FakeCUDAKernel.forall``: with no tasks it
    launches nothing, as numba-cuda's ``ForAll`` does; unwrapped, it
    launches a grid of 0 blocks, which the launch now refuses."""

    @functools.wraps(kernel_forall)
    def forall(self, ntasks, tpb=0, stream=0, sharedmem=0):
        if ntasks == 0:
            return _no_work
        return kernel_forall(self, ntasks, tpb, stream, sharedmem)

    return forall


def simulator_changes():
    """``(owner, name, new)``: ``forall`` of no tasks launches nothing."""
    from numba.cuda.simulator import kernel

    original = vars(kernel.FakeCUDAKernel).get("forall")
    if original is None or hasattr(original, "__wrapped__"):
        return []
    return [(kernel.FakeCUDAKernel, "forall", no_work_forall(original))]
