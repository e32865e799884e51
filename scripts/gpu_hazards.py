"""Kernels with hazards, one per run, for compute-sanitizer on a GPU.

    compute-sanitizer --tool racecheck --racecheck-report all \\
        python scripts/gpu_hazards.py CASE

What NVIDIA's own tool says of each case (error, warning or nothing) is
what our sanitizer's level for it is checked against (docs/sanitizer.md).
Cases: same_value_read (a thread stores the value already there while
threads of another warp read it, no barrier), other_value_read (the same,
storing another value), same_value_writes (threads of two warps store one
value), other_value_writes, masks_apart (lanes vote with masks taken
before and after a lane exited; for synccheck).
"""

import sys

import numpy as np
from numba import cuda


@cuda.jit
def same_value_read(out):
    sh = cuda.shared.array(64, np.float32)
    t = cuda.threadIdx.x
    sh[t] = 1.0
    cuda.syncthreads()
    if t == 0:
        sh[40] = 1.0
    out[t] = sh[40]


@cuda.jit
def other_value_read(out):
    sh = cuda.shared.array(64, np.float32)
    t = cuda.threadIdx.x
    sh[t] = 1.0
    cuda.syncthreads()
    if t == 0:
        sh[40] = 2.0
    out[t] = sh[40]


@cuda.jit
def same_value_writes(out):
    sh = cuda.shared.array(64, np.float32)
    t = cuda.threadIdx.x
    sh[t] = 0.0
    cuda.syncthreads()
    if t == 0 or t == 40:
        sh[5] = 3.0
    cuda.syncthreads()
    out[t] = sh[5]


@cuda.jit
def other_value_writes(out):
    sh = cuda.shared.array(64, np.float32)
    t = cuda.threadIdx.x
    sh[t] = 0.0
    cuda.syncthreads()
    if t == 0 or t == 40:
        sh[5] = t
    cuda.syncthreads()
    out[t] = sh[5]


@cuda.jit
def masks_apart(out):
    lane = cuda.threadIdx.x
    if lane >= 16:
        return
    early = cuda.activemask()
    if lane == 10:
        return
    late = cuda.activemask()
    mask = late if lane < 8 else early
    out[lane] = cuda.ballot_sync(mask, 1)


def main(case):
    out = cuda.to_device(np.zeros(64, np.float32))
    kernel = globals()[case]
    kernel[1, 64](out)
    cuda.synchronize()
    print(case, out.copy_to_host()[:16].tolist())


if __name__ == "__main__":
    main(sys.argv[1])
