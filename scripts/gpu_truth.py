"""Run a set of small kernels and write what they compute, as JSON.

    python scripts/gpu_truth.py OUT.json

On a machine with a GPU and the simulator off, this records the GPU's
answers; with ``NUMBA_ENABLE_CUDASIM=1`` the simulator's. The kernels cover
what the simulator has to get right beyond plain Python: numba's
arithmetic types, negative indices, warp votes with masks taken at
different moments, fused multiply-add. ``tests/gputruth.json`` holds the
answers of a GPU; ``tests/test_gputruth.py`` runs the same kernels in the
simulator and compares.

Each kernel writes float64 or int64 results, so the JSON holds plain
numbers; ``--ptx`` adds, per kernel, a hash of its PTX (sm_80): with the
simulator off, importing this package must change none of them.
"""

import hashlib
import json
import sys

import numpy as np
from numba import cuda

# Operand types of the arithmetic matrix, with a value of each that makes
# the result type show in the value: an int32 product that overflows 32
# bits, a float32 whose float64 product differs, mixed signedness.
LEFT = {
    "int8": 100,
    "int32": 2_000_000_000,
    "uint32": 4_000_000_000,
    "int64": 2**62 + 7,
    "uint64": 2**63 + 11,
    "float32": 0.1,
    "float64": 0.1,
    "bool": True,
}
RIGHT = {
    "int8": -7,
    "int32": -7,
    "uint32": 7,
    "int64": -7,
    "uint64": 7,
    "float32": 1.7,
    "float64": 1.7,
    "bool": True,
}


def _dtype(name):
    return np.dtype(np.bool_ if name == "bool" else name)


@cuda.jit
def add(a, b, out):
    out[0] = a[0] + b[0]


@cuda.jit
def sub(a, b, out):
    out[0] = a[0] - b[0]


@cuda.jit
def mul(a, b, out):
    out[0] = a[0] * b[0]


@cuda.jit
def truediv(a, b, out):
    out[0] = a[0] / b[0]


@cuda.jit
def floordiv(a, b, out):
    out[0] = a[0] // b[0]


# Written out, not through ``operator``: the simulator has to get the
# operators of the kernel's own code right.
OPERATORS = (add, sub, mul, truediv, floordiv)


def literal_kernels():
    """Arithmetic of an array element with Python literals."""

    @cuda.jit
    def with_int(a, out):
        x = a[0]
        out[0] = x * 3
        out[1] = x + 1
        out[2] = x // 2
        out[3] = x / 2
        out[4] = -x

    @cuda.jit
    def with_float(a, out):
        x = a[0]
        out[0] = x * 1.5
        out[1] = x + 0.1
        out[2] = x / 3.0

    return with_int, with_float


@cuda.jit
def accumulate(a, out):
    # A float32 accumulator started from a Python 0 (int64) widens.
    s = 0
    for i in range(a.size):
        s += a[i] * a[i]
    out[0] = s


@cuda.jit
def negative_indices(a, b, out):
    i = cuda.threadIdx.x
    local = cuda.local.array(4, np.float64)
    shared = cuda.shared.array(4, np.float64)
    for k in range(4):
        local[k] = 10.0 * k + i
    shared[i] = 100.0 + i
    cuda.syncthreads()
    out[i, 0] = a[i, -1]
    out[i, 1] = a[-1, i]
    out[i, 2] = a[-1 - i, -2]
    out[i, 3] = local[-1]
    out[i, 4] = shared[-1 - i]
    b[i, -1] = 7.0 + i
    b[-1, i] += 1.0


@cuda.jit
def masks_taken_apart(values, out):
    # Lanes 16-31 leave; lane 10 leaves after the first mask is taken;
    # lanes 0-7 take the mask again after it left, lanes 8-15 keep the
    # first (CuBIE's integration loop does this).
    lane = cuda.threadIdx.x
    if lane >= 16:
        return
    early = cuda.activemask()
    if lane == 10:
        return
    late = cuda.activemask()
    mask = late if lane < 8 else early
    out[lane, 0] = mask
    out[lane, 1] = cuda.ballot_sync(mask, values[lane] > 0)
    out[lane, 2] = cuda.all_sync(mask, values[lane] > 0)
    out[lane, 3] = cuda.any_sync(mask, values[lane] > 2)
    out[lane, 4] = early
    out[lane, 5] = late


@cuda.jit
def fused(a, b, out32, out64):
    x = a[0]
    y = a[1]
    out32[0] = cuda.fma(x, y, -(x * y))
    u = b[0]
    v = b[1]
    out64[0] = cuda.fma(u, v, -(u * v))


def run_all(ptx=False):
    results = {}
    hashes = {}

    def ptx_of(name, kernel, args):
        if ptx:
            from numba.cuda import compile_ptx

            sig = tuple(_typeof(a) for a in args)
            text, _ = compile_ptx(kernel.py_func, sig, cc=(8, 0))
            hashes[name] = hashlib.sha256(text.encode()).hexdigest()[:16]

    for kernel in OPERATORS:
        for left, x in LEFT.items():
            for right, y in RIGHT.items():
                a = np.array([x], dtype=_dtype(left))
                b = np.array([y], dtype=_dtype(right))
                out = np.zeros(1, np.float64)
                name = "%s(%s,%s)" % (kernel.py_func.__name__, left, right)
                try:
                    kernel[1, 1](a, b, out)
                    results[name] = float(out[0])
                except Exception as e:
                    results[name] = "error: %s" % type(e).__name__
    with_int, with_float = literal_kernels()
    for left, x in LEFT.items():
        a = np.array([x], dtype=_dtype(left))
        for kernel, size in ((with_int, 5), (with_float, 3)):
            out = np.zeros(size, np.float64)
            name = "%s(%s)" % (kernel.py_func.__name__, left)
            try:
                kernel[1, 1](a, out)
                results[name] = out.tolist()
            except Exception as e:
                results[name] = "error: %s" % type(e).__name__

    def record(name, kernel, args, outputs, config=(1, 1)):
        try:
            kernel[config](*args)
            results[name] = [o.tolist() for o in outputs]
        except Exception as e:
            results[name] = "error: %s: %s" % (type(e).__name__, e)
        try:
            ptx_of(name, kernel, args)
        except Exception as e:
            hashes[name] = "error: %s" % type(e).__name__

    a = np.array([0.1, 0.2, 0.3, 0.7], np.float32)
    out = np.zeros(1, np.float64)
    record("accumulate", accumulate, (a, out), (out,))

    a = np.arange(64, dtype=np.float64).reshape(8, 8)
    b = np.zeros((8, 8), np.float64)
    out = np.zeros((4, 5), np.float64)
    record("negative_indices", negative_indices, (a, b, out), (out, b), (1, 4))

    values = np.array([3, 1, 4, 1, 5, 9, 2, 6] * 2, np.int32)
    out = np.zeros((16, 6), np.int64)
    args = (values, out)
    record("masks_taken_apart", masks_taken_apart, args, (out,), (1, 32))
    values = values.copy()
    values[3] = 0
    out = np.zeros((16, 6), np.int64)
    args = (values, out)
    record("masks_one_false", masks_taken_apart, args, (out,), (1, 32))

    a = np.array([1.1, 3.3], np.float32)
    b = np.array([1.1, 3.3], np.float64)
    out32 = np.zeros(1, np.float32)
    out64 = np.zeros(1, np.float64)
    record("fma", fused, (a, b, out32, out64), (out32, out64))
    return results, hashes


def _typeof(value):
    from numba import typeof

    return typeof(value)


def main(argv):
    path = argv[1]
    results, hashes = run_all(ptx="--ptx" in argv)
    with open(path, "w") as f:
        json.dump({"results": results, "ptx": hashes}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
