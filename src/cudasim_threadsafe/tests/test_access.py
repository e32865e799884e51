"""Every way of reaching ``numba.cuda``, from every kind of thread."""

import threading
import unittest

import numba
import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from . import devicefuncs


def _simulated_threads():
    """Threads running a simulated thread; idle pooled ones have no block."""
    return [
        t
        for t in threading.enumerate()
        if hasattr(t, "threadIdx") and getattr(t, "block", True) is not None
    ]


@skip_unless_cudasim("Tests the CUDA simulator")
class TestAccessPaths(CUDATestCase):
    def test_closure_captured_cuda(self):
        thread_index = devicefuncs.make_thread_index()

        @cuda.jit
        def kernel(out):
            i = cuda.grid(1)
            out[i] = thread_index()

        out = np.zeros(64, dtype=np.int64)
        kernel[2, 32](out)
        np.testing.assert_equal(out, np.arange(64))

    def test_alias(self):
        @cuda.jit
        def kernel(out):
            out[cuda.threadIdx.x] = devicefuncs.thread_index_by_alias()

        out = np.zeros(16, dtype=np.int64)
        kernel[1, 16](out)
        np.testing.assert_equal(out, np.arange(16))

    def test_attribute_path(self):
        @cuda.jit
        def kernel(out):
            out[cuda.grid(1)] = devicefuncs.thread_index_by_path()

        out = np.zeros(16, dtype=np.int64)
        kernel[2, 8](out)
        np.testing.assert_equal(
            out, [i % 8 + 100 * (i // 8) for i in range(16)]
        )

    def test_attribute_path_in_kernel(self):
        @cuda.jit
        def kernel(out):
            out[numba.cuda.threadIdx.x] = numba.cuda.blockDim.x

        out = np.zeros(4, dtype=np.int64)
        kernel[1, 4](out)
        np.testing.assert_equal(out, [4, 4, 4, 4])


@skip_unless_cudasim("Tests the CUDA simulator")
class TestHostThreads(CUDATestCase):
    def test_concurrent_launches(self):
        # Each launch holds thread 0 at a barrier until all four launches
        # are inside their kernels at once.
        n = 4
        meeting = threading.Barrier(n)
        outs = [np.zeros(8 * (j + 1), dtype=np.int64) for j in range(n)]
        errors = []

        @cuda.jit
        def kernel(out, meeting):
            if cuda.threadIdx.x == 0:
                meeting.wait(10)
            cuda.syncthreads()
            out[cuda.threadIdx.x] = cuda.blockDim.x + devicefuncs.local_sum(0)

        def launch(j):
            try:
                kernel[1, outs[j].size](outs[j], meeting)
            except BaseException as e:
                errors.append(e)
                meeting.abort()

        threads = [threading.Thread(target=launch, args=(j,)) for j in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for out in outs:
            tid = np.arange(out.size)
            np.testing.assert_equal(out, out.size + 2 * tid + 3)

    def test_host_uses_cuda_while_kernel_runs(self):
        started = threading.Event()
        done = threading.Event()
        seen = {}

        @cuda.jit
        def kernel(started, done):
            started.set()
            done.wait(10)

        def host():
            started.wait(10)
            try:
                seen["array"] = cuda.to_device(np.arange(4)).copy_to_host()
                seen["threadIdx"] = hasattr(cuda, "threadIdx")
            except BaseException as e:
                seen["error"] = e
            finally:
                done.set()

        helper = threading.Thread(target=host)
        helper.start()
        kernel[1, 1](started, done)
        helper.join()
        self.assertNotIn("error", seen)
        np.testing.assert_equal(seen["array"], np.arange(4))
        self.assertFalse(seen["threadIdx"])

    def test_message_outside_kernel(self):
        for name in ("local", "threadIdx", "syncthreads", "shared", "grid"):
            with self.subTest(name=name):
                with self.assertRaises(AttributeError) as raised:
                    getattr(numba.cuda, name)
                message = str(raised.exception)
                self.assertIn("numba.cuda.%s" % name, message)
                self.assertIn("only available inside a kernel", message)
                self.assertIn("CUDA simulator", message)

    def test_no_thread_alive_after_exception(self):
        gate = threading.Event()

        @cuda.jit
        def kernel(x, gate):
            i = cuda.threadIdx.x
            if i == 0:
                x[100] = 1  # IndexError
            elif i == 1:
                gate.wait(0.5)  # still running when thread 0 fails
            else:
                cuda.syncthreads()

        x = np.zeros(4)
        with self.assertRaises(IndexError) as raised:
            kernel[1, 4](x, gate)
        self.assertEqual(_simulated_threads(), [])
        self.assertTrue(str(raised.exception).startswith("tid=[0, 0, 0]"))


if __name__ == "__main__":
    unittest.main()
