"""What the simulator did before the fix keeps working under it."""

import unittest

import numpy as np
from numba import cuda, float32, int32
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from . import devicefuncs


@skip_unless_cudasim("Tests the CUDA simulator")
class TestFeatures(CUDATestCase):
    def test_shared_memory_reduction(self):
        @cuda.jit
        def reduce(x, out):
            tid = cuda.threadIdx.x
            buf = cuda.shared.array(64, float32)
            buf[tid] = x[cuda.grid(1)]
            cuda.syncthreads()
            step = 32
            while step:
                if tid < step:
                    buf[tid] += buf[tid + step]
                cuda.syncthreads()
                step //= 2
            if tid == 0:
                out[cuda.blockIdx.x] = buf[0]

        x = np.arange(128, dtype=np.float32)
        out = np.zeros(2, dtype=np.float32)
        reduce[2, 64](x, out)
        np.testing.assert_equal(out, [x[:64].sum(), x[64:].sum()])

    def test_dynamic_shared_memory(self):
        @cuda.jit
        def reverse(x):
            buf = cuda.shared.array(0, int32)
            i = cuda.threadIdx.x
            buf[i] = x[i]
            cuda.syncthreads()
            x[i] = buf[cuda.blockDim.x - 1 - i]

        x = np.arange(16, dtype=np.int32)
        reverse[1, 16, 0, 16 * 4](x)
        np.testing.assert_equal(x, np.arange(16)[::-1])

    def test_syncthreads_after_early_return(self):
        @cuda.jit
        def kernel(out, n):
            i = cuda.threadIdx.x
            if i >= n:
                return
            out[i] = 1
            cuda.syncthreads()
            neighbour = out[(i + 1) % n]
            cuda.syncthreads()
            out[i] = neighbour + 1

        out = np.zeros(32, dtype=np.int32)
        kernel[1, 32](out, 20)
        np.testing.assert_equal(out[:20], 2)
        np.testing.assert_equal(out[20:], 0)

    def test_syncthreads_votes(self):
        @cuda.jit
        def kernel(out):
            i = cuda.threadIdx.x
            out[i, 0] = cuda.syncthreads_count(i % 3 == 0)
            out[i, 1] = cuda.syncthreads_and(i < 100)
            out[i, 2] = cuda.syncthreads_and(i < 5)
            out[i, 3] = cuda.syncthreads_or(i == 7)
            out[i, 4] = cuda.syncthreads_or(i > 100)

        out = np.zeros((16, 5), dtype=np.int32)
        kernel[1, 16](out)
        np.testing.assert_equal(out, np.tile([6, 1, 0, 1, 0], (16, 1)))

    def test_atomics(self):
        @cuda.jit
        def kernel(total, biggest):
            i = cuda.grid(1)
            cuda.atomic.add(total, 0, 1)
            cuda.atomic.max(biggest, 0, i)

        total = np.zeros(1, dtype=np.int64)
        biggest = np.zeros(1, dtype=np.int64)
        kernel[4, 32](total, biggest)
        self.assertEqual(total[0], 128)
        self.assertEqual(biggest[0], 127)

    def test_grid_sync(self):
        @cuda.jit
        def kernel(x, out):
            i = cuda.grid(1)
            x[i] = i
            cuda.cg.this_grid().sync()
            out[i] = x[(i + 1) % x.size]

        x = np.zeros(8, dtype=np.int32)
        out = np.zeros(8, dtype=np.int32)
        kernel[1, 8](x, out)
        np.testing.assert_equal(out, (np.arange(8) + 1) % 8)

    def test_thread_and_grid_intrinsics(self):
        @cuda.jit
        def kernel(out):
            i, j = cuda.grid(2)
            w, h = cuda.gridsize(2)
            out[i, j, 0] = cuda.laneid + 100 * cuda.warpsize
            out[i, j, 1] = w * h
            out[i, j, 2] = cuda.popc(7) + cuda.selp(True, 10, 20)

        out = np.zeros((4, 4, 3), dtype=np.int32)
        kernel[(2, 2), (2, 2)](out)
        np.testing.assert_equal(out[..., 1], 16)
        np.testing.assert_equal(out[..., 2], 13)
        self.assertTrue(np.all(out[..., 0] >= 3200))

    def test_device_function_from_other_module(self):
        @cuda.jit
        def kernel(out):
            out[cuda.threadIdx.x] = devicefuncs.local_sum(1.0)

        out = np.zeros(8)
        kernel[1, 8](out)
        np.testing.assert_equal(out, 2 * np.arange(8) + 4)

    def test_debug_mode_raises_on_divide_by_zero(self):
        def divide(x, y, out):
            out[0] = x[0] / y[0]

        x = np.ones(1)
        y = np.zeros(1)
        out = np.zeros(1)
        cuda.jit(divide)[1, 1](x, y, out)
        self.assertEqual(out[0], np.inf)
        with self.assertRaises(FloatingPointError) as raised:
            cuda.jit(debug=True, opt=False)(divide)[1, 1](x, y, out)
        self.assertIn("tid=[0, 0, 0] ctaid=[0, 0, 0]", str(raised.exception))

    def test_error_prefix(self):
        @cuda.jit
        def kernel(x):
            if cuda.threadIdx.x == 2 and cuda.blockIdx.x == 1:
                raise ValueError("bad value")

        with self.assertRaises(ValueError) as raised:
            kernel[2, 4](np.zeros(1))
        self.assertEqual(
            str(raised.exception), "tid=[2, 0, 0] ctaid=[1, 0, 0]: bad value"
        )

    def test_exception_aborts_threads_at_barrier(self):
        @cuda.jit
        def kernel(x):
            if cuda.threadIdx.x == 0:
                x[10] = 0
            cuda.syncthreads()
            x[cuda.threadIdx.x] = 1

        x = np.zeros(4)
        with self.assertRaises(IndexError):
            kernel[1, 4](x)

    def test_device_function_called_from_host(self):
        self.assertEqual(
            devicefuncs.make_thread_index().py_func.__name__, "thread_index"
        )
        with self.assertRaises(AttributeError) as raised:
            devicefuncs.local_sum(1.0)
        self.assertIn("only available inside a kernel", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
