"""One kernel launch, set up once rather than once a block.

Upstream's ``FakeCUDAKernel.__call__`` makes the launch's fake module and
runs its blocks inside ``with _push_kernel_context(fake):``; the fix puts
``Launch`` there. A ``Launch`` reads once what every block of the launch
needs (the names its threads share, the launcher, the block's shape) and
runs the launch's plugins around its blocks. A plugin is a class whose
instances are context managers, one a launch; a plugin that is off is not
in ``PLUGINS``, so it costs nothing.
"""

import math

import numpy as np

from . import context, launcher, printing

# Run around every launch, first to last: in-kernel prints in whole lines.
PLUGINS = (printing.WholeLines,)

# ``SANITIZER(launch)`` gives the launch's sanitizer plugin, or None when no
# check is on; the package's sanitizer mode (``sanitize.for_launch``) is
# set here by the overlay.
SANITIZER = None
# ``SCHEDULE(launch)``: the order of a block's threads, or None for
# upstream's (the package's ``schedule.for_launch``, set by the overlay).
SCHEDULE = None


class Launch:
    """The launch of fake module ``fake``, while its blocks run on the
    calling host thread (``context.thread_state.starting``)."""

    __slots__ = (
        "fake",
        "view",
        "block_class",
        "block_dim",
        "threads",
        "block_state",
        "sanitizer",
        "schedule",
        "_plugins",
        "_outer",
    )

    def __init__(self, fake):
        self.fake = fake
        self.view = context.launch_view(fake)
        self.block_class = launcher.block_class()
        self.block_dim = None
        self._plugins = [plugin() for plugin in PLUGINS]
        self.sanitizer = None if SANITIZER is None else SANITIZER(self)
        self.schedule = None if SCHEDULE is None else SCHEDULE(self)
        if self.sanitizer is not None:
            self._plugins.append(self.sanitizer)
        self._outer = None

    def block(self, f, block_dim, debug):
        """The runner of one block of this launch."""
        if block_dim != self.block_dim:
            self.block_dim = block_dim = tuple(block_dim)
            self.threads = math.prod(block_dim)
            # Blocks of one launch run one after another: they share the
            # array of syncthreads_count / _and / _or.
            self.block_state = np.zeros(block_dim, dtype=np.bool_)
        return self.block_class(self, f, debug)

    def __enter__(self):
        entered = []
        try:
            for plugin in self._plugins:
                plugin.__enter__()
                entered.append(plugin)
        except BaseException:
            for plugin in reversed(entered):
                plugin.__exit__(None, None, None)
            raise
        state = context.thread_state
        self._outer = state.starting
        state.starting = self
        return self

    def __exit__(self, *exc):
        context.thread_state.starting = self._outer
        self._outer = None
        for plugin in reversed(self._plugins):
            plugin.__exit__(*exc)
        return False
