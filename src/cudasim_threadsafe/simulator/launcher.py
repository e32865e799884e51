"""Chooses how the threads of a simulated kernel run.

``NUMBA_CUDASIM_LAUNCHER`` selects it, read once a launch: ``greenlet``
(the default where the greenlet package is importable) runs a block's
threads in turn on the launching thread (see ``greenlets``); ``threads``
runs each on an OS thread (see ``osthreads``), for kernels that wait on
something that is not a CUDA primitive.
"""

import os

from . import context, osthreads

try:
    from . import greenlets
except ImportError:
    greenlets = None

ENVIRONMENT_VARIABLE = "NUMBA_CUDASIM_LAUNCHER"
MODES = ("greenlet", "threads")


def mode():
    """The launcher that the next launch uses."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
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
    if mode() == "greenlet":
        return greenlets.GreenletBlock
    return osthreads.ThreadBlock


def BlockManager(f, grid_dim, block_dim, debug):
    """The runner of one block of a launch, as the simulator asks for it
    (``BlockManager(...).run(grid_point, *args)``), inside the launch's
    ``launch.Launch``."""
    return context.thread_state.starting.block(f, block_dim, debug)
