"""The GPU's answers for the cases of tests/test_numerics.py.

Run on a machine with a GPU (simulator off):

    NUMBA_ENABLE_CUDASIM=0 python scripts/gpu_numerics.py

Each line prints a case, the GPU's value and the value the simulator's
tests expect; ``MISMATCH`` marks a difference. ``--compile-only`` just
compiles the kernels for sm_80 (no GPU needed).
"""

import math
import sys

import numpy as np
from numba import cuda, float32, float64


def fma_kernel(out, a32, a64, x):
    out[0] = cuda.fma(a32[0], a32[0], -(a32[0] * a32[0]))
    out[1] = cuda.fma(a64[0], a64[0], -(a64[0] * a64[0]))
    out[2] = cuda.fma(x[0], x[0], x[1])
    out[3] = cuda.fma(x[2], x[3], x[2])


def half_kernel(out, h, f):
    out[0] = cuda.fp16.hfma(h[0], h[0], h[1])
    out[1] = cuda.fp16.hfloor(h[2])
    out[2] = cuda.fp16.hfloor(-h[2])
    out[3] = cuda.fp16.hmax(h[3], h[4])
    out[4] = cuda.fp16.hmax(h[4], h[3])
    out[5] = cuda.fp16.hmin(h[3], h[4])
    out[6] = cuda.fp16.hmax(h[5], h[6])
    out[7] = cuda.fp16.hmin(h[6], h[5])
    out[8] = cuda.fp16.hne(h[3], h[4])
    out[9] = cuda.fp16.hadd(f[0], h[5])


def bf16_kernels():
    from numba.cuda import bf16

    def conversions(out, x32, x64, bits):
        for i in range(3):
            y = bf16.float32_to_bfloat16(x32[i])
            out[i] = bf16.bfloat16_to_float32(y)
        out[3] = bf16.bfloat16_to_float32(bf16.float64_to_bfloat16(x64[0]))
        bits[0] = bf16.bfloat16_as_int16(bf16.float32_to_bfloat16(x32[3]))
        out[4] = bf16.bfloat16_to_float32(bf16.int16_as_bfloat16(bits[1]))
        out[5] = bf16.bfloat16_to_int32_rn(bf16.float32_to_bfloat16(x32[4]))

    def arithmetic(out, x):
        a = bf16.float32_to_bfloat16(x[0])
        c = bf16.float32_to_bfloat16(x[1])
        out[0] = bf16.bfloat16_to_float32(bf16.hfma(a, a, c))
        out[1] = bf16.bfloat16_to_float32(bf16.hmul(a, a))
        nan = bf16.float32_to_bfloat16(x[2])
        out[2] = bf16.bfloat16_to_float32(bf16.hmax(nan, a))
        out[3] = bf16.bfloat16_to_float32(bf16.hmax_nan(nan, a))
        out[4] = bf16.hisinf(bf16.float32_to_bfloat16(x[3]))
        out[5] = bf16.bfloat16_to_float32(bf16.hadd_sat(a, a))

    return conversions, arithmetic


def report(label, got, expected):
    for i, (g, e) in enumerate(zip(got, expected)):
        same = str(float(g)) == str(float(e)) or (math.isnan(g) and e != e)
        print(
            "%-12s %d  gpu=%-24r expected=%-24r %s"
            % (label, i, float(g), float(e), "" if same else "MISMATCH")
        )


def main():
    compile_only = "--compile-only" in sys.argv
    fma_args = (
        float64[:],
        float32[:],
        float64[:],
        float64[:],
    )
    from numba.core import types

    half_args = (float64[:], types.float16[:], float32[:])
    conversions, arithmetic = bf16_kernels()
    bf16_args = (
        (float64[:], float32[:], float64[:], types.int16[:]),
        (float64[:], float32[:]),
    )
    if compile_only:
        for fn, sig in (
            (fma_kernel, fma_args),
            (half_kernel, half_args),
            (conversions, bf16_args[0]),
            (arithmetic, bf16_args[1]),
        ):
            cuda.compile_ptx(fn, sig, cc=(8, 0))
            print("compiled", fn.__name__)
        return

    out = np.zeros(4)
    cuda.jit(fma_kernel)[1, 1](
        out,
        np.array([1 + 2**-12], np.float32),
        np.array([1 + 2**-30]),
        np.array([1e300, -math.inf, -0.0, 1.0]),
    )
    report("fma", out, [2.0**-24, 2.0**-60, -math.inf, -0.0])

    out = np.zeros(10)
    h = np.array(
        [1 + 2**-10, -(1 + 2**-9), 2.5, np.nan, 1, -0.0, 0.0], np.float16
    )
    cuda.jit(half_kernel)[1, 1](out, h, np.array([1 + 2**-12], np.float32))
    report(
        "fp16",
        out,
        [2.0**-20, 2.0, -3.0, 1.0, 1.0, 1.0, 0.0, -0.0, 0.0, 1.0],
    )

    if not cuda.is_bfloat16_supported():
        print("bf16: not supported on this device")
        return
    out = np.zeros(6)
    bits = np.array([0, 0x4049], np.int16)
    cuda.jit(conversions)[1, 1](
        out,
        np.array(
            [1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20, -1.0, 2.5],
            np.float32,
        ),
        np.array([1 + 2**-8 + 2**-40]),
        bits,
    )
    report(
        "bf16 convert",
        list(out) + [bits[0]],
        [1.0, 1 + 2**-6, 1 + 2**-7, 1 + 2**-7, 3.140625, 2.0, -0x4080],
    )
    out = np.zeros(6)
    a = 1 + 2**-7
    cuda.jit(arithmetic)[1, 1](
        out, np.array([a, -(1 + 2**-6), np.nan, -np.inf], np.float32)
    )
    report("bf16 arith", out, [2.0**-14, 1 + 2**-6, a, math.nan, -1.0, 1.0])


if __name__ == "__main__":
    main()
