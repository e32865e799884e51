"""Early-return kernels that allocate through an inlined device function
from another module, captured in a closure (the CuBIE pattern)."""

import unittest

import numpy as np
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from .allocators import AllocatorFactory
from .kernels import EarlyReturnKernelFactory

THREADS_PER_BLOCK = 32

DEFAULTS = {"array_size": 10, "buffer_size": 5, "n_threads": 7}

# Each is applied over DEFAULTS.
SETTINGS = [
    {},
    {"n_threads": 10},
    {"n_threads": 1},
    {"n_threads": 0},
    {"n_threads": 3},
    {"n_threads": 9},
    {"buffer_size": 1},
    {"buffer_size": 64},
    {"dtype": np.float32},
    {"dtype": np.int32, "n_threads": 5},
    {"array_size": 32, "n_threads": 32},
    {"array_size": 32, "n_threads": 17},
    {"array_size": 64, "n_threads": 40},
    {"array_size": 96, "n_threads": 95, "buffer_size": 2},
]


def build(settings, n_threads=None):
    allocator = AllocatorFactory(
        settings["buffer_size"], settings.get("dtype", float)
    )
    if n_threads is None:
        n_threads = settings["n_threads"]
    return EarlyReturnKernelFactory(n_threads, allocator).build()


def describe(item):
    name, value = item
    return "%s=%s" % (name, getattr(value, "__name__", value))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestEarlyReturn(CUDATestCase):
    def run_kernel(self, kernel, settings):
        out = np.zeros(settings["array_size"], dtype=np.float64)
        blocks = max(1, -(-settings["array_size"] // THREADS_PER_BLOCK))
        kernel[blocks, THREADS_PER_BLOCK](out)
        return out

    def check(self, out, n_threads):
        n = min(n_threads, out.size)
        np.testing.assert_equal(out[:n], 1)
        np.testing.assert_equal(out[n:], 0)

    def test_settings(self):
        for change in SETTINGS:
            # Described as text: pytest-xdist cannot send a dtype class.
            with self.subTest(", ".join(map(describe, change.items()))):
                settings = dict(DEFAULTS, **change)
                out = self.run_kernel(build(settings), settings)
                self.check(out, settings["n_threads"])

    def test_rebuilt_kernels_agree(self):
        for n_threads in range(DEFAULTS["array_size"] + 1):
            with self.subTest(n_threads=n_threads):
                kernel = build(DEFAULTS, n_threads)
                self.check(self.run_kernel(kernel, DEFAULTS), n_threads)


if __name__ == "__main__":
    unittest.main()
