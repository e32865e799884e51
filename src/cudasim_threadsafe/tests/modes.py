"""Run a test under one launcher of the simulator, or without the
sanitizer."""

import contextlib
import importlib  # package-only
import os
import sys
from unittest import mock

VARIABLE = "NUMBA_CUDASIM_LAUNCHER"


def os_threads():
    """Each simulated thread on an OS thread: for kernels that wait on
    something that is not a CUDA primitive (a ``threading.Event``)."""
    return launcher("threads")


@contextlib.contextmanager
def launcher(name):
    """Launches in the block use launcher ``name`` ("" for the default):
    the variable, which the package reads at each launch, and numba's
    config, which numba reads it into where the fix is built in."""
    config = sys.modules.get("numba.cuda.core.config") or sys.modules.get(
        "numba.core.config"
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.dict(os.environ, {VARIABLE: name}))
        if hasattr(config, "CUDASIM_LAUNCHER"):
            stack.enter_context(
                mock.patch.object(config, "CUDASIM_LAUNCHER", name)
            )
        yield


def under_coverage_tracer():
    """Whether coverage.py's line tracer measures this thread: launches
    then run on OS threads, whatever the launcher (``simulator.launcher``).
    """
    from cudasim_threadsafe.simulator import launcher

    return launcher._traces_per_os_thread()


def untyped():
    """Intrinsics called as the simulator has them, without the GPU
    typing that converts their arguments first: what the simulator does
    where the fix is built in. A no-op there."""
    # package-only: the package's GPU typing
    try:
        settings = importlib.import_module("cudasim_threadsafe.settings")
    except ImportError:
        pass
    else:
        return settings.gpu_typing(False)
    # end package-only
    return contextlib.nullcontext()


def no_sanitizer():
    """The sanitizer off, whatever ``NUMBA_CUDASIM_SANITIZER`` says, for a
    test of what it would report on purpose. A no-op where there is no
    sanitizer (the simulator with the fix built in)."""
    # package-only: the package's sanitizer
    try:
        settings = importlib.import_module("cudasim_threadsafe.settings")
    except ImportError:
        pass
    else:
        return settings.sanitizer("none")
    # end package-only
    return contextlib.nullcontext()
