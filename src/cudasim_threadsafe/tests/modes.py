"""Run a test under one launcher of the simulator, or without the
sanitizer."""

import contextlib
import importlib
import os
from unittest import mock

VARIABLE = "NUMBA_CUDASIM_LAUNCHER"


def os_threads():
    """Each simulated thread on an OS thread: for kernels that wait on
    something that is not a CUDA primitive (a ``threading.Event``)."""
    return mock.patch.dict(os.environ, {VARIABLE: "threads"})


def launcher(name):
    return mock.patch.dict(os.environ, {VARIABLE: name})


def under_coverage_tracer():
    """Whether coverage.py's line tracer measures this thread: launches
    then run on OS threads, whatever the launcher (``simulator.launcher``).
    False where the fix is built into the simulator."""
    try:
        launcher = importlib.import_module(
            "cudasim_threadsafe.simulator.launcher"
        )
    except ImportError:
        return False
    return launcher._traces_per_os_thread()


def no_sanitizer():
    """The sanitizer off, whatever ``NUMBA_CUDASIM_SANITIZER`` says, for a
    test of what it would report on purpose. A no-op where there is no
    sanitizer (the simulator with the fix built in)."""
    try:
        settings = importlib.import_module("cudasim_threadsafe.settings")
    except ImportError:
        return contextlib.nullcontext()
    return settings.sanitizer("none")
