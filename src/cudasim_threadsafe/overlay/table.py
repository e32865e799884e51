"""What the fix replaces in upstream's simulator: one table, read by the
overlay (``install.py``, which patches the imported modules) and by the
export (``buildscripts/exporter/edits.py``, which edits their source).

Pure data: the export imports this under a plain ``python3`` that may
lack numba and numpy. Upstream's modules are named as modules of
``numba.cuda.simulator`` (``"kernel"``), ours as modules of
``cudasim_threadsafe.simulator``, which the export carries under the same
names.

A name written ``"*simthread.ATOMICS"`` stands for each name in that
constant of our module: the row is one row per name, that name in every
field so written. The names stay with the code that provides them.
"""

# Upstream definitions that the simulator takes from our modules instead:
# (simulator module, name) -> (our module, our name).
REPLACE = {
    ("kernel", "BlockManager"): ("launcher", "BlockManager"),
    ("kernel", "BlockThread"): ("osthreads", "SimThread"),
    ("kernel", "_push_kernel_context"): ("launch", "Launch"),
}


# Upstream definitions that nothing calls once the fix is in: with the
# launch-only ``FakeCUDAKernel.__call__``, the launch's context is never
# read back and nothing is swapped. The export deletes them; the overlay
# leaves upstream's ``__call__`` as it is, so it puts stand-ins in their
# place.
REMOVE = (
    ("kernel", "_get_kernel_context"),
    ("kernelapi", "swapped_cuda_module"),
)


# Upstream methods that get one of our decorators:
# (simulator module, class, method) -> (our module, decorator).
DECORATE = {
    ("kernel", "FakeCUDAKernel", "__init__"): (
        "dispatch",
        "direct_device_calls",
    ),
    ("kernel", "FakeCUDAKernel", "__call__"): ("dispatch", "device_call"),
    ("kernel", "FakeCUDAKernel", "__getitem__"): (
        "dispatch",
        "configured_copy",
    ),
    ("kernelapi", "FakeCUDALocal", "array"): ("arrays", "cached_dtypes"),
    ("kernelapi", "FakeCUDAShared", "array"): ("arrays", "by_caller_line"),
    # Atomics and fences are yield points: a thread spinning on one lets
    # the others of its block run.
    ("kernelapi", "FakeCUDAAtomic", "*simthread.ATOMICS"): (
        "simthread",
        "yield_point",
    ),
    ("kernelapi", "FakeCUDAModule", "*simthread.FENCES"): (
        "simthread",
        "yield_point",
    ),
}


# Members of upstream classes that our module provides, set in the class
# body as ``member = ourmodule.name``: (simulator module, class, member, our
# module, our name, a name the class's own ``__getattr__`` must read for the
# row to apply, or None). A method of that name is replaced, any other
# member is added; one member may have a row per upstream variant, the
# first that applies wins (numba's ``__getattr__`` reads ``getattr`` too).
_MODULE = ("kernelapi", "FakeCUDAModule")
_ARRAY = ("cudadrv.devicearray", "FakeWithinKernelCUDAArray")

# What upstream reads off threading.current_thread() comes from the
# running simulated thread.
THREAD_MEMBERS = (
    ("kernelapi", "GridGroup", "sync", "simthread", "grid_sync", None),
    _MODULE
    + (
        "*simthread.THREAD_MEMBERS",
        "simthread",
        "*simthread.THREAD_MEMBERS",
        None,
    ),
)

WARP_MEMBERS = (
    # Counts a negative value at its type's width, not as Python's int.
    _MODULE + ("popc", "warp", "popc", None),
    _MODULE + ("*warp.INTRINSICS", "simthread", "*warp.INTRINSICS", None),
)

# Rows like WARP_MEMBERS' for numba's built-in simulator only: the warp
# functions of numba's real target call these two, which numba-cuda's does
# not export.
BUILTIN_WARP_MEMBERS = (
    _MODULE
    + (
        "*warp.BUILTIN_TARGET_NAMES",
        "simthread",
        "*warp.BUILTIN_TARGET_NAMES",
        None,
    ),
)

# Array arguments: item access and ``shape`` / ``size`` / ``ndim`` /
# ``dtype`` without upstream's per-access checks. Upstream's
# ``__getattr__`` comes in two kinds (it reads ``dir`` or ``getattr``);
# the fast attributes keep the semantics of each, and an upstream whose
# ``__getattr__`` is neither keeps its own.
ARRAY_MEMBERS = (
    _ARRAY + ("__getitem__", "kernelarrays", "getitem", None),
    _ARRAY + ("__setitem__", "kernelarrays", "setitem", None),
    _ARRAY + ("__setattr__", "kernelarrays", "setattr_", None),
    _ARRAY + ("__len__", "kernelarrays", "length", None),
    _ARRAY + ("shape", "kernelarrays", "ndarray_shape", "dir"),
    _ARRAY + ("__getattr__", "kernelarrays", "getattr_dir", "dir"),
    _ARRAY + ("shape", "kernelarrays", "fake_shape", "getattr"),
    _ARRAY + ("__getattr__", "kernelarrays", "getattr_item", "getattr"),
    _ARRAY + ("ndim", "kernelarrays", "ndim", "dir"),
    _ARRAY + ("ndim", "kernelarrays", "ndim", "getattr"),
    _ARRAY + ("size", "kernelarrays", "size", "dir"),
    _ARRAY + ("size", "kernelarrays", "size", "getattr"),
    _ARRAY + ("dtype", "kernelarrays", "dtype", "dir"),
    _ARRAY + ("dtype", "kernelarrays", "dtype", "getattr"),
)

MEMBERS = THREAD_MEMBERS + WARP_MEMBERS + ARRAY_MEMBERS
