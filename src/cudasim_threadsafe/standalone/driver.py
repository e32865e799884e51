"""The simulator's driver: its one device, context, streams and events.

They answer as numba-cuda-mlir's do (the same reprs, the same errors, a
device that gives every ``CU_DEVICE_ATTRIBUTE_*`` from
``simulator.devicetable``), with the difference that simulated work is
synchronous: it is done when the call that queued it returns, so every
stream is idle and every recorded event complete.

The exception classes are the compiler's where a front hands them in
(:func:`set_errors`), so ``except cuda.CudaSupportError`` in user code
catches what this module raises.
"""

import collections
import contextlib
import ctypes
import enum
import itertools
import os
import time
import warnings

import numpy as np

from ..simulator import device as _device
from ..simulator import devicetable
from . import devicearray

# Exceptions, replaced by the compiler's own (set_errors)


class CudaDriverError(Exception):
    pass


class CudaSupportError(ImportError):
    pass


class CudaAPIError(CudaDriverError):
    """A driver call failed: ``code`` is the ``CUresult``."""

    def __init__(self, code, msg):
        super().__init__(code, msg)
        self.code, self.msg = code, msg

    def __str__(self):
        return f"[{self.code}] {self.msg}"


class LinkerError(RuntimeError):
    pass


def set_errors(**classes):
    """Raise the given classes (by name: ``CudaAPIError``,
    ``CudaSupportError``, ``CudaDriverError``, ``LinkerError``) from now
    on."""
    for name, cls in classes.items():
        if name not in _ERROR_NAMES:
            raise TypeError("no exception named %r here" % name)
        globals()[name] = cls


_ERROR_NAMES = (
    "CudaDriverError",
    "CudaSupportError",
    "CudaAPIError",
    "LinkerError",
)


class CUresult(enum.IntEnum):
    """The driver's result codes that the simulator gives, printed as
    cuda-bindings prints its own."""

    CUDA_SUCCESS = 0
    CUDA_ERROR_INVALID_VALUE = 1
    CUDA_ERROR_INVALID_DEVICE = 101
    CUDA_ERROR_INVALID_HANDLE = 400
    CUDA_ERROR_NOT_READY = 600

    __str__ = enum.Enum.__repr__


def _fail(call, code):
    raise CudaAPIError(code, "Call to %s results in %s" % (call, code.name))


# Streams

# Handles of the default streams, as the driver numbers them.
_DEFAULT, _LEGACY, _PER_THREAD = 0, 1, 2

_DEFAULT_NAMES = {
    _DEFAULT: "<Default CUDA stream>",
    _LEGACY: "<Legacy default CUDA stream>",
    _PER_THREAD: "<Per-thread default CUDA stream>",
}

# Handles of created streams: distinct, never a default one's.
_handles = itertools.count(0x1000, 0x10)


class Stream:
    """A stream; its work is done by the time it is queued."""

    def __init__(self, handle, external=False):
        self.handle = handle
        self.external = external

    def __int__(self):
        return self.handle

    def __cuda_stream__(self):
        return (0, self.handle)

    def __repr__(self):
        if self.handle in _DEFAULT_NAMES and not self.external:
            return _DEFAULT_NAMES[self.handle]
        if self.external:
            return "<External CUDA stream %d>" % self.handle
        return "<CUDA stream %d>" % self.handle

    def synchronize(self):
        """Wait for the stream's work: all done already."""

    @contextlib.contextmanager
    def auto_synchronize(self):
        """Synchronize the stream when the block is left."""
        yield self
        self.synchronize()

    def add_callback(self, callback, arg=None):
        """Call ``callback(stream, status, arg)`` once the stream's work
        is done: at once, since it is. An exception in it is a warning,
        as from the driver's thread."""
        try:
            callback(self, 0, arg)
        except Exception as e:
            warnings.warn("Exception in stream callback: %s" % e)

    def async_done(self):
        """A future of the running event loop resolving to this stream
        once its work is done."""
        import asyncio

        future = asyncio.get_running_loop().create_future()
        future.set_result(self)
        return future


def stream():
    """A new stream."""
    return Stream(next(_handles))


def default_stream():
    return Stream(_DEFAULT)


def legacy_default_stream():
    return Stream(_LEGACY)


def per_thread_default_stream():
    return Stream(_PER_THREAD)


def external_stream(ptr):
    """A stream another library made: its work too is done here."""
    if not isinstance(ptr, int):
        raise TypeError("ptr for external stream must be an int")
    return Stream(ptr, external=True)


# Events


class Event:
    """An event: complete when recorded; timed with the host's clock."""

    def __init__(self, timing=True):
        self.timing = timing
        self._recorded_at = None

    def query(self):
        """Whether the work before the last ``record`` is done: it is."""
        return True

    def record(self, stream=0):
        self._recorded_at = time.perf_counter()

    def synchronize(self):
        """Wait for the event: it is complete."""

    def wait(self, stream=0):
        """Make ``stream``'s later work wait for the event: it is done."""

    def elapsed_time(self, evtend):
        return event_elapsed_time(self, evtend)


def event(timing=True):
    """A new event; only one made with ``timing`` can be timed."""
    return Event(timing=timing)


def event_elapsed_time(evtstart, evtend):
    """Milliseconds from recording ``evtstart`` to recording ``evtend``;
    the driver's error if either was made without timing or never
    recorded."""
    for evt in (evtstart, evtend):
        if not evt.timing or evt._recorded_at is None:
            _fail("cuEventElapsedTime", CUresult.CUDA_ERROR_INVALID_HANDLE)
    return (evtend._recorded_at - evtstart._recorded_at) * 1000.0


# Memory transfers by size, as the driver module offers them


def _bytes(obj):
    """The bytes of a device or host array (or of memory from a context's
    allocators), from its first element on, writable in place."""
    ary = getattr(obj, "_ary", obj)
    if not isinstance(ary, np.ndarray):
        ary = np.asarray(ary)
    size = memory_size_from_info(ary.shape, ary.strides, ary.itemsize)
    if not size:
        return np.empty(0, np.uint8)
    return devicearray._at(ary, (size,), (1,), np.dtype(np.uint8))


def memory_size_from_info(shape, strides, itemsize):
    """Bytes from the first to the last byte of an array of this layout."""
    low, high = devicearray._extent(shape, strides, itemsize)
    return high - low


def host_memory_size(obj):
    return _bytes(obj).size


def device_memory_size(devmem):
    return _bytes(devmem).size


def is_device_memory(obj):
    return bool(getattr(obj, "__cuda_memory__", False))


def require_device_memory(obj):
    if not is_device_memory(obj):
        raise Exception("Not a CUDA memory object.")


def host_pointer(obj, readonly=False):
    if isinstance(obj, int):
        return obj
    return _bytes(obj).ctypes.data


def device_pointer(obj):
    return devicearray._host(obj).ctypes.data


def device_ctypes_pointer(obj):
    if obj is None:
        return ctypes.c_void_p(0)
    require_device_memory(obj)
    return ctypes.c_void_p(device_pointer(obj))


def host_to_device(dst, src, size, stream=0):
    """Copy ``size`` bytes; done when it returns (any ``stream``)."""
    if size:
        _bytes(dst)[:size] = _bytes(src)[:size]


device_to_host = device_to_device = host_to_device


def device_memset(dst, val, size, stream=0):
    """Set ``size`` bytes of ``dst`` to the byte ``val``."""
    _bytes(dst)[:size] = val & 0xFF


# Devices and contexts

MemoryInfo = collections.namedtuple("MemoryInfo", "free,total")


def _memory_info():
    """The host's available and physical memory (the device's memory is
    the host's), integers as on a GPU; 12 GiB where the host cannot
    say."""
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        free = os.sysconf("SC_AVPHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        total = free = 0
    if total <= 0 or free < 0:
        total = free = _device._DEFAULT_MEMORY
    return MemoryInfo(free=int(free), total=int(total))


class Device:
    """The simulated device: attributes from ``simulator.devicetable``."""

    __getattr__ = _device.device_getattr
    __repr__ = _device.device_repr
    __eq__ = _device.device_eq
    __hash__ = _device.device_hash
    get_device_identity = _device.get_device_identity

    def __init__(self, devnum):
        self.id = devnum
        self.name = devicetable.NAME
        self.compute_capability = devicetable.COMPUTE_CAPABILITY
        self.uuid = "GPU-00000000-0000-0000-0000-000000000000"
        self.primary_context = None

    # The simulator computes in float16 (not bfloat16 or fp8), whatever
    # its compute capability says.
    supports_float16 = True
    supports_bfloat16 = False
    supports_fp8 = False

    def get_primary_context(self):
        return _context

    def release_primary_context(self):
        pass

    def reset(self):
        _context.reset()


class _Deallocations:
    """The context's pending frees: NumPy frees the simulator's memory."""

    def clear(self):
        pass

    def __len__(self):
        return 0

    @contextlib.contextmanager
    def disable(self):
        yield

    def is_disabled(self):
        return False


class Context:
    """The device's one context, shared by every host thread."""

    def __init__(self, device):
        self.device = device
        self.handle = 1
        self.deallocations = _Deallocations()

    def __repr__(self):
        return "<CUDA context %s of device %d>" % (self.handle, self.device.id)

    def get_memory_info(self):
        """``(free, total)`` bytes."""
        return _memory_info()

    def reset(self):
        """Free the context's resources: NumPy owns them."""

    def synchronize(self):
        """Wait for all work: it is done."""

    def push(self):
        pass

    def pop(self):
        pass

    def prepare_for_use(self):
        pass

    @contextlib.contextmanager
    def defer_cleanup(self):
        yield

    # Memory: NumPy byte arrays, which device arrays take as ``gpu_data``
    # and NumPy as a buffer.

    def memalloc(self, bytesize):
        return np.empty(bytesize, np.uint8)

    def memhostalloc(self, bytesize, mapped=False, portable=False, wc=False):
        return np.empty(bytesize, np.uint8)

    def memallocmanaged(self, bytesize, attach_global=True):
        return np.empty(bytesize, np.uint8)

    def mempin(self, owner, pointer, size, mapped=False):
        return _bytes(owner)[:size]

    def get_ipc_handle(self, memory):
        devicearray.refuse_ipc()

    def create_stream(self):
        return stream()

    def create_external_stream(self, ptr):
        return external_stream(ptr)

    def create_event(self, timing=True):
        return event(timing)

    def get_default_stream(self):
        return default_stream()

    def get_legacy_default_stream(self):
        return legacy_default_stream()

    def get_per_thread_default_stream(self):
        return per_thread_default_stream()


class _DeviceContextManager:
    """``cuda.gpus[i]``: the device's attributes, and ``with`` makes it
    current (it always is)."""

    def __init__(self, device):
        self._device = device

    def __getattr__(self, name):
        return getattr(self._device, name)

    @property
    def device(self):
        """The device, as numba-cuda's simulator gives it here (the real
        target's manager has no such attribute)."""
        return self._device

    def get_primary_context(self):
        return self._device.get_primary_context()

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_val, exc_tb):
        pass

    def __str__(self):
        return "<Managed Device %d>" % self._device.id


class _DeviceList:
    """``cuda.gpus``: the simulator's devices (one)."""

    def __init__(self, managers):
        self.lst = managers

    def __getitem__(self, devnum):
        if not isinstance(devnum, (int, slice)):
            devnum = int(devnum)
        return self.lst[devnum]

    def __iter__(self):
        return iter(self.lst)

    def __len__(self):
        return len(self.lst)

    def __str__(self):
        return ", ".join(str(d) for d in self.lst)

    @property
    def current(self):
        return self.lst[0]


_the_device = Device(0)
_context = Context(_the_device)
_the_device.primary_context = _context
gpus = _DeviceList([_DeviceContextManager(_the_device)])


class Driver:
    """``cudadrv.driver.driver``: initialised, with one device."""

    initialization_error = None
    is_available = True

    def get_device_count(self):
        return len(gpus)

    def get_device(self, devnum=0):
        return gpus[devnum]._device

    def list_devices(self):
        return [manager._device for manager in gpus]


driver = Driver()


def get_context(devnum=None):
    """The context of device ``devnum`` (the current one by default)."""
    if devnum is not None:
        return gpus[devnum].get_primary_context()
    return _context


current_context = get_context


def require_context(fn):
    """A context is always there: ``fn`` as it is."""
    return fn


def select_device(device_id):
    """Make device ``device_id`` current and return it (IndexError for
    a device the simulator lacks: it has device 0)."""
    return get_context(device_id).device


def get_current_device():
    return _context.device


def list_devices():
    return gpus


def synchronize():
    """Wait for all work on the current context: it is done."""
    return _context.synchronize()


def close():
    """Clear the contexts: nothing to clear."""
    _context.reset()


def reset():
    _context.reset()


@contextlib.contextmanager
def defer_cleanup():
    """Delay freeing device memory inside the block: NumPy frees it."""
    with _context.defer_cleanup():
        yield


def detect():
    """Print the devices as numba-cuda-mlir's ``cuda.detect()`` prints
    them; True, as the simulator's device is supported."""
    devices = list(list_devices())
    print("Found %d CUDA devices" % len(devices))
    for dev in devices:
        print("id %d    %20s %40s" % (dev.id, dev.name, "[SUPPORTED]"))
        rows = (
            ("Compute Capability", "%d.%d" % dev.compute_capability),
            ("PCI Device ID", dev.PCI_DEVICE_ID),
            ("PCI Bus ID", dev.PCI_BUS_ID),
            ("UUID", dev.uuid),
            ("Watchdog", "Enabled" if dev.KERNEL_EXEC_TIMEOUT else "Disabled"),
            (
                "FP32/FP64 Performance Ratio",
                dev.SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO,
            ),
            ("FP16 Support", "Yes" if dev.supports_float16 else "No"),
            ("BF16 Support", "Yes" if dev.supports_bfloat16 else "No"),
            ("FP8 Support", "Yes" if dev.supports_fp8 else "No"),
        )
        for key, value in rows:
            print("%40s: %s" % (key, value))
    print("Summary:")
    print("\t%d/%d devices are supported" % (len(devices), len(devices)))
    return bool(devices)


def is_available():
    """True: the simulator's device is always there. (numba-cuda's
    simulator answers True too; numba-cuda-mlir without a GPU, False.)"""
    return True


def cuda_error():
    """The driver's initialisation error: None, there is none."""
    return None


def is_supported_version():
    """Whether the CUDA runtime is supported: the simulator needs none."""
    return True


# The toolkit the simulated runtime answers for: numba-cuda-mlir 0.6.0 is
# built for CUDA 13 (cuda-bindings 13).
RUNTIME_VERSION = (13, 0)
SUPPORTED_TOOLKIT_MAJOR_VERSIONS = (12, 13)


class Runtime:
    """``cuda.runtime``: the CUDA runtime's version, as numba-cuda-mlir's
    answers it (``(major, minor)``, its NVRTC's), without a toolkit."""

    def get_version(self):
        return RUNTIME_VERSION

    def is_supported_version(self):
        return self.get_version()[0] in SUPPORTED_TOOLKIT_MAJOR_VERSIONS


runtime = Runtime()


def is_float16_supported():
    return _the_device.supports_float16


def is_bfloat16_supported():
    return _the_device.supports_bfloat16


def is_fp8_supported():
    return _the_device.supports_fp8


def profile_start():
    """Start the profiler: the simulator has none."""


def profile_stop():
    """Stop the profiler: the simulator has none."""


@contextlib.contextmanager
def profiling():
    """Profile the block inside: nothing to profile with."""
    profile_start()
    yield
    profile_stop()
