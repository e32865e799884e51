"""Fused multiply-add, half and bfloat16 give the GPU's results.

``cuda.fma`` is ``fma.rn.f32`` / ``fma.rn.f64`` on the GPU (compile_ptx
shows them): one rounding, so ``fma(a, b, -(a * b))`` is the product's
rounding error. References are exact (``fractions``) or exact by
construction: values chosen so that one rounding and two differ.
"""

import math
import unittest
from fractions import Fraction

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe


def rounding_error(a, dtype):
    """a * a - fl(a * a), exactly: what a fused fma gives."""
    exact = Fraction(float(a)) ** 2
    return float(exact - Fraction(float(dtype(exact))))


@cuda.jit
def fma_error32(out, a):
    out[0] = cuda.fma(a[0], a[0], -(a[0] * a[0]))


@cuda.jit
def fma_error64(out, a):
    out[0] = cuda.fma(a[0], a[0], -(a[0] * a[0]))


@cuda.jit
def fma_calls(out, x):
    # float64: a product past float64's range plus -inf is -inf.
    out[0] = cuda.fma(x[0], x[0], x[1])
    out[1] = cuda.fma(x[2], x[3], x[2])  # -0 * 1 + -0 is -0


@cuda.jit
def fma_sum32(out, a):
    out[0] = cuda.fma(a[0], a[1], a[2])


@skip_unless_cudasim("the simulator's fused multiply-add")
class TestFma(CUDATestCase):
    def check_error(self, typing):
        with cudasim_threadsafe.gpu_typing(typing):
            a32 = np.array([1 + 2**-12], np.float32)
            out = np.zeros(1, np.float64)
            fma_error32[1, 1](out, a32)
            # 2**-24, and a float32 result.
            self.assertEqual(out[0], rounding_error(a32[0], np.float32))
            self.assertEqual(out[0], 2.0**-24)
            a64 = np.array([1 + 2**-30])
            fma_error64[1, 1](out, a64)
            self.assertEqual(out[0], rounding_error(a64[0], np.float64))
            self.assertEqual(out[0], 2.0**-60)

    def test_one_rounding(self):
        self.check_error(True)

    def test_one_rounding_untyped(self):
        self.check_error(False)

    def test_one_rounding_of_the_sum(self):
        # x * y = 2**-24 + 2**-60 exactly; + 1 is just above halfway
        # between two float32s. Rounded to float64 first, it would be
        # the halfway point, and then 1.0 (to even).
        x = np.float32((1 + 2**-12) * 2**-24)
        y = np.float32(1 - 2**-12 + 2**-24)
        out = np.zeros(1, np.float32)
        fma_sum32[1, 1](out, np.array([x, y, 1], np.float32))
        self.assertEqual(out[0], np.float32(1 + 2**-23))

    def test_nonfinite_and_zero(self):
        out = np.zeros(2)
        fma_calls[1, 1](out, np.array([1e300, -math.inf, -0.0, 1.0]))
        self.assertEqual(out[0], -math.inf)
        self.assertEqual(str(out[1]), "-0.0")

    def test_libdevice_fma_nonfinite(self):
        from numba.cuda import libdevice

        @cuda.jit
        def kernel(out, x):
            out[0] = libdevice.fma(x[0], x[0], x[1])

        out = np.zeros(1)
        kernel[1, 1](out, np.array([1e300, -math.inf]))
        self.assertEqual(out[0], -math.inf)


@cuda.jit
def half_calls(out, h, f):
    out[0] = cuda.fp16.hfma(h[0], h[0], h[1])
    out[1] = cuda.fp16.hfloor(h[2])
    out[2] = cuda.fp16.hfloor(-h[2])
    out[3] = cuda.fp16.hmax(h[3], h[4])
    out[4] = cuda.fp16.hmax(h[4], h[3])
    out[5] = cuda.fp16.hmin(h[3], h[4])
    out[6] = cuda.fp16.hmax(h[5], h[6])  # -0, +0
    out[7] = cuda.fp16.hmin(h[6], h[5])
    out[8] = cuda.fp16.hne(h[3], h[4])
    # A float32 argument is converted to half first.
    out[9] = cuda.fp16.hadd(f[0], h[5])


@skip_unless_cudasim("the simulator's half-precision functions")
class TestFp16(CUDATestCase):
    def test_functions(self):
        a = 1 + 2**-10
        h = np.array([a, -(1 + 2**-9), 2.5, np.nan, 1, -0.0, 0.0], np.float16)
        out = np.zeros(10)
        half_calls[1, 1](out, h, np.array([1 + 2**-12], np.float32))
        # a * a = 1 + 2**-9 + 2**-20 exactly; the fused result is 2**-20.
        self.assertEqual(
            out[0], float(Fraction(a) ** 2 + Fraction(float(h[1])))
        )
        self.assertEqual(out[0], 2.0**-20)
        self.assertEqual(list(out[1:3]), [2.0, -3.0])
        self.assertEqual(list(out[3:6]), [1.0, 1.0, 1.0])
        self.assertEqual(str(out[6]), "0.0")
        self.assertEqual(str(out[7]), "-0.0")
        self.assertEqual(out[8], 0.0)
        self.assertEqual(out[9], 1.0)


def bf16_module():
    try:
        from numba.cuda import bf16
    except ImportError:
        return None
    return bf16


@unittest.skipIf(bf16_module() is None, "upstream lacks numba.cuda.bf16")
@skip_unless_cudasim("the simulator's bfloat16 functions")
class TestBfloat16(CUDATestCase):
    def test_conversions_round_to_nearest_even(self):
        bf16 = bf16_module()

        @cuda.jit
        def kernel(out, x32, x64, bits):
            for i in range(x32.size):
                y = bf16.float32_to_bfloat16(x32[i])
                out[i] = bf16.bfloat16_to_float32(y)
            out[3] = bf16.bfloat16_to_float32(bf16.float64_to_bfloat16(x64[0]))
            bits[0] = bf16.bfloat16_as_int16(bf16.float32_to_bfloat16(x32[3]))
            out[4] = bf16.bfloat16_to_float32(bf16.int16_as_bfloat16(bits[1]))
            out[5] = bf16.bfloat16_to_int32_rn(bf16.float32_to_bfloat16(x32[4]))

        x32 = np.array(
            [1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20, -1.0, 2.5],
            np.float32,
        )
        # Direct from float64: no rounding to float32 first.
        x64 = np.array([1 + 2**-8 + 2**-40])
        out = np.zeros(6)
        bits = np.array([0, 0x4049], np.int16)
        kernel[1, 1](out, x32, x64, bits)
        self.assertEqual(list(out[:4]), [1.0, 1 + 2**-6, 1 + 2**-7, 1 + 2**-7])
        self.assertEqual(bits[0], np.int16(-0x4080))  # 0xBF80
        self.assertEqual(out[4], 3.140625)
        self.assertEqual(out[5], 2.0)

    def test_arithmetic(self):
        bf16 = bf16_module()

        @cuda.jit
        def kernel(out, x):
            a = bf16.float32_to_bfloat16(x[0])
            c = bf16.float32_to_bfloat16(x[1])
            out[0] = bf16.bfloat16_to_float32(bf16.hfma(a, a, c))
            out[1] = bf16.bfloat16_to_float32(bf16.hmul(a, a))
            nan = bf16.float32_to_bfloat16(x[2])
            out[2] = bf16.bfloat16_to_float32(bf16.hmax(nan, a))
            out[3] = bf16.bfloat16_to_float32(bf16.hmax_nan(nan, a))
            out[4] = bf16.hisinf(bf16.float32_to_bfloat16(x[3]))
            out[5] = bf16.bfloat16_to_float32(bf16.hadd_sat(a, a))

        a = 1 + 2**-7
        out = np.zeros(6)
        x = np.array([a, -(1 + 2**-6), np.nan, -np.inf], np.float32)
        kernel[1, 1](out, x)
        # a * a = 1 + 2**-6 + 2**-14: one rounding keeps 2**-14.
        self.assertEqual(out[0], 2.0**-14)
        self.assertEqual(out[1], 1 + 2**-6)
        self.assertEqual(out[2], a)
        self.assertTrue(math.isnan(out[3]))
        self.assertEqual(out[4], -1)
        self.assertEqual(out[5], 1.0)

    def test_nan_to_integer_is_zero(self):
        # cvt to an integer gives 0 for NaN; infinities saturate.
        bf16 = bf16_module()

        @cuda.jit
        def kernel(out, x):
            for i in range(x.size):
                y = bf16.float32_to_bfloat16(x[i])
                out[i] = bf16.bfloat16_to_int32_rn(y)

        out = np.ones(3, np.int64)
        kernel[1, 1](out, np.array([np.nan, np.inf, -np.inf], np.float32))
        self.assertEqual(list(out), [0, 2**31 - 1, -(2**31)])

    def test_bfloat16_values(self):
        bf16 = bf16_module()
        x = bf16.bfloat16(3.14)
        self.assertEqual(float(x), 3.140625)
        self.assertEqual(float(x + x), 6.28125)
        self.assertIsInstance(x * x, bf16.bfloat16)


if __name__ == "__main__":
    unittest.main()
