"""The early-return kernel launched many times with the interpreter
switching threads as often as it can."""

import sys
import unittest

import numpy as np
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from .allocators import AllocatorFactory
from .kernels import EarlyReturnKernelFactory

LAUNCHES = 300


@skip_unless_cudasim("Tests the CUDA simulator")
class TestStress(CUDATestCase):
    def setUp(self):
        super().setUp()
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)

    def tearDown(self):
        sys.setswitchinterval(self._interval)
        super().tearDown()

    def test_early_return_many_launches(self):
        kernel = EarlyReturnKernelFactory(7, AllocatorFactory(5)).build()
        expected = np.zeros(10)
        expected[:7] = 1
        for _ in range(LAUNCHES):
            out = np.zeros(10)
            kernel[1, 32](out)
            np.testing.assert_equal(out, expected)


if __name__ == "__main__":
    unittest.main()
