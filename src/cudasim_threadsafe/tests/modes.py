"""Run a test under one launcher of the simulator."""

import os
from unittest import mock

VARIABLE = "NUMBA_CUDASIM_LAUNCHER"


def os_threads():
    """Each simulated thread on an OS thread: for kernels that wait on
    something that is not a CUDA primitive (a ``threading.Event``)."""
    return mock.patch.dict(os.environ, {VARIABLE: "threads"})


def launcher(name):
    return mock.patch.dict(os.environ, {VARIABLE: name})
