"""The host side of ``cuda``: the names a front puts on its module.

``HOST_NAMES`` maps each host name of numba-cuda-mlir's ``cuda`` that the
simulator answers (device arrays, transfers, streams, events, devices,
contexts) to the object answering it. A front first hands in its
compiler's exception classes and array type (:func:`configure`), so that
users' ``except cuda.CudaSupportError`` matches what the simulator raises
and ``typeof`` types the simulator's device arrays.
"""

from . import devicearray, driver

_ARRAYS = (
    "DeviceNDArray",
    "to_device",
    "device_array",
    "device_array_like",
    "pinned_array",
    "pinned_array_like",
    "mapped_array",
    "mapped_array_like",
    "managed_array",
    "pinned",
    "mapped",
    "is_cuda_array",
    "as_cuda_array",
    "from_cuda_array_interface",
    "open_ipc_array",
    "In",
    "Out",
    "InOut",
)

_DRIVER = (
    "stream",
    "default_stream",
    "legacy_default_stream",
    "per_thread_default_stream",
    "external_stream",
    "event",
    "event_elapsed_time",
    "current_context",
    "require_context",
    "gpus",
    "select_device",
    "get_current_device",
    "list_devices",
    "close",
    "detect",
    "synchronize",
    "defer_cleanup",
    "profiling",
    "profile_start",
    "profile_stop",
    "is_available",
    "is_supported_version",
    "cuda_error",
    "is_float16_supported",
    "is_bfloat16_supported",
    "is_fp8_supported",
    "MemoryInfo",
    "CudaSupportError",
    "runtime",
)


def _names():
    names = {name: getattr(devicearray, name) for name in _ARRAYS}
    names.update((name, getattr(driver, name)) for name in _DRIVER)
    return names


# name -> object, for ``setattr(module, name, object)``.
HOST_NAMES = _names()


def configure(
    CudaSupportError=None,
    CudaAPIError=None,
    CudaDriverError=None,
    array_type=None,
    LinkerError=None,
):
    """Raise the compiler's exception classes from now on, and type
    device arrays with ``array_type(dtype, ndim, layout)`` (the
    compiler's ``types.Array`` built from a NumPy dtype). Each argument
    left None keeps what is there; ``HOST_NAMES`` follows."""
    errors = {
        name: cls
        for name, cls in (
            ("CudaSupportError", CudaSupportError),
            ("CudaAPIError", CudaAPIError),
            ("CudaDriverError", CudaDriverError),
            ("LinkerError", LinkerError),
        )
        if cls is not None
    }
    driver.set_errors(**errors)
    if array_type is not None:
        devicearray.ARRAY_TYPE = array_type
    HOST_NAMES.update(_names())
