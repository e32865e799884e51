"""Sanitizer mode: kernels with one defect each are reported with the
right check, array, index, threads and lines; correct kernels are not.

Each defect test first runs its kernel with the sanitizer off and checks
that nothing is raised: there the defect goes unseen, so the test fails
if the check does not find it."""

import os
import unittest
from unittest import mock

import numpy as np
from numba import cuda, float64, int32
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts

from .modes import under_coverage_tracer

HERE = os.path.basename(__file__)


def line_of(function, text):
    """The line of ``function``'s source (a kernel's py_func) holding
    ``text``."""
    import inspect

    lines, first = inspect.getsourcelines(function)
    for offset, line in enumerate(lines):
        if text in line:
            return first + offset
    raise LookupError(text)


@cuda.jit(device=True)
def store_after(part, i):
    """Writes the element after the one of thread ``i`` of ``part`` (a
    slice of the caller's array)."""
    part[i + 1] = i


@skip_unless_cudasim("Tests the CUDA simulator")
class SanitizerCase(CUDATestCase):
    def report(self, kernel, config, *args, checks="all", silent=True):
        """The sanitizer's report for one launch. With ``silent``, the
        launch without the sanitizer raises nothing first."""
        if silent:
            with cts.sanitizer("none"):
                kernel[config](*(np.copy(a) for a in args))
        with cts.sanitizer(checks):
            with self.assertRaises(cts.SanitizerError) as caught:
                kernel[config](*args)
        return str(caught.exception)

    def clean(self, kernel, config, *args):
        with cts.sanitizer("all"):
            kernel[config](*args)

    def assertIn_all(self, message, *parts):
        for part in parts:
            self.assertIn(part, message)


class TestMemcheck(SanitizerCase):
    def test_negative_index(self):
        # An index in [-n, 0) wraps, as on the GPU; one below is outside.
        @cuda.jit
        def shift(out):
            i = cuda.threadIdx.x
            out[i - 5] = i

        msg = self.report(shift, (1, 4), np.zeros(4), silent=False)
        self.assertIn_all(
            msg,
            "[memcheck] out of bounds",
            "global array 'out' float64 4",
            "at index [-5]",
            "tid=[0, 0, 0] ctaid=[0, 0, 0]",
            "%s:%d" % (HERE, line_of(shift.py_func, "out[i - 5]")),
        )

    def test_nothing_written_outside(self):
        @cuda.jit
        def shift(out):
            i = cuda.threadIdx.x
            out[i - 5] = 7

        out = np.zeros(4)
        with cts.sanitizer("memcheck"):
            with self.assertRaises(cts.SanitizerError):
                shift[1, 4](out)
        np.testing.assert_equal(out, 0)

    def test_shared_past_the_end(self):
        @cuda.jit
        def past(out):
            buf = cuda.shared.array(4, float64)
            i = cuda.threadIdx.x
            buf[i] = i
            out[i] = i

        msg = self.report(past, (1, 8), np.zeros(8), silent=False)
        self.assertIn_all(
            msg, "shared array 'buf' float64 4", "at index [4]", "tid=[4, 0, 0]"
        )

    def test_second_dimension(self):
        @cuda.jit
        def rows(out):
            i = cuda.threadIdx.x
            out[0, i - 4] = 1

        msg = self.report(rows, (1, 3), np.zeros((2, 3)), silent=False)
        self.assertIn_all(msg, "at index [0, -4]", "dimension 1 has 3")

    def test_slice_passed_to_device_function(self):
        @cuda.jit
        def through_slice(out):
            buf = cuda.shared.array(8, float64)
            i = cuda.threadIdx.x
            buf[i] = 0
            cuda.syncthreads()
            store_after(buf[2:6], i)
            out[i] = buf[i]

        # Thread 3 stores part[4], buf[6]: in the array, past the slice.
        msg = self.report(through_slice, (1, 4), np.zeros(4), silent=False)
        self.assertIn_all(
            msg,
            "shared array 'buf'",
            "at index [4]",
            "%s:%d" % (HERE, line_of(store_after.py_func, "part[i + 1]")),
        )

    def test_atomic(self):
        @cuda.jit
        def count(bins, data):
            cuda.atomic.add(bins, data[cuda.threadIdx.x], 1)

        msg = self.report(
            count,
            (1, 4),
            np.zeros(2, np.int64),
            np.array([0, 1, -3, 0]),
            silent=False,
        )
        self.assertIn_all(msg, "global array 'bins'", "at index [-3]")

    def test_local(self):
        @cuda.jit
        def local(out):
            t = cuda.local.array(2, float64)
            t[cuda.threadIdx.x - 3] = 1
            out[0] = 1

        msg = self.report(local, (1, 1), np.zeros(1), silent=False)
        self.assertIn_all(msg, "local array 't' float64 2", "at index [-3]")


class TestRacecheck(SanitizerCase):
    def test_reduction_without_barrier_in_loop(self):
        @cuda.jit
        def reduce(a, out):
            s = cuda.shared.array(8, float64)
            i = cuda.threadIdx.x
            s[i] = a[i]
            cuda.syncthreads()
            step = 4
            while step > 0:
                if i < step:
                    s[i] += s[i + step]
                step //= 2
            if i == 0:
                out[0] = s[0]

        msg = self.report(reduce, (1, 8), np.arange(8.0), np.zeros(1))
        line = line_of(reduce.py_func, "s[i] += s[i + step]")
        self.assertIn_all(
            msg,
            "[racecheck] race",
            "shared array 's' float64 8",
            "%s:%d" % (HERE, line),
            "tid=[1, 0, 0]",
        )

    def test_race_the_in_order_schedule_hides(self):
        # Thread i reads what thread i - 1 wrote: in order, it is there.
        @cuda.jit
        def neighbour(a, out):
            s = cuda.shared.array(8, float64)
            i = cuda.threadIdx.x
            s[i] = a[i]
            if i > 0:
                out[i] = s[i - 1]

        a = np.arange(8.0)
        out = np.zeros(8)
        with cts.sanitizer("none"):
            neighbour[1, 8](a, out)
        np.testing.assert_equal(out[1:], a[:-1])
        msg = self.report(neighbour, (1, 8), a, np.zeros(8))
        self.assertIn_all(
            msg,
            "race (read after write)",
            "tid=[0, 0, 0] ctaid=[0, 0, 0] at",
            "then tid=[1, 0, 0]",
        )

    def test_two_blocks_write_one_element(self):
        @cuda.jit
        def last(out):
            out[0] = cuda.blockIdx.x

        msg = self.report(last, (2, 1), np.zeros(1))
        self.assertIn_all(
            msg,
            "race (write after write)",
            "global array 'out'",
            "ctaid=[0, 0, 0]",
            "ctaid=[1, 0, 0]",
            "different blocks",
        )

    def test_histogram_without_atomics(self):
        @cuda.jit
        def histogram(bins, data):
            bins[data[cuda.grid(1)]] += 1

        msg = self.report(
            histogram,
            (2, 4),
            np.zeros(2, np.int64),
            np.array([0, 1, 0, 1, 1, 1, 0, 0]),
        )
        self.assertIn_all(msg, "global array 'bins' int64 2", "at index [0]")

    def test_racecheck_alone(self):
        @cuda.jit
        def last(out):
            out[0] = cuda.threadIdx.x

        msg = self.report(last, (1, 2), np.zeros(1), checks="racecheck")
        self.assertIn("1 finding", msg)


class TestSynccheck(SanitizerCase):
    def test_barrier_in_a_branch(self):
        @cuda.jit
        def branch(out):
            buf = cuda.shared.array(32, float64)
            i = cuda.threadIdx.x
            if i < 16:
                cuda.syncthreads()
            buf[i] = i
            cuda.syncthreads()
            out[i] = buf[31 - i]

        msg = self.report(branch, (1, 32), np.zeros(32))
        first = line_of(branch.py_func, "if i < 16") + 1
        self.assertIn_all(
            msg,
            "[synccheck] divergent barrier",
            "%s:%d" % (HERE, first),
            "(16 in all)",
        )

    def test_syncthreads_against_syncthreads_count(self):
        @cuda.jit
        def kinds(out):
            i = cuda.threadIdx.x
            if i % 2:
                cuda.syncthreads()
            else:
                cuda.syncthreads_count(1)
            out[i] = 1

        msg = self.report(kinds, (1, 4), np.zeros(4), checks="synccheck")
        self.assertIn_all(msg, "syncthreads_count", "different barriers")

    def test_loop_reaching_a_barrier_unequally(self):
        # Thread 0 leaves the loop for the barrier after it while thread 1
        # is at the loop's barrier again.
        @cuda.jit
        def loop(out):
            i = cuda.threadIdx.x
            for _ in range(i + 1):
                cuda.syncthreads()
            cuda.syncthreads()
            out[i] = 1

        msg = self.report(loop, (1, 2), np.zeros(2), checks="synccheck")
        inside = line_of(loop.py_func, "for _ in range") + 1
        self.assertIn_all(
            msg,
            "divergent barrier",
            "%s:%d" % (HERE, inside),
            "%d" % (inside + 1),
        )

    def test_warp_masks_that_disagree(self):
        # Lanes 0-15 at syncwarp(0xFFFF), then exit; lanes 16-31 at
        # syncwarp(0xFFFFFFFF), which names lanes 0-15: reported whichever
        # half runs first.
        @cuda.jit
        def halves(out):
            i = cuda.threadIdx.x
            if i < 16:
                cuda.syncwarp(0xFFFF)
                return
            cuda.syncwarp(0xFFFFFFFF)
            out[i] = 1

        for schedule in ("", "reverse"):
            env = {"NUMBA_CUDASIM_SCHEDULE": schedule}
            if schedule:
                # Orders the greenlet launcher's threads only.
                env["NUMBA_CUDASIM_LAUNCHER"] = "greenlet"
            with (
                self.subTest(schedule=schedule),
                mock.patch.dict(os.environ, env),
            ):
                msg = self.report(halves, (1, 32), np.zeros(32))
                half = line_of(halves.py_func, "syncwarp(0xFFFF)")
                full = line_of(halves.py_func, "syncwarp(0xFFFFFFFF)")
                self.assertIn_all(
                    msg,
                    "[synccheck] warp mask mismatch",
                    "with mask 0xffffffff at ",
                    "%s:%d (halves), which names" % (HERE, full),
                    "with mask 0x0000ffff at ",
                    "%s:%d (halves): the GPU" % (HERE, half),
                )

    def test_warp_errors_are_findings(self):
        # A shuffle from a lane outside the mask is an error with the
        # sanitizer off too; with synccheck it is a finding of the report,
        # with the thread and the line.
        @cuda.jit
        def outside(out):
            i = cuda.threadIdx.x
            out[i] = cuda.shfl_sync(0xF, i, 5)

        with cts.sanitizer("none"), self.assertRaises(RuntimeError) as plain:
            outside[1, 4](np.zeros(4))
        self.assertNotIsInstance(plain.exception, cts.SanitizerError)
        msg = self.report(outside, (1, 4), np.zeros(4), silent=False)
        self.assertIn_all(
            msg,
            "[synccheck] kernel 'outside', block [0, 0, 0]: shfl_sync",
            "reads lane 5, which is not in the mask 0x0000000f",
            "0, 0] ctaid=[0, 0, 0], at",
            "%s:%d" % (HERE, line_of(outside.py_func, "shfl_sync")),
        )

    def test_deadlock_is_a_finding(self):
        # Lanes 0-15 wait at syncthreads, lanes 16-31 at a syncwarp that
        # names lanes 0-15: neither can go on.
        @cuda.jit
        def stuck(out):
            i = cuda.threadIdx.x
            if i < 16:
                cuda.syncthreads()
            else:
                cuda.syncwarp()
            out[i] = 1

        with (
            cts.sanitizer("none"),
            self.assertRaisesRegex(RuntimeError, "deadlock") as plain,
        ):
            stuck[1, 32](np.zeros(32))
        self.assertNotIsInstance(plain.exception, cts.SanitizerError)
        msg = self.report(
            stuck, (1, 32), np.zeros(32), checks="synccheck", silent=False
        )
        self.assertIn_all(msg, "[synccheck] deadlock in kernel 'stuck'")

    def test_early_exit_is_not_divergent(self):
        @cuda.jit
        def early(out, n):
            i = cuda.threadIdx.x
            if i >= n:
                return
            cuda.syncthreads()
            out[i] = 1

        self.clean(early, (1, 8), np.zeros(8), 5)


class TestInitcheck(SanitizerCase):
    def test_local_read_before_write(self):
        @cuda.jit
        def unwritten(out):
            t = cuda.local.array(4, float64)
            t[0] = 1
            out[cuda.threadIdx.x] = t[1]

        msg = self.report(unwritten, (1, 2), np.zeros(2))
        self.assertIn_all(
            msg,
            "[initcheck] uninitialized",
            "local array 't' float64 4",
            "at index [1]",
            "(2 times)",
        )

    def test_shared_is_new_in_each_block(self):
        @cuda.jit
        def first_block_writes(out):
            buf = cuda.shared.array(1, float64)
            if cuda.blockIdx.x == 0:
                buf[0] = 1
            cuda.syncthreads()
            out[cuda.blockIdx.x] = buf[0]

        msg = self.report(first_block_writes, (2, 1), np.zeros(2))
        self.assertIn_all(msg, "shared array 'buf'", "ctaid=[1, 0, 0]")


@skip_unless_cudasim("Tests the CUDA simulator")
class TestInitcheckDeviceMemory(SanitizerCase):
    """Device memory is unwritten from ``device_array`` (and what calls
    it) until a kernel, a host copy or a host write writes it."""

    @staticmethod
    def kernels():
        @cuda.jit
        def read(d, out):
            i = cuda.threadIdx.x
            out[i] = d[i]

        @cuda.jit
        def write(d):
            d[cuda.threadIdx.x] = 1

        return read, write

    def read_report(self, make):
        """The report of a kernel reading 4 elements of ``make()`` (called
        with initcheck on), or None if clean."""
        read, _ = self.kernels()
        with cts.sanitizer("initcheck"):
            d = make()
            try:
                read[1, 4](d, np.zeros(4))
            except cts.SanitizerError as e:
                return str(e)
        return None

    def test_device_array_read_before_written(self):
        read, _ = self.kernels()
        with cts.sanitizer("none"):
            read[1, 4](cuda.device_array(4), np.zeros(4))
        for make in (
            lambda: cuda.device_array(4),
            lambda: cuda.device_array_like(np.zeros(4)),
            lambda: cuda.mapped_array(4),
            lambda: cuda.mapped_array_like(np.zeros(4)),
        ):
            msg = self.read_report(make)
            self.assertIsNotNone(msg)
            self.assertIn_all(
                msg,
                "[initcheck] uninitialized: global array 'd' float64 4",
                "at index [0]",
                "(4 times)",
                "%s:%d" % (HERE, line_of(read.py_func, "= d[i]")),
            )

    def test_written_by_host(self):
        def copied():
            d = cuda.device_array(4)
            d.copy_to_device(np.ones(4))
            return d

        def copied_to():
            d = cuda.device_array(4)
            cuda.to_device(np.ones(4), to=d)
            return d

        def assigned():
            d = cuda.device_array(4)
            d[:] = 0
            return d

        for make in (
            copied,
            copied_to,
            assigned,
            lambda: cuda.to_device(np.ones(4)),
        ):
            self.assertIsNone(self.read_report(make))

    def test_partly_written_by_host(self):
        def partly():
            d = cuda.device_array(4)
            d[:3] = 0
            return d

        msg = self.read_report(partly)
        self.assertIn_all(msg, "at index [3]", "tid=[3, 0, 0]")
        self.assertNotIn("times", msg)

    def test_written_by_a_previous_launch(self):
        read, write = self.kernels()
        for checks in ("all", "racecheck", "none"):
            with self.subTest(checks=checks):
                with cts.sanitizer("initcheck"):
                    d = cuda.device_array(4)
                with cts.sanitizer(checks):
                    write[1, 4](d)
                with cts.sanitizer("initcheck"):
                    read[1, 4](d, np.zeros(4))

    def test_view_written_by_a_previous_launch(self):
        read, write = self.kernels()
        with cts.sanitizer("initcheck"):
            d = cuda.device_array(8)
            write[1, 4](d[4:])
            read[1, 4](d[4:], np.zeros(4))
            with self.assertRaises(cts.SanitizerError):
                read[1, 4](d, np.zeros(4))

    def test_allocated_with_initcheck_off(self):
        read, _ = self.kernels()
        with cts.sanitizer("none"):
            d = cuda.device_array(4)
        with cts.sanitizer("initcheck"):
            read[1, 4](d, np.zeros(4))


class TestCorrectKernels(SanitizerCase):
    def test_tree_reduction(self):
        @cuda.jit
        def reduce(a, out):
            s = cuda.shared.array(64, float64)
            i = cuda.threadIdx.x
            s[i] = a[cuda.grid(1)]
            cuda.syncthreads()
            step = 32
            while step:
                if i < step:
                    s[i] += s[i + step]
                cuda.syncthreads()
                step //= 2
            if i == 0:
                out[cuda.blockIdx.x] = s[0]

        out = np.zeros(2)
        self.clean(reduce, (2, 64), np.arange(128.0), out)
        self.assertEqual(out.sum(), np.arange(128.0).sum())

    def test_warp_reduction(self):
        @cuda.jit
        def reduce(a, out):
            i = cuda.threadIdx.x
            v = a[i]
            offset = 16
            while offset:
                v += cuda.shfl_down_sync(0xFFFFFFFF, v, offset)
                offset //= 2
            if i == 0:
                out[0] = v

        out = np.zeros(1)
        self.clean(reduce, (1, 32), np.arange(32.0), out)
        self.assertEqual(out[0], np.arange(32.0).sum())

    def test_atomic_histogram(self):
        @cuda.jit
        def histogram(bins, data):
            cuda.atomic.add(bins, data[cuda.grid(1)], 1)

        bins = np.zeros(2, np.int64)
        self.clean(histogram, (2, 4), bins, np.array([0, 1, 0, 1, 1, 1, 0, 0]))
        np.testing.assert_equal(bins, [4, 4])

    def test_double_buffering(self):
        @cuda.jit
        def smooth(a, out, rounds):
            buf = cuda.shared.array((2, 16), float64)
            i = cuda.threadIdx.x
            buf[0, i] = a[i]
            cuda.syncthreads()
            for r in range(rounds):
                src = r % 2
                left = buf[src, (i + 15) % 16]
                buf[1 - src, i] = (left + buf[src, i]) / 2
                cuda.syncthreads()
            out[i] = buf[rounds % 2, i]

        self.clean(smooth, (1, 16), np.arange(16.0), np.zeros(16), 3)

    def test_grid_stride_loop(self):
        @cuda.jit
        def scale(a):
            start = cuda.grid(1)
            stride = cuda.gridsize(1)
            for i in range(start, a.shape[0], stride):
                a[i] *= 2

        a = np.arange(100.0)
        self.clean(scale, (2, 8), a)
        np.testing.assert_equal(a, 2 * np.arange(100.0))

    def test_table_filled_before_a_barrier(self):
        @cuda.jit
        def lookup(out):
            table = cuda.shared.array(8, int32)
            i = cuda.threadIdx.x
            if i < 8:
                table[i] = i * i
            cuda.syncthreads()
            out[i] = table[i % 8]

        self.clean(lookup, (1, 16), np.zeros(16, np.int32))

    def test_thread_rereads_what_it_wrote(self):
        @cuda.jit
        def own(out):
            buf = cuda.shared.array(8, float64)
            i = cuda.threadIdx.x
            buf[i] = i
            buf[i] = buf[i] + 1
            out[i] = buf[i]

        self.clean(own, (1, 8), np.zeros(8))

    def test_half_warps_with_their_own_syncwarp_masks(self):
        @cuda.jit
        def halves(out):
            buf = cuda.shared.array(32, float64)
            i = cuda.threadIdx.x
            buf[i] = i
            mask = 0xFFFF if i < 16 else 0xFFFF0000
            cuda.syncwarp(mask)
            base = 0 if i < 16 else 16
            out[i] = buf[base + (i + 1) % 16]

        self.clean(halves, (1, 32), np.zeros(32))

    def test_same_value_from_many_threads(self):
        @cuda.jit
        def flag(out):
            out[0] = 1

        self.clean(flag, (1, 8), np.zeros(1))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestSchedule(CUDATestCase):
    """NUMBA_CUDASIM_SCHEDULE shows an answer that depends on the order."""

    def setUp(self):
        super().setUp()
        if under_coverage_tracer():
            self.skipTest("under coverage's line tracer: OS threads")

    def run_with(self, schedule):
        @cuda.jit
        def neighbour(a, buf, out):
            i = cuda.threadIdx.x
            buf[i] = a[i]
            if i > 0:
                out[i] = buf[i - 1]

        out = np.full(8, -1.0)
        env = {"NUMBA_CUDASIM_SCHEDULE": schedule}
        env["NUMBA_CUDASIM_LAUNCHER"] = "greenlet"
        with mock.patch.dict(os.environ, env), cts.sanitizer("none"):
            neighbour[1, 8](np.arange(8.0), np.full(8, -1.0), out)
        # Which threads read their neighbour's value, not -1.
        return out[1:] == np.arange(7.0)

    def test_reverse_changes_a_racy_answer(self):
        in_order = self.run_with("")
        self.assertTrue(in_order.all())
        self.assertFalse(np.array_equal(self.run_with("reverse"), in_order))

    def test_shuffle_replays_its_seed(self):
        runs = [self.run_with("shuffle:%d" % seed) for seed in (1, 1, 2, 3)]
        np.testing.assert_equal(runs[0], runs[1])
        self.assertTrue(
            any(not np.array_equal(r, self.run_with("")) for r in runs)
        )

    def test_unknown_schedule(self):
        with self.assertRaisesRegex(ValueError, "reverse or shuffle:SEED"):
            self.run_with("sideways")


class TestSwitch(CUDATestCase):
    def test_unknown_check(self):
        with self.assertRaisesRegex(ValueError, "memcheck, racecheck"):
            with cts.sanitizer("memchek"):
                pass

    @skip_unless_cudasim("Tests the CUDA simulator")
    def test_environment_variable_read_at_launch(self):
        @cuda.jit
        def shift(out):
            out[cuda.threadIdx.x - 3] = 1

        old = os.environ.get("NUMBA_CUDASIM_SANITIZER")
        os.environ["NUMBA_CUDASIM_SANITIZER"] = "memcheck"
        try:
            with self.assertRaises(cts.SanitizerError):
                shift[1, 2](np.zeros(2))
            os.environ["NUMBA_CUDASIM_SANITIZER"] = "bogus"
            with self.assertRaisesRegex(ValueError, "NUMBA_CUDASIM_SANITIZER"):
                shift[1, 2](np.zeros(2))
        finally:
            if old is None:
                del os.environ["NUMBA_CUDASIM_SANITIZER"]
            else:
                os.environ["NUMBA_CUDASIM_SANITIZER"] = old


if __name__ == "__main__":
    unittest.main()
