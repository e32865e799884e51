"""numba.cuda calls that the simulator answered unlike a GPU: a grid sync
across blocks, fused and half-precision rounding, bfloat16, frozen
globals, and the dispatcher's signatures, overloads, introspection and
``declare_device``. Reference values were measured on a GPU (H200)."""

import unittest

import numpy as np
from numba import cuda, types
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

SCALAR = 1.0
ARRAY = np.array([1.0])


@cuda.jit
def rotate(out, tmp):
    # Each thread reads what a thread of the other block wrote.
    g = cuda.cg.this_grid()
    i = cuda.grid(1)
    tmp[i] = i + 1
    g.sync()
    out[i] = tmp[(i + 4) % tmp.size]


@cuda.jit
def fma_error(out, a):
    # The product's rounding error: 0 if fma rounds twice.
    out[0] = cuda.fma(a[0], a[0], -(a[0] * a[0]))


@cuda.jit
def half_calls(out, h):
    out[0] = cuda.fp16.hfma(h[0], h[0], h[1])
    out[1] = cuda.fp16.hfloor(h[2])
    out[2] = cuda.fp16.hfloor(-h[2])


@cuda.jit
def read_globals(out):
    out[0] = SCALAR
    out[1] = ARRAY[0]


def store_one(a):
    a[0] = 1


@skip_unless_cudasim("Tests the CUDA simulator")
class TestGridSync(CUDATestCase):
    def test_reads_other_blocks_writes(self):
        out = np.zeros(8, np.int64)
        rotate[2, 4](out, np.zeros(8, np.int64))
        np.testing.assert_array_equal(out, [5, 6, 7, 8, 1, 2, 3, 4])

    def test_launch_too_large_is_refused(self):
        # Blocks of 1024 threads: as many as the device holds at once.
        device = cuda.get_current_device()
        per_sm = device.MAX_THREADS_PER_MULTIPROCESSOR // 1024
        blocks = per_sm * device.MULTIPROCESSOR_COUNT
        out = np.zeros((blocks + 1) * 1024, np.int64)
        with self.assertRaises(ValueError) as raised:
            rotate[blocks + 1, 1024](out, np.zeros_like(out))
        self.assertEqual(
            str(raised.exception),
            "The specified grid size (%d * 1 * 1) exceeds the limit (%d)"
            % (blocks + 1, blocks),
        )


@skip_unless_cudasim("Tests the CUDA simulator")
class TestRounding(CUDATestCase):
    def test_fma_float32_rounds_once(self):
        out = np.zeros(1)
        fma_error[1, 1](out, np.array([1 + 2**-13], np.float32))
        self.assertEqual(out[0], 2.0**-26)

    def test_fma_float64_rounds_once(self):
        out = np.zeros(1)
        fma_error[1, 1](out, np.array([1 + 2**-30]))
        self.assertEqual(out[0], 2.0**-60)

    def test_fp16_hfma_and_hfloor(self):
        out = np.zeros(3)
        h = np.array([1 + 2**-10, -(1 + 2**-9), 1.5], np.float16)
        half_calls[1, 1](out, h)
        self.assertEqual(list(out), [2.0**-20, 1.0, -2.0])


@skip_unless_cudasim("Tests the CUDA simulator")
class TestDispatcher(CUDATestCase):
    def test_globals_frozen_at_first_launch(self):
        global SCALAR
        out = np.zeros(2)
        read_globals[1, 1](out)
        try:
            SCALAR = 2.0
            ARRAY[0] = 2.0
            read_globals[1, 1](out)
        finally:
            SCALAR = 1.0
            ARRAY[0] = 1.0
        self.assertEqual(list(out), [1.0, 1.0])

    def test_signatures_refuse_another_type(self):
        kernel = cuda.jit(["void(float32[:])", "void(int32[:])"])(store_one)
        with self.assertRaisesRegex(
            TypeError,
            r"No matching definition for argument type\(s\) "
            r"array\(float64, 1d, C\)",
        ):
            kernel[1, 1](np.zeros(2))

    def test_overloads_and_signatures(self):
        kernel = cuda.jit(store_one)
        kernel[1, 1](np.zeros(2))
        kernel[1, 1](np.zeros(2, np.int32))
        expected = [(types.float64[::1],), (types.int32[::1],)]
        self.assertEqual(kernel.signatures, expected)
        self.assertEqual(list(kernel.overloads), expected)

    def test_inspect_asm_not_implemented(self):
        kernel = cuda.jit(store_one)
        kernel[1, 1](np.zeros(2))
        with self.assertRaises(NotImplementedError):
            kernel.inspect_asm()

    def test_declare_device_call_not_implemented(self):
        ext = cuda.declare_device("ext", "float32(float32)")
        self.assertIsNotNone(ext)

        @cuda.jit
        def kernel(a):
            a[0] = ext(a[0])

        with self.assertRaises(NotImplementedError):
            kernel[1, 1](np.zeros(1, np.float32))


if __name__ == "__main__":
    unittest.main()
