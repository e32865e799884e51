"""In-kernel ``print()``: each call's line comes out whole, and
``sys.stdout`` is left alone."""

import contextlib
import io
import re
import sys
import threading
import unittest

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from .modes import os_threads


class Meeting:
    """Printed after a thread's index: ``str()`` waits until every thread
    has written its index, so lines that are not kept whole interleave."""

    def __init__(self, n):
        self.barrier = threading.Barrier(n)

    def __str__(self):
        self.barrier.wait(10)
        return "met"


@contextlib.contextmanager
def switch_interval(seconds):
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestPrint(CUDATestCase):
    def launch(self, kernel, config, *args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kernel[config](*args)
            self.assertIs(sys.stdout, out)
        return out.getvalue()

    def test_lines_whole_when_threads_meet_mid_print(self):
        @cuda.jit
        def kernel(meeting):
            print(cuda.threadIdx.x, meeting)

        n = 32
        # Threads meet mid-print only when each has an OS thread.
        with os_threads():
            text = self.launch(kernel, (1, n), Meeting(n))
        expected = ["%d met" % i for i in range(n)]
        self.assertEqual(sorted(text.splitlines(), key=_first_int), expected)

    def test_many_prints_tiny_switch_interval(self):
        @cuda.jit
        def kernel(repeat):
            i = cuda.grid(1)
            for k in range(repeat):
                print("line", i, k, "of", repeat, sep=":")

        with switch_interval(1e-6):
            text = self.launch(kernel, (2, 32), 5)
        lines = text.splitlines()
        self.assertEqual(len(lines), 64 * 5)
        for line in lines:
            self.assertRegex(line, r"^line:\d+:\d:of:5$")

    def test_host_thread_writes_straight_through(self):
        started = threading.Event()
        done = threading.Event()

        @cuda.jit
        def kernel(started, done):
            print("kernel", "started")
            started.set()
            done.wait(10)
            print("kernel", "done")

        def host():
            started.wait(10)
            print("host")
            done.set()

        helper = threading.Thread(target=host)
        helper.start()
        text = self.launch(kernel, (1, 1), started, done)
        helper.join()
        self.assertEqual(text, "kernel started\nhost\nkernel done\n")

    def test_stdout_left_alone(self):
        # A launch replaces no stream, whether its kernel prints or not.
        @cuda.jit
        def silent(seen, out):
            out[cuda.threadIdx.x] = sys.stdout is seen.stream

        @cuda.jit
        def printing(seen, out):
            out[cuda.threadIdx.x] = sys.stdout is seen.stream
            print("thread", cuda.threadIdx.x)

        for kernel, lines in ((silent, 0), (printing, 4)):
            with self.subTest(kernel.py_func.__name__):
                text = io.StringIO()
                with contextlib.redirect_stdout(text):
                    seen = Stream()
                    out = np.zeros(4, np.bool_)
                    kernel[1, 4](seen, out)
                self.assertTrue(out.all())
                self.assertEqual(len(text.getvalue().splitlines()), lines)

    def test_print_to_a_file(self):
        @cuda.jit
        def kernel(stream):
            print("to", "the", "file", file=stream)

        stream = io.StringIO()
        self.assertEqual(self.launch(kernel, (1, 2), stream), "")
        self.assertEqual(stream.getvalue(), "to the file\n" * 2)

    def test_unterminated_output_written_at_launch_end(self):
        @cuda.jit
        def kernel():
            print(cuda.threadIdx.x, end="")

        text = self.launch(kernel, (1, 8))
        self.assertEqual(sorted(text), [str(i) for i in range(8)])

    def test_concurrent_launches_restore_stdout(self):
        n = 4
        meeting = threading.Barrier(n)

        @cuda.jit
        def kernel(meeting):
            if cuda.threadIdx.x == 0:
                meeting.wait(10)
            print("x", cuda.threadIdx.x)

        threads = [
            threading.Thread(target=kernel[1, 4], args=(meeting,))
            for _ in range(n)
        ]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertIs(sys.stdout, out)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 4 * n)
        for line in lines:
            self.assertRegex(line, r"^x \d$")


class Stream:
    """The stream that ``sys.stdout`` was when made."""

    def __init__(self):
        self.stream = sys.stdout


def _first_int(line):
    match = re.match(r"\d+", line)
    return int(match.group()) if match else -1


if __name__ == "__main__":
    unittest.main()
