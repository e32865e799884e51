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
            # The GPU's typing takes an integer predicate, not a bool.
            out[i, 0] = cuda.syncthreads_count(1 if i % 3 == 0 else 0)
            out[i, 1] = cuda.syncthreads_and(1 if i < 100 else 0)
            out[i, 2] = cuda.syncthreads_and(1 if i < 5 else 0)
            out[i, 3] = cuda.syncthreads_or(1 if i == 7 else 0)
            out[i, 4] = cuda.syncthreads_or(1 if i > 100 else 0)

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
        # Blocks of 4 threads: the lane is the rank in the block.
        rank = np.arange(2)[:, None] + 2 * np.arange(2)[None, :]
        np.testing.assert_equal(out[..., 0], 3200 + np.tile(rank, (2, 2)))

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

    def test_kernel_called_from_a_kernel(self):
        # numba-cuda's simulator runs it as a device function.
        @cuda.jit
        def helper(out, i):
            out[i] = 2 * i

        @cuda.jit
        def kernel(out):
            helper(out, cuda.threadIdx.x)

        out = np.zeros(4, dtype=np.int64)
        kernel[1, 4](out)
        np.testing.assert_equal(out, [0, 2, 4, 6])

    def test_grid_3d(self):
        @cuda.jit
        def kernel(out):
            x, y, z = cuda.grid(3)
            out[x, y, z, 0] = x
            out[x, y, z, 1] = y
            out[x, y, z, 2] = z

        out = np.full((4, 6, 6, 3), -1, dtype=np.int32)
        kernel[(2, 3, 2), (2, 2, 3)](out)
        expected = np.stack(np.indices((4, 6, 6)), axis=-1)
        np.testing.assert_equal(out, expected)

    def test_two_configurations_before_a_launch(self):
        @cuda.jit
        def kernel(out):
            cuda.atomic.add(out, 0, 1)
            out[1] = cuda.blockDim.x
            out[2] = cuda.gridDim.x

        small, big = kernel[1, 4], kernel[3, 8]
        a = np.zeros(3, dtype=np.int64)
        b = np.zeros(3, dtype=np.int64)
        small(a)
        big(b)
        np.testing.assert_equal(a, [4, 4, 1])
        np.testing.assert_equal(b, [24, 8, 3])

    def test_two_shared_arrays_in_one_kernel(self):
        @cuda.jit
        def kernel(out):
            t = cuda.threadIdx.x
            a = cuda.shared.array(8, int32)
            b = cuda.shared.array(8, int32)
            a[t] = t
            b[t] = 100 + t
            cuda.syncthreads()
            out[t] = a[7 - t] * 1000 + b[t]

        out = np.zeros(8, dtype=np.int64)
        kernel[1, 8](out)
        t = np.arange(8)
        np.testing.assert_equal(out, (7 - t) * 1000 + 100 + t)

    def test_thread_and_block_index_are_read_only(self):
        # The GPU's compiler rejects the assignment; here one index object
        # serves every launch with its block shape.
        @cuda.jit
        def assigns_thread_index(out):
            cuda.threadIdx.x = 99

        @cuda.jit
        def assigns_block_index(out):
            cuda.blockIdx.y = 5

        @cuda.jit
        def reads(out):
            i = cuda.threadIdx.x + 4 * cuda.blockIdx.x
            out[i] = i

        for kernel in (assigns_thread_index, assigns_block_index):
            with self.assertRaisesRegex(NotImplementedError, "Dim3.[xy] = "):
                kernel[2, 4](np.zeros(8))
        out = np.full(8, -1)
        reads[2, 4](out)
        np.testing.assert_equal(out, np.arange(8))

    def test_kernel_cannot_assign_the_module(self):
        # The GPU's compiler rejects it; here it would write into the real
        # numba.cuda, for the host and every later launch.
        @cuda.jit
        def assigns(out):
            cuda.threadIdx = 5
            out[0] = 1

        @cuda.jit
        def deletes(out):
            del cuda.blockIdx

        out = np.zeros(1)
        for kernel in (assigns, deletes):
            with self.assertRaisesRegex(AttributeError, "in a kernel"):
                kernel[1, 1](out)
        self.assertEqual(out[0], 0)
        with self.assertRaisesRegex(AttributeError, "only available inside"):
            cuda.threadIdx
        with self.assertRaisesRegex(AttributeError, "only available inside"):
            cuda.blockIdx


if __name__ == "__main__":
    unittest.main()
