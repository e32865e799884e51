"""Cost of one fake-array operation as a simulated kernel sees it.

    NUMBA_ENABLE_CUDASIM=1 python benchmarks/fakearrays.py [--json FILE]

Kernel array arguments are ``FakeWithinKernelCUDAArray`` objects: each
``out[i]``, ``out[i] = v`` or ``out.shape[0]`` in a kernel is a call into
them. This times each such operation on one, in nanoseconds, with the fix
as the environment sets it (``CUDASIM_THREADSAFE=0`` for upstream's).
"""

import argparse
import json
import os
import sys
import timeit

import numpy as np

OPERATIONS = (
    ("out[i]", "out[5]"),
    ("out[i] = v", "out[5] = 1.0"),
    ("out[i, j]", "grid[1, 2]"),
    ("out[i, j] = v", "grid[1, 2] = 1.0"),
    ("out[i][j]", "grid[1][2]"),
    ("out.shape[0]", "out.shape[0]"),
    ("out.size", "out.size"),
    ("len(out)", "len(out)"),
    ("rec[i].x", "rec[1].x"),
    ("rec.x[i]", "rec.x[1]"),
    ("rec[i].x = v", "rec[1].x = 2"),
)


def fake_arrays():
    """The arrays, wrapped as a kernel launch wraps its arguments."""
    from numba import cuda  # noqa: F401  (sets the simulator up)
    from numba.cuda.simulator.cudadrv import devicearray as d

    def wrap(ary):
        return d.FakeWithinKernelCUDAArray(d.FakeCUDAArray(ary))

    record = np.dtype([("x", np.int64), ("y", np.float64)])
    return {
        "out": wrap(np.zeros(64)),
        "grid": wrap(np.zeros((8, 8))),
        "rec": wrap(np.zeros(4, dtype=record)),
    }


def measure(repeat=7):
    """Best of ``repeat`` timings of about 0.1 s each, per operation."""
    names = fake_arrays()
    results = {}
    for label, stmt in OPERATIONS:
        timer = timeit.Timer(stmt, globals=names)
        number = max(1, timer.autorange()[0] // 2)
        best = min(timer.repeat(repeat, number)) / number
        results[label] = best * 1e9
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fakearrays.py")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        sys.exit("fakearrays.py: set NUMBA_ENABLE_CUDASIM=1")
    results = measure()
    for label, ns in results.items():
        print("%-16s %9.0f ns" % (label, ns))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
