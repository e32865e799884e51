"""Host calls that the simulator had but answered unlike the real target.

``cuda.event(timing=True)`` raised, and an event's ``elapsed_time`` gave
a constant; ``cuda.reduce`` refused ``size`` and ``stream``; the real
target's CUDA ufuncs broadcast device arrays through a class the
simulator lacked (``kernelinfo``'s overloads give them the declared
return type they read); an object offering only
``__cuda_array_interface__`` reached a kernel as it was. Each is given
here the semantics numba-cuda documents, with host memory standing in
for device memory and execution synchronous.
"""

import sys

import numpy as np

from . import dispatch, hostapi

# Events


def event_init(self, timing=True):
    """``cuda.event(timing=True)``: only an event made with ``timing``
    can be timed, as on the real target."""
    self.timing = timing


def event_query(self):
    """Whether the work before the last ``record`` is done: always, as
    simulated work is synchronous."""
    return True


def event_elapsed_time(self, evtend):
    """Milliseconds from recording this event to recording ``evtend``."""
    return hostapi.event_elapsed_time(self, evtend)


# Reductions


class Reduce:
    """``cuda.reduce(func)``: a reduction of a 1D array by ``func``, with
    the arguments of numba-cuda's ``Reduce``.

    The real target reduces in a tree, each step compiled for the array's
    type; here a left fold from ``init``, each step's result kept at the
    array's type, gives the same result for an associative ``func``.
    """

    def __init__(self, functor):
        self._functor = functor

    def __call__(self, arr, size=None, res=None, init=0, stream=0):
        """Reduces ``arr[:size]`` (all of ``arr`` by default); writes the
        result into ``res[0]`` and returns None if ``res`` is given, else
        returns it. ``stream`` is accepted: the work is synchronous."""
        if arr.ndim != 1:
            raise TypeError("only support 1D array")
        if size is not None:
            arr = arr[:size]
        values = np.asarray(getattr(arr, "_ary", arr))
        scalar = values.dtype.type
        result = scalar(init)
        if values.size < 1:
            return result
        for value in values:
            result = scalar(self._functor(result, value))
        if res is not None:
            res[0] = result
            return None
        return result


def _replace_reduce(old, namespaces):
    """``(namespace, name, Reduce)`` for each name under which a loaded
    namespace holds the simulator's own ``Reduce``."""
    return [
        (module, name, Reduce)
        for module in namespaces
        for name in ("reduce", "Reduce")
        if vars(module).get(name) is old
    ]


# CUDA ufuncs


def gpu_data(self):
    """``FakeCUDAArray.gpu_data``: the array's memory, which on the
    simulator is its host array."""
    return self._ary


def device_ndarray(fake_array):
    """``devicearray.DeviceNDArray`` for the simulator: the real target's
    ufuncs (and ``cuda.kernels.transpose``) build one on an array's
    ``gpu_data`` with other shape and strides, zero strides broadcasting."""

    class DeviceNDArray(fake_array):
        def __init__(self, shape, strides, dtype, stream=0, gpu_data=None):
            if isinstance(shape, int):
                shape = (shape,)
            if isinstance(strides, int):
                strides = (strides,)
            if gpu_data is None:
                gpu_data = np.empty(shape, dtype)
            if np.dtype(dtype) != gpu_data.dtype:
                gpu_data = gpu_data.view(dtype)
            view = np.lib.stride_tricks.as_strided(
                gpu_data, shape=tuple(shape), strides=tuple(strides)
            )
            super().__init__(view, stream)

    DeviceNDArray.__module__ = fake_array.__module__
    return DeviceNDArray


def _ufunc_changes(devicearray):
    changes = []
    fake_array = devicearray.FakeCUDAArray
    if not hasattr(fake_array, "gpu_data"):
        changes.append((fake_array, "gpu_data", property(gpu_data)))
    if not hasattr(devicearray, "DeviceNDArray"):
        changes.append(
            (devicearray, "DeviceNDArray", device_ndarray(fake_array))
        )
    return changes


# Arguments offering only the CUDA array interface


def _foreign_array(arg):
    """Whether a kernel argument is some other library's device array:
    one with ``__cuda_array_interface__`` that the launch would pass on
    as it is."""
    if isinstance(arg, (np.ndarray, int, float, complex, np.generic)):
        return False
    if not hasattr(arg, "__cuda_array_interface__"):
        return False
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

    return not isinstance(arg, FakeCUDAArray)


def launch_arguments(args):
    """A host launch's arguments: one with only ``__cuda_array_interface__``
    becomes a device array on its memory (``as_cuda_array``), as
    numba-cuda's launch makes it."""
    if not any(_foreign_array(arg) for arg in args):
        return args
    return tuple(
        hostapi.as_cuda_array(arg) if _foreign_array(arg) else arg
        for arg in args
    )


def simulator_changes():
    """``(owner, name, new)``: events; ``cuda.reduce`` under each of its
    names; what the real target's CUDA ufuncs need of the simulator;
    kernel arguments offering only the CUDA array interface."""
    api, devicearray = hostapi._simulator()
    changes = [(dispatch, "LAUNCH_ARGUMENTS", launch_arguments)]
    event = getattr(api, "Event", None)
    if event is not None:
        for name, new in (
            ("__init__", event_init),
            ("query", event_query),
            ("elapsed_time", event_elapsed_time),
        ):
            changes.append((event, name, new))
    package = api.__name__.rpartition(".")[0]
    cuda = package.rpartition(".")[0]
    old = getattr(sys.modules.get(package + ".reduction"), "Reduce", None)
    if old is not None and old is not Reduce:
        namespaces = [
            module
            for name, module in list(sys.modules.items())
            if module is not None and (name == cuda or name.startswith(package))
        ]
        changes += _replace_reduce(old, namespaces)
    changes += _ufunc_changes(devicearray)
    return changes
