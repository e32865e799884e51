"""GPU typing: the simulator's intrinsics take what the GPU's typing takes,
convert as compiled code converts, and return the types it declares.

The matrix test compiles every case of ``typingmatrix`` with the real
compiler (numba-cuda with its CUDA toolkit wheels, or numba's built-in
target with the pinned NVVM wheel, in a child process with the simulator
off) and runs each in the simulator: both must accept the same cases, with
the same result types. It is skipped without the compiler, unless
``CUDASIM_THREADSAFE_TEST_GPUCHECK=1`` (CI's compile venvs) makes that a
failure. The other tests run on every supported
version: the typing needs no compiler. Each regression test also runs
with GPU typing off, where the simulator's old answer comes back.
"""

import json
import os
import subprocess
import sys
import unittest
import warnings
from unittest import mock

import numpy as np
from numba import cuda
from numba.cuda import libdevice
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts
from cudasim_threadsafe.target import childworker, gputyping

from . import typingmatrix

REQUIRED = os.environ.get("CUDASIM_THREADSAFE_TEST_GPUCHECK") == "1"
# Errors of code generation, after typing and lowering chose an
# implementation.
CODEGEN = ("NvvmError:",)


def _compiled():
    """The matrix as the real compiler compiles it, or why it cannot."""
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    proc = subprocess.run(
        [sys.executable, "-m", typingmatrix.__name__],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode:
        return None, proc.stderr.strip().splitlines()[-1]
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def _described(value):
    """A simulator result described as ``typingworker.describe`` does."""
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ["tuple", [_described(v) for v in value]]
    declared = getattr(type(value), "numba_type", None)
    if declared is not None:
        return declared
    if isinstance(value, np.generic):
        return value.dtype.name
    return {int: "int64", float: "float64"}.get(type(value), repr(value))


def simulated(name, type_name):
    """``["ok", result type]`` or ``["error", text]``: the case run in
    the simulator."""
    device = cuda.jit(device=True)(typingmatrix.function(name))
    results = []

    @cuda.jit
    def kernel(x, a):
        results.append(device(x[0], a))

    x, a = typingmatrix.values(type_name)
    try:
        kernel[1, 1](np.array([x]), a)
    except (TypeError, ValueError) as e:
        return ["error", str(e).splitlines()[0]]
    return ["ok", _described(results[0])]


def disagreements(compiled):
    """The cases where the simulator and the compiler disagree."""
    found = []
    for key, (kind, result) in sorted(compiled.items()):
        name, type_name = key.split()
        got = simulated(name, type_name)
        if kind == "ok" and got != ["ok", result]:
            found.append("%s: GPU gives %s, simulator %s" % (key, result, got))
        elif kind == "error" and got[0] == "ok":
            found.append("%s: GPU rejects, simulator runs it" % key)
    return found


@skip_unless_cudasim("Tests the CUDA simulator")
class TestTypingMatrix(CUDATestCase):
    def test_simulator_accepts_what_the_compiler_accepts(self):
        compiled, why = _compiled()
        if compiled is None:
            if REQUIRED:
                self.fail("the compiler could not run: %s" % why)
            self.skipTest("no compiler for the GPU here: %s" % why)
        cases = len(typingmatrix.CALLS) * len(typingmatrix.TYPES)
        self.assertEqual(len(compiled), cases)
        # NVVM's own verifier rejects a few cases that typing and lowering
        # accept (numba's built-in target's float16 vote predicates):
        # code generation, which GPU typing does not see.
        generated = {
            key: value
            for key, value in compiled.items()
            if value[0] == "error" and value[1].startswith(CODEGEN)
        }
        for key in generated:
            compiled.pop(key)
        if generated:
            print("not typing's to see:", sorted(generated))
        # Untyped, the simulator disagrees: the test can fail.
        with cts.gpu_typing(False):
            self.assertGreater(len(disagreements(compiled)), 50)
        self.maxDiff = None
        self.assertEqual(disagreements(compiled), [])


@skip_unless_cudasim("Tests the CUDA simulator")
class TestGPUTyping(CUDATestCase):
    """Cases every supported target (numba-cuda's, numba's built-in)
    types the same way."""

    def both(self, kernel, make_args, config=(1, 1)):
        """The kernel's outputs untyped and typed."""
        outputs = []
        for on in (False, True):
            args = make_args()
            with cts.gpu_typing(on):
                kernel[config](*args)
            outputs.append(args)
        return outputs

    def assertRejected(self, kernel, args, *parts, config=(1, 1)):
        """Runs untyped; typed, raises TypeError with ``parts``."""
        with cts.gpu_typing(False):
            kernel[config](*args)
        with self.assertRaises(TypeError) as raised:
            kernel[config](*args)
        message = str(raised.exception)
        for part in ("does not compile for the GPU",) + parts:
            self.assertIn(part, message)
        return message

    def test_ffs_of_int8_is_rejected(self):
        # Typing accepts it, but the GPU has no lowering for an int8.
        @cuda.jit
        def kernel(out, x):
            out[0] = cuda.ffs(x[0])

        args = np.zeros(1, np.uint32), np.array([8], np.int8)
        self.assertRejected(kernel, args, "numba.cuda.ffs(int8)")

    def test_atomic_on_int8_array_is_rejected(self):
        @cuda.jit
        def kernel(a):
            cuda.atomic.add(a, 0, 1)

        self.assertRejected(
            kernel,
            (np.zeros(1, np.int8),),
            "numba.cuda.atomic.add(array(int8, 1d), int64, int64)",
        )

    def test_atomics_on_2d_arrays_take_tuple_indices(self):
        @cuda.jit
        def kernel(a, old):
            i, j = cuda.threadIdx.x, cuda.threadIdx.y
            old[i, j] = cuda.atomic.add(a, (i, j), 1)
            cuda.atomic.max(a, (0, 0), 5.5)

        a = np.zeros((2, 3), np.float32)
        old = np.zeros((2, 3), np.float32)
        kernel[1, (2, 3)](a, old)
        self.assertEqual(a[0, 0], 5.5)
        np.testing.assert_array_equal(a[1], 1)
        np.testing.assert_array_equal(old[1], 0)

    def test_syncthreads_count_of_bool_is_rejected(self):
        @cuda.jit
        def kernel(out):
            out[0] = cuda.syncthreads_count(cuda.threadIdx.x < 3)

        self.assertRejected(
            kernel,
            (np.zeros(1, np.int32),),
            "numba.cuda.syncthreads_count(bool)",
            config=(1, 8),
        )

    def test_libdevice_of_array_is_rejected(self):
        @cuda.jit
        def kernel(out, x):
            out[0] = libdevice.sin(x)

        args = np.zeros(1), np.array([1.0])
        # Untyped, Python's float() refused it, not naming the GPU.
        with cts.gpu_typing(False):
            with self.assertRaises(TypeError) as raised:
                kernel[1, 1](*args)
        self.assertNotIn("GPU", str(raised.exception))
        with self.assertRaises(TypeError) as raised:
            kernel[1, 1](*args)
        message = str(raised.exception)
        self.assertIn(
            "numba.cuda.libdevice.sin(array(float64, 1d)) does not compile "
            "for the GPU",
            message,
        )
        # The typing's own error follows.
        self.assertIn("No implementation of function", message)

    def test_match_of_bool_is_converted(self):
        # The GPU converts a bool to int32; typed or not, the simulator too.
        @cuda.jit
        def kernel(out):
            i = cuda.threadIdx.x
            out[i] = cuda.match_any_sync(0xFFFFFFFF, i < 5)

        for typed in (False, True):
            with self.subTest(typed=typed), cts.gpu_typing(typed):
                out = np.zeros(32, np.int32)
                kernel[1, 32](out)
                np.testing.assert_array_equal(out[:5], 0x1F)
                np.testing.assert_array_equal(out[5:], np.int32(~0x1F))

    def test_shuffle_of_bool_follows_the_target(self):
        # numba-cuda's typing rejects it; numba's built-in target converts
        # the bool to the int32 its shfl_sync_intrinsic takes and returns.
        from cudasim_threadsafe.overlay import install as overlay

        seen = []

        @cuda.jit
        def kernel():
            seen.append(cuda.shfl_sync(0xFFFFFFFF, True, 0))

        with cts.gpu_typing(False):
            with self.assertRaises(TypeError):
                kernel[1, 1]()
        kernelapi = sys.modules["numba.cuda.simulator.kernelapi"]
        if overlay.builtin_target(kernelapi):
            kernel[1, 1]()
            self.assertEqual(seen, [1])
            self.assertIs(type(seen[0]), np.int32)
        else:
            with self.assertRaises(TypeError) as raised:
                kernel[1, 1]()
            self.assertIn(
                "shfl_sync(int64, bool, int64)", str(raised.exception)
            )

    def test_popc_of_float_is_converted(self):
        # popc(7.9): the typing picks its first case, int8, and converts
        # (truncating), as compiled code does; untyped, the simulator
        # raised.
        @cuda.jit
        def kernel(out, x):
            out[0] = cuda.popc(x[0])

        out = np.zeros(1, np.int64)
        with cts.gpu_typing(False):
            with self.assertRaises(TypeError):
                kernel[1, 1](out, np.array([7.9]))
        kernel[1, 1](out, np.array([7.9]))
        self.assertEqual(out[0], 3)
        # Toward zero for negative values too: int8(-1), eight bits set.
        kernel[1, 1](out, np.array([-1.5]))
        self.assertEqual(out[0], 8)

    def test_bit_intrinsics_count_at_the_type_width(self):
        @cuda.jit
        def kernel(out, i8, u32, u64):
            out[0] = cuda.clz(i8[0])
            out[1] = cuda.brev(u32[0])
            out[2] = cuda.ffs(u64[0])
            out[3] = cuda.popc(i8[1])
            out[4] = cuda.clz(u64[0])

        def args():
            return (
                np.zeros(5, np.int64),
                np.array([1, -1], np.int8),
                np.array([1], np.uint32),
                np.array([1 << 40], np.uint64),
            )

        untyped, typed = self.both(kernel, args)
        np.testing.assert_array_equal(typed[0], [7, 1 << 31, 41, 8, 23])
        self.assertFalse(np.array_equal(untyped[0], typed[0]))

    def test_results_have_the_declared_types(self):
        seen = {}

        @cuda.jit
        def kernel(x):
            seen["popc"] = cuda.popc(x[0])
            seen["ballot"] = cuda.ballot_sync(0xFFFFFFFF, 1)
            seen["match_all"] = cuda.match_all_sync(0xFFFFFFFF, x[0])
            seen["count"] = cuda.syncthreads_count(1)

        with cts.gpu_typing(False):
            kernel[1, 1](np.array([3], np.uint16))
        self.assertIs(type(seen["count"]), int)
        kernel[1, 1](np.array([3], np.uint16))
        self.assertIs(type(seen["popc"]), np.uint16)
        self.assertIs(type(seen["ballot"]), np.int32)
        self.assertIs(type(seen["count"]), np.int32)
        self.assertEqual(seen["match_all"], (1, True))
        self.assertIs(type(seen["match_all"][0]), np.int32)

    def test_declared_signature_converts_scalar_arguments(self):
        # On the GPU the argument is an int64 (a count over 64 bits) and
        # a uint8 (300 wraps to 44), whatever the launch passes.
        def clz(out, x, small):
            out[0] = cuda.clz(x)
            out[1] = small

        kernel = cuda.jit("void(int64[:], int64, uint8)")(clz)

        def args():
            return np.zeros(2, np.int64), 1 << 20, 300

        untyped, typed = self.both(kernel, args)
        np.testing.assert_array_equal(typed[0], [43, 44])
        np.testing.assert_array_equal(untyped[0], [11, 300])

    def test_declared_device_function_converts(self):
        @cuda.jit("int32(int32)", device=True)
        def wrap(x):
            return x + 1

        @cuda.jit
        def kernel(out):
            out[0] = wrap(2**31 - 1)

        def args():
            return (np.zeros(1, np.int64),)

        untyped, typed = self.both(kernel, args)
        self.assertEqual(typed[0][0], -(2**31))
        self.assertEqual(untyped[0][0], 2**31)

    def test_declared_float32_rounds_but_stays_a_python_float(self):
        import math

        seen = []

        @cuda.jit("void(float32, int32)")
        def kernel(x, n):
            seen.append(math.ldexp(x, n))

        kernel[1, 1](0.1, 2)
        kernel[1, 1](1e39, 0)
        self.assertEqual(seen, [float(np.float32(0.1)) * 4, np.inf])

    def test_switch_read_at_each_launch(self):
        @cuda.jit
        def kernel(out, x):
            out[0] = cuda.ffs(x[0])

        args = np.zeros(1, np.uint32), np.array([8], np.int8)
        with mock.patch.dict(os.environ, {gputyping.ENVIRONMENT_VARIABLE: "0"}):
            kernel[1, 1](*args)
        self.assertEqual(args[0][0], 4)
        with self.assertRaises(TypeError):
            kernel[1, 1](*args)

    def test_asks_once_per_intrinsic_and_types(self):
        @cuda.jit
        def kernel(out, x):
            i = cuda.threadIdx.x
            out[i] = cuda.shfl_xor_sync(0xFFFFFFFF, x[i], 1)

        asked = []
        resolve = gputyping.resolve

        def counting(path, described):
            asked.append((path, tuple(map(str, described))))
            return resolve(path, described)

        with mock.patch.object(gputyping, "resolve", counting):
            for dtype in (np.float32, np.float32, np.int64, np.float32):
                out = np.zeros(64, dtype)
                kernel[1, 64](out, np.arange(64, dtype=dtype))
                np.testing.assert_array_equal(out, np.arange(64) ^ 1)
        paths = [a for a in asked if a[0] == "shfl_xor_sync"]
        self.assertLessEqual(len(paths), 2)
        self.assertEqual(len(set(paths)), len(paths))

    def test_worker_missing_warns_once_and_runs_untyped(self):
        @cuda.jit
        def kernel(out, x):
            out[0] = cuda.clz(x[0])

        def missing(*args, **kwargs):
            raise childworker.WorkerMissing("numba.cuda could not load")

        saved = gputyping._worker, gputyping._broken
        gputyping._worker = gputyping._broken = None
        gputyping.forget()
        try:
            with mock.patch.object(childworker, "Worker", missing):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    out = np.zeros(1, np.int64)
                    kernel[1, 1](out, np.array([1], np.int16))
                    kernel[1, 1](out, np.array([1], np.int16))
            self.assertEqual(out[0], 31)
            texts = [str(w.message) for w in caught]
            self.assertEqual(
                sum("GPU typing" in t for t in texts), 1, msg=texts
            )
        finally:
            gputyping._worker, gputyping._broken = saved
            # What was kept while it was missing is untyped.
            gputyping.forget()


if __name__ == "__main__":
    unittest.main()
