"""Regression tests for the thread-safe CUDA simulator.

Kernels and the device functions they call live in different modules, as in
real code. Run with ``NUMBA_ENABLE_CUDASIM=1``, under pytest or
``python -m numba.runtests cudasim_threadsafe.tests``.
"""

import os
import unittest


def load_tests(loader, tests, pattern):
    # numba.runtests loads this package by name: find the test modules.
    here = os.path.dirname(__file__)
    top = os.path.dirname(os.path.dirname(here))
    suite = unittest.TestSuite()
    suite.addTests(loader.discover(here, pattern="test*.py", top_level_dir=top))
    return suite
