"""The switches hold per host thread and per launch.

``sanitizer()``, ``compile_check()`` and ``gpu_typing()`` once pushed onto
process-wide lists: one host thread's block switched the checks of
another's launch, and GPU typing flipped in the middle of a running
launch. Each test here makes the two threads overlap for certain, with
events, not sleeps.
"""

import os
import re
import sys
import threading
import unittest
from unittest import mock

import numpy as np
from numba import cuda, float64
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts
from cudasim_threadsafe import settings

TIMEOUT = 60


def neighbour_race():
    """A launch of a kernel with a race on shared memory: each thread
    reads its neighbour's element with no barrier in between (racecheck
    reports it when the launch ends)."""

    @cuda.jit
    def rotate(out):
        buf = cuda.shared.array(8, float64)
        i = cuda.threadIdx.x
        buf[i] = i
        out[i] = buf[(i + 1) % 8]

    def launch():
        rotate[1, 8](np.zeros(8))

    return launch


def in_thread(target):
    """Run ``target`` on a new host thread; the thread and what it raised
    (a list, filled when it ends)."""
    raised = []

    def run():
        try:
            target()
        except BaseException as e:
            raised.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, raised


@skip_unless_cudasim("Tests the CUDA simulator")
class TestPerHostThread(CUDATestCase):
    def test_sanitizer_block_holds_for_its_own_thread(self):
        launch = neighbour_race()
        off_entered = threading.Event()
        on_entered = threading.Event()
        launch_now = threading.Event()

        def unsanitized():
            with cts.sanitizer("none"):
                off_entered.set()
                launch_now.wait(TIMEOUT)
                launch()

        def sanitized():
            with cts.sanitizer("all"):
                on_entered.set()
                launch_now.wait(TIMEOUT)
                with self.assertRaises(cts.SanitizerError):
                    launch()

        # The thread with the checks off enters its block first, then the
        # other enters its own; both launch while inside.
        off = in_thread(unsanitized)
        off_entered.wait(TIMEOUT)
        on = in_thread(sanitized)
        on_entered.wait(TIMEOUT)
        launch_now.set()
        for thread, raised in (off, on):
            thread.join(TIMEOUT)
            self.assertEqual(raised, [])

    def test_compile_check_block_holds_for_its_own_thread(self):
        seen = []
        entered = threading.Event()
        read = threading.Event()

        def checking():
            with cts.compile_check():
                entered.set()
                read.wait(TIMEOUT)

        thread, raised = in_thread(checking)
        entered.wait(TIMEOUT)
        with cts.compile_check(False):
            seen.append(settings.current().compile_check)
        seen.append(settings.compile_check_on() and "env")
        read.set()
        thread.join(TIMEOUT)
        self.assertEqual(raised, [])
        self.assertFalse(seen[0])
        env = os.environ.get("NUMBA_CUDASIM_COMPILE_CHECK", "")
        if env in ("", "0"):
            # Not the other thread's block.
            self.assertFalse(seen[1])

    def test_gpu_typing_cannot_flip_under_a_running_launch(self):
        in_kernel = threading.Event()
        switched = threading.Event()
        launched = threading.Event()

        def switch_off():
            in_kernel.wait(TIMEOUT)
            with cts.gpu_typing(False):
                switched.set()
                # Inside its block until the launch has ended.
                launched.wait(TIMEOUT)

        @cuda.jit
        def bits(out, x):
            in_kernel.set()
            switched.wait(TIMEOUT)
            # Typed, a float is converted as the GPU converts it.
            out[0] = cuda.popc(x[0])

        thread, raised = in_thread(switch_off)
        out = np.zeros(1, np.int64)
        try:
            with cts.gpu_typing(True):
                bits[1, 1](out, np.array([7.9]))
        finally:
            launched.set()
            thread.join(TIMEOUT)
        self.assertEqual(raised, [])
        self.assertTrue(switched.is_set())
        self.assertEqual(out[0], 3)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestLaunchPlugins(CUDATestCase):
    def test_sanitizer_error_leaves_stdout_as_it_was(self):
        before = sys.stdout
        with cts.sanitizer("racecheck"):
            with self.assertRaises(cts.SanitizerError):
                neighbour_race()()
        self.assertIs(sys.stdout, before)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestSchedule(CUDATestCase):
    def test_schedule_under_threads_launcher_warns(self):
        from cudasim_threadsafe.checks import schedule

        @cuda.jit
        def one(out):
            out[cuda.threadIdx.x] = 1

        env = {
            "NUMBA_CUDASIM_SCHEDULE": "reverse",
            "NUMBA_CUDASIM_LAUNCHER": "threads",
        }
        with mock.patch.object(schedule, "_warned", []):
            with mock.patch.dict(os.environ, env):
                with self.assertWarnsRegex(RuntimeWarning, "threads launcher"):
                    one[1, 2](np.zeros(2))


class TestVariables(unittest.TestCase):
    def test_readme_table_is_the_settings_table(self):
        readme = os.path.join(
            os.path.dirname(__file__), "..", "..", "..", "README.md"
        )
        if not os.path.exists(readme):
            self.skipTest("not a source checkout")
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        table = text.split("## Environment variables and switches")[1]
        names = re.findall(r"^\| `([A-Z_]+)` \|", table, re.M)
        self.assertEqual(names, [v.name for v in settings.VARIABLES])


if __name__ == "__main__":
    unittest.main()
