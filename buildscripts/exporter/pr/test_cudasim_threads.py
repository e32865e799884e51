import threading
import unittest

import numba
import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim


@skip_unless_cudasim("Tests the simulator's kernel API")
class TestKernelAPIThreads(CUDATestCase):
    """
    ``cuda.threadIdx``, ``cuda.local`` and the rest of the kernel API resolve
    through the launch of the calling simulated thread, whichever way the
    code reached ``numba.cuda``. Each test fails where the simulator swaps a
    ``FakeCUDAModule`` into the kernel's module globals.
    """

    def test_closure(self):
        # cuda reached through closure variables, in a kernel and in an
        # inline device function.
        module = cuda

        @cuda.jit(device=True)
        def block_size():
            return module.blockDim.x

        @cuda.jit
        def kernel(out):
            out[module.threadIdx.x] = block_size()

        out = np.zeros(4, dtype=np.int32)
        kernel[1, 4](out)
        np.testing.assert_equal(out, [4, 4, 4, 4])

    def test_path_through_numba(self):
        @cuda.jit
        def kernel(out):
            out[numba.cuda.threadIdx.x] = numba.cuda.blockIdx.x

        out = np.zeros(4, dtype=np.int32)
        kernel[1, 4](out)
        np.testing.assert_equal(out, [0, 0, 0, 0])

    def test_kernels_launched_from_host_threads(self):
        # Each launch waits in its kernel until the other one has started.
        barrier = threading.Barrier(2, timeout=5)

        @cuda.jit
        def kernel(out, value):
            if cuda.threadIdx.x == 0:
                barrier.wait()
            cuda.syncthreads()
            out[cuda.threadIdx.x] = value

        outs = [np.zeros(4, dtype=np.int32) for _ in range(2)]
        errors = []

        def launch(k):
            try:
                kernel[1, 4](outs[k], k + 1)
            except BaseException as e:
                errors.append(e)
                barrier.abort()

        threads = [threading.Thread(target=launch, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        np.testing.assert_equal(outs, [[1, 1, 1, 1], [2, 2, 2, 2]])

    def test_host_code_beside_a_kernel(self):
        # This module's cuda is the real module while a kernel defined here
        # runs in another thread.
        started = threading.Event()
        finish = threading.Event()

        @cuda.jit
        def kernel(out):
            started.set()
            finish.wait(5)
            out[cuda.threadIdx.x] = 1

        out = np.zeros(2, dtype=np.int32)
        launch = threading.Thread(target=kernel[1, 2], args=(out,))
        launch.start()
        try:
            self.assertTrue(started.wait(5))
            host = cuda.to_device(np.arange(3)).copy_to_host()
        finally:
            finish.set()
            launch.join()
        np.testing.assert_equal(host, np.arange(3))
        np.testing.assert_equal(out, [1, 1])

    def test_kernel_api_outside_a_kernel(self):
        msg = "numba.cuda.local is only available inside a kernel"
        with self.assertRaisesRegex(AttributeError, msg):
            cuda.local
        self.assertFalse(hasattr(cuda, "threadIdx"))


if __name__ == "__main__":
    unittest.main()
