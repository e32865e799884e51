"""Device functions for the benchmarks, in a module of their own.

Kernels call them from another module, as in projects that build device
functions in factories spread over many modules.
"""

import numpy as np
from numba import cuda, float64


@cuda.jit(device=True)
def scratch(i):
    """Allocate a local array and read the thread index: a typical step."""
    a = cuda.local.array(4, float64)
    a[0] = cuda.threadIdx.x + i
    return a[0]


def scratch_floor(tid, i):
    """The same work as ``scratch`` in plain Python; ``tid`` is a Dim3."""
    a = np.empty(4, np.float64)
    a[0] = tid.x + i
    return a[0]
