"""Host calls that the simulator had but answered unlike the real target.

``cuda.event(timing=True)`` raised, and an event's ``elapsed_time`` gave
a constant; ``cuda.reduce`` refused ``size`` and ``stream``;
``@vectorize(..., target="cuda")`` read a compiled signature the simulator
does not keep, and broadcast device arrays through a class it lacks; an
object offering only ``__cuda_array_interface__`` reached a kernel as it
was. Each is given here the semantics numba-cuda documents, with host
memory standing in for device memory and execution synchronous.
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


def _replace_reduce(upstream, namespaces):
    """``(namespace, name, Reduce)`` for each name under which a loaded
    namespace holds upstream's ``Reduce``."""
    return [
        (module, name, Reduce)
        for module in namespaces
        for name in ("reduce", "Reduce")
        if vars(module).get(name) is upstream
    ]


# CUDA ufuncs


def compile_core(self, sig):
    """``CUDAVectorize._compile_core``: the core function as a device
    function, and its return type, which the simulator takes from the
    declared signature (it compiles nothing to read it from)."""
    from numba import cuda

    if sig.return_type is None:
        raise TypeError(
            "the CUDA simulator cannot infer the return type of %s: "
            "declare it in the signature, as in 'float32(float32)'"
            % self.pyfunc.__name__
        )
    core = cuda.jit(sig, device=True, inline="always")(self.pyfunc)
    return core, sig.return_type


def _strided(ary, shape, strides):
    """A device array viewing the memory of ``ary`` with ``shape`` and
    ``strides`` (zero strides broadcast): what the real target builds as
    a ``DeviceNDArray`` on ``ary.gpu_data``."""
    from numba.cuda.simulator.cudadrv import devicearray

    if isinstance(shape, int):
        shape = (shape,)
    host = np.asarray(getattr(ary, "_ary", ary))
    view = np.lib.stride_tricks.as_strided(
        host, shape=tuple(shape), strides=tuple(strides)
    )
    return devicearray.FakeCUDAArray(view)


def broadcast_device(self, ary, shape):
    """``CUDAUFuncMechanism.broadcast_device``: ``ary`` broadcast to
    ``shape`` (zero strides on the axes added or stretched)."""
    missing = len(shape) - ary.ndim
    strides = [0] * missing + list(ary.strides)
    for axis in range(len(shape)):
        if axis >= missing and ary.shape[axis - missing] != shape[axis]:
            strides[axis] = 0
    return _strided(ary, shape, strides)


def broadcast_scalar_input(self, ary, shape):
    """``CUDAGeneralizedUFunc._broadcast_scalar_input``."""
    return _strided(ary, shape, (0,))


def broadcast_add_axis(self, ary, newshape):
    """``CUDAGeneralizedUFunc._broadcast_add_axis``."""
    strides = (0,) * (len(newshape) - len(ary.shape)) + tuple(ary.strides)
    return _strided(ary, newshape, strides)


def _ufunc_changes(vectorizers):
    changes = []
    vectorize = getattr(vectorizers, "CUDAVectorize", None)
    if vectorize is not None and "_compile_core" in vars(vectorize):
        changes.append((vectorize, "_compile_core", compile_core))
    mechanism = getattr(vectorizers, "CUDAUFuncMechanism", None)
    if mechanism is not None and "broadcast_device" in vars(mechanism):
        changes.append((mechanism, "broadcast_device", broadcast_device))
    generalized = getattr(vectorizers, "CUDAGeneralizedUFunc", None)
    for name, new in (
        ("_broadcast_scalar_input", broadcast_scalar_input),
        ("_broadcast_add_axis", broadcast_add_axis),
    ):
        if generalized is not None and name in vars(generalized):
            changes.append((generalized, name, new))
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
    """``(owner, name, new)``: events, ``cuda.reduce`` under each of its
    names, and the CUDA ufunc builder's steps that need a compiled
    signature or the real device array class."""
    api, _ = hostapi._simulator()
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
    reduction = sys.modules.get(package + ".reduction")
    upstream = getattr(reduction, "Reduce", None)
    if upstream is not None and upstream is not Reduce:
        cuda = package.rpartition(".")[0]
        namespaces = [
            module
            for name, module in list(sys.modules.items())
            if module is not None and (name == cuda or name.startswith(package))
        ]
        changes += _replace_reduce(upstream, namespaces)
    vectorizers = sys.modules.get(package.rpartition(".")[0] + ".vectorizers")
    if vectorizers is None:
        try:
            from numba.cuda import vectorizers
        except ImportError:
            vectorizers = None
    if vectorizers is not None:
        changes += _ufunc_changes(vectorizers)
    return changes
