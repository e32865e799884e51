"""The package's own core, where no kernel shows it: the launch context
of host threads. Not exported: it imports the package."""

import threading
import unittest

import numpy as np
from numba import cuda
from numba.cuda.testing import skip_unless_cudasim

from cudasim_threadsafe.overlay import install as overlay
from cudasim_threadsafe.simulator import context, launch

from .modes import launcher

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestLaunching(unittest.TestCase):
    def fake(self):
        from numba.cuda.simulator.kernelapi import FakeCUDAModule

        return FakeCUDAModule((1, 1, 1), (1, 1, 1), 0)

    def test_nested_launches_restore_the_outer_one(self):
        outer, inner = self.fake(), self.fake()
        with launch.Launch(outer):
            with launch.Launch(inner):
                self.assertIs(overlay.launch_context(), inner)
            self.assertIs(overlay.launch_context(), outer)
        self.assertIsNone(overlay.launch_context())

    def test_restored_after_an_error(self):
        with self.assertRaises(KeyError):
            with launch.Launch(self.fake()):
                raise KeyError("in the launch")
        self.assertIsNone(overlay.launch_context())

    def test_nothing_left_after_a_failed_launch(self):
        @cuda.jit
        def kernel(out):
            out[cuda.threadIdx.x] = 1

        with self.assertRaises(IndexError):
            kernel[1, 8](np.zeros(4))
        self.assertIsNone(overlay.launch_context())
        self.assertIsNone(context.thread_state.thread)
        with self.assertRaisesRegex(AttributeError, "only available inside"):
            cuda.threadIdx

    def test_simulated_threads_see_their_launch(self):
        seen = []

        @cuda.jit
        def kernel(out):
            seen.append(overlay.launch_context())
            cuda.syncthreads()

        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                del seen[:]
                kernel[2, 8](np.zeros(1))
                kernel[1, 4](np.zeros(1))
                first, second = seen[:16], seen[16:]
                self.assertEqual(len(second), 4)
                self.assertIsNotNone(first[0])
                self.assertEqual({id(s) for s in first}, {id(first[0])})
                self.assertEqual({id(s) for s in second}, {id(second[0])})
                self.assertIsNot(first[0], second[0])

    def test_host_threads_start_with_none(self):
        seen = []
        with launch.Launch(self.fake()):
            worker = threading.Thread(
                target=lambda: seen.append(overlay.launch_context())
            )
            worker.start()
            worker.join()
        self.assertEqual(seen, [None])


if __name__ == "__main__":
    unittest.main()
