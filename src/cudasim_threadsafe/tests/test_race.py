"""Deterministic reproducer of the shared-globals race.

``threading.Event`` arguments order two simulated threads so that one leaves
a device function of ``devicefuncs`` while the other is still inside one,
and the second then calls ``cuda.local.array``; it runs on OS threads, as
waiting on an ``Event`` needs. The simulator used to
restore the real module into ``devicefuncs``' globals at that moment:

    AttributeError: tid=[0, 0, 0] ctaid=[0, 0, 0]: module 'numba.cuda' has
    no attribute 'local'
"""

import threading
import unittest

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from .devicefuncs import alloc_after_other_left, hold
from .modes import os_threads


@cuda.jit
def ordered(out, entered, release, left):
    i = cuda.threadIdx.x
    if i == 1:
        # Enter devicefuncs first, and leave while thread 0 is inside.
        out[1] = hold(entered, release)
        left.set()
    else:
        entered.wait(10)
        out[0] = alloc_after_other_left(release, left)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestSharedGlobalsRace(CUDATestCase):
    def test_thread_leaving_module_does_not_break_other(self):
        out = np.zeros(2, dtype=np.int32)
        events = [threading.Event() for _ in range(3)]
        with os_threads():
            ordered[1, 2](out, *events)
        np.testing.assert_equal(out, [2, 1])


if __name__ == "__main__":
    unittest.main()
