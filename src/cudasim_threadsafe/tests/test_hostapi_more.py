"""Host calls the simulator had but answered unlike the real target:
events with timing, ``cuda.reduce``'s arguments, CUDA ufuncs, and
arguments offering only the CUDA array interface."""

import math

import numpy as np
from numba import cuda, guvectorize, vectorize
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim


class ForeignArray:
    """Another library's array: only ``__cuda_array_interface__``, on host
    memory, as the simulator stands host memory in for device memory."""

    def __init__(self, host):
        self.host = host

    @property
    def __cuda_array_interface__(self):
        interface = dict(self.host.__array_interface__)
        interface["stream"] = None
        return interface


@cuda.jit
def double_into(src, dst):
    i = cuda.grid(1)
    if i < src.size:
        dst[i] = 2 * src[i]


@skip_unless_cudasim("Tests the CUDA simulator")
class TestEvents(CUDATestCase):
    def test_event_takes_timing(self):
        for evt in (cuda.event(), cuda.event(True), cuda.event(timing=False)):
            evt.record()
            evt.synchronize()

    def test_query_after_record(self):
        evt = cuda.event(timing=True)
        evt.record(stream=cuda.stream())
        self.assertIs(evt.query(), True)

    def test_elapsed_time_of_both_forms(self):
        start, end = cuda.event(timing=True), cuda.event(timing=True)
        start.record()
        end.record()
        end.synchronize()
        elapsed = start.elapsed_time(end)
        self.assertIsInstance(elapsed, float)
        self.assertGreaterEqual(elapsed, 0.0)
        self.assertGreaterEqual(cuda.event_elapsed_time(start, end), 0.0)

    def test_untimed_event_cannot_be_timed(self):
        # The driver refuses an event made without timing.
        start, end = cuda.event(timing=False), cuda.event(timing=True)
        start.record()
        end.record()
        with self.assertRaises(RuntimeError):
            start.elapsed_time(end)
        with self.assertRaises(RuntimeError):
            cuda.event_elapsed_time(start, end)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestReduce(CUDATestCase):
    def setUp(self):
        super().setUp()
        self.sum = cuda.reduce(lambda a, b: a + b)

    def test_size_and_stream(self):
        got = self.sum(np.arange(10.0), size=5, stream=cuda.stream())
        self.assertEqual(got, 10.0)

    def test_into_result_array(self):
        res = cuda.device_array(1, dtype=np.int64)
        arr = cuda.to_device(np.arange(9, dtype=np.int64))
        self.assertIsNone(self.sum(arr, size=7, res=res, init=100))
        self.assertEqual(res.copy_to_host()[0], 121)

    def test_result_has_array_type(self):
        got = self.sum(np.arange(4, dtype=np.int32), init=10, stream=0)
        self.assertEqual(got, 16)
        self.assertEqual(got.dtype, np.int32)

    def test_steps_keep_array_type(self):
        # The GPU keeps each partial result in an array of the array's
        # type, whatever type the function returns.
        floor_sum = cuda.reduce(lambda a, b: math.floor(a + b))
        got = floor_sum(np.array([1.0, 2.0, 3.0], np.float32))
        self.assertEqual(got, 6.0)
        self.assertEqual(got.dtype, np.float32)

    def test_empty_gives_init(self):
        got = self.sum(np.arange(4, dtype=np.float32), size=0, init=3)
        self.assertEqual(got, 3.0)
        self.assertEqual(got.dtype, np.float32)

    def test_decorator_form(self):
        @cuda.reduce
        def biggest(a, b):
            return max(a, b)

        self.assertEqual(biggest(np.array([3, 9, 2, 12]), size=3), 9)

    def test_only_1d(self):
        with self.assertRaises(TypeError) as raised:
            self.sum(np.zeros((2, 2)))
        self.assertIn("only support 1D array", str(raised.exception))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestCUDAUfuncs(CUDATestCase):
    def setUp(self):
        super().setUp()

        @vectorize(
            ["float32(float32, float32)", "float64(float64, float64)"],
            target="cuda",
        )
        def add(x, y):
            return x + y

        self.add = add

    def test_host_arrays(self):
        a = np.arange(5, dtype=np.float32)
        got = self.add(a, a)
        self.assertEqual(got.dtype, np.float32)
        np.testing.assert_equal(got, 2 * a)
        b = a.astype(np.float64)
        self.assertEqual(self.add(b, b).dtype, np.float64)

    def test_device_arrays_out_and_stream(self):
        stream = cuda.stream()
        a = cuda.to_device(np.arange(4, dtype=np.float32))
        got = self.add(a, a, stream=stream)
        self.assertTrue(cuda.is_cuda_array(got))
        np.testing.assert_equal(got.copy_to_host(), [0, 2, 4, 6])
        out = cuda.device_array(4, dtype=np.float32)
        self.add(a, a, out=out, stream=stream)
        np.testing.assert_equal(out.copy_to_host(), [0, 2, 4, 6])

    def test_device_arrays_broadcast(self):
        rows = cuda.to_device(np.ones((2, 3), dtype=np.float32))
        # (1, 3), not (3,): numba-cuda's broadcast_device compares the
        # axes of a shorter shape unaligned, on a GPU too.
        row = cuda.to_device(np.arange(3, dtype=np.float32).reshape(1, 3))
        got = self.add(rows, row).copy_to_host()
        np.testing.assert_equal(got, [[1, 2, 3], [1, 2, 3]])

    def test_device_ndarray_of_another_dtype(self):
        # A DeviceNDArray made on another array's memory reads its bytes
        # as the dtype it is given.
        from numba.cuda.cudadrv import devicearray

        floats = cuda.to_device(np.arange(4, dtype=np.float32))
        ints = devicearray.DeviceNDArray(
            (4,), (4,), np.int32, gpu_data=floats.gpu_data
        )
        expected = np.arange(4, dtype=np.float32).view(np.int32)
        np.testing.assert_equal(ints.copy_to_host(), expected)

    def test_gufunc_device_arrays(self):
        @guvectorize(
            ["void(float32[:], float32, float32[:])"],
            "(n),()->(n)",
            target="cuda",
        )
        def scale(x, factor, out):
            for i in range(x.shape[0]):
                out[i] = x[i] * factor

        x = cuda.to_device(np.ones((2, 3), dtype=np.float32))
        out = cuda.device_array((2, 3), dtype=np.float32)
        scale(x, np.float32(3), out=out, stream=cuda.stream())
        np.testing.assert_equal(out.copy_to_host(), np.full((2, 3), 3))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestArrayInterfaceArguments(CUDATestCase):
    def test_kernel_reads_and_writes_foreign_arrays(self):
        src = np.arange(10, dtype=np.float32)[::2]  # strided
        dst = np.zeros(5, dtype=np.float32)
        double_into[1, 8](ForeignArray(src), ForeignArray(dst))
        np.testing.assert_equal(dst, [0, 4, 8, 12, 16])

    def test_mixed_with_device_and_host_arrays(self):
        src = cuda.to_device(np.arange(3, dtype=np.int64))
        dst = np.zeros(3, dtype=np.int64)
        double_into[1, 4](src, ForeignArray(dst))
        np.testing.assert_equal(dst, [0, 2, 4])
        host = np.zeros(3, dtype=np.int64)
        double_into[1, 4](ForeignArray(np.arange(3, dtype=np.int64)), host)
        np.testing.assert_equal(host, [0, 2, 4])
