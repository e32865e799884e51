"""Local and shared array allocation in simulated kernels.

``cuda.local.array(4, float64)`` runs on every simulated thread, often in a
device function called in a loop. The simulator converts the numba type to
a NumPy dtype on every call, and the conversion and type test cost several
times the allocation; here each dtype is converted once.

``cuda.shared.array`` finds the block's array by the caller's file and line,
which the simulator gets by extracting the whole stack, source lines
included: that costs more than the rest of a small kernel.
"""

import functools
import sys

import numpy as np

from . import launchlimits

# Bounds the memo if a program makes new dtype objects on every call.
_MEMO_SIZE = 1024


def _converter(allocator):
    """``(memo, convert)``: the dtype conversion of the allocator's own
    module, memoized in ``memo`` by ``id``. None where that module lacks
    ``types.Type`` or ``numpy_support``."""
    names = allocator.__globals__
    try:
        numba_type = names["types"].Type
        as_dtype = names["numpy_support"].as_dtype
    except (KeyError, AttributeError):
        return None
    memo = {}
    # Keeps each memoized dtype alive, so that its id is not reused.
    keep = []

    def convert(dtype):
        np_dtype = memo.get(id(dtype))
        if np_dtype is None:
            np_dtype = (
                as_dtype(dtype) if isinstance(dtype, numba_type) else dtype
            )
            if len(keep) >= _MEMO_SIZE:
                memo.clear()
                keep.clear()
            keep.append(dtype)
            memo[id(dtype)] = np_dtype
        return np_dtype

    return memo, convert


def cached_dtypes(allocator):
    """Wrap the simulator's ``FakeCUDALocal.array(shape, dtype)``.

    That allocator returns ``np.empty(shape, dtype)``, the dtype converted by
    its module's ``numpy_support.as_dtype`` when it is a numba type. The
    common call, ``array(shape, dtype)``, does the same with the conversion
    memoized by the identity of ``dtype``, which the memo keeps alive (numba
    types hash in Python, an identity lookup does not). Any other
    call, and any tree lacking those names, goes to the allocator itself.
    """
    converter = _converter(allocator)
    if converter is None:
        return allocator
    memo, convert = converter
    empty = np.empty

    # Named parameters only: a call with ``*args`` costs a third more.
    @functools.wraps(allocator)
    def array(self, shape, dtype, alignment=None):
        if alignment is not None:
            return allocator(self, shape, dtype, alignment)
        np_dtype = memo.get(id(dtype))
        if np_dtype is None:
            np_dtype = convert(dtype)
        return empty(shape, np_dtype)

    return array


def by_caller_line(allocator):
    """Wrap the simulator's ``FakeCUDAShared.array(shape, dtype)``.

    For a fixed-size array that allocator returns the array it keeps in
    ``self._allocations`` under the caller's (file name, line number),
    making it on first use. The same key is read off the caller's frame
    here, without extracting the stack. ``setdefault`` also makes the
    first use atomic, where two threads could otherwise each store their
    own array, and counts the launch's static shared memory against the
    device's limit (``launchlimits``). Dynamic shared memory (``shape ==
    0``) views the launch's bytes as ``dtype`` (``FakeCUDAShared.array``
    took the item size of a NumPy scalar type from the class and raised).
    Any other call, and a tree lacking the names used, go to the allocator
    itself.
    """
    converter = _converter(allocator)
    if converter is None:
        return allocator
    convert = converter[1]

    @functools.wraps(allocator)
    def array(self, shape, dtype, alignment=None):
        if alignment is not None:
            return allocator(self, shape, dtype, alignment)
        allocations = getattr(self, "_allocations", None)
        if type(allocations) is not dict:
            return allocator(self, shape, dtype)
        if shape == 0:
            return launchlimits.dynamic_array(self, convert(dtype))
        caller = sys._getframe(1)
        key = (caller.f_code.co_filename, caller.f_lineno)
        found = allocations.get(key)
        if found is None:
            found = static_array(self, key, shape, convert(dtype), caller)
        return found

    return array


def static_array(shared, key, shape, dtype, caller):
    """The fixed-size shared array ``key`` (its caller's file and line) of
    the launch whose shared memory is ``shared`` (it has ``_allocations``,
    a dict): made on first use, of ``shape`` and ``dtype`` (a NumPy dtype),
    by the frame ``caller``. ``setdefault`` makes the first use atomic,
    where two threads could otherwise each store their own array; the
    array counts against the device's limit (``launchlimits``)."""
    made = np.empty(shape, dtype)
    found = shared._allocations.setdefault(key, made)
    if found is made:
        launchlimits.count_static(shared, key, made.nbytes, caller)
    return found
