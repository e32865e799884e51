"""One benchmark workload, run in a child process by ``run.py``.

    python benchmarks/workloads.py WORKLOAD MODE

MODE is ``floor`` (the same work as plain sequential Python) or any other
word for the simulator (``off``, ``threads``, ``greenlet``: the environment
sets ``CUDASIM_THREADSAFE`` and ``NUMBA_CUDASIM_LAUNCHER``; the word only
names the run). Prints one JSON object: the seconds the work took, the
amount of work done and the peak memory it added.
"""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Kernels reach ``cuda`` as a module global, which every simulator handles.
from devfuncs import scratch, scratch_floor  # noqa: E402
from numba import cuda, float64  # noqa: E402

DEVICE_CALLS = 500
REDUCE_THREADS = 64
REDUCE_BLOCKS = 2
REDUCE_REPS = 20
LAUNCHES = 1000
WARP_BLOCKS = 4
WARP_THREADS = 128
WARP_REPS = 10
BIG_BLOCK = 1024
MANY_BLOCKS = 4000
MANY_GRID = (4, 4)
MANY_BLOCK = (32, 32)


def rss_kib(field):
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), else 0."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(work):
    """Run ``work`` once and return (seconds, peak KiB added)."""
    base = rss_kib("VmRSS")
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    return seconds, max(0, rss_kib("VmHWM") - base)


def device_calls(mode):
    blocks, threads = 4, 128
    out = np.zeros(blocks * threads)
    expected = np.array(
        [sum(t % threads + i for i in range(DEVICE_CALLS)) for t in range(512)],
        dtype=np.float64,
    )

    if mode == "floor":
        from numba.cuda.simulator.kernelapi import Dim3

        def work():
            for t in range(blocks * threads):
                tid = Dim3(t % threads, 0, 0)
                acc = 0.0
                for i in range(DEVICE_CALLS):
                    acc += scratch_floor(tid, i)
                out[t] = acc

    else:

        @cuda.jit
        def kernel(out):
            acc = 0.0
            for i in range(DEVICE_CALLS):
                acc += scratch(i)
            out[cuda.grid(1)] = acc

        def work():
            kernel[blocks, threads](out)

    seconds, peak = timed(work)
    assert np.array_equal(out, expected), "wrong device-call result"
    return seconds, blocks * threads * DEVICE_CALLS, "device calls", peak


def reduction(mode):
    n = REDUCE_THREADS
    data = np.arange(REDUCE_BLOCKS * n, dtype=np.float64)
    out = np.zeros(REDUCE_BLOCKS)
    expected = data.reshape(REDUCE_BLOCKS, n).sum(axis=1)
    # One barrier after the loads, then one per halving step.
    barriers = 1 + int(np.log2(n))

    if mode == "floor":

        def reduce_once():
            for b in range(REDUCE_BLOCKS):
                sm = np.empty(n)
                for t in range(n):
                    sm[t] = data[b * n + t]
                step = n // 2
                while step:
                    for t in range(step):
                        sm[t] += sm[t + step]
                    step //= 2
                out[b] = sm[0]

    else:

        @cuda.jit
        def kernel(data, out):
            sm = cuda.shared.array(REDUCE_THREADS, float64)
            t = cuda.threadIdx.x
            sm[t] = data[cuda.grid(1)]
            cuda.syncthreads()
            step = cuda.blockDim.x // 2
            while step:
                if t < step:
                    sm[t] += sm[t + step]
                cuda.syncthreads()
                step //= 2
            if t == 0:
                out[cuda.blockIdx.x] = sm[0]

        def reduce_once():
            kernel[REDUCE_BLOCKS, n](data, out)

    def work():
        for _ in range(REDUCE_REPS):
            out[:] = 0
            reduce_once()
            assert np.array_equal(out, expected), "wrong reduction result"

    seconds, peak = timed(work)
    count = REDUCE_REPS * REDUCE_BLOCKS * barriers
    return seconds, count, "block barriers", peak


def warp_sums(mode):
    blocks, threads = WARP_BLOCKS, WARP_THREADS
    data = np.arange(blocks * threads, dtype=np.float64)
    out = np.zeros(blocks * threads // 32)
    expected = data.reshape(-1, 32).sum(axis=1)
    steps = (16, 8, 4, 2, 1)

    if mode == "floor":

        def reduce_once():
            for w in range(len(out)):
                lanes = [data[w * 32 + lane] for lane in range(32)]
                for d in steps:
                    lanes = [
                        v + (lanes[i + d] if i + d < 32 else v)
                        for i, v in enumerate(lanes)
                    ]
                out[w] = lanes[0]

    else:

        @cuda.jit
        def kernel(data, out):
            i = cuda.grid(1)
            v = data[i]
            for d in (16, 8, 4, 2, 1):
                v += cuda.shfl_down_sync(0xFFFFFFFF, v, d)
            if cuda.laneid == 0:
                out[i // 32] = v

        def reduce_once():
            kernel[blocks, threads](data, out)

        # Once before timing: the steady state (GPU typing asks its
        # worker at the first shuffle; first_shuffle measures that).
        reduce_once()

    def work():
        for _ in range(WARP_REPS):
            out[:] = 0
            reduce_once()
            assert np.array_equal(out, expected), "wrong warp sums"

    seconds, peak = timed(work)
    return seconds, WARP_REPS * len(out) * len(steps), "warp shuffles", peak


def launches(mode):
    out = np.zeros(32)

    if mode == "floor":

        def body(out, t):
            out[t] = t

        def launch():
            for t in range(32):
                body(out, t)

    else:

        @cuda.jit
        def kernel(out):
            out[cuda.threadIdx.x] = cuda.threadIdx.x

        def launch():
            kernel[1, 32](out)

    launch()  # the first launch may compile or set things up

    def work():
        for _ in range(LAUNCHES):
            launch()

    seconds, peak = timed(work)
    assert np.array_equal(out, np.arange(32)), "wrong launch result"
    return seconds, LAUNCHES, "launches", peak


def big_block(mode):
    out = np.zeros(BIG_BLOCK)

    if mode == "floor":

        def work():
            for t in range(BIG_BLOCK):
                out[t] = 2 * t

    else:

        @cuda.jit
        def kernel(out):
            t = cuda.threadIdx.x
            out[t] = t
            cuda.syncthreads()
            mirrored = out[BIG_BLOCK - 1 - t]
            cuda.syncthreads()
            out[t] = t + (BIG_BLOCK - 1 - mirrored)

        def work():
            kernel[1, BIG_BLOCK](out)

    seconds, peak = timed(work)
    assert np.array_equal(out, 2 * np.arange(BIG_BLOCK)), "wrong result"
    return seconds, 1, "1024-thread blocks", peak


def many_blocks(mode):
    """A launch of many one-thread blocks: what a block costs."""
    out = np.zeros(MANY_BLOCKS)

    if mode == "floor":

        def work():
            for b in range(MANY_BLOCKS):
                out[b] = b

    else:

        @cuda.jit
        def kernel(out):
            out[cuda.blockIdx.x] = cuda.blockIdx.x

        kernel[1, 1](out)

        def work():
            kernel[MANY_BLOCKS, 1](out)

    seconds, peak = timed(work)
    assert np.array_equal(out, np.arange(MANY_BLOCKS)), "wrong result"
    return seconds, MANY_BLOCKS, "one-thread blocks", peak


def many_threads(mode):
    """A barrier-free grid, one store per thread: what a simulated thread
    costs beyond the body it runs."""
    rows = MANY_GRID[0] * MANY_BLOCK[0]
    cols = MANY_GRID[1] * MANY_BLOCK[1]
    out = np.zeros((rows, cols))

    if mode == "floor":
        from numba.cuda.simulator.kernelapi import Dim3

        def body(out, position):
            i, j = position.x, position.y
            out[i, j] = i + j

        def work():
            # Each thread's position made once, then the body called.
            bx, by = MANY_BLOCK
            for gx in range(MANY_GRID[0]):
                for gy in range(MANY_GRID[1]):
                    for tx in range(bx):
                        for ty in range(by):
                            body(out, Dim3(gx * bx + tx, gy * by + ty, 0))

    else:

        @cuda.jit
        def kernel(out):
            i, j = cuda.grid(2)
            out[i, j] = i + j

        def work():
            kernel[MANY_GRID, MANY_BLOCK](out)

    seconds, peak = timed(work)
    expected = np.add.outer(np.arange(rows), np.arange(cols))
    assert np.array_equal(out, expected), "wrong many-threads result"
    return seconds, rows * cols, "simulated threads", peak


def first_shuffle(mode):
    """A process's first launch of a shuffle kernel: with GPU typing on,
    it starts the typing worker."""
    data = np.arange(32, dtype=np.float64)
    out = np.zeros(32)

    if mode == "floor":

        def work():
            out[:] = data[::-1]

    else:

        @cuda.jit
        def kernel(data, out):
            i = cuda.threadIdx.x
            out[i] = cuda.shfl_sync(0xFFFFFFFF, data[i], 31 - i)

        def work():
            kernel[1, 32](data, out)

    seconds, peak = timed(work)
    assert np.array_equal(out, data[::-1]), "wrong shuffle"
    return seconds, 1, "first launches", peak


WORKLOADS = {
    "many_threads": many_threads,
    "device_calls": device_calls,
    "reduction": reduction,
    "warp_sums": warp_sums,
    "launches": launches,
    "big_block": big_block,
    "many_blocks": many_blocks,
    "first_shuffle": first_shuffle,
}


def main(workload, mode):
    seconds, count, unit, peak = WORKLOADS[workload](mode)
    print(
        json.dumps(
            {"seconds": seconds, "count": count, "unit": unit, "peak_kib": peak}
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
