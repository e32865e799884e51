"""Names of the real target's ``numba.cuda`` that the simulator lacks.

Code written for the real target trades arrays with other libraries
through the CUDA array interface, times work with events, marks profiler
ranges, and loads with cache hints in kernels; on the simulator each of
these names raised ``AttributeError`` or was None. Each name is added only
where the simulator lacks it, and behaves as the real target's
documentation says, on the simulator's arrays (host memory standing in for
device memory).
"""

import contextlib
import functools
import sys
import time

import numpy as np

from . import device, kernelinfo


def _simulator():
    """The simulator's api and device array modules, imported when first
    used: this module is imported whether or not the simulator is on."""
    from numba.cuda.simulator import api
    from numba.cuda.simulator.cudadrv import devicearray

    return api, devicearray


def cuda_array_interface(array):
    """``__cuda_array_interface__`` (version 3) of a simulator array.

    Its memory is host memory; a consumer on the simulator reads it through
    :func:`from_cuda_array_interface`. Execution is synchronous, so there is
    no stream to wait for.
    """
    host = array._ary.__array_interface__
    interface = {
        "shape": tuple(host["shape"]),
        "strides": host["strides"],
        "typestr": host["typestr"],
        "data": (host["data"][0], False),
        "version": 3,
        "stream": None,
    }
    if array._ary.dtype.fields is not None:
        interface["descr"] = host["descr"]
    return interface


class _HostMemory:
    """Memory at an address, offered to NumPy through its array interface.

    The array NumPy builds keeps this object, and with it ``owner``, alive.
    """

    def __init__(self, interface, owner):
        self.__array_interface__ = interface
        self.owner = owner


def from_cuda_array_interface(desc, owner=None, sync=True):
    """A simulator device array sharing the memory ``desc`` describes.

    ``desc`` is a ``__cuda_array_interface__`` dict; ``owner`` is kept alive
    as long as the array. Masked arrays are not supported, as on the real
    target. ``sync`` has nothing to wait for: the simulator is synchronous.
    """
    if desc.get("mask") is not None:
        raise NotImplementedError("Masked arrays are not supported")
    interface = {
        "shape": tuple(desc["shape"]),
        "typestr": desc["typestr"],
        "data": (desc["data"][0], False),
        "strides": desc.get("strides"),
        "version": 3,
    }
    if "descr" in desc:
        interface["descr"] = desc["descr"]
    _, devicearray = _simulator()
    ary = np.asarray(_HostMemory(interface, owner))
    return devicearray.FakeCUDAArray(ary)


def as_cuda_array(obj, sync=True):
    """A simulator device array viewing the memory of ``obj``, which
    implements the CUDA array interface. Nothing is copied."""
    interface = getattr(obj, "__cuda_array_interface__", None)
    if interface is None:
        raise TypeError(
            "%s does not implement the CUDA array interface"
            % type(obj).__name__
        )
    return from_cuda_array_interface(interface, owner=obj, sync=sync)


def is_cuda_array(obj):
    """Whether ``obj`` has ``__cuda_array_interface__`` (not validated)."""
    return hasattr(obj, "__cuda_array_interface__")


def mapped_array_like(ary, stream=0, portable=False, wc=False):
    """A mapped array of the shape, dtype and layout of ``ary``.

    The simulator's mapped arrays are its device arrays; the new one is
    contiguous, with the axes of ``ary`` in the same memory order.
    """
    _, devicearray = _simulator()
    template = np.empty_like(np.asarray(ary), order="K")
    return devicearray.device_array(
        template.shape,
        template.dtype,
        strides=template.strides,
        stream=stream,
    )


def managed_array(
    shape, dtype=float, strides=None, order="C", stream=0, attach_global=True
):
    """A managed array, usable from host and kernels alike: on the
    simulator a NumPy array, as its own managed allocation makes."""
    _, devicearray = _simulator()
    return devicearray.managed_array(
        shape, dtype=dtype, strides=strides, order=order
    )


def records_time(record):
    """Wraps the simulator's ``Event.record``: the event keeps the time
    it was recorded, for :func:`event_elapsed_time`. Work is synchronous,
    so an event completes when it is recorded."""
    if getattr(record, "records_time", False):
        return record

    @functools.wraps(record)
    def timed_record(self, *args, **kwargs):
        result = record(self, *args, **kwargs)
        self._recorded_at = time.perf_counter()
        return result

    timed_record.records_time = True
    return timed_record


def event_elapsed_time(evtstart, evtend):
    """Milliseconds from recording ``evtstart`` to recording ``evtend``."""
    from numba.cuda.simulator.cudadrv.driver import CudaAPIError

    timed = (getattr(e, "timing", True) for e in (evtstart, evtend))
    if not all(timed):
        raise CudaAPIError(
            "event_elapsed_time: both events must be made with timing=True"
        )
    try:
        start = evtstart._recorded_at
        end = evtend._recorded_at
    except AttributeError:
        raise CudaAPIError(
            "event_elapsed_time: both events must have been recorded"
        ) from None
    return (end - start) * 1000.0


def profile_start():
    """Starts profiler collection: the simulator has no profiler."""


def profile_stop():
    """Stops profiler collection: the simulator has no profiler."""


@contextlib.contextmanager
def profiling():
    """Profiles the block inside: a no-op on the simulator."""
    yield


def default_stream():
    """The default stream; simulated work is synchronous on any stream."""
    api, _ = _simulator()
    return api.stream()


@contextlib.contextmanager
def mapped(*arylist, stream=0, portable=False, wc=False):
    """Host arrays mapped for kernels: on the simulator, a device array
    viewing each one's memory (one array, or a list for several)."""
    _, devicearray = _simulator()
    views = [devicearray.FakeCUDAArray(np.asarray(a)) for a in arylist]
    yield views[0] if len(views) == 1 else views


def get_current_device():
    """The simulator's one device."""
    from numba.cuda.simulator.cudadrv.devices import gpus

    return gpus[0].device


def is_supported_version():
    """Whether the CUDA toolkit is supported: the simulator needs none."""
    return True


def external_stream(ptr):
    """Streams of other libraries are driver handles, which the simulator
    does not have."""
    raise RuntimeError("the CUDA simulator cannot use external streams")


def _load(name):
    def load(array, i):
        return array[i]

    load.__name__ = load.__qualname__ = name
    load.__doc__ = "``array[i]``; on the GPU ``ld.global.%s``." % name[2:]
    return load


def _store(name):
    def store(array, i, value):
        array[i] = value

    hint = name[2:]
    store.__name__ = store.__qualname__ = name
    store.__doc__ = "``array[i] = value``; on the GPU ``st.global.%s``." % hint
    return store


def literal_unroll(container):
    """Unrolls a loop over a heterogeneous tuple when compiled; a
    simulated kernel iterates over ``container`` as it is."""
    return container


# Kernel-side names that simulated kernels find on numba.cuda itself,
# which the simulator's kernel API lacked or bound to None: cache-hinted
# loads and stores are plain loads and stores there.
KERNEL_NAMES = {
    **{name: _load(name) for name in ("ldca", "ldcg", "ldcs", "ldlu", "ldcv")},
    **{name: _store(name) for name in ("stcg", "stcs", "stwb", "stwt")},
    "literal_unroll": literal_unroll,
}

# Host names added to numba.cuda where the simulator lacks them.
HOST_NAMES = {
    "as_cuda_array": as_cuda_array,
    "is_cuda_array": is_cuda_array,
    "from_cuda_array_interface": from_cuda_array_interface,
    "mapped_array_like": mapped_array_like,
    "managed_array": managed_array,
    "event_elapsed_time": event_elapsed_time,
    "profile_start": profile_start,
    "profile_stop": profile_stop,
    "profiling": profiling,
    "default_stream": default_stream,
    "legacy_default_stream": default_stream,
    "per_thread_default_stream": default_stream,
    "mapped": mapped,
    "get_current_device": get_current_device,
    "is_supported_version": is_supported_version,
    "external_stream": external_stream,
}


def _error_classes():
    """The exceptions the real target names on ``numba.cuda``, as the
    simulator has them."""
    from numba.cuda import errors
    from numba.cuda.simulator.cudadrv import error

    found = {}
    for module, name in (
        (error, "CudaSupportError"),
        (errors, "KernelRuntimeError"),
    ):
        if hasattr(module, name):
            found[name] = getattr(module, name)
    return found


def _hostcalls():
    from . import hostcalls

    return hostcalls


def simulator_changes():
    """``(owner, name, new)``: the simulator's arrays get the CUDA array
    interface, and its events their times (applied once a process)."""
    api, devicearray = _simulator()
    changes = []
    array_class = devicearray.FakeCUDAArray
    if not hasattr(array_class, "__cuda_array_interface__"):
        interface = property(cuda_array_interface)
        changes.append((array_class, "__cuda_array_interface__", interface))
    event_class = getattr(api, "Event", None)
    if event_class is not None and "record" in vars(event_class):
        record = records_time(vars(event_class)["record"])
        changes.append((event_class, "record", record))
    changes += _hostcalls().simulator_changes()
    from . import numerics  # fma, fp16 and bf16 as the GPU rounds

    changes += numerics.simulator_changes()
    changes += kernelinfo.simulator_changes()  # signatures, frozen globals
    from . import gridsync  # cooperative launches' limits

    changes += gridsync.simulator_changes()
    changes += device.simulator_changes()  # attributes, detect, memory
    return changes


def install(target, simulator_too=False):
    """Give ``target`` (``numba.cuda``, or the simulator package whose names
    it takes) each host name the simulator lacks; with ``simulator_too``,
    also ``simulator_changes``. Installing twice is a no-op.

    Only for the simulator: numba.cuda imports the simulator's kernel class
    with the simulator off too, and then nothing changes.

    What the simulator lacks is read from its package, not from ``target``:
    after a reload that switched the simulator on, ``numba.cuda`` still
    holds the real target's functions under these names.
    """
    config = sys.modules.get("numba.cuda.core.config") or sys.modules.get(
        "numba.core.config"
    )
    if not getattr(config, "ENABLE_CUDASIM", False):
        return
    if simulator_too:
        for owner, name, new in simulator_changes():
            setattr(owner, name, new)
    api, _ = _simulator()
    simulator = sys.modules[api.__name__.rpartition(".")[0]]
    names = {**HOST_NAMES, **KERNEL_NAMES, **_error_classes()}
    for name, value in names.items():
        if getattr(simulator, name, None) is None:
            setattr(target, name, value)


def remove_from(target):
    """Remove the names :func:`install` added to ``target``, so that a
    reload of ``numba.cuda`` leaves nothing of ours on it."""
    names = {**HOST_NAMES, **KERNEL_NAMES, **_error_classes()}
    for name, value in names.items():
        if vars(target).get(name) is value:
            delattr(target, name)
