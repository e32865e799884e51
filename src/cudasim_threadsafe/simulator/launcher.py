"""Chooses how the threads of a simulated kernel run.

``NUMBA_CUDASIM_LAUNCHER`` selects it, read by numba's config as its other
``NUMBA_`` variables are (``config.CUDASIM_LAUNCHER``): ``greenlet`` (the
default where the greenlet package is importable) runs a block's threads
in turn on the launching thread (see ``greenlets``); ``threads`` runs each
on an OS thread (see ``osthreads``), for kernels that wait on something
that is not a CUDA primitive, and is the default without greenlet. Under
coverage.py's line tracer, greenlet launches run on OS threads (see
``_traces_per_os_thread``).
"""

import os
import sys

from . import context, osthreads

try:
    from . import greenlets
except ImportError:
    greenlets = None

ENVIRONMENT_VARIABLE = "NUMBA_CUDASIM_LAUNCHER"
MODES = ("greenlet", "threads")


def configured():
    """The launcher numba's config names (``config.CUDASIM_LAUNCHER``), or
    "" for the default; where the config has no such setting (a numba that
    does not read the variable), the variable as it is now."""
    config = sys.modules.get("numba.cuda.core.config") or sys.modules.get(
        "numba.core.config"
    )
    try:
        return config.CUDASIM_LAUNCHER
    except AttributeError:
        return os.environ.get(ENVIRONMENT_VARIABLE, "")


def mode():
    """The launcher that the next launch uses."""
    chosen = str(configured() or "").strip().lower()
    if chosen not in ("",) + MODES:
        raise ValueError(
            "%s=%r: use one of %s"
            % (ENVIRONMENT_VARIABLE, chosen, ", ".join(MODES))
        )
    if chosen == "threads":
        return "threads"
    if greenlets is None:
        if chosen == "greenlet":
            raise ImportError(
                "%s=greenlet needs the greenlet package" % ENVIRONMENT_VARIABLE
            )
        return "threads"
    return "greenlet"


def block_class():
    """The class whose instances run the blocks of the next launch."""
    if mode() == "greenlet" and not _traces_per_os_thread():
        return greenlets.GreenletBlock
    return osthreads.ThreadBlock


def _traces_per_os_thread():
    """Whether coverage.py measures the calling thread with a trace
    function that keeps a single stack of frames for the OS thread.

    Such a tracer follows calls and returns on a stack of its own, one per
    OS thread (one per greenlet only with ``concurrency = greenlet``).
    Greenlets that switch at barriers, or that stay suspended in the idle
    pool, interleave their calls and returns on it: the lines after the
    launch land in the wrong file, or nowhere, and its report calls them
    never run. Coverage gives every OS thread a tracer of its own
    (``threading.settrace``), so such a launch runs on OS threads.

    Only coverage's tracers: a debugger follows frames, not a stack, and
    stops in the kernel only on the launching thread (pdb's breakpoints).
    Not coverage with ``sys.monitoring`` either (no trace function), which
    measures greenlets right. One call here when nothing traces.
    """
    trace = sys.gettrace()
    if trace is None:
        return False
    # CTracer is the function; PyTracer's is a bound method.
    tracer = getattr(trace, "__self__", trace)
    if type(tracer).__module__.partition(".")[0] != "coverage":
        return False
    return getattr(tracer, "concur_id_func", None) is None


def BlockManager(f, grid_dim, block_dim, debug):
    """The runner of one block of a launch, as the simulator asks for it
    (``BlockManager(...).run(grid_point, *args)``), inside the launch's
    ``launch.Launch``."""
    return context.thread_state.starting.block(f, block_dim, debug)
