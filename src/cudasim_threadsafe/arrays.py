"""Local array allocation in simulated kernels.

``cuda.local.array(4, float64)`` runs on every simulated thread, often in a
device function called in a loop. The simulator converts the numba type to
a NumPy dtype on every call, and the conversion and type test cost several
times the allocation; here each dtype is converted once.
"""

import functools

import numpy as np

# Bounds the memo if a program makes new dtype objects on every call.
_MEMO_SIZE = 1024


def cached_dtypes(upstream_array):
    """Wrap the simulator's ``FakeCUDALocal.array(shape, dtype)``.

    That allocator returns ``np.empty(shape, dtype)``, the dtype converted by
    its module's ``numpy_support.as_dtype`` when it is a numba type. The
    common call, ``array(shape, dtype)``, does the same with the conversion
    memoized by the identity of ``dtype``, which the memo keeps alive (numba
    types hash in Python, an identity lookup does not). Any other
    call, and any tree lacking those names, goes to the allocator itself.
    """
    names = upstream_array.__globals__
    try:
        numba_type = names["types"].Type
        as_dtype = names["numpy_support"].as_dtype
    except (KeyError, AttributeError):
        return upstream_array
    memo = {}
    # Keeps each memoized dtype alive, so that its id is not reused.
    keep = []
    empty = np.empty

    def convert(dtype):
        np_dtype = as_dtype(dtype) if isinstance(dtype, numba_type) else dtype
        if len(keep) >= _MEMO_SIZE:
            memo.clear()
            keep.clear()
        keep.append(dtype)
        memo[id(dtype)] = np_dtype
        return np_dtype

    @functools.wraps(upstream_array)
    def array(self, shape, dtype, *args, **kwargs):
        if args or kwargs:
            return upstream_array(self, shape, dtype, *args, **kwargs)
        np_dtype = memo.get(id(dtype))
        if np_dtype is None:
            np_dtype = convert(dtype)
        return empty(shape, np_dtype)

    return array
