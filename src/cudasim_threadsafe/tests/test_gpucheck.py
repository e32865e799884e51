"""The compile check: kernels that run in the simulator but do not compile
for the GPU raise ``GPUCompileError``; kernels that compile do not.

Needs numba-cuda's compiler with NVVM (``cudasim-threadsafe[gpucheck]``):
without it these tests are skipped, unless
``CUDASIM_THREADSAFE_TEST_GPUCHECK=1`` (CI's compile venv) makes that a
failure. Each defect test first runs its kernel with the check off, where
nothing is raised: the test fails if the check does not find it."""

import importlib
import math
import os
import sys
import tempfile
import textwrap
import unittest
import warnings
from unittest import mock

import numpy as np
from numba import cuda, float64, int8
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts

REQUIRED = os.environ.get("CUDASIM_THREADSAFE_TEST_GPUCHECK") == "1"


def plain_helper(x):
    """Not a device function: the GPU's typing cannot call it."""
    return x + 1


_missing = []


def _missing_compiler():
    """Why the compile check cannot run here, or None (asked once)."""
    if not _missing:
        from cudasim_threadsafe.target import gpucheck

        try:
            gpucheck._get_worker()
        except ImportError as e:
            _missing.append(str(e))
        else:
            _missing.append(None)
    return _missing[0]


@skip_unless_cudasim("Tests the CUDA simulator")
class CompileCheckCase(CUDATestCase):
    def setUp(self):
        # In setUp, not setUpClass: numba's parallel runner runs tests one
        # by one.
        super().setUp()
        missing = _missing_compiler()
        if missing and not REQUIRED:
            self.skipTest(missing)

    def rejected(self, kernel, *args, config=(1, 1)):
        """The check's message for a kernel that runs with it off."""
        with cts.compile_check(False):
            kernel[config](*(np.copy(a) for a in args))
        with cts.compile_check():
            with self.assertRaises(cts.GPUCompileError) as caught:
                kernel[config](*args)
        msg = str(caught.exception)
        self.assertIn("runs in the simulator but does not compile", msg)
        return msg

    def compiles(self, kernel, *args, config=(1, 1)):
        with cts.compile_check(), warnings.catch_warnings():
            warnings.simplefilter("error")
            kernel[config](*args)


class TestRejected(CompileCheckCase):
    def test_plain_python_helper(self):
        @cuda.jit
        def calls_helper(out):
            out[0] = plain_helper(out[0])

        msg = self.rejected(calls_helper, np.zeros(1))
        self.assertIn("kernel 'calls_helper'", msg)
        self.assertIn("plain_helper", msg)
        self.assertIn("test_gpucheck.py", msg)

    def test_factory_device_function_calls_plain_helper(self):
        def factory():
            @cuda.jit(device=True)
            def step(x):
                return plain_helper(x)

            @cuda.jit
            def integrate(out):
                out[0] = step(out[0])

            return integrate

        msg = self.rejected(factory(), np.zeros(1))
        self.assertIn("plain_helper", msg)

    def test_list(self):
        @cuda.jit
        def uses_list(out):
            values = [1.0, 2.0]
            out[0] = values[1]

        self.rejected(uses_list, np.zeros(1))

    def test_dict(self):
        @cuda.jit
        def uses_dict(out):
            table = {1: 2.0}
            out[0] = table[1]

        self.rejected(uses_dict, np.zeros(1))

    def test_try_except(self):
        @cuda.jit
        def catches(out):
            try:
                out[0] = 1
            except Exception:
                out[0] = 2

        self.rejected(catches, np.zeros(1))

    def test_numpy_function_the_target_lacks(self):
        @cuda.jit
        def determinant(out):
            out[0] = np.linalg.det(np.eye(2))

        self.rejected(determinant, np.zeros(1))

    def test_shuffle_of_int8(self):
        @cuda.jit
        def shuffle(out):
            out[0] = cuda.shfl_sync(0xFFFFFFFF, int8(3), 0)

        # GPU typing alone raises TypeError for it in the simulator; off,
        # the compile check finds it by itself.
        with cts.gpu_typing(False):
            self.rejected(shuffle, np.zeros(1))


class TestCompiles(CompileCheckCase):
    def test_factory_closures(self):
        def factory(gain):
            @cuda.jit(device=True, inline=False)
            def scale(x):
                return x * gain

            @cuda.jit
            def apply(out):
                i = cuda.grid(1)
                if i < out.size:
                    out[i] = scale(out[i])

            return apply

        out = np.ones(32)
        self.compiles(factory(3.0), out, config=(1, 32))
        np.testing.assert_array_equal(out, 3.0)

    def test_shared_memory_reduction(self):
        @cuda.jit
        def reduce(a, out):
            buf = cuda.shared.array(32, float64)
            i = cuda.threadIdx.x
            buf[i] = a[i]
            cuda.syncthreads()
            step = 16
            while step:
                if i < step:
                    buf[i] += buf[i + step]
                cuda.syncthreads()
                step //= 2
            if i == 0:
                out[0] = buf[0]

        out = np.zeros(1)
        self.compiles(reduce, np.arange(32.0), out, config=(1, 32))
        self.assertEqual(out[0], np.arange(32.0).sum())

    def test_atomics_shuffles_libdevice_math(self):
        @cuda.jit
        def mixed(a, bins, out):
            i = cuda.threadIdx.x
            cuda.atomic.add(bins, i % 4, 1)
            v = cuda.shfl_down_sync(0xFFFFFFFF, a[i], 1)
            out[i] = math.sqrt(v) + cuda.libdevice.fast_expf(0.0)

        self.compiles(
            mixed,
            np.ones(32),
            np.zeros(4, np.int32),
            np.zeros(32),
            config=(1, 32),
        )

    def test_checked_once_per_types(self):
        from cudasim_threadsafe.target import gpucheck

        @cuda.jit
        def fill(out):
            out[0] = 1

        self.compiles(fill, np.zeros(1))
        self.compiles(fill, np.zeros(2))
        self.compiles(fill, np.zeros(1, np.int32))
        keys = [k for k in gpucheck._results if k[0] is fill.py_func]
        self.assertEqual(len(keys), 2)


class TestDeclaredOptions(CompileCheckCase):
    """The compiler gets the options the user declared, as on the GPU."""

    def test_inline_always_device_function_returns_local_array(self):
        @cuda.jit(device=True, inline="always")
        def make_buffer():
            buf = cuda.local.array(4, float64)
            for i in range(4):
                buf[i] = i
            return buf

        @cuda.jit
        def uses_buffer(out):
            buf = make_buffer()
            out[0] = buf[3]

        out = np.zeros(1)
        self.compiles(uses_buffer, out)
        self.assertEqual(out[0], 3.0)

    def test_returned_local_array_without_inline_is_rejected(self):
        @cuda.jit(device=True)
        def make_buffer():
            buf = cuda.local.array(4, float64)
            for i in range(4):
                buf[i] = i
            return buf

        @cuda.jit
        def uses_buffer(out):
            buf = make_buffer()
            out[0] = buf[3]

        self.rejected(uses_buffer, np.zeros(1))

    def test_options_the_simulator_refused(self):
        @cuda.jit(device=True, forceinline=True, inline="always")
        def twice(x):
            return 2 * x

        @cuda.jit(
            lineinfo=True,
            max_registers=32,
            launch_bounds=(64, 1),
            forceinline=True,
            fastmath=True,
            opt=True,
            cache=True,
        )
        def doubled(out):
            out[0] = twice(out[0])

        out = np.ones(1)
        self.compiles(doubled, out)
        self.assertEqual(out[0], 2.0)

    def test_kernel_options_reach_the_compiler(self):
        # Four launch bounds: the real target refuses them when compiling.
        @cuda.jit(launch_bounds=(32, 1, 1, 1))
        def bounded(out):
            out[0] = 1

        msg = self.rejected(bounded, np.zeros(1))
        self.assertIn("launch bounds", msg)

    def test_device_function_declared_signature(self):
        @cuda.jit("float32(float32)", device=True, inline="always")
        def half(x):
            return x / 2

        @cuda.jit
        def halves(out):
            out[0] = half(out[0])

        out = np.full(1, 3.0)
        self.compiles(halves, out)
        self.assertEqual(out[0], 1.5)


# A helper module found only through the parent's ``sys.path``.
HELPER = """
from numba import cuda

@cuda.jit(device=True)
def bump(x):
    return x + 1
"""


class TestUserModules(CompileCheckCase):
    """The worker imports the user's modules as a process with a GPU
    does, from the parent's ``sys.path``."""

    def module(self, source):
        """A new module of ``source``, importable only through this
        process's ``sys.path``."""
        folder = tempfile.mkdtemp()
        self.addCleanup(lambda: sys.path.remove(folder))
        name = "cts_" + os.path.basename(folder)
        with open(os.path.join(folder, name + ".py"), "w") as f:
            f.write(textwrap.dedent(source))
        sys.path.insert(0, folder)
        module = importlib.import_module(name)
        self.addCleanup(sys.modules.pop, name, None)
        return module

    def bumping(self, module):
        @cuda.jit
        def bumps(out):
            out[0] = module.bump(out[0])

        out = np.zeros(1)
        self.compiles(bumps, out)
        self.assertEqual(out[0], 1.0)

    def test_module_choosing_stubs_at_import(self):
        from cudasim_threadsafe.tests import stubbing

        self.assertTrue(cuda.is_available())
        self.bumping(stubbing)

    def test_module_only_on_the_parents_path(self):
        self.bumping(self.module(HELPER))


class AskedNothing:
    """A worker that fails the test if asked: the result must come from
    the cache."""

    def compile(self, payload, cc, numba_settings):
        raise AssertionError("the worker was asked")


class TestCache(CompileCheckCase):
    """Results on disk, by what was compiled: another process (here: this
    one, its memory cleared) reuses them."""

    def setUp(self):
        super().setUp()
        from cudasim_threadsafe.target import gpucheck

        self.gpucheck = gpucheck
        folder = tempfile.mkdtemp()
        patch = mock.patch.dict(
            os.environ, {"NUMBA_CUDASIM_COMPILE_CACHE": folder}
        )
        patch.start()
        self.addCleanup(patch.stop)
        self.folder = folder

    def files(self):
        return sorted(
            name for _, _, names in os.walk(self.folder) for name in names
        )

    def from_disk_only(self):
        """Forget what this process knows and let no worker answer."""
        gpucheck = self.gpucheck
        patch = mock.patch.multiple(
            gpucheck, _results={}, _by_digest={}, _worker=AskedNothing()
        )
        patch.start()
        self.addCleanup(patch.stop)
        # The pid test of _get_worker: this process's own.
        gpucheck._worker.worker = mock.Mock(pid=os.getpid())

    def test_result_reused_from_disk(self):
        def factory():
            @cuda.jit(device=True, inline="always")
            def step(x):
                return x + 1

            @cuda.jit
            def advance(out):
                out[0] = step(out[0])

            return advance

        self.compiles(factory(), np.zeros(1))
        written = self.files()
        self.assertEqual(len(written), 1)
        self.assertTrue(written[0].endswith(".pickle"), written)
        self.from_disk_only()
        # A new kernel object, as a factory makes it again: same code.
        out = np.zeros(1)
        self.compiles(factory(), out)
        self.assertEqual(out[0], 1.0)

    def test_failure_reused_from_disk(self):
        def factory():
            @cuda.jit
            def calls_helper(out):
                out[0] = plain_helper(out[0])

            return calls_helper

        self.rejected(factory(), np.zeros(1))
        self.from_disk_only()
        msg = self.rejected(factory(), np.zeros(1))
        self.assertIn("plain_helper", msg)

    def generated(self, source):
        """``source`` as CuBIE generates code: a file in a new temporary
        folder each run, executed there."""
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "generated.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(source))
        namespace = {"__name__": "generated"}
        with open(path) as f:
            exec(compile(f.read(), path, "exec"), namespace)
        return namespace["kernel"], path

    def test_same_code_in_another_folder_is_reused(self):
        source = """
        from numba import cuda

        @cuda.jit
        def kernel(out):
            out[0] = len([1, 2])
        """
        first, first_path = self.generated(source)
        self.rejected(first, np.zeros(1))
        self.from_disk_only()
        again, path = self.generated(source)
        msg = self.rejected(again, np.zeros(1))
        # The error names this run's file, not the one compiled.
        self.assertIn(path, msg)
        self.assertNotIn(os.path.basename(os.path.dirname(first_path)), msg)

    def test_other_code_types_or_options_compile_again(self):
        def factory(gain, **options):
            @cuda.jit(**options)
            def scale(out):
                out[0] = out[0] * gain

            return scale

        self.compiles(factory(2.0), np.zeros(1))
        self.compiles(factory(3.0), np.zeros(1))
        self.compiles(factory(2.0), np.zeros(1, np.float32))
        self.compiles(factory(2.0, fastmath=True), np.zeros(1))
        self.assertEqual(len(self.files()), 4)

    def test_off(self):
        @cuda.jit
        def fill(out):
            out[0] = 1

        with mock.patch.dict(os.environ, {"NUMBA_CUDASIM_COMPILE_CACHE": "0"}):
            self.compiles(fill, np.zeros(1))
        self.assertEqual(self.files(), [])


class TestUnchecked(CompileCheckCase):
    def test_missing_compiler_says_what_to_install(self):
        from cudasim_threadsafe.target import gpucheck

        @cuda.jit
        def fill(out):
            out[0] = 1

        worker, gpucheck._worker = gpucheck._worker, None
        try:
            with (
                mock.patch.object(gpucheck, "INSTALL", "install-me"),
                mock.patch.dict("sys.modules", {"cloudpickle": None}),
                cts.compile_check(),
                self.assertRaisesRegex(ImportError, "install-me"),
            ):
                fill[1, 1](np.zeros(1, np.int64))
        finally:
            gpucheck._worker = worker

    def test_argument_without_gpu_typing_warns(self):
        @cuda.jit
        def ignores(out, thing):
            out[0] = 1

        with cts.compile_check():
            with self.assertWarnsRegex(RuntimeWarning, "'ignores' cannot be"):
                ignores[1, 1](np.zeros(1), object())


if __name__ == "__main__":
    unittest.main()
