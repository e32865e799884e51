"""Device functions called by kernels defined in the test modules.

Each reaches ``numba.cuda`` another way; the simulator's global swap only
ever rewrote the globals of the function being called, so every one of
these used to depend on luck or fail outright.
"""

import numba
import numpy as np
from numba import cuda
from numba import cuda as gpu


@cuda.jit(device=True)
def hold(entered, release):
    """Stay inside this module until told to leave."""
    entered.set()
    release.wait(10)
    return 1


@cuda.jit(device=True)
def alloc_after_other_left(release, left):
    """Let the thread in ``hold`` leave, then allocate local memory."""
    release.set()
    left.wait(10)
    a = cuda.local.array(2, np.int32)
    a[0] = 2
    return a[0]


@cuda.jit(device=True)
def thread_index_by_alias():
    return gpu.threadIdx.x


@cuda.jit(device=True)
def thread_index_by_path():
    buf = numba.cuda.local.array(1, np.int64)
    buf[0] = numba.cuda.threadIdx.x + numba.cuda.blockIdx.x * 100
    return buf[0]


def make_thread_index():
    """A device function whose ``cuda`` is a closure cell, not a global."""
    from numba import cuda

    @cuda.jit(device=True)
    def thread_index():
        return cuda.threadIdx.x + cuda.blockDim.x * cuda.blockIdx.x

    return thread_index


@cuda.jit(device=True)
def local_sum(n):
    a = cuda.local.array(4, np.float64)
    for j in range(4):
        a[j] = cuda.threadIdx.x + j
    return a[0] + a[3] + n


@cuda.jit(device=True)
def store_before(part, i):
    """Writes the element before the one of thread ``i`` of ``part`` (a
    slice of the caller's array): element -1 for thread 0."""
    part[i - 1] = i
