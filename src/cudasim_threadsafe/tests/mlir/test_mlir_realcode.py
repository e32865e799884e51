"""What numba-cuda-mlir's own examples (its ``tests/doc_examples``) and
its users' code do that the other tests here did not: each test is the
smallest form of one such program that failed on the simulator."""

import numpy as np


def test_types_submodule_in_a_kernel():
    """The reduction example imports its dtype from the ``cuda.types``
    package (numba's names, then the MLIR spellings: ``i8`` is int8)."""
    from numba_cuda_mlir import cuda
    from numba_cuda_mlir.cuda.types import i8, int32

    @cuda.jit
    def block_sum(data, out):
        tid = cuda.threadIdx.x
        shr = cuda.shared.array(32, int32)
        small = cuda.local.array(1, i8)
        small[0] = 1
        shr[tid] = data[tid] + small[0]
        cuda.syncthreads()
        if tid == 0:
            total = 0
            for k in range(32):
                total += shr[k]
            out[0] = total
            out[1] = small.itemsize

    data = cuda.to_device(np.arange(32))
    out = cuda.device_array(2, dtype=np.int64)
    block_sum[1, 32](data, out)
    assert list(out.copy_to_host()) == [sum(range(32)) + 32, 1]
