"""The standalone simulator's kernel object, run directly: no compiler.

A module made here (``cuda``) stands for a front's: the kernel-side names
of ``standalone.kernelapi`` on it, and the kernel-only names installed by
``simulator.cudamodule`` from a ``LaunchSpace``. Runs wherever the
package runs, numba installed or not.
"""

import contextlib
import os
import threading
import types
import unittest
from unittest import mock

import numpy as np

from cudasim_threadsafe import settings
from cudasim_threadsafe.checks import sanitize, schedule
from cudasim_threadsafe.simulator import (
    context,
    cudamodule,
    gridsync,
    launch,
)
from cudasim_threadsafe.standalone import devicearray, kernelapi
from cudasim_threadsafe.standalone import kernel as standalone

from .modes import launcher

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)


class LaunchError(Exception):
    """The fake compiler's ``CudaAPIError`` and ``LinkerError``."""


def _front():
    module = types.ModuleType("standalone_test_cuda")
    for name, value in kernelapi.NAMES.items():
        setattr(module, name, value)
    cudamodule.install(module, standalone.LaunchSpace((1, 1, 1), (1, 1, 1), 0))
    return module


cuda = _front()
# The fake compiler's errors, for the tests of refused launches.
ERRORS = types.SimpleNamespace(
    CudaAPIError=LaunchError, LinkerError=LaunchError
)


def jit(fn=None, device=False, **options):
    if fn is None:
        return lambda f: standalone.Kernel(f, device, options)
    return standalone.Kernel(fn, device, options)


@jit(device=True)
def twice(x):
    return 2 * x


@jit
def indexes(out):
    i = cuda.grid(1)
    out[i, 0] = cuda.threadIdx.x
    out[i, 1] = cuda.blockIdx.x
    out[i, 2] = cuda.blockDim.x
    out[i, 3] = cuda.gridDim.x
    out[i, 4] = twice(i)


@jit
def reverse_in_block(data):
    # Each block reverses its part through shared memory.
    tile = cuda.shared.array(32, np.float64)
    t = cuda.threadIdx.x
    start = cuda.blockIdx.x * cuda.blockDim.x
    tile[t] = data[start + t]
    cuda.syncthreads()
    data[start + t] = tile[cuda.blockDim.x - 1 - t]


@jit
def dynamic_sum(out):
    buffer = cuda.shared.array(0, np.int32)
    t = cuda.threadIdx.x
    buffer[t] = t + 1
    cuda.syncthreads()
    if t == 0:
        total = 0
        for i in range(cuda.blockDim.x):
            total += buffer[i]
        out[cuda.blockIdx.x] = total


@jit
def dynamic_sum_1d(out):
    # A 1-d shape of no elements asks for dynamic shared memory too.
    buffer = cuda.shared.array((0,), np.int32)
    t = cuda.threadIdx.x
    buffer[t] = t + 1
    cuda.syncthreads()
    if t == 0:
        total = 0
        for i in range(cuda.blockDim.x):
            total += buffer[i]
        out[cuda.blockIdx.x] = total


@jit
def warp_sum(out):
    value = cuda.threadIdx.x
    offset = 16
    while offset:
        value += cuda.shfl_down_sync(0xFFFFFFFF, value, offset)
        offset //= 2
    if cuda.threadIdx.x == 0:
        out[0] = value


@jit
def scaled(out, factor):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = i * factor


@jit
def grid_reverse(data, out):
    # Every block writes, the grid syncs, every block reads another's.
    i = cuda.grid(1)
    data[i] = i
    cuda.cg.this_grid().sync()
    out[i] = data[data.size - 1 - i]


SCALE = 2.0


@jit(device=True)
def global_scale():
    return SCALE


@jit
def by_global(out):
    out[cuda.threadIdx.x] = SCALE + global_scale()


@jit
def prints(out):
    print("thread", cuda.threadIdx.x)


# What a front sets so that its launches are sanitized.
SANITIZER_HOOKS = {
    "SETTINGS": settings.current,
    "SANITIZER": sanitize.for_launch,
    "SCHEDULE": schedule.for_launch,
}


class Writes:
    """A stdout that keeps each write."""

    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append(text)

    def flush(self):
        pass


class TestStandaloneKernel(unittest.TestCase):
    def each_launcher(self):
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                yield name

    def test_thread_indexes_and_device_function(self):
        for _ in self.each_launcher():
            out = np.zeros((12, 5), np.int64)
            indexes[3, 4](out)
            i = np.arange(12)
            np.testing.assert_array_equal(out[:, 0], i % 4)
            np.testing.assert_array_equal(out[:, 1], i // 4)
            np.testing.assert_array_equal(out[:, 2], 4)
            np.testing.assert_array_equal(out[:, 3], 3)
            np.testing.assert_array_equal(out[:, 4], 2 * i)

    def test_shared_memory_is_per_block(self):
        for _ in self.each_launcher():
            data = np.arange(64, dtype=np.float64)
            reverse_in_block[2, 32](data)
            expected = np.concatenate(
                [np.arange(31, -1, -1), np.arange(63, 31, -1)]
            )
            np.testing.assert_array_equal(data, expected)

    def test_dynamic_shared_memory(self):
        for _ in self.each_launcher():
            out = np.zeros(2, np.int64)
            dynamic_sum[2, 16, 0, 16 * 4](out)
            np.testing.assert_array_equal(out, [136, 136])

    def test_dynamic_shared_memory_sanitized(self):
        with mock.patch.multiple(launch, **SANITIZER_HOOKS):
            with settings.sanitizer("all"):
                out = np.zeros(2, np.int64)
                dynamic_sum[2, 16, 0, 16 * 4](out)
                np.testing.assert_array_equal(out, [136, 136])
                out[:] = 0
                dynamic_sum_1d[2, 16, 0, 16 * 4](out)
                np.testing.assert_array_equal(out, [136, 136])

    def test_warp_shuffle(self):
        for _ in self.each_launcher():
            out = np.zeros(1, np.int64)
            warp_sum[1, 32](out)
            self.assertEqual(out[0], sum(range(32)))

    def test_grid_sync_across_blocks(self):
        for _ in self.each_launcher():
            data = np.zeros(64, np.int64)
            out = np.zeros(64, np.int64)
            grid_reverse[4, 16](data, out)
            np.testing.assert_array_equal(out, np.arange(63, -1, -1))

    def test_device_array_arguments(self):
        ary = devicearray.to_device(np.zeros(8))
        scaled[2, 4](ary, 5.0)
        np.testing.assert_array_equal(ary.copy_to_host(), 5.0 * np.arange(8))

    def test_globals_frozen_as_compiled(self):
        # A launch sees the globals of its compilation, the first launch
        # with its arguments' types, device functions' included.
        global SCALE
        out = np.zeros(2)
        by_global[1, 2](out)
        self.addCleanup(globals().__setitem__, "SCALE", 2.0)
        SCALE = 3.0
        by_global[1, 2](out)
        np.testing.assert_array_equal(out, 4.0)
        other = np.zeros(2, np.float32)
        by_global[1, 2](other)
        np.testing.assert_array_equal(other, 6.0)

    def test_print_writes_whole_lines(self):
        for _ in self.each_launcher():
            stdout = Writes()
            with contextlib.redirect_stdout(stdout):
                prints[1, 4](np.zeros(1))
            self.assertEqual(
                sorted(stdout.writes), ["thread %d\n" % i for i in range(4)]
            )

    def test_configurations(self):
        out = np.zeros(8)
        scaled[(2, 1), (4,)](out, 1.0)
        scaled[2, 4, 0](out, 2.0)
        np.testing.assert_array_equal(out, 2.0 * np.arange(8))
        scaled.forall(8)(out, 3.0)
        np.testing.assert_array_equal(out, 3.0 * np.arange(8))
        scaled.forall(0)(out, 4.0)
        np.testing.assert_array_equal(out, 3.0 * np.arange(8))
        with self.assertRaises(ValueError):
            scaled.forall(-1)

    def test_refused_configurations(self):
        out = np.zeros(8)
        errors = mock.patch.object(standalone.LaunchSpace, "_errors", ERRORS)
        errors.start()
        self.addCleanup(errors.stop)
        with self.assertRaisesRegex(ValueError, "values must be >= 1"):
            scaled[0, 4](out, 1.0)
        with self.assertRaisesRegex(ValueError, "values must be >= 1"):
            scaled[(1, 0), 4](out, 1.0)
        with self.assertRaisesRegex(LaunchError, "MAX_THREADS_PER_BLOCK"):
            scaled[1, (32, 32, 2)](out, 1.0)
        with self.assertRaises(TypeError):
            scaled[1.5, 4]
        with self.assertRaises(ValueError):
            scaled[(1, 1, 1, 1), 4]
        with self.assertRaisesRegex(ValueError, "not specified"):
            scaled(out, 1.0)

    def test_device_function_from_the_host(self):
        with self.assertRaisesRegex(ValueError, "not specified"):
            twice(3)

    def test_wrapper_and_options(self):
        kernel = jit(debug=True, lineinfo=True)(scaled.py_func)
        self.assertEqual(kernel.__name__, "scaled")
        self.assertIs(kernel.py_func, scaled.py_func)
        self.assertEqual(kernel.options, {"debug": True, "lineinfo": True})
        self.assertEqual(twice.__name__, "twice")
        self.assertIsInstance(twice, standalone.Kernel)
        overload = kernel.overloads["void(float64[:], float64)"]
        self.assertEqual(
            overload.max_cooperative_grid_blocks(32),
            gridsync.max_cooperative_grid_blocks(32),
        )

    def test_kernel_only_names_outside_a_kernel(self):
        with self.assertRaisesRegex(AttributeError, "only available inside"):
            cuda.threadIdx
        with self.assertRaisesRegex(AttributeError, "only available inside"):
            cuda.gridDim
        self.assertIs(cuda.local, kernelapi.NAMES["local"])

    def test_concurrent_launches_from_host_threads(self):
        for _ in self.each_launcher():
            results = {}
            errors = []
            start = threading.Barrier(8)

            def work(n):
                try:
                    start.wait()
                    for _ in range(3):
                        data = np.arange(32.0 * (n % 2 + 1))
                        reverse_in_block[n % 2 + 1, 32](data)
                        out = np.zeros(8 * (n + 1))
                        scaled[n + 1, 8](out, float(n))
                    results[n] = data, out
                except BaseException as e:
                    errors.append(e)

            threads = [
                threading.Thread(target=work, args=(n,)) for n in range(8)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            for n, (data, out) in results.items():
                blocks = n % 2 + 1
                expected = np.concatenate(
                    [
                        np.arange(32.0 * b + 31, 32.0 * b - 1, -1)
                        for b in range(blocks)
                    ]
                )
                np.testing.assert_array_equal(data, expected)
                np.testing.assert_array_equal(
                    out, float(n) * np.arange(8 * (n + 1))
                )

    def test_sanitizer_checks_standalone_launches(self):
        @jit
        def past_the_end(out):
            out[cuda.threadIdx.x + 1] = 1.0

        with mock.patch.multiple(launch, **SANITIZER_HOOKS):
            with settings.sanitizer("all"):
                with self.assertRaises(sanitize.SanitizerError) as caught:
                    past_the_end[1, 4](np.zeros(4))
        self.assertIn("out of bounds", str(caught.exception))
        self.assertIn("'out'", str(caught.exception))


class TestTwoModules(unittest.TestCase):
    """Two modules served in one process keep their kernel-only names."""

    def test_each_module_its_own_names(self):
        other = types.ModuleType("standalone_test_other")

        class OtherSpace:
            gridDim = blockDim = None

            @property
            def only_here(self):
                return "other"

        cudamodule.install(other, OtherSpace())
        self.assertIsNot(type(other), type(cuda))
        self.assertTrue(hasattr(type(other), "only_here"))
        self.assertFalse(hasattr(type(cuda), "only_here"))
        self.assertNotIn(
            "only_here", context.shared_names[standalone.LaunchSpace]
        )
        # A launch of ours still sees its own names.
        out = np.zeros((4, 5), np.int64)
        indexes[1, 4](out)
        np.testing.assert_array_equal(out[:, 2], 4)

    def test_beside_numba_cuda(self):
        # numba-cuda's simulator and this module, both in one process.
        if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") in ("", "0"):
            self.skipTest("needs NUMBA_ENABLE_CUDASIM=1")
        try:
            from numba import cuda as numba_cuda
        except ImportError:
            self.skipTest("needs numba-cuda")
        if not isinstance(numba_cuda, cudamodule.SimulatedCudaModule):
            self.skipTest("needs the package's simulator in numba.cuda")

        @numba_cuda.jit
        def halves(out):
            i = numba_cuda.threadIdx.x
            out[i] = numba_cuda.fp16.hmul(numba_cuda.blockDim.x, 0.5)

        out = np.zeros(4)
        halves[1, 4](out)
        np.testing.assert_array_equal(out, 2.0)
        self.assertIsNot(type(numba_cuda), type(cuda))
        ours = np.zeros((4, 5), np.int64)
        indexes[1, 4](ours)
        np.testing.assert_array_equal(ours[:, 2], 4)


if __name__ == "__main__":
    unittest.main()
