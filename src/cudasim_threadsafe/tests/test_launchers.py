"""Both launchers, greenlets and OS threads, run kernels alike: yield
points, exceptions, the debugger, and the switch between them."""

import contextvars
import gc
import io
import os
import pdb
import sys
import textwrap
import threading
import types
import unittest
import weakref
from unittest import mock

import numpy as np
from numba import cuda, int32
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from cudasim_threadsafe.simulator import launcher as launchers

from . import childprocess
from .modes import launcher, no_sanitizer, under_coverage_tracer

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)
GREENLET = "greenlet" in LAUNCHERS


def run_with_timeout(kernel, args, seconds=30):
    """Launch on a host thread, so that a kernel that never ends fails the
    test instead of hanging it. The launch sees this thread's switches
    (``no_sanitizer``): a new thread starts with none of them."""
    errors = []
    switches = contextvars.copy_context()

    def launch():
        try:
            switches.run(kernel, *args)
        except BaseException as e:
            errors.append(e)

    host = threading.Thread(target=launch, daemon=True)
    host.start()
    host.join(seconds)
    if host.is_alive():
        raise AssertionError("the kernel did not finish in %d s" % seconds)
    if errors:
        raise errors[0]


@cuda.jit
def take_turns(lock, inside, most_inside, count):
    # A spin lock: every thread waits on cas while another holds it.
    while cuda.atomic.cas(lock, 0, 0, 1) != 0:
        pass
    cuda.atomic.max(most_inside, 0, cuda.atomic.add(inside, 0, 1) + 1)
    cuda.nanosleep(100)
    count[0] += 1
    cuda.atomic.sub(inside, 0, 1)
    cuda.threadfence()
    cuda.atomic.exch(lock, 0, 0)


@cuda.jit
def wait_for_last(flag, seen):
    # Thread 0 spins until the block's last thread, started after it,
    # sets the flag.
    i = cuda.threadIdx.x
    if i == 0:
        while cuda.atomic.add(flag, 0, 0) == 0:
            cuda.threadfence_block()
        seen[0] = 1
    elif i == cuda.blockDim.x - 1:
        cuda.atomic.exch(flag, 0, 1)


@cuda.jit
def one_raises(started, ended, ran_on):
    i = cuda.threadIdx.x
    started[i] = 1
    if i == 3:
        raise ValueError("thread three")
    try:
        cuda.syncthreads()
        ran_on[i] = 1
    finally:
        ended[i] = 1


@cuda.jit
def cleanup_raises(out):
    """Thread 3 raises; the others, stopped at the barrier, raise again
    as they are ended."""
    i = cuda.threadIdx.x
    if i == 3:
        raise ValueError("thread three")
    try:
        cuda.syncthreads()
    finally:
        out[i] = 1
        raise KeyError("cleanup of thread %d" % i)


@cuda.jit
def keeps_nothing(token, out):
    i = cuda.threadIdx.x
    out[i] = i
    cuda.syncthreads()


class Token:
    """A kernel argument that can be watched for its end."""


@cuda.jit
def where_it_runs(out):
    out[cuda.grid(1)] = threading.get_ident()


@cuda.jit
def stops_in_debugger(debugger, out):
    i = cuda.threadIdx.x
    if i == 5:
        debugger.set_trace()
    out[i] = i


@skip_unless_cudasim("Tests the CUDA simulator")
class TestLaunchers(CUDATestCase):
    def test_spin_lock_on_atomics(self):
        n = 64
        # racecheck does not take a lock made of atomics as ordering the
        # accesses it guards (a documented limit): it would report them.
        for name in LAUNCHERS:
            with (
                self.subTest(launcher=name),
                launcher(name),
                no_sanitizer(),
            ):
                lock = np.zeros(1, np.int32)
                inside = np.zeros(1, np.int32)
                most = np.zeros(1, np.int32)
                count = np.zeros(1, np.int32)
                run_with_timeout(take_turns[2, n], (lock, inside, most, count))
                self.assertEqual(count[0], 2 * n)
                self.assertEqual(most[0], 1)

    def test_spin_on_flag_set_by_later_thread(self):
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                flag = np.zeros(1, np.int32)
                seen = np.zeros(1, np.int32)
                run_with_timeout(wait_for_last[1, 128], (flag, seen))
                self.assertEqual(seen[0], 1)

    def test_exception_stops_the_block(self):
        n = 16
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                started = np.zeros(n, np.int32)
                ended = np.zeros(n, np.int32)
                ran_on = np.zeros(n, np.int32)
                with self.assertRaisesRegex(
                    ValueError, r"tid=\[3, 0, 0\] ctaid=\[0, 0, 0\]: thread"
                ):
                    one_raises[1, n](started, ended, ran_on)
                # No thread got past the barrier, and each one that
                # started was ended, none left suspended.
                np.testing.assert_equal(ran_on, 0)
                expected = started.copy()
                expected[3] = 0
                np.testing.assert_equal(ended, expected)

    def test_the_first_exception_is_raised(self):
        # Not those the other threads raise while they are ended.
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                out = np.zeros(16, np.int32)
                with self.assertRaisesRegex(ValueError, "thread three"):
                    cleanup_raises[1, 16](out)

    def test_arguments_not_kept_after_launch(self):
        # Pooled greenlets or OS threads must not keep the last launch's
        # arguments alive.
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                token = Token()
                watch = weakref.ref(token)
                keeps_nothing[2, 64](token, np.zeros(64))
                del token
                gc.collect()
                self.assertIsNone(watch())

    def test_which_thread_runs_the_kernel(self):
        # Greenlets run on the launching thread, the thread mode on others;
        # without greenlet, the default is the thread mode.
        if under_coverage_tracer():
            self.skipTest("under coverage's line tracer: OS threads")
        host = threading.get_ident()
        out = np.zeros(64, np.int64)
        with launcher("threads"):
            where_it_runs[2, 32](out)
        self.assertNotIn(host, set(out))
        out[:] = 0
        with launcher(""):
            where_it_runs[2, 32](out)
        if "greenlet" in LAUNCHERS:
            np.testing.assert_equal(out, host)
        else:
            self.assertNotIn(host, set(out))

    def test_unknown_launcher_says_which_exist(self):
        out = np.zeros(1, np.int64)
        with launcher("fibres"):
            with self.assertRaisesRegex(
                ValueError, "NUMBA_CUDASIM_LAUNCHER='fibres'.*greenlet"
            ):
                where_it_runs[1, 1](out)

    def test_pdb_stops_in_the_simulated_thread(self):
        # pdb.set_trace() as a kernel calls it, with scripted input (pytest
        # replaces the module's own set_trace and breakpoint()).
        commands = "p cuda.threadIdx.x * 100\ncontinue\n"
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                shown = io.StringIO()
                debugger = pdb.Pdb(
                    stdin=io.StringIO(commands), stdout=shown, nosigint=True
                )
                debugger.use_rawinput = False
                out = np.zeros(8, np.int32)
                stops_in_debugger[1, 8](debugger, out)
                np.testing.assert_equal(out, np.arange(8))
                self.assertIn("500", shown.getvalue())
                self.assertIn("stops_in_debugger", shown.getvalue())


@skip_unless_cudasim("Tests the CUDA simulator")
class TestSharedMemoryAcrossLaunchers(CUDATestCase):
    def test_same_answers(self):
        @cuda.jit
        def prefix_sum(x, out):
            buf = cuda.shared.array(128, int32)
            i = cuda.threadIdx.x
            buf[i] = x[i]
            cuda.syncthreads()
            step = 1
            while step < 128:
                v = buf[i - step] if i >= step else 0
                cuda.syncthreads()
                buf[i] += v
                cuda.syncthreads()
                step *= 2
            out[i] = buf[i]

        x = np.arange(128, dtype=np.int32)
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                out = np.zeros(128, np.int32)
                prefix_sum[1, 128](x, out)
                np.testing.assert_equal(out, np.cumsum(x))


# A launch in a fresh process, greenlet importable or not: which thread
# runs the kernel, and what NUMBA_CUDASIM_LAUNCHER=greenlet says.
WITHOUT_GREENLET = """
    import json, sys, threading
    if sys.argv[1] == "missing":
        sys.modules["greenlet"] = None  # import greenlet raises ImportError
    import numpy as np
    from numba import cuda

    @cuda.jit
    def where_it_runs(out):
        out[cuda.threadIdx.x] = threading.get_ident()

    out = np.zeros(4, np.int64)
    where_it_runs[1, 4](out)
    report = {"on_host": bool((out == threading.get_ident()).all())}
    config = sys.modules.get("numba.cuda.core.config") or sys.modules.get(
        "numba.core.config"
    )
    if hasattr(config, "CUDASIM_LAUNCHER"):
        config.CUDASIM_LAUNCHER = "greenlet"
    else:
        import os
        os.environ["NUMBA_CUDASIM_LAUNCHER"] = "greenlet"
    try:
        where_it_runs[1, 4](out)
        report["greenlet"] = "ran"
    except ImportError as e:
        report["greenlet"] = str(e)
    print(json.dumps(report))
"""


def launch_in_child(greenlet):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    # The default launcher, and no coverage tracer (it picks OS threads).
    for name in (
        "NUMBA_CUDASIM_LAUNCHER",
        "COVERAGE_PROCESS_START",
        "COVERAGE_PROCESS_CONFIG",
    ):
        env.pop(name, None)
    source = textwrap.dedent(WITHOUT_GREENLET)
    return childprocess.run_python(source, env, greenlet)


def fake_config(**settings):
    """numba's config as a launch finds it, with ``settings``."""
    config = types.SimpleNamespace(**settings)
    return mock.patch.dict(
        sys.modules,
        {"numba.cuda.core.config": config, "numba.core.config": config},
    )


@skip_unless_cudasim("Tests the CUDA simulator")
class TestLauncherChoice(unittest.TestCase):
    def test_numba_config_names_the_launcher(self):
        # Read as numba's config read the variable, not from the
        # environment at each launch.
        env = {"NUMBA_CUDASIM_LAUNCHER": "greenlet"}
        with mock.patch.dict(os.environ, env):
            with fake_config(CUDASIM_LAUNCHER="threads"):
                self.assertEqual(launchers.mode(), "threads")
            with fake_config(CUDASIM_LAUNCHER=""):
                self.assertEqual(launchers.mode(), LAUNCHERS[0])
            with fake_config(CUDASIM_LAUNCHER="fibres"):
                with self.assertRaisesRegex(ValueError, "'fibres'"):
                    launchers.mode()

    def test_the_variable_where_the_config_lacks_it(self):
        with mock.patch.dict(os.environ, {"NUMBA_CUDASIM_LAUNCHER": "threads"}):
            with fake_config():
                self.assertEqual(launchers.mode(), "threads")

    def check_os_threads(self, report):
        self.assertFalse(report["on_host"], report)
        self.assertRegex(report["greenlet"], "needs the greenlet package")

    def test_greenlet_is_the_default_where_installed(self):
        report = launch_in_child("installed")
        if GREENLET:
            self.assertEqual(report, {"on_host": True, "greenlet": "ran"})
        else:
            self.check_os_threads(report)

    def test_os_threads_without_greenlet(self):
        self.check_os_threads(launch_in_child("missing"))


if __name__ == "__main__":
    unittest.main()
