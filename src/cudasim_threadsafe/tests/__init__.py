"""Regression tests for the thread-safe CUDA simulator.

Kernels and the device functions they call live in different modules, as in
real code. Run with ``NUMBA_ENABLE_CUDASIM=1``, under pytest or
``python -m numba.runtests cudasim_threadsafe.tests``.
"""

import importlib
import pkgutil
import unittest


def load_tests(loader, tests, pattern):
    # numba.runtests loads this package by name. Load each test module
    # directly: discovery from here would call this function again.
    suite = unittest.TestSuite()
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("test_"):
            module = importlib.import_module("%s.%s" % (__name__, info.name))
            suite.addTests(loader.loadTestsFromModule(module))
    return suite
