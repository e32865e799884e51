"""Host names of the real target on the simulator: array interop, events,
profiler hooks."""

import gc
import os
import textwrap
import time
import unittest
import weakref

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from cudasim_threadsafe.simulator import hostapi

from . import childprocess


@cuda.jit
def add_100(x):
    i = cuda.grid(1)
    if i < x.size:
        x[i] += 100


class ForeignArray:
    """An array of another library: host memory behind the CUDA array
    interface, as the simulator stands host memory in for device memory."""

    def __init__(self, host):
        self.host = host

    @property
    def __cuda_array_interface__(self):
        interface = dict(self.host.__array_interface__)
        interface["stream"] = None
        return interface


@skip_unless_cudasim("Tests the CUDA simulator")
class TestArrayInterface(CUDATestCase):
    def test_device_array_has_interface(self):
        d = cuda.to_device(np.arange(6.0).reshape(2, 3))
        self.assertTrue(cuda.is_cuda_array(d))
        interface = d.__cuda_array_interface__
        self.assertEqual(interface["shape"], (2, 3))
        self.assertEqual(interface["typestr"], np.dtype(np.float64).str)
        self.assertIsNone(interface["strides"])
        self.assertEqual(interface["version"], 3)
        self.assertIsInstance(interface["data"][0], int)

    def test_is_cuda_array(self):
        self.assertTrue(cuda.is_cuda_array(ForeignArray(np.zeros(3))))
        self.assertFalse(cuda.is_cuda_array(np.zeros(3)))
        self.assertFalse(cuda.is_cuda_array([1, 2]))

    def test_round_trip_shares_memory(self):
        d = cuda.to_device(np.arange(8, dtype=np.int32))
        view = cuda.as_cuda_array(d)
        self.assertTrue(cuda.is_cuda_array(view))
        add_100[1, 8](view)
        np.testing.assert_equal(d.copy_to_host(), np.arange(8) + 100)
        again = cuda.as_cuda_array(view)
        again[0] = -1
        self.assertEqual(d.copy_to_host()[0], -1)

    def test_foreign_array_in_kernel(self):
        host = np.arange(10, dtype=np.int64)[::2]  # strided
        view = cuda.as_cuda_array(ForeignArray(host))
        self.assertEqual(view.shape, (5,))
        add_100[1, 8](view)
        np.testing.assert_equal(host, [100, 102, 104, 106, 108])

    def test_record_dtype(self):
        dtype = np.dtype([("x", np.int32), ("y", np.float64)])
        d = cuda.to_device(np.zeros(3, dtype=dtype))
        view = cuda.as_cuda_array(d)
        self.assertEqual(view.dtype, dtype)
        view[1] = (7, 2.5)
        self.assertEqual(d.copy_to_host()[1]["x"], 7)

    def test_from_cuda_array_interface_keeps_owner(self):
        owner = ForeignArray(np.arange(4, dtype=np.float32))
        view = cuda.from_cuda_array_interface(
            owner.__cuda_array_interface__, owner=owner
        )
        gone = weakref.ref(owner)
        del owner
        gc.collect()
        self.assertIsNotNone(gone())
        np.testing.assert_equal(view.copy_to_host(), np.arange(4))
        del view
        gc.collect()
        self.assertIsNone(gone())

    def test_empty_array(self):
        view = cuda.as_cuda_array(cuda.device_array((0, 3)))
        self.assertEqual(view.shape, (0, 3))

    def test_mask_not_supported(self):
        interface = ForeignArray(np.zeros(2)).__cuda_array_interface__
        interface["mask"] = ForeignArray(np.ones(2, dtype=bool))
        with self.assertRaises(NotImplementedError):
            cuda.from_cuda_array_interface(interface)

    def test_not_an_array(self):
        with self.assertRaises(TypeError) as raised:
            cuda.as_cuda_array(np.zeros(2))
        self.assertIn("CUDA array interface", str(raised.exception))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestAllocation(CUDATestCase):
    def test_mapped_array_like(self):
        like = np.zeros((3, 4), dtype=np.int16, order="F")
        mapped = cuda.mapped_array_like(like)
        self.assertEqual(type(mapped), type(cuda.mapped_array(1)))
        self.assertEqual((mapped.shape, mapped.dtype), ((3, 4), np.int16))
        self.assertEqual(mapped.strides, like.strides)
        flat = cuda.mapped_array_like(np.zeros(8, dtype=np.int64))
        flat[:] = 0
        add_100[1, 8](flat)
        np.testing.assert_equal(flat.copy_to_host(), [100] * 8)

    def test_mapped_array_like_device_array(self):
        mapped = cuda.mapped_array_like(cuda.device_array((2, 5)))
        self.assertEqual(mapped.shape, (2, 5))

    def test_managed_array(self):
        managed = cuda.managed_array(6, dtype=np.int32)
        managed[:] = np.arange(6)
        add_100[1, 8](managed)
        # Managed memory is visible to the host without a copy.
        np.testing.assert_equal(managed, np.arange(6) + 100)
        self.assertEqual(cuda.managed_array((2, 3), order="F").strides, (8, 16))

    def test_mapped_host_arrays(self):
        a = np.zeros(8, dtype=np.int64)
        b = np.arange(8, dtype=np.int64)
        with cuda.mapped(a) as d:
            add_100[1, 8](d)
        np.testing.assert_equal(a, [100] * 8)
        with cuda.mapped(a, b) as (da, db):
            add_100[1, 8](db)
            self.assertTrue(cuda.is_cuda_array(da))
        np.testing.assert_equal(b, np.arange(8) + 100)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestKernelNames(CUDATestCase):
    def test_cache_hints(self):
        @cuda.jit
        def kernel(src, dst):
            i = cuda.grid(1)
            total = cuda.ldca(src, i) + cuda.ldcg(src, i) + cuda.ldcs(src, i)
            total += cuda.ldlu(src, i) + cuda.ldcv(src, i)
            cuda.stcg(dst, (0, i), total)
            cuda.stcs(dst, (1, i), total)
            cuda.stwb(dst, (2, i), total)
            cuda.stwt(dst, (3, i), total)

        src = np.arange(8.0)
        dst = np.zeros((4, 8))
        kernel[1, 8](src, dst)
        # Five loads of each element, each store of the sum in its row.
        np.testing.assert_equal(dst, np.tile(src * 5, (4, 1)))

    def test_literal_unroll(self):
        @cuda.jit
        def kernel(out):
            total = 0.0
            for value in cuda.literal_unroll((1, 2.5, np.int8(3))):
                total += value
            out[0] = total

        out = np.zeros(1)
        kernel[1, 1](out)
        self.assertEqual(out[0], 6.5)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestEventsAndProfiling(CUDATestCase):
    def test_event_elapsed_time(self):
        start, end = cuda.event(), cuda.event()
        start.record()
        time.sleep(0.05)
        end.record()
        end.synchronize()
        elapsed = cuda.event_elapsed_time(start, end)
        self.assertGreaterEqual(elapsed, 45.0)
        self.assertLess(elapsed, 5000.0)

    def test_unrecorded_event(self):
        start, end = cuda.event(), cuda.event()
        start.record()
        with self.assertRaises(RuntimeError):
            cuda.event_elapsed_time(start, end)

    def test_profiler_hooks_do_nothing(self):
        self.assertIsNone(cuda.profile_start())
        self.assertIsNone(cuda.profile_stop())
        with cuda.profiling():
            pass

    def test_device_queries(self):
        self.assertIs(cuda.get_current_device(), cuda.gpus[0].device)
        self.assertTrue(cuda.is_supported_version())
        with self.assertRaises(RuntimeError):
            cuda.external_stream(0)
        self.assertTrue(issubclass(cuda.KernelRuntimeError, Exception))
        self.assertTrue(issubclass(cuda.CudaSupportError, Exception))

    def test_default_stream(self):
        stream = cuda.default_stream()
        stream.synchronize()
        d = cuda.to_device(np.zeros(2), stream=stream)
        self.assertEqual(d.shape, (2,))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestUpstreamKept(CUDATestCase):
    def test_upstream_definitions_win(self):
        from numba.cuda.simulator import api

        for name in ("default_stream", "event", "mapped_array", "stream"):
            if hasattr(api, name):
                self.assertIs(getattr(cuda, name), getattr(api, name))

    def test_added_names_are_host_names(self):
        # In a kernel they are what the host has, not kernel-only names of
        # the launch (which the host could not reach).
        names = (
            "as_cuda_array",
            "is_cuda_array",
            "from_cuda_array_interface",
            "mapped_array_like",
            "managed_array",
            "event_elapsed_time",
            "profile_start",
            "profile_stop",
        )
        seen = {}

        @cuda.jit
        def kernel(out):
            for name in names:
                seen[name] = getattr(cuda, name)
            out[0] = cuda.threadIdx.x

        out = np.ones(1)
        kernel[1, 1](out)
        self.assertEqual(out[0], 0)
        for name in names:
            with self.subTest(name=name):
                self.assertTrue(callable(getattr(cuda, name)))
                self.assertIs(seen[name], getattr(cuda, name))


# With the simulator off, numba.cuda imports the simulator's kernel class
# (its decorators return one when the simulator is on): importing the
# simulator then must change nothing, neither the real target's names nor
# the simulator's own classes.
SIMULATOR_OFF = """
    import importlib, json, sys
    import numba.cuda
    import numba.cuda.simulator
    from numba.cuda.cudadrv import devicearray

    hostapi = importlib.import_module(sys.argv[1])
    changes = hostapi.simulator_changes()

    def source(value):
        # The file of a function's code (a property's getter, a class's
        # __init__): a wrapper keeps the name and module of what it wraps.
        value = getattr(value, "fget", value)
        if isinstance(value, type):
            value = vars(value).get("__init__")
        code = getattr(value, "__code__", None)
        return None if code is None else code.co_filename

    # The files whose functions the simulator's changes install.
    ours = {source(new) for _, _, new in changes} - {None}
    ours.add(source(hostapi.install))

    def is_ours(value):
        return source(value) in ours

    changed = []
    cuda = sys.modules["numba.cuda"]
    for where in (cuda, sys.modules["numba.cuda.simulator"]):
        changed += [
            "%s.%s" % (where.__name__, name)
            for name, value in vars(where).items()
            if is_ours(value)
        ]
    for cls in devicearray.DeviceNDArray.__mro__:
        changed += [
            "%s.%s" % (cls.__name__, name)
            for name, value in vars(cls).items()
            if is_ours(value)
        ]
    for owner, name, new in changes:
        if is_ours(vars(owner).get(name)):
            changed.append("%s.%s" % (getattr(owner, "__name__", owner), name))
    print(json.dumps({
        "changed": sorted(changed),
        "module_class": type(cuda).__name__,
        "real_device_array": devicearray.DeviceNDArray.__module__,
    }))
"""


@skip_unless_cudasim("Tests the CUDA simulator")
class TestSimulatorOff(unittest.TestCase):
    def test_nothing_changes_with_the_simulator_off(self):
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
        source = textwrap.dedent(SIMULATOR_OFF)
        report = childprocess.run_python(source, env, hostapi.__name__)
        self.assertEqual(report["changed"], [], report)
        self.assertEqual(report["module_class"], "module")
        self.assertNotIn("simulator", report["real_device_array"])


if __name__ == "__main__":
    unittest.main()
