"""One kernel launch, set up once rather than once a block.

``FakeCUDAKernel.__call__`` makes the launch's fake module and runs its
blocks inside ``with Launch(fake):``. A ``Launch`` reads once what every
block of the launch needs (the names its threads share, the launcher, the
block's shape) and runs the launch's plugins around its blocks. A plugin
is a callable that, given the launch, returns a context manager for it, or
None when it has nothing to do in that launch, so that a plugin that is
off costs nothing.
"""

import math
import sys

import numpy as np

from . import context, gridsync, launcher, launchlimits, simthread

# Called with every launch, first to last (none here).
PLUGINS = ()

# package-only: hooks for a package that extends the simulator
# ``SETTINGS()``: its switches, read once for the launch (``settings``).
SETTINGS = None
# ``SANITIZER(launch)``: the launch's sanitizer plugin, or None.
SANITIZER = None
# ``SCHEDULE(launch)``: the order of a block's threads, or None for
# the launcher's.
SCHEDULE = None
# ``FUNCTION(launch, f)``: the function the launch's threads run for the
# kernel's function ``f``.
FUNCTION = None
# end package-only


class Launch:
    """The launch of fake module ``fake``, while its blocks run on the
    calling host thread (``context.thread_state.starting``)."""

    __slots__ = (
        "fake",
        "view",
        "block_class",
        "block_dim",
        "index",
        "threads",
        "block_state",
        "grid_blocks",
        "grid",
        "settings",  # package-only
        "sanitizer",  # package-only
        "schedule",  # package-only
        "_plugins",
        "_outer",
    )

    def __init__(self, fake):
        # What the device refuses is refused before anything runs.
        launchlimits.check(fake)
        self.fake = fake
        self.view = context.launch_view(fake)
        self.block_class = launcher.block_class()
        self.block_dim = None
        # The class of its threads' threadIdx and blockIdx.
        self.index = simthread.launch_index(fake)
        self.grid_blocks = math.prod(fake.gridDim)
        # The runner of every block of a cooperative launch, else None.
        self.grid = None
        # package-only: the package's switches, sanitizer and schedule
        self.settings = None if SETTINGS is None else SETTINGS()
        self.sanitizer = None if SANITIZER is None else SANITIZER(self)
        self.schedule = None if SCHEDULE is None else SCHEDULE(self)
        # end package-only
        plugins = [plugin(self) for plugin in PLUGINS]
        plugins.append(self.sanitizer)  # package-only
        self._plugins = [p for p in plugins if p is not None]
        self._outer = None

    def block(self, f, block_dim, debug):
        """The runner of one block of this launch."""
        if self.grid is not None:
            return self.grid
        if block_dim != self.block_dim:
            self.block_dim = block_dim = tuple(block_dim)
            self.threads = math.prod(block_dim)
            # Blocks of one launch run one after another: they share the
            # array of syncthreads_count / _and / _or.
            self.block_state = np.zeros(block_dim, dtype=np.bool_)
            if gridsync.cooperative(f):
                return self._cooperative(f, debug)
        if FUNCTION is not None:  # package-only
            f = FUNCTION(self, f)  # package-only
        return self.block_class(self, f, debug)

    def _cooperative(self, f, debug):
        """The launch's ``gridsync.Grid``, once its size is checked."""
        shared = getattr(self.fake, "_shared", None)
        dynamic = getattr(shared, "_dynshared_size", 0) or 0
        grid_dim = tuple(self.fake.gridDim)
        gridsync.check_size(grid_dim, self.block_dim, dynamic)
        threads = self.grid_blocks * self.threads
        if getattr(self.block_class, "os_threads", False):
            if threads > gridsync.MAX_OS_THREADS:
                raise RuntimeError(
                    "kernel %r: a cooperative launch of %d threads; the "
                    "OS-thread launcher runs each on an OS thread of its "
                    "own, %d at most: use NUMBA_CUDASIM_LAUNCHER=greenlet"
                    % (
                        getattr(f, "__name__", f),
                        threads,
                        gridsync.MAX_OS_THREADS,
                    )
                )
        if FUNCTION is not None:  # package-only
            f = FUNCTION(self, f)  # package-only
        self.grid = gridsync.Grid(self, f, debug, self.grid_blocks)
        return self.grid

    def __enter__(self):
        entered = 0
        try:
            for plugin in self._plugins:
                plugin.__enter__()
                entered += 1
        except BaseException:
            self._leave(self._plugins[:entered], sys.exc_info())
            raise
        state = context.thread_state
        self._outer = state.starting
        state.starting = self
        return self

    def __exit__(self, *exc):
        context.thread_state.starting = self._outer
        self._outer = None
        self._leave(self._plugins, exc)
        return False

    @staticmethod
    def _leave(plugins, exc):
        """Leave ``plugins``, last first, every one of them even when one
        raises (the sanitizer raises its report as it leaves); the last
        error raised is raised, the one before it as its context."""
        error = None
        for plugin in reversed(plugins):
            try:
                plugin.__exit__(*exc)
            except BaseException as e:
                if error is not None and e.__context__ is None:
                    e.__context__ = error
                error = e
                exc = type(e), e, e.__traceback__
        if error is not None:
            raise error
