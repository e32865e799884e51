"""The simulated device: its attributes, the launch configurations it
refuses as a GPU of its compute capability (5.2) refuses them, and
dynamic shared memory."""

import contextlib
import io

import numpy as np
from numba import cuda
from numba.cuda.cudadrv.driver import CudaAPIError, LinkerError
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim


@cuda.jit
def mark(a):
    a[0] = 1


@cuda.jit
def static_160k(a):
    s = cuda.shared.array(40000, np.float32)
    s[cuda.threadIdx.x] = 1
    cuda.syncthreads()
    a[0] = s[0]


@cuda.jit
def static_and_dynamic(a):
    s = cuda.shared.array(10000, np.float32)
    d = cuda.shared.array(0, np.float32)
    s[0] = 1
    d[0] = 2
    a[0] = s[0] + d[0]


@cuda.jit
def dynamic_float32(a):
    s = cuda.shared.array(0, dtype=np.float32)
    i = cuda.threadIdx.x
    s[i] = i + 0.5
    cuda.syncthreads()
    a[i] = s[s.size - 1 - i]


@cuda.jit
def dynamic_alias(a):
    s = cuda.shared.array(0, dtype=np.float32)
    t = cuda.shared.array(0, dtype=np.int32)
    i = cuda.threadIdx.x
    s[i] = i
    cuda.syncthreads()
    a[i] = t[i]


@cuda.jit
def dynamic_size(a):
    s = cuda.shared.array(0, dtype=np.float64)
    a[0] = s.size


@skip_unless_cudasim("Tests the CUDA simulator")
class TestDeviceAttributes(CUDATestCase):
    def test_attributes_of_current_device(self):
        dev = cuda.get_current_device()
        self.assertEqual(dev.MAX_THREADS_PER_BLOCK, 1024)
        self.assertEqual(dev.MULTIPROCESSOR_COUNT, 24)
        self.assertEqual(dev.WARP_SIZE, 32)
        self.assertEqual(dev.MAX_BLOCK_DIM_Z, 64)
        self.assertEqual(dev.MAX_SHARED_MEMORY_PER_BLOCK, 48 * 1024)
        self.assertEqual(dev.id, 0)
        self.assertIsInstance(dev.name, str)
        cc = (dev.COMPUTE_CAPABILITY_MAJOR, dev.COMPUTE_CAPABILITY_MINOR)
        self.assertEqual(cc, tuple(dev.compute_capability))

    def test_names_of_both_bindings(self):
        # The driver's names (cuda-bindings) and numba's ctypes names.
        dev = cuda.get_current_device()
        self.assertEqual(dev.MAX_THREADS_PER_MULTIPROCESSOR, 2048)
        self.assertEqual(dev.MAX_THREADS_PER_MULTI_PROCESSOR, 2048)
        self.assertEqual(dev.SHARED_MEMORY_PER_BLOCK, 48 * 1024)
        self.assertEqual(dev.MAX_TEXTURE_1D_WIDTH, dev.MAXIMUM_TEXTURE1D_WIDTH)
        for name in ("ECC_ENABLED", "L2_CACHE_SIZE", "CLOCK_RATE"):
            self.assertIsInstance(getattr(dev, name), int)

    def test_unknown_attribute_raises(self):
        # As numba-cuda's, which looks the name up in the driver's enum.
        with self.assertRaises(AttributeError) as raised:
            cuda.get_current_device().NOT_AN_ATTRIBUTE
        self.assertIn(
            "CU_DEVICE_ATTRIBUTE_NOT_AN_ATTRIBUTE", str(raised.exception)
        )

    def test_every_device_object_answers(self):
        selected = cuda.select_device(0)
        self.assertEqual(selected.WARP_SIZE, 32)
        for dev in (
            cuda.get_current_device(),
            cuda.gpus[0].device,
            cuda.current_context().device,
        ):
            self.assertEqual(dev, selected)
            self.assertEqual(hash(dev), hash(selected))
            self.assertEqual(dev.MAX_THREADS_PER_BLOCK, 1024)
        self.assertIn("SIMULATOR", repr(selected))

    def test_select_missing_device(self):
        with self.assertRaises(IndexError):
            cuda.select_device(1)

    def test_detect(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            found = cuda.detect()
        self.assertIs(found, True)
        text = out.getvalue()
        self.assertIn("Found 1 CUDA devices", text)
        self.assertIn("Compute Capability: 5.2", text)
        self.assertIn("1/1 devices are supported", text)

    def test_memory_info_integers(self):
        free, total = cuda.current_context().get_memory_info()
        self.assertIsInstance(free, int)
        self.assertIsInstance(total, int)
        self.assertTrue(0 <= free <= total)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestLaunchLimits(CUDATestCase):
    def refused(self, error, kernel, config, array=None):
        a = np.zeros(4, np.float32) if array is None else array
        with self.assertRaises(error) as raised:
            kernel[config](a)
        self.assertEqual(a[0], 0, "the refused kernel ran")
        return str(raised.exception)

    def test_threads_per_block(self):
        a = np.zeros(4, np.float32)
        mark[1, (32, 32)](a)
        self.assertEqual(a[0], 1)
        text = self.refused(CudaAPIError, mark, (1, 2048))
        self.assertIn("CUDA_ERROR_INVALID_VALUE", text)
        self.refused(CudaAPIError, mark, (1, (32, 32, 2)))

    def test_block_dimensions(self):
        text = self.refused(CudaAPIError, mark, (1, (1, 1, 128)))
        self.assertIn("MAX_BLOCK_DIM_Z", text)
        self.refused(CudaAPIError, mark, (1, (1, 1025)))

    def test_grid_dimensions(self):
        self.refused(CudaAPIError, mark, ((1, 65536), 1))
        self.refused(CudaAPIError, mark, ((1, 1, 65536), 1))

    def test_zero_grid_or_block(self):
        text = self.refused(ValueError, mark, (0, 1))
        self.assertIn("grid values must be >= 1", text)
        text = self.refused(ValueError, mark, (1, 0))
        self.assertIn("block values must be >= 1", text)
        self.refused(ValueError, mark, ((2, 0), 1))
        # forall of no tasks launches nothing, as numba-cuda's.
        a = np.zeros(4, np.float32)
        mark.forall(0)(a)
        self.assertEqual(a[0], 0)

    def test_dynamic_shared_memory_limit(self):
        a = np.zeros(4, np.float32)
        mark[1, 1, 0, 48 * 1024](a)
        self.assertEqual(a[0], 1)
        text = self.refused(CudaAPIError, mark, (1, 1, 0, 48 * 1024 + 1))
        self.assertIn("MAX_SHARED_MEMORY_PER_BLOCK", text)

    def test_static_shared_memory_limit(self):
        with self.assertRaises(LinkerError) as raised:
            static_160k[1, 32](np.zeros(4, np.float32))
        text = str(raised.exception)
        self.assertIn("uses too much shared data", text)
        self.assertIn("static_160k", text)

    def test_static_and_dynamic_together(self):
        a = np.zeros(4, np.float32)
        static_and_dynamic[1, 1, 0, 48 * 1024 - 40000](a)
        self.assertEqual(a[0], 3)
        with self.assertRaises(CudaAPIError) as raised:
            static_and_dynamic[1, 1, 0, 48 * 1024 - 40000 + 1](a)
        self.assertIn("static_and_dynamic", str(raised.exception))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestDynamicSharedMemory(CUDATestCase):
    def test_numpy_scalar_type(self):
        a = np.zeros(4, np.float32)
        dynamic_float32[1, 4, 0, 16](a)
        np.testing.assert_equal(a, [3.5, 2.5, 1.5, 0.5])

    def test_arrays_of_other_dtypes_alias(self):
        # As on a GPU: every dynamic shared array of a block is the same
        # bytes; float32 1.0 is 0x3F800000 as int32.
        a = np.zeros(4, np.int32)
        dynamic_alias[1, 4, 0, 16](a)
        expected = np.arange(4, dtype=np.float32).view(np.int32)
        np.testing.assert_equal(a, expected)

    def test_size_from_launch(self):
        a = np.zeros(1, np.int64)
        dynamic_size[1, 1, 0, 24](a)
        self.assertEqual(a[0], 3)
        dynamic_size[1, 1, 0, 20](a)
        self.assertEqual(a[0], 2)
        # A launch without dynamic shared memory has none, whatever the
        # kernel's last launch had.
        dynamic_size[1, 1](a)
        self.assertEqual(a[0], 0)
