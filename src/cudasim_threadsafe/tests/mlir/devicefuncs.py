"""Device functions that the kernels of the test modules call: each
reaches ``numba_cuda_mlir.cuda`` another way, from another module."""

import numba_cuda_mlir
import numba_cuda_mlir.cuda as gpu
import numpy as np
from numba_cuda_mlir import cuda


@cuda.jit(device=True)
def block_rank():
    """The thread's linear index in its block, x fastest."""
    return cuda.threadIdx.x + cuda.blockDim.x * (
        cuda.threadIdx.y + cuda.blockDim.y * cuda.threadIdx.z
    )


@cuda.jit(device=True)
def block_size():
    return cuda.blockDim.x * cuda.blockDim.y * cuda.blockDim.z


@cuda.jit(device=True)
def block_number():
    return cuda.blockIdx.x + cuda.gridDim.x * (
        cuda.blockIdx.y + cuda.gridDim.y * cuda.blockIdx.z
    )


@cuda.jit(device=True)
def flat_index():
    """The block's number times its size plus the thread's rank."""
    return block_number() * block_size() + block_rank()


@cuda.jit(device=True)
def thread_index_by_alias():
    return gpu.threadIdx.x + gpu.blockIdx.x * 100


@cuda.jit(device=True)
def thread_index_by_path():
    buf = numba_cuda_mlir.cuda.local.array(1, np.int64)
    buf[0] = (
        numba_cuda_mlir.cuda.threadIdx.x + numba_cuda_mlir.cuda.blockIdx.x * 100
    )
    return buf[0]


def make_thread_index(scale):
    """A device function whose ``cuda`` is a local name of the factory,
    closed over, and ``scale`` a closure cell."""
    from numba_cuda_mlir import cuda

    @cuda.jit(device=True)
    def thread_index():
        i = cuda.threadIdx.x + cuda.blockDim.x * cuda.blockIdx.x
        return i * scale

    return thread_index


class AllocatorFactory:
    """As in CuBIE: builds an inlined device function that allocates a
    thread-local buffer."""

    def __init__(self, size, dtype):
        self.size = size
        self.dtype = dtype

    def build(self):
        size, dtype = self.size, self.dtype

        @cuda.jit(device=True, inline=True)
        def allocate():
            return cuda.local.array(size, dtype)

        return allocate


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
