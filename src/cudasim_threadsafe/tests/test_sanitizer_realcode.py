"""The sanitizer on patterns of real projects' kernels (stumpy, CuBIE):
no false alarms, findings at the level compute-sanitizer and Oclgrind
give them, reports that say where an array was made, and the true
defects still found."""

import os
import sys
import traceback
import unittest
import warnings
from unittest import mock

import numpy as np
from numba import cuda, float64, int64
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts

from .test_sanitizer import line_of

HERE = os.path.basename(__file__)
CHECKS = ("memcheck", "racecheck", "initcheck", "all")


@skip_unless_cudasim("Tests the CUDA simulator")
class RealCodeCase(CUDATestCase):
    def clean(self, kernel, config, *args, checks=CHECKS):
        """Run the launch under each of ``checks`` on fresh copies of
        ``args``: no error and no warning; the arrays of the last run."""
        for check in checks:
            copies = [
                np.copy(a) if isinstance(a, np.ndarray) else a for a in args
            ]
            with (
                self.subTest(checks=check),
                cts.sanitizer(check),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("error", cts.SanitizerWarning)
                kernel[config](*copies)
        return copies

    def error(self, kernel, config, *args, checks="all"):
        with cts.sanitizer(checks):
            with self.assertRaises(cts.SanitizerError) as caught:
                kernel[config](*args)
        return caught.exception

    def warning(self, kernel, config, *args, checks="all"):
        """The text of the one ``SanitizerWarning`` of the launch, which
        raises nothing."""
        with (
            cts.sanitizer(checks),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            kernel[config](*args)
        found = [w for w in caught if w.category is cts.SanitizerWarning]
        self.assertEqual(len(found), 1, [str(w.message) for w in caught])
        return str(found[0].message)


class TestNegativeIndices(RealCodeCase):
    """An index in [-n, 0) wraps, as numba compiles it for the GPU."""

    def test_global_1d_read_and_write(self):
        @cuda.jit
        def rotate(a, out):
            i = cuda.threadIdx.x
            out[i - 1] = a[i - 4]

        out = self.clean(rotate, (1, 4), np.arange(4.0), np.zeros(4))[1]
        np.testing.assert_equal(out, [1, 2, 3, 0])

    def test_global_2d_last_column(self):
        # stumpy's top-k profile: profile[i, -1] is row i's last element,
        # written as profile[i, k - 1] by the same thread.
        @cuda.jit
        def top(profile, values):
            i = cuda.threadIdx.x
            k = profile.shape[1]
            if values[i] < profile[i, -1]:
                profile[i, k - 1] = values[i]
            profile[i, -1] = profile[i, -1] + 1

        profile = np.full((4, 3), 10.0)
        profile = self.clean(top, (1, 4), profile, np.arange(4.0))[0]
        np.testing.assert_equal(profile[:, -1], np.arange(4.0) + 1)
        np.testing.assert_equal(profile[:, :2], 10)

    def test_negative_row(self):
        @cuda.jit
        def last_rows(a, out):
            i = cuda.threadIdx.x
            a[-1 - i, 0] = i
            out[i] = a[-1 - i, 0] + a[-1 - i, -1]

        out = self.clean(last_rows, (1, 3), np.zeros((3, 2)), np.zeros(3))[1]
        np.testing.assert_equal(out, [0, 1, 2])

    def test_shared(self):
        @cuda.jit
        def left(out):
            buf = cuda.shared.array(8, float64)
            i = cuda.threadIdx.x
            buf[i - 8] = i
            cuda.syncthreads()
            out[i] = buf[i - 1]

        out = self.clean(left, (1, 8), np.zeros(8))[0]
        np.testing.assert_equal(out, np.roll(np.arange(8.0), 1))

    def test_shared_2d(self):
        @cuda.jit
        def corner(out):
            buf = cuda.shared.array((2, 4), float64)
            i = cuda.threadIdx.x
            buf[1, i] = i
            cuda.syncthreads()
            out[i] = buf[-1, -1 - i]

        out = self.clean(corner, (1, 4), np.zeros(4))[0]
        np.testing.assert_equal(out, [3, 2, 1, 0])

    def test_local(self):
        @cuda.jit
        def last(out):
            t = cuda.local.array(3, float64)
            t[2] = cuda.threadIdx.x
            t[-3] = 1
            out[cuda.threadIdx.x] = t[-1] + t[0]

        out = self.clean(last, (1, 2), np.zeros(2))[0]
        np.testing.assert_equal(out, [1, 2])

    def test_const(self):
        table = np.arange(5.0)

        @cuda.jit
        def lookup(out):
            c = cuda.const.array_like(table)
            out[cuda.threadIdx.x] = c[-1 - cuda.threadIdx.x]

        out = self.clean(lookup, (1, 5), np.zeros(5))[0]
        np.testing.assert_equal(out, table[::-1])

    def test_view_passed_to_device_function(self):
        @cuda.jit(device=True)
        def last_of(part):
            part[-2] = part[-1]
            return part[-1]

        @cuda.jit
        def views(a, out):
            i = cuda.threadIdx.x
            out[i] = last_of(a[i])

        a = np.arange(12.0).reshape(4, 3)
        done, out = self.clean(views, (1, 4), a, np.zeros(4))
        np.testing.assert_equal(out, a[:, -1])
        np.testing.assert_equal(done[:, 1], a[:, -1])

    def test_negative_row_view(self):
        @cuda.jit
        def last_rows(a, out):
            i = cuda.threadIdx.x
            row = a[-1 - i]
            row[0] = i
            out[i] = row[-1]

        a = np.arange(6.0).reshape(3, 2)
        done, out = self.clean(last_rows, (1, 3), a, np.zeros(3))
        np.testing.assert_equal(out, a[::-1, -1])
        np.testing.assert_equal(done[::-1, 0], [0, 1, 2])

    def test_numpy_integer_index(self):
        # An index read from an array is a NumPy integer: a[-1] is a[2].
        @cuda.jit
        def last(where, out):
            t = cuda.local.array(3, float64)
            t[2] = cuda.threadIdx.x
            out[cuda.threadIdx.x] = t[where[0]]

        where = np.array([-1])
        out = self.clean(last, (1, 2), where, np.zeros(2))[1]
        np.testing.assert_equal(out, [0, 1])

    def test_atomic(self):
        @cuda.jit
        def count(bins):
            cuda.atomic.add(bins, -1, 1)

        bins = self.clean(count, (1, 4), np.zeros(3, np.int64))[0]
        np.testing.assert_equal(bins, [0, 0, 4])

    def test_report_names_the_element(self):
        # Two threads store different values to a[-1]: the race is at
        # element [3], as the GPU addresses it.
        @cuda.jit
        def last(a):
            a[-1] = cuda.threadIdx.x

        msg = str(self.error(last, (1, 2), np.zeros(4), checks="racecheck"))
        self.assertIn("global array 'a' float64 4 at index [3]", msg)

    def test_past_either_end_is_out_of_bounds(self):
        @cuda.jit
        def outside(a, i):
            a[i] = 1

        for i in (-5, 4):
            with self.subTest(i=i):
                error = self.error(outside, (1, 1), np.zeros(4), i)
                self.assertIsInstance(error, IndexError)
                self.assertIn("at index [%d]" % i, str(error))
        for i in ((0, -4), (0, 3), (2, 0), (-3, 0)):
            with self.subTest(i=i):
                error = self.error(outside, (1, 1), np.zeros((2, 3)), i)
                self.assertIn("at index [%d, %d]" % i, str(error))


class TestSameValue(RealCodeCase):
    """A store of the value an element holds races with nothing that can
    change a result: a read unordered with it is a warning, a store of
    the same value nothing (docs/sanitizer.md)."""

    @staticmethod
    def stumpy_kernel():
        # stumpy's _compute_and_update_PI_kernel: each thread fills its own
        # element of p_out, then every thread stores p_out[0] from a value
        # all share; thread 0 (i == 0) reads p_out[0] with no barrier.
        @cuda.jit
        def update(j, p_in, p_out, p_first, out):
            start = cuda.grid(1)
            for i in range(start, p_out.shape[0], cuda.gridsize(1)):
                p_out[i] = p_in[i - 1] + 1
                p_out[0] = p_first[j]
                out[i] = p_out[i]

        return update

    # Thread 0's first store to p_out[0] races thread 1's store of another
    # value, but thread 0 overwrites it before anything reads it: only an
    # order with thread 1 in between shows it (docs/sanitizer.md), so the
    # order is the greenlet launcher's.
    @mock.patch.dict(os.environ, {"NUMBA_CUDASIM_LAUNCHER": "greenlet"})
    def test_stumpy_first_element_is_a_warning(self):
        update = self.stumpy_kernel()
        msg = self.warning(
            update,
            (1, 4),
            1,
            np.zeros(4),
            np.zeros(4),
            np.arange(3.0),
            np.zeros(4),
        )
        self.assertIn_all(
            msg,
            "1 warning in kernel 'update'",
            "[racecheck] race (write after read): global array 'p_out'",
            "at index [0]",
            "%s:%d" % (HERE, line_of(update.py_func, "out[i] = p_out[i]")),
            "%s:%d" % (HERE, line_of(update.py_func, "p_out[0] = p_first")),
            "the store wrote the value the element already held",
        )

    def test_read_of_a_rewritten_value_is_a_warning(self):
        @cuda.jit
        def flag(a, out):
            i = cuda.threadIdx.x
            if i == 0:
                a[0] = 5
            out[i] = a[0]

        msg = self.warning(flag, (1, 4), np.array([5.0]), np.zeros(4))
        self.assertIn("race (read after write)", msg)
        # A store that changes the element stays an error.
        error = self.error(flag, (1, 4), np.array([4.0]), np.zeros(4))
        self.assertIn("race (read after write)", str(error))
        self.assertNotIn("already held", str(error))

    def test_shared_write_after_read_of_the_same_value(self):
        @cuda.jit
        def broadcast(out):
            s = cuda.shared.array(1, float64)
            i = cuda.threadIdx.x
            if i == 0:
                s[0] = 7
            cuda.syncthreads()
            out[i] = s[0]
            s[0] = 7

        msg = self.warning(broadcast, (1, 4), np.zeros(4))
        self.assertIn_all(msg, "shared array 's'", "already held")

    def test_nan_over_nan(self):
        @cuda.jit
        def nan(a, out):
            i = cuda.threadIdx.x
            out[i] = a[0]
            a[0] = np.nan

        msg = self.warning(nan, (1, 2), np.array([np.nan]), np.zeros(2))
        self.assertIn("already held", msg)

    def test_stores_of_one_value_are_not_reported(self):
        @cuda.jit
        def flag(out):
            out[0] = 1

        self.clean(flag, (2, 4), np.zeros(1))

    def test_same_value_over_unwritten_memory_is_an_error(self):
        # d[0] holds 5, but nothing the sanitizer saw wrote it (memory a
        # GPU leaves undefined): thread 1 storing 5 changes what thread 0
        # may read.
        @cuda.jit
        def first(d, out):
            i = cuda.threadIdx.x
            if i == 1:
                d[0] = 5
            out[i] = d[0]

        with cts.sanitizer("initcheck"):
            d = cuda.device_array(1)
        d._ary[0] = 5
        error = self.error(first, (1, 2), d, np.zeros(2), checks="racecheck")
        self.assertIn("race (write after read)", str(error))

        @cuda.jit
        def shared(out):
            buf = cuda.shared.array(2, float64)
            i = cuda.threadIdx.x
            if i == 1:
                buf[0] = buf[0]
            out[i] = buf[0]

        error = self.error(shared, (1, 2), np.zeros(2), checks="racecheck")
        self.assertIn("race (write after read)", str(error))

    def test_same_value_after_a_changing_store_is_an_error(self):
        # Thread 1 changes a[0]; thread 2 stores the same new value; thread
        # 3 reads after both, unordered with thread 1: it may get the old.
        @cuda.jit
        def changed(a, out):
            i = cuda.threadIdx.x
            if i == 1 or i == 2:
                a[0] = 9
            if i == 3:
                out[0] = a[0]

        error = self.error(changed, (1, 4), np.zeros(1), np.zeros(1))
        self.assertIn("race (read after write)", str(error))

    def assertIn_all(self, message, *parts):
        for part in parts:
            self.assertIn(part, message)


@cuda.jit(device=True, inline="always")
def alloc():
    array = cuda.local.array(4, float64)
    return array


class TestWhereMade(RealCodeCase):
    """A report says where its array was made, and for an array made in a
    helper (CuBIE's buffer allocators), the helper's caller."""

    def test_local_array_made_in_a_helper(self):
        @cuda.jit
        def step(out):
            state = alloc()
            state[0] = 1
            out[cuda.threadIdx.x] = state[1]

        msg = str(self.error(step, (1, 1), np.zeros(1), checks="initcheck"))
        made = line_of(alloc.py_func, "cuda.local.array")
        called = line_of(step.py_func, "state = alloc()")
        self.assertIn(
            "local array 'state' float64 4 (made by cuda.local.array at "
            "%s:%d (alloc), called from " % (__file__, made),
            msg,
        )
        self.assertIn("%s:%d (step))" % (__file__, called), msg)

    def test_shared_array_made_in_the_kernel(self):
        @cuda.jit
        def unfilled(out):
            buf = cuda.shared.array(4, int64)
            out[cuda.threadIdx.x] = buf[cuda.threadIdx.x]

        msg = str(self.error(unfilled, (1, 2), np.zeros(2, np.int64)))
        made = line_of(unfilled.py_func, "cuda.shared.array")
        self.assertIn(
            "shared array 'buf' int64 4 (made by cuda.shared.array at "
            "%s:%d (unfilled))" % (__file__, made),
            msg,
        )

    def test_device_arrays_made_by_the_host(self):
        @cuda.jit
        def copy(src, dst):
            dst[0] = src[0]
            dst[1] = cuda.threadIdx.x

        with cts.sanitizer("all"):
            src = cuda.device_array(1)
            src_line = sys._getframe().f_lineno - 1
            dst = cuda.to_device(np.zeros(2))
            dst_line = sys._getframe().f_lineno - 1
            with self.assertRaises(cts.SanitizerError) as caught:
                copy[1, 2](src, dst)
        msg = str(caught.exception)
        where = "%s:%%d (test_device_arrays_made_by_the_host)" % __file__
        self.assertIn(
            "global array 'src' float64 1 (made by cuda.device_array at %s)"
            % (where % src_line),
            msg,
        )
        self.assertIn(
            "global array 'dst' float64 2 (made by cuda.to_device at %s)"
            % (where % dst_line),
            msg,
        )

    def test_numpy_argument_has_no_site(self):
        @cuda.jit
        def last(a):
            a[0] = cuda.threadIdx.x

        msg = str(self.error(last, (1, 2), np.zeros(1)))
        self.assertIn("global array 'a' float64 1 at index [0]", msg)


@unittest.skipIf(
    sys.version_info < (3, 11),
    "before Python 3.11 a context manager's exit cannot replace the "
    "traceback of the exception going through it",
)
class TestTraceback(RealCodeCase):
    """memcheck's error, raised in a simulated thread, goes on ending in
    the kernel's code: the frames of the simulator's launch, its threads
    and the checks' are trimmed."""

    def raised(self, kernel, config, *args, checks="all"):
        """The error, with its traceback (``assertRaises`` drops it)."""
        with cts.sanitizer(checks):
            try:
                kernel[config](*args)
            except cts.SanitizerError as e:
                return e
        self.fail("nothing raised")

    def assertTrimmed(self, error):
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        frames = traceback.extract_tb(error.__traceback__)
        for frame in frames:
            for inner in ("checks", "simulator"):
                self.assertFalse(
                    frame.filename.startswith(os.path.join(package, inner)),
                    frame.filename,
                )
            self.assertNotIn(
                os.path.join("cuda", "simulator", ""), frame.filename
            )
        return frames

    def test_memcheck_ends_at_the_access(self):
        @cuda.jit
        def outside(a):
            a[cuda.threadIdx.x + 1] = 1

        error = self.raised(outside, (1, 2), np.zeros(2), checks="memcheck")
        last = self.assertTrimmed(error)[-1]
        self.assertEqual(
            (last.filename, last.lineno),
            (__file__, line_of(outside.py_func, "a[cuda")),
        )

    def test_memcheck_in_a_device_function(self):
        @cuda.jit(device=True)
        def past(a, i):
            return a[i + 2]

        @cuda.jit
        def calls(a):
            a[0] = past(a, cuda.threadIdx.x)

        error = self.raised(calls, (1, 1), np.zeros(2), checks="memcheck")
        frames = self.assertTrimmed(error)
        self.assertEqual(
            [(f.name, f.lineno) for f in frames[-2:]],
            [
                ("calls", line_of(calls.py_func, "past(a")),
                ("past", line_of(past.py_func, "a[i + 2]")),
            ],
        )


class TestTrueDefects(RealCodeCase):
    """Defects the real projects' suites hold, still found."""

    def test_local_first_element_written_on_one_branch(self):
        # CuBIE's adaptive step controller: the history's first element is
        # written only when the step is accepted, and read on every path.
        @cuda.jit
        def control(errors, out):
            i = cuda.threadIdx.x
            history = cuda.local.array(2, float64)
            history[1] = 1.0
            if errors[i] < 1.0:
                history[0] = errors[i]
            out[i] = history[0] * 0.9 + history[1]

        errors = np.array([0.5, 2.0])
        with cts.sanitizer("none"):
            control[1, 2](errors, np.zeros(2))
        msg = str(self.error(control, (1, 2), errors, np.zeros(2)))
        self.assertIn(
            "[initcheck] uninitialized: local array 'history' float64 2 "
            "(made by cuda.local.array at",
            msg,
        )
        self.assertIn("read at index [0] before anything wrote it", msg)
        self.assertIn("tid=[1, 0, 0]", msg)

    def test_uninitialized_reference_device_array(self):
        # A test that compares against a reference array it never filled.
        @cuda.jit
        def difference(x, ref, out):
            i = cuda.grid(1)
            out[i] = x[i] - ref[i]

        with cts.sanitizer("all"):
            ref = cuda.device_array(4)
            with self.assertRaises(cts.SanitizerError) as caught:
                difference[1, 4](np.ones(4), ref, np.zeros(4))
        self.assertIn(
            "[initcheck] uninitialized: global array 'ref' float64 4 "
            "(made by cuda.device_array at",
            str(caught.exception),
        )


if __name__ == "__main__":
    unittest.main()
