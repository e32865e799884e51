"""Device arrays of the simulator: host memory standing in for device memory.

A ``DeviceNDArray`` here is a NumPy array that user code can reach only
through the real device array's interface (``copy_to_host``, views,
``__cuda_array_interface__``...), so code that runs here runs on a GPU:
it has no arithmetic and no NumPy attributes of its own, slicing gives a
device array sharing memory, and ``np.asarray`` copies. The kernel reads
and writes the NumPy array itself (:func:`kernel_argument`). Transfers
are synchronous; a stream is kept only to be given back.
"""

import contextlib
import ctypes

import numpy as np

_BYTE = np.dtype(np.uint8)

_NOT_CONTIGUOUS = (
    "Array contains non-contiguous buffer and cannot be transferred as a "
    "single memory region. Please ensure contiguous buffer with numpy "
    ".ascontiguousarray()"
)

# The compiler's type of an array, ``fn(dtype, ndim, layout)``, for
# ``_numba_type_``; handed in by a front (``hostapi.configure``).
ARRAY_TYPE = None

# Set by a front whose sanitizer tracks device memory, else None:
# ``MADE(ary, how, unwritten)`` hears of each device array the host makes
# (``ary`` its ndarray, ``how`` the call, ``"cuda.device_array"``...;
# ``unwritten``: none of it written yet), ``WROTE(ary, index)`` of each
# host write into one (``index`` None: all of it).
MADE = None
WROTE = None


# Layout helpers


def _order_strides(shape, itemsize, order):
    """Contiguous strides of ``shape`` in ``order`` ("C" or "F")."""
    if order not in ("C", "F"):
        raise ValueError("must be either C/F order")
    strides = [0] * len(shape)
    axes = range(len(shape))
    step = itemsize
    for axis in reversed(axes) if order == "C" else axes:
        strides[axis] = step
        step *= shape[axis]
    return tuple(strides)


def _shape_strides_dtype(shape, strides, dtype, order):
    """``(shape, strides, dtype)`` as the real allocators read them."""
    dtype = np.dtype(dtype)
    floating = isinstance(shape, (float, np.floating)) or (
        isinstance(shape, np.ndarray) and shape.dtype.kind == "f"
    )
    if floating:
        raise TypeError("shape must be an integer or tuple of integers")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if isinstance(strides, int):
        strides = (strides,)
    elif strides:
        strides = tuple(strides)
    else:
        strides = _order_strides(shape, dtype.itemsize, order)
    return shape, strides, dtype


def _extent(shape, strides, itemsize):
    """``(low, high)``: the byte range an array of this layout touches,
    relative to its first element; ``(0, 0)`` when it has no element."""
    if any(n == 0 for n in shape):
        return 0, 0
    low = sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    high = sum((n - 1) * s for n, s in zip(shape, strides) if s > 0)
    return low, high + itemsize


def _allocate(shape, strides, dtype):
    """A new ndarray of exactly this layout, on memory of its own: owning
    it in C or F order, so that its views have it as their base (where
    the sanitizer finds device memory it tracks)."""
    for order in "CF":
        ary = np.empty(shape, dtype, order=order)
        if ary.strides == strides:
            return ary
    low, high = _extent(shape, strides, dtype.itemsize)
    memory = np.empty(high - low, _BYTE)
    return np.ndarray(shape, dtype, memory, -low, strides)


def _like_strides(ary):
    """Strides of a new contiguous array with the axes of ``ary`` in the
    same memory order (None where plain C or F order does)."""
    flags = ary.flags
    if ary.ndim <= 1 or flags["C_CONTIGUOUS"] or flags["F_CONTIGUOUS"]:
        return None
    strides = [0] * ary.ndim
    step = ary.dtype.itemsize
    for axis in sorted(range(ary.ndim), key=ary.strides.__getitem__):
        strides[axis] = step
        step *= ary.shape[axis]
    return tuple(strides)


def _like_order(ary):
    flags = ary.flags
    return "F" if flags["F_CONTIGUOUS"] and not flags["C_CONTIGUOUS"] else "C"


def _core(ary):
    """``ary`` without its broadcast (zero-stride) axes: the memory a
    transfer moves."""
    if not ary.strides or not ary.size:
        return ary
    return ary[tuple(0 if s == 0 else slice(None) for s in ary.strides)]


def _require_contiguous(ary):
    flags = _core(ary).flags
    if not flags["C_CONTIGUOUS"] and not flags["F_CONTIGUOUS"]:
        raise ValueError(_NOT_CONTIGUOUS)


def _compatible(ary1, ary2):
    """Raise as the real transfers do unless ``ary1`` and ``ary2`` have
    the same dtype and, size-one axes aside, shape and strides."""
    if ary1.dtype != ary2.dtype:
        raise TypeError(
            "incompatible dtype: %s vs. %s" % (ary1.dtype, ary2.dtype)
        )
    sq1, sq2 = _squeezed(ary1), _squeezed(ary2)
    if sq1[0] != sq2[0]:
        raise ValueError(
            "incompatible shape: %s vs. %s" % (ary1.shape, ary2.shape)
        )
    if ary1.size and sq1[1] != sq2[1]:
        raise ValueError(
            "incompatible strides: %s vs. %s" % (ary1.strides, ary2.strides)
        )


def _squeezed(ary):
    kept = [i for i, n in enumerate(ary.shape) if n != 1]
    return (
        tuple(ary.shape[i] for i in kept),
        tuple(ary.strides[i] for i in kept),
    )


def _contiguous_ignoring_broadcast(ary):
    """C-contiguous once broadcast and size-one axes are left out: then
    ``__cuda_array_interface__`` gives no strides."""
    step = ary.dtype.itemsize
    for n, s in zip(reversed(ary.shape), reversed(ary.strides)):
        if n > 1 and s != 0:
            if s != step:
                return False
            step *= n
    return True


def _at(memory, shape, strides, dtype):
    """An array of this layout on ``memory`` (an ndarray), its first
    element at ``memory``'s first element; kept alive with ``memory``."""
    interface = {
        "shape": shape,
        "strides": strides,
        "typestr": dtype.str,
        "data": (memory.__array_interface__["data"][0], False),
        "version": 3,
    }
    if dtype.fields is not None:
        interface["descr"] = dtype.descr
    return np.asarray(_HostMemory(interface, memory)).view(dtype)


def _host(obj):
    """The NumPy memory of a device array, or ``obj`` as an ndarray."""
    if isinstance(obj, DeviceNDArrayBase):
        return obj._ary
    return np.asarray(obj)


def _basic_index(index):
    """Whether ``index`` selects a view (integers, slices, ``...``,
    None), as the real device array's indexing requires."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            continue
        if isinstance(item, (bool, np.bool_)) or not isinstance(
            item, (int, np.integer)
        ):
            return False
    return True


# Device arrays


class DeviceNDArrayBase:
    """What device arrays and records share: layout, transfers, the CUDA
    array interface."""

    __cuda_memory__ = True
    __cuda_ndarray__ = True

    def __init__(self, shape, strides, dtype, stream=0, gpu_data=None):
        """As the real constructor: a new allocation of this layout, or a
        view of ``gpu_data`` (a device array's ``gpu_data``, or any host
        buffer) starting at its first byte."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if isinstance(strides, int):
            strides = (strides,)
        strides = tuple(strides) if strides else ()
        if len(strides) != len(shape):
            raise ValueError("strides not match ndim")
        dtype = np.dtype(dtype)
        if gpu_data is None or not _extent(shape, strides, 1)[1]:
            ary = _allocate(shape, strides, dtype)
        else:
            ary = _at(_host(gpu_data), shape, strides, dtype)
        self._ary = ary
        self.stream = stream

    @classmethod
    def _wrap(cls, ary, stream=0):
        """A device array on the memory of ndarray ``ary`` (no copy)."""
        self = cls.__new__(cls)
        self._ary = ary
        self.stream = stream
        return self

    # Layout, as NumPy's (``shape`` and ``strides`` are tuples).

    @property
    def shape(self):
        return self._ary.shape

    @property
    def strides(self):
        return self._ary.strides

    @property
    def ndim(self):
        return self._ary.ndim

    @property
    def size(self):
        return self._ary.size

    @property
    def dtype(self):
        return self._ary.dtype

    @property
    def nbytes(self):
        return self._ary.nbytes

    @property
    def alloc_size(self):
        """Bytes from the array's first to its last byte."""
        low, high = _extent(self.shape, self.strides, self.dtype.itemsize)
        return high - low

    @property
    def flags(self):
        """A dict with ``C_CONTIGUOUS`` and ``F_CONTIGUOUS``, as the real
        device array gives."""
        flags = self._ary.flags
        return {
            "C_CONTIGUOUS": flags.c_contiguous,
            "F_CONTIGUOUS": flags.f_contiguous,
        }

    def is_c_contiguous(self):
        return self._ary.flags.c_contiguous

    def is_f_contiguous(self):
        return self._ary.flags.f_contiguous

    @property
    def gpu_data(self):
        """The memory: on the simulator, the host array itself."""
        return self._ary

    def as_cuda_arg(self):
        return self._ary

    @property
    def device_ctypes_pointer(self):
        return ctypes.c_void_p(self._pointer())

    def _pointer(self):
        if not self.size:
            return 0
        return self._ary.__array_interface__["data"][0]

    @property
    def _numba_type_(self):
        if ARRAY_TYPE is None:
            raise AttributeError("_numba_type_")
        broadcast = 0 in self.strides and self.size != 0
        flags = self.flags
        if flags["C_CONTIGUOUS"] and not broadcast:
            layout = "C"
        elif flags["F_CONTIGUOUS"] and not broadcast:
            layout = "F"
        else:
            layout = "A"
        return ARRAY_TYPE(self.dtype, self.ndim, layout)

    @property
    def __cuda_array_interface__(self):
        """Version 3, pointing at the host memory: another simulated
        library, or :func:`from_cuda_array_interface`, reads it there."""
        interface = {
            "shape": self.shape,
            "strides": None
            if _contiguous_ignoring_broadcast(self)
            else tuple(self.strides),
            "data": (self._pointer(), False),
            "typestr": self.dtype.str,
            "stream": int(self.stream) if self.stream else None,
            "version": 3,
        }
        if self.dtype.fields is not None:
            interface["descr"] = self.dtype.descr
        return interface

    def bind(self, stream=0):
        """A view of the same memory whose transfers default to
        ``stream``."""
        return type(self)._wrap(self._ary, stream)

    def _default_stream(self, stream):
        return stream if stream else self.stream

    # Transfers

    def copy_to_device(self, ary, stream=0):
        """Copy host or device array ``ary`` into this array, refusing
        what the real transfer refuses."""
        if ary.size == 0:
            return
        _require_contiguous(self._ary)
        own = _core(self._ary)
        if isinstance(ary, DeviceNDArrayBase):
            _require_contiguous(ary)
            other = _core(ary._ary)
        else:
            other = np.asarray(_core(np.asanyarray(ary)))
            order = "C" if own.flags.c_contiguous else "F"
            other = np.asarray(np.array(other, order=order, copy=None))
        _compatible(own, other)
        np.copyto(own, other.reshape(own.shape), casting="no")
        if WROTE is not None:
            WROTE(self._ary, None)

    def copy_to_host(self, ary=None, stream=0):
        """This array's contents in ``ary``, or in a new ndarray."""
        if any(s < 0 for s in self.strides):
            raise NotImplementedError(
                "D->H copy not implemented for negative strides: %s"
                % (self.strides,)
            )
        if ary is None:
            return self._ary.copy(order="K")
        _compatible(self, ary)
        np.copyto(ary, self._ary.reshape(ary.shape), casting="no")
        return ary

    def get_ipc_handle(self):
        refuse_ipc()

    # Views

    def view(self, dtype):
        """The same memory read as ``dtype``; a dtype of another size
        needs a C-contiguous array, as on the real target."""
        dtype = np.dtype(dtype)
        if dtype.itemsize != self.dtype.itemsize:
            if not self.is_c_contiguous():
                raise ValueError(
                    "To change to a dtype of a different size, the array "
                    "must be C-contiguous"
                )
            if (self.shape[-1] * self.dtype.itemsize) % dtype.itemsize:
                raise ValueError(
                    "When changing to a larger dtype, its size must be a "
                    "divisor of the total size in bytes of the last axis "
                    "of the array."
                )
        return DeviceNDArray._wrap(self._ary.view(dtype), self.stream)

    def squeeze(self, axis=None, stream=0):
        return DeviceNDArray._wrap(
            self._ary.squeeze(axis), self._default_stream(stream)
        )

    @property
    def T(self):
        return self.transpose()

    def transpose(self, axes=None):
        """A new C-contiguous 2D array holding the transpose, as the real
        device array computes it (not a view)."""
        if axes and tuple(axes) == tuple(range(self.ndim)):
            return self
        if self.ndim != 2:
            raise NotImplementedError(
                "transposing a non-2D DeviceNDArray isn't supported"
            )
        if axes is not None and set(axes) != set(range(self.ndim)):
            raise ValueError("invalid axes list %r" % (axes,))
        return DeviceNDArray._wrap(
            np.ascontiguousarray(self._ary.T), self.stream
        )

    def split(self, section, stream=0):
        """Views of consecutive ``section``-element parts of a 1D array
        with unit stride (the last may be shorter); a generator."""
        stream = self._default_stream(stream)
        if self.ndim != 1:
            raise ValueError("only support 1d array")
        if self.strides[0] != self.dtype.itemsize:
            raise ValueError("only support unit stride")
        for begin in range(0, self.size, section):
            yield DeviceNDArray._wrap(
                self._ary[begin : begin + section], stream
            )


class DeviceNDArray(DeviceNDArrayBase):
    """A device array: ``cuda.to_device``, ``cuda.device_array``..."""

    def __array__(self, dtype=None, copy=None):
        """A host copy: ``np.asarray(d)`` copies, as on the real target."""
        if copy is False:
            raise ValueError(
                "`copy=False` is not supported. A copy is always created."
            )
        host = self.copy_to_host()
        return host.astype(dtype, copy=False) if dtype else host

    def __len__(self):
        return self.shape[0]

    def reshape(self, *newshape, **kws):
        """A view of another shape; NotImplementedError where NumPy would
        have to copy, as on the real target."""
        if len(newshape) == 1 and isinstance(newshape[0], (tuple, list)):
            newshape = tuple(newshape[0])
        order = kws.pop("order", "C")
        if kws:
            raise TypeError("unexpected keyword arguments %s" % sorted(kws))
        if order not in ("C", "F", "A"):
            raise ValueError("order not C|F|A")
        return type(self)._wrap(
            self._view(self._ary.reshape(newshape, order=order)), self.stream
        )

    def ravel(self, order="C", stream=0):
        """A 1D view of a contiguous array; NotImplementedError for
        another, as on the real target."""
        if order not in ("C", "F", "A"):
            raise ValueError("order not C|F|A")
        flags = self._ary.flags
        if not (
            (order in "CA" and flags.c_contiguous)
            or (order in "FA" and flags.f_contiguous)
        ):
            raise NotImplementedError("ravel on non-contiguous array")
        flat = self._ary.ravel(order="K")
        return type(self)._wrap(flat, self._default_stream(stream))

    def _view(self, result):
        if result.size and not np.shares_memory(result, self._ary):
            raise NotImplementedError("operation requires copying")
        return result

    def __getitem__(self, item):
        return self._do_getitem(item)

    def getitem(self, item, stream=0):
        return self._do_getitem(item, stream)

    def _do_getitem(self, item, stream=0):
        """A view for slices, an element (a NumPy scalar, or a record)
        for a full index."""
        if not _basic_index(item):
            raise TypeError(
                "a device array takes integers and slices as indices, "
                "got %r" % (item,)
            )
        stream = self._default_stream(stream)
        value = self._ary[item]
        if isinstance(value, np.ndarray):
            return type(self)._wrap(value, stream)
        if isinstance(value, np.void):
            index = item if isinstance(item, tuple) else (item,)
            return DeviceRecord._wrap(self._ary[index + (Ellipsis,)], stream)
        return value

    def __setitem__(self, key, value):
        self._do_setitem(key, value)

    def setitem(self, key, value, stream=0):
        self._do_setitem(key, value, stream)

    def _do_setitem(self, key, value, stream=0):
        """Broadcasts ``value`` into ``self[key]`` as the real device
        array's assignment does (stricter than NumPy: no extra axes)."""
        if not _basic_index(key):
            raise TypeError(
                "a device array takes integers and slices as indices, "
                "got %r" % (key,)
            )
        target = self._ary[key]
        if not isinstance(target, np.ndarray):
            index = key if isinstance(key, tuple) else (key,)
            target = self._ary[index + (Ellipsis,)]
        source = _host(value)
        if source.ndim > target.ndim:
            raise ValueError(
                "Can't assign %s-D array to %s-D self"
                % (source.ndim, target.ndim)
            )
        padded = (1,) * (target.ndim - source.ndim) + source.shape
        for axis, (have, got) in enumerate(zip(target.shape, padded)):
            if got != 1 and got != have:
                raise ValueError(
                    "Can't copy sequence with size %d to array axis %d "
                    "with dimension %d" % (got, axis, have)
                )
        target[...] = source.reshape(padded)
        if WROTE is not None:
            WROTE(self._ary, key)


class DeviceRecord(DeviceNDArrayBase):
    """One element of a structured device array: fields by name."""

    __device_record__ = True

    def __init__(self, dtype, stream=0, gpu_data=None):
        super().__init__((), (), dtype, stream, gpu_data)

    @property
    def _numba_type_(self):
        raise AttributeError("_numba_type_")

    def __getitem__(self, item):
        return self.getitem(item)

    def getitem(self, item, stream=0):
        stream = self._default_stream(stream)
        value = self._ary[item]
        if isinstance(value, np.ndarray):
            if value.dtype.names is not None and value.ndim == 0:
                return DeviceRecord._wrap(value, stream)
            if value.ndim:
                return DeviceNDArray._wrap(value, stream)
            return value[()]
        return value

    def __setitem__(self, key, value):
        self._ary[key] = value

    def setitem(self, key, value, stream=0):
        self._ary[key] = value


class _HostArray(np.ndarray):
    """Mapped and managed arrays: NumPy arrays the kernel reads in place."""

    __cuda_memory__ = True

    def device_setup(self, gpu_data=None, stream=0):
        self.stream = stream

    def __array_finalize__(self, obj):
        self.stream = getattr(obj, "stream", 0)

    @property
    def gpu_data(self):
        return self.view(np.ndarray)

    @property
    def __cuda_array_interface__(self):
        return DeviceNDArray._wrap(
            self.view(np.ndarray), self.stream
        ).__cuda_array_interface__

    def copy_to_host(self, ary=None, stream=0):
        return DeviceNDArray._wrap(self.view(np.ndarray)).copy_to_host(ary)

    def copy_to_device(self, ary, stream=0):
        DeviceNDArray._wrap(self.view(np.ndarray)).copy_to_device(ary)

    def bind(self, stream=0):
        bound = self.view(type(self))
        bound.stream = stream
        return bound


class MappedNDArray(_HostArray):
    """A host array mapped into the device's address space."""


class ManagedNDArray(_HostArray):
    """A host array in managed (unified) memory."""


def refuse_ipc(*args, **kwargs):
    """IPC handles share GPU memory between processes; the simulator's
    memory is the host process's own."""
    raise NotImplementedError(
        "the CUDA simulator cannot share device arrays between processes "
        "(IPC handles)"
    )


class IpcArrayHandle:
    """Named for ``isinstance`` checks; the simulator makes none."""

    __init__ = refuse_ipc


# Kernel arguments: what a launch passes for each host value


class ArgHint:
    """``cuda.In``/``cuda.Out``/``cuda.InOut``: how a host array moves
    around a launch."""

    copy_in = True
    copy_out = True

    def __init__(self, value):
        self.value = value


class In(ArgHint):
    """Copied to the device before the launch, not back."""

    copy_out = False


class Out(ArgHint):
    """Copied back to the host after the launch."""


class InOut(ArgHint):
    """Copied to the device before the launch and back after it."""


def _to_kernel(value, hint, after):
    """The array a kernel sees for ``value``; appends the copy back, if
    any, to ``after``."""
    if isinstance(value, DeviceRecord):
        return _kernel_view(value._ary)[()]
    if isinstance(value, DeviceNDArrayBase):
        return _kernel_view(value._ary)
    if isinstance(value, _HostArray):
        return _kernel_view(value.view(np.ndarray))
    if isinstance(value, np.ndarray):
        if hasattr(value, "__cuda_array_interface__"):
            return _kernel_view(np.asarray(value))
        copy = np.array(value, order="K", subok=False)
        if hint.copy_out:
            after.append(lambda: np.copyto(value, copy))
        return _kernel_view(copy)
    if hasattr(value, "__cuda_array_interface__"):
        return _kernel_view(as_cuda_array(value)._ary)
    if isinstance(value, np.void):
        return _kernel_view(np.array(value))[()]
    return value


def _kernel_view(ary):
    """Structured arrays as records with attribute access (``rec.x``),
    as a compiled kernel reads them; other arrays as they are."""
    if ary.dtype.names is not None:
        return ary.view(np.recarray)
    return ary


def kernel_argument(value):
    """``(what the kernel sees, a callable to run after the launch or
    None)`` for one launch argument.

    A device (or mapped, managed) array gives its memory; a NumPy array a
    copy that is copied back after the launch (``cuda.In`` only in,
    ``cuda.Out``/``cuda.InOut`` back), as the real launch copies host
    arrays to the device and back; an object with only
    ``__cuda_array_interface__`` a view of its memory; a tuple or list
    its items converted; anything else itself.
    """
    after = []
    seen = _argument(value, after)
    if not after:
        return seen, None
    if len(after) == 1:
        return seen, after[0]

    def copy_back():
        for step in after:
            step()

    return seen, copy_back


_PLAIN = (int, float, complex, bool, np.number, np.bool_, type(None))


def _argument(value, after):
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, ArgHint):
        return _to_kernel(value.value, value, after)
    if isinstance(value, (tuple, list)):
        items = [_argument(item, after) for item in value]
        if hasattr(value, "_fields"):
            return type(value)(*items)
        return type(value)(items)
    return _to_kernel(value, InOut, after)


# Allocation and transfer functions (``cuda.<name>``)


def from_array_like(ary, stream=0, gpu_data=None):
    """A device array of the layout of ``ary``."""
    return DeviceNDArray(
        ary.shape, ary.strides, ary.dtype, stream=stream, gpu_data=gpu_data
    )


def auto_device(obj, stream=0, copy=True, user_explicit=False):
    """``(device array, whether it is new)`` for ``obj``: a device array
    is itself, a CUDA-array-interface object a view of its memory, else
    a new device array of its layout holding a copy."""
    if getattr(obj, "__cuda_memory__", False):
        return obj, False
    if getattr(obj, "__cuda_array_interface__", None) is not None:
        return as_cuda_array(obj), False
    if isinstance(obj, np.void):
        new = DeviceRecord(obj.dtype, stream=stream)
        if copy:
            new._ary[...] = obj
        return new, True
    obj = np.array(obj, copy=None, subok=True)
    flags = obj.flags
    if copy and (flags.c_contiguous or flags.f_contiguous):
        # The common case, in one copy.
        host = obj.view(np.ndarray).copy(order="K")
        return DeviceNDArray._wrap(host, stream), True
    _require_contiguous(obj)
    new = from_array_like(obj, stream=stream)
    if copy:
        new.copy_to_device(obj, stream=stream)
    return new, True


def to_device(obj, stream=0, copy=True, to=None):
    """A device array holding a copy of host array ``obj`` (``obj``
    itself if it is already one); with ``to``, copy into ``to`` and
    return it."""
    if to is None:
        made, new = auto_device(obj, stream=stream, copy=copy)
        if new and MADE is not None:
            MADE(made._ary, "cuda.to_device", not copy)
        return made
    if copy:
        to.copy_to_device(obj, stream=stream)
    return to


def device_array(shape, dtype=np.float64, strides=None, order="C", stream=0):
    """An uninitialised device array, as ``np.empty``."""
    shape, strides, dtype = _shape_strides_dtype(shape, strides, dtype, order)
    made = DeviceNDArray(shape, strides, dtype, stream=stream)
    if MADE is not None:
        MADE(made._ary, "cuda.device_array", True)
    return made


def device_array_like(ary, stream=0):
    """A device array of the shape, dtype and memory order of ``ary``."""
    return device_array(
        ary.shape,
        ary.dtype,
        strides=_like_strides(ary),
        order=_like_order(ary),
        stream=stream,
    )


def _host_array(kind, shape, dtype, strides, order, stream=0):
    shape, strides, dtype = _shape_strides_dtype(shape, strides, dtype, order)
    ary = _allocate(shape, strides, dtype)
    if kind is np.ndarray:
        return ary
    view = ary.view(kind)
    view.stream = stream
    return view


def pinned_array(shape, dtype=np.float64, strides=None, order="C"):
    """A host array (page-locked on a GPU): a plain ndarray here."""
    return _host_array(np.ndarray, shape, dtype, strides, order)


def pinned_array_like(ary):
    return pinned_array(
        ary.shape, ary.dtype, _like_strides(ary), _like_order(ary)
    )


def mapped_array(
    shape,
    dtype=float,
    strides=None,
    order="C",
    stream=0,
    portable=False,
    wc=False,
):
    """A host array that kernels read and write in place."""
    return _host_array(MappedNDArray, shape, dtype, strides, order, stream)


def mapped_array_like(ary, stream=0, portable=False, wc=False):
    return mapped_array(
        ary.shape,
        ary.dtype,
        _like_strides(ary),
        _like_order(ary),
        stream=stream,
    )


def managed_array(
    shape,
    dtype=float,
    strides=None,
    order="C",
    stream=0,
    attach_global=True,
):
    """An array in managed memory: host and kernels use it alike."""
    return _host_array(ManagedNDArray, shape, dtype, strides, order, stream)


@contextlib.contextmanager
def pinned(*arylist):
    """Page-locks host arrays on a GPU; nothing to do here."""
    yield


@contextlib.contextmanager
def mapped(*arylist, **kws):
    """Device arrays viewing each host array's memory (one array, or a
    list for several)."""
    if kws and "stream" not in kws:
        raise AssertionError("Only accept 'stream' as keyword.")
    stream = kws.get("stream", 0)
    views = [DeviceNDArray._wrap(np.asarray(a), stream) for a in arylist]
    yield views[0] if len(views) == 1 else views


# The CUDA array interface


class _HostMemory:
    """Memory at an address, offered to NumPy; the array NumPy builds
    keeps this object, and with it ``owner``, alive."""

    def __init__(self, interface, owner):
        self.__array_interface__ = interface
        self.owner = owner


def _interface_dtype(desc, owner):
    """The dtype ``desc`` describes; an owner's structured dtype of the
    same size where ``typestr`` says only "void"."""
    dtype = np.dtype(desc["typestr"])
    if dtype.kind != "V":
        return dtype
    if "descr" in desc:
        try:
            return np.dtype(desc["descr"])
        except (TypeError, ValueError):
            pass
    try:
        theirs = np.dtype(getattr(owner, "dtype", None))
    except TypeError:
        return dtype
    return theirs if theirs.itemsize == dtype.itemsize else dtype


def from_cuda_array_interface(desc, owner=None, sync=True):
    """A device array on the memory ``desc`` (a
    ``__cuda_array_interface__`` dict) describes, kept with ``owner``.

    The memory must be host memory, as the simulator's arrays give: a GPU
    library's device pointer cannot be read here.
    """
    if (desc.get("version") or 0) >= 1 and desc.get("mask") is not None:
        raise NotImplementedError("Masked arrays are not supported")
    shape = tuple(desc["shape"])
    dtype = _interface_dtype(desc, owner)
    strides = desc.get("strides")
    strides = tuple(strides) if strides else None
    pointer = desc["data"][0]
    if any(n == 0 for n in shape) or not pointer:
        ary = np.empty(shape, dtype)
    else:
        interface = {
            "shape": shape,
            "typestr": dtype.str,
            "data": (pointer, False),
            "strides": strides,
            "version": 3,
        }
        if dtype.fields is not None:
            interface["descr"] = dtype.descr
        ary = np.asarray(_HostMemory(interface, owner))
        if ary.dtype != dtype:
            ary = ary.view(dtype)
    stream = 0
    if desc.get("stream") is not None:
        from . import driver

        stream = driver.external_stream(desc["stream"])
    return DeviceNDArray._wrap(ary, stream)


def as_cuda_array(obj, sync=True):
    """A device array viewing the memory of ``obj``, which implements the
    CUDA array interface; nothing is copied."""
    interface = getattr(obj, "__cuda_array_interface__", None)
    if interface is None:
        raise TypeError("*obj* doesn't implement the cuda array interface.")
    return from_cuda_array_interface(interface, owner=obj, sync=sync)


def is_cuda_array(obj):
    """Whether ``obj`` has ``__cuda_array_interface__`` (not checked)."""
    return hasattr(obj, "__cuda_array_interface__")


def is_cuda_ndarray(obj):
    return getattr(obj, "__cuda_ndarray__", False)


def open_ipc_array(handle, shape, dtype, strides=None, offset=0):
    """IPC handles share GPU memory between processes: not here."""
    refuse_ipc()
