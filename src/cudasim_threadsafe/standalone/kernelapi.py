"""What a kernel finds in the simulator's own ``cuda`` module.

numba-cuda-mlir ships no simulator, so the names a kernel calls
(``cuda.local.array``, ``cuda.atomic.add``, ``cuda.cg.this_grid``, the
bit intrinsics...) are written here, on the simulator's core: barriers,
warps and the grid barrier are the running simulated thread's
(``simulator/simthread``), rounding is ``simulator/numerics``'.
Nothing here imports a compiler: the front hands in how its types become
NumPy dtypes (``set_dtype_converter``).

``NAMES`` holds every name that is one object on the host and in every
launch; what differs per launch (``gridDim``, ``blockDim``, ``shared``)
is the front's launch namespace, which makes a ``Shared`` per launch.
"""

import struct
import sys

import numpy as np

from ..simulator import arrays, context, launchlimits
from . import atomics, intrinsics, vectors

# Bounds the dtype memo if a program makes new dtype objects on each call.
_MEMO_SIZE = 1024


def _to_dtype(dtype):
    """The default conversion: a NumPy dtype, scalar type or name, else a
    type whose name NumPy knows (``float32``)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype))


class _Dtypes:
    """A compiler type -> NumPy dtype conversion, memoized by the type's
    identity (a local array is made on every call; converting a numba type
    costs several times the allocation). The memo keeps each type alive, so
    that its id is not reused."""

    def __init__(self, convert):
        self.convert = convert
        self.memo = {}
        self.keep = []

    def __call__(self, dtype):
        found = self.memo.get(id(dtype))
        if found is None:
            found = self.convert(dtype)
            if not isinstance(found, np.dtype):
                found = np.dtype(found)
            if len(self.keep) >= _MEMO_SIZE:
                self.memo.clear()
                self.keep.clear()
            self.keep.append(dtype)
            self.memo[id(dtype)] = found
        return found


_dtypes = _Dtypes(_to_dtype)


def set_dtype_converter(fn):
    """Make ``fn`` (compiler type -> NumPy dtype) the conversion of the
    dtypes kernels pass to ``local``, ``shared`` and ``const``. A NumPy
    dtype, scalar type or dtype name needs none: they go to ``np.dtype``
    first when ``fn`` raises ``TypeError``."""

    def convert(dtype):
        if isinstance(dtype, (np.dtype, str)) or (
            isinstance(dtype, type) and issubclass(dtype, np.generic)
        ):
            return np.dtype(dtype)
        return fn(dtype)

    global _dtypes
    _dtypes = _Dtypes(convert)


def _check_alignment(alignment, alignas):
    """The alignment a kernel asked for (numba-cuda's ``alignment``,
    numba-cuda-mlir's ``alignas``), refused as numba-cuda-mlir refuses it.
    Nothing in a simulated kernel can see an address, so a valid one
    changes nothing."""
    value = alignment if alignment is not None else alignas
    if value is None:
        return
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise ValueError("Alignment must be an integer")
    if value <= 0:
        raise ValueError("Alignment must be positive")
    if value & (value - 1):
        raise ValueError("Alignment must be a power of 2")
    pointer = struct.calcsize("P")
    if value % pointer:
        raise ValueError("Alignment must be a multiple of %d" % pointer)


class Dim3:
    """``gridDim``, ``blockDim``, ``threadIdx``, ``blockIdx``: ``x``,
    ``y``, ``z``; iterable, so ``tuple(cuda.blockDim)`` and unpacking
    work."""

    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def __iter__(self):
        yield self.x
        yield self.y
        yield self.z

    def __str__(self):
        return "(%s, %s, %s)" % (self.x, self.y, self.z)

    def __repr__(self):
        return "Dim3(%s, %s, %s)" % (self.x, self.y, self.z)


class Local:
    """``cuda.local``: a new array on every call, as each thread's."""

    __slots__ = ()

    def array(self, shape, dtype, alignment=None, alignas=None):
        if alignment is not None or alignas is not None:
            _check_alignment(alignment, alignas)
        dtypes = _dtypes
        np_dtype = dtypes.memo.get(id(dtype))
        if np_dtype is None:
            np_dtype = dtypes(dtype)
        return np.empty(shape, np_dtype)


class Const:
    """``cuda.const``: ``array_like(ary)`` is ``ary`` read-only, as
    constant memory is to a kernel."""

    __slots__ = ()

    def array_like(self, ary):
        view = np.asarray(ary).view()
        view.flags.writeable = False
        return view


def _is_dynamic(shape):
    return shape == 0 or shape == (0,)


class Shared:
    """``cuda.shared`` of one launch (``dynamic_bytes``: the launch's
    dynamic shared memory).

    ``array(0, dtype)`` views the launch's dynamic bytes as ``dtype``:
    every such array of the launch aliases the same bytes, as on a GPU.
    Any other shape gives one array per call site (file and line) per
    launch, made on first use: every thread of the launch gets it, and
    two calls on one line share it. ``_allocations`` and
    ``_dynshared_size`` are read as on upstream's ``FakeCUDAShared``
    (``gridsync`` gives each block of a cooperative launch its own by
    calling ``type(shared)(size)``)."""

    def __init__(self, dynamic_bytes=0):
        self._allocations = {}
        self._dynshared_size = dynamic_bytes
        self._dynshared = np.zeros(dynamic_bytes, dtype=np.byte)

    def array(self, shape, dtype, alignment=None, alignas=None):
        if alignment is not None or alignas is not None:
            _check_alignment(alignment, alignas)
        if _is_dynamic(shape):
            return launchlimits.dynamic_array(self, _dtypes(dtype))
        caller = sys._getframe(1)
        key = (caller.f_code.co_filename, caller.f_lineno)
        found = self._allocations.get(key)
        if found is None:
            found = arrays.static_array(
                self, key, shape, _dtypes(dtype), caller
            )
        return found

    def convert(self, dtype):
        """The NumPy dtype of ``dtype`` as ``array`` converts it (for the
        sanitizer, which makes the arrays of a checked launch itself)."""
        return _dtypes(dtype)


class GridGroup:
    """``cuda.cg.this_grid()``: the launch's grid, whose ``sync`` waits
    for every thread of the launch (``simulator/gridsync``)."""

    __slots__ = ()

    def sync(self):
        thread = context.thread_state.thread
        if thread is None:
            raise RuntimeError(
                "cuda.cg.this_grid().sync() is only available inside a "
                "kernel running on the CUDA simulator"
            )
        thread.grid_sync()

    def __repr__(self):
        return "<grid group>"


_GRID = GridGroup()


def this_grid():
    """The grid group of the calling thread's launch."""
    return _GRID


LOCAL = Local()
CONST = Const()
CG = intrinsics.Namespace("cg", this_grid=this_grid, GridGroup=GridGroup)


def _names():
    names = {
        "local": LOCAL,
        "const": CONST,
        "atomic": atomics.ATOMIC,
        "cg": CG,
        "fp16": intrinsics.FP16,
        "local_array": LOCAL.array,
        "warpsize": 32,
    }
    names.update(intrinsics.FUNCTIONS)
    names.update(vectors.VECTOR_TYPES)
    names["vector"] = vectors.VECTOR
    return names


# Every kernel-side name that is one object on the host and in every
# launch. The sanitizer wraps ``local``, ``const`` and ``atomic`` per
# launch (``checks/checkedarrays.wrap_view``): a front wanting the checks
# puts those in its launch namespace too.
NAMES = _names()

# The names of ``cuda`` a kernel may use that the running simulated thread
# answers (``simulator/simthread.SimulatedThread.names``), and those of a
# launch: not here.
libdevice_namespace = intrinsics.libdevice_namespace
