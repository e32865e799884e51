"""What a simulated CUDA thread knows of itself.

One small record per simulated thread, made when the thread starts: its
position, and its block for barriers. The launch context points at the
record of the thread that runs (``context.thread_state.thread``), so
``cuda.threadIdx``, ``cuda.syncthreads()`` and the like find it with
attribute lookups, whichever launcher runs the thread (greenlets or OS
threads), and never through ``threading.current_thread()``.
"""

import functools
import itertools
import math
import operator

import numpy as np

from . import context, warp

# A thread that passes this many yield points (atomics, fences) without
# stopping lets the others of its block run: a spin-wait on an atomic
# makes progress, and a thread doing a few atomics pays no switch for them.
SPINS_BEFORE_YIELD = 16


# The members of the simulator's ``FakeCUDAModule`` that depend on the
# calling thread: this module provides them (below), reading the running
# simulated thread; ``warp.INTRINSICS`` are the warp ones.
THREAD_MEMBERS = (
    "threadIdx",
    "blockIdx",
    "laneid",
    "grid",
    "syncthreads",
    "syncthreads_count",
    "syncthreads_and",
    "syncthreads_or",
)
FAKE_MODULE_MEMBERS = THREAD_MEMBERS + warp.INTRINSICS


class SimulatedThread:
    """One simulated thread: ``threadIdx``, ``blockIdx`` and the
    intrinsics that depend on which thread calls them.

    ``block`` is the launcher's block object: it provides ``barrier``,
    ``collective`` (warp intrinsics), ``pause``, ``block_state`` (votes)
    and ``origin`` (the global index of the block's thread 0).
    """

    __slots__ = (
        "block",
        "blockIdx",
        "threadIdx",
        "thread_id",
        "runner",
        "spins",
    )

    # The kernel-only names of ``numba.cuda`` read from the running thread.
    names = FAKE_MODULE_MEMBERS + ("nanosleep",)

    def __init__(self, block, blockIdx, threadIdx, thread_id):
        self.block = block
        self.blockIdx = blockIdx
        self.threadIdx = threadIdx
        self.thread_id = thread_id
        # What runs this thread (a greenlet or an OS thread), for the block.
        self.runner = None
        # Yield points passed since this thread last stopped.
        self.spins = 0

    @property
    def laneid(self):
        # thread_id modulo warp.WARP_SIZE, without a global lookup.
        return self.thread_id & 31

    def grid(self, ndim):
        x0, y0, z0 = self.block.origin
        t = self.threadIdx
        if ndim == 1:
            return x0 + t.x
        if ndim == 2:
            return x0 + t.x, y0 + t.y
        if ndim == 3:
            return x0 + t.x, y0 + t.y, z0 + t.z
        raise RuntimeError(
            "cuda.grid takes 1, 2 or 3 dimensions, not %r" % ndim
        )

    def syncthreads(self):
        self.block.barrier(self)

    def grid_sync(self):
        """``cuda.cg.this_grid().sync()``: waits for every thread of the
        launch (see ``gridsync``)."""
        self.block.grid_barrier(self)

    def syncthreads_count(self, value):
        return int(self._vote(value, np.count_nonzero))

    def syncthreads_and(self, value):
        return int(self._vote(value, np.all))

    def syncthreads_or(self, value):
        return int(self._vote(value, np.any))

    def _vote(self, value, reduce):
        block = self.block
        t = self.threadIdx
        block.block_state[t.x, t.y, t.z] = value
        block.barrier(self)
        result = reduce(block.block_state)
        block.barrier(self)
        return result

    def nanosleep(self, ns):
        """Sleeps no time, but lets the other threads of the block run."""
        self.block.pause(self)

    def __str__(self):
        return "Thread <<<%s, %s>>>" % (self.blockIdx, self.threadIdx)


# The warp intrinsics are methods of the thread that calls them.
for _name in warp.INTRINSICS + warp.BUILTIN_TARGET_NAMES:
    setattr(SimulatedThread, _name, getattr(warp, _name))


class Block:
    """What the blocks of both launchers hold: the kernel, the launch and
    the names its threads share, the votes' state, its warps, and where
    it is (``blockIdx`` and ``origin``, the global index of its thread 0,
    set when the block runs)."""

    # Threads waiting at the grid barrier (``gridsync``): a list once one
    # waits there.
    grid_waiting = ()
    # In a cooperative launch the blocks are resident together: each has
    # shared memory of its own (``gridsync.Grid`` sets it).
    cooperative = False

    def __init__(self, launch, f, debug):
        self.fn = f
        self.block_dim = launch.block_dim
        # The class of its threadIdx and blockIdx (``index_class``).
        self.index = launch.index
        self.debug = debug
        self.launch = launch.fake
        self.view = launch.view
        self.block_state = launch.block_state
        self.warps = warp.Warps(self, launch.threads)
        # Who hears the block's events, which the launchers emit
        # (``thread_exited``, ``all_waiting``, ``barrier_released``): its
        # warps, which keep who has exited and who meets where.
        self.events = self.warps
        self.blockIdx = None
        self.origin = (0, 0, 0)
        # What the launcher makes each thread of.
        self.thread_class = SimulatedThread
        # package-only: the launch's sanitizer, if one is on, which may
        # change the thread class; the order threads run in between
        # barriers, or None (greenlets).
        self.sanitizer = launch.sanitizer
        self.schedule = launch.schedule
        # end package-only

    def go_on(self):
        """After a grid barrier: run on until the block ends or all its
        unfinished threads wait at the next one (True then)."""
        if self.sanitizer is not None:  # package-only
            self.sanitizer.block_resumed(self)  # package-only
        return self.advance()

    def failed(self):
        return self._error is not None

    def raise_error(self):
        """Raise the error a thread of the block raised, if any."""
        if self._error is not None:
            exc, tb = self._error
            self._error = None
            if exc is not None:
                raise exc.with_traceback(tb)

    def parked_alone(self):
        """All unfinished threads wait at the grid barrier in a launch not
        run as cooperative: with one block, they may go on; else this is
        the error to raise."""
        blocks = math.prod(self.launch.gridDim)
        if blocks == 1:
            return None
        return self.failure(
            "kernel %r, block %s: grid sync in a launch of %d blocks not "
            "run as cooperative: the simulator found no cuda.cg.this_grid "
            "in the kernel's code or in the functions it names"
            % (self.kernel_name(), list(self.blockIdx), blocks),
            in_thread=False,
        )

    def deadlock(self, at_barrier):
        """The error for a block whose unfinished threads all wait, at the
        barrier (``at_barrier``) or at warp collectives."""
        waits = self.warps.waits()
        if self.grid_waiting:
            waits.insert(
                0,
                "threads %s wait at grid sync" % thread_list(self.grid_waiting),
            )
        if at_barrier:
            waits.insert(
                0,
                "threads %s wait at syncthreads for threads %s"
                % (thread_list(at_barrier), thread_list(self.warps.waiting())),
            )
        return self.failure(
            "deadlock in kernel %r, block %s: %s"
            % (
                self.kernel_name(),
                list(self.blockIdx),
                "; ".join(waits) or "no thread can run",
            ),
            in_thread=False,
        )

    def error(self, text):
        """An error of this block, naming the kernel and the block."""
        return self.failure(
            "kernel %r, block %s: %s"
            % (self.kernel_name(), list(self.blockIdx), text)
        )

    def failure(self, text, in_thread=True):
        """The exception for the simulator's error ``text``, raised in the
        thread that made it (``in_thread``) or by the launcher."""
        # package-only: a finding of the sanitizer's report while it runs
        if self.sanitizer is not None:
            return self.sanitizer.block_error(self, text, in_thread)
        # end package-only
        return RuntimeError(text)

    def kernel_name(self):
        return getattr(self.fn, "__name__", repr(self.fn))


def thread_list(threads, most=8):
    """``[x, y, z]`` of the first ``most`` threads, and how many in all."""
    shown = ", ".join(str(list(t.threadIdx)) for t in threads[:most])
    if len(threads) > most:
        shown += ", ... (%d in all)" % len(threads)
    return "[%s]" % shown


@functools.lru_cache(maxsize=None)
def index_class(dim3=None):
    """``Index``: ``dim3``, the ``Dim3`` class of a launch's fake module
    (``kernelapi.Dim3`` where None), read-only."""
    if dim3 is None:
        # Not at the top: the simulator's kernelapi imports this module.
        from numba.cuda.simulator.kernelapi import Dim3 as dim3

    class Index(dim3):
        """A ``threadIdx`` or ``blockIdx``. Read-only, as on the GPU, whose
        compiler has no lowering for assigning one; here one object serves
        every launch with its block shape, so an assignment would move the
        threads of later launches."""

        __slots__ = ()

        def __init__(self, x, y, z):
            # Past ``__setattr__``: a Dim3 with slots or with a dict.
            set_member = object.__setattr__
            set_member(self, "x", x)
            set_member(self, "y", y)
            set_member(self, "z", z)

        def __setattr__(self, name, value):
            raise NotImplementedError(
                "No definition for lowering Dim3.%s = %s: cuda.threadIdx "
                "and cuda.blockIdx are read-only" % (name, type(value).__name__)
            )

        __delattr__ = __setattr__

    return Index


def launch_index(fake):
    """The ``Index`` class of the launch of fake module ``fake``: read-only
    instances of the class of its ``gridDim``."""
    return index_class(type(fake.gridDim))


@functools.lru_cache(maxsize=64)
def positions(block_dim, index=None):
    """``(threadIdx, thread_id)`` of every thread of a block, in the order
    ``FakeCUDAKernel`` started them (x slowest), made once per block shape and
    ``Index`` class (``index_class``)."""
    if index is None:
        index = index_class()
    bx, by, bz = block_dim
    return tuple(
        (index(x, y, z), x + bx * (y + by * z))
        for x, y, z in itertools.product(range(bx), range(by), range(bz))
    )


def block_index(grid_point, index=None):
    """The read-only ``blockIdx`` of the block at ``grid_point``."""
    if index is None:
        index = index_class()
    return index(*grid_point)


def origin(grid_point, block_dim):
    """The global index of thread (0, 0, 0) of block ``grid_point``."""
    return tuple(b * d for b, d in zip(grid_point, block_dim))


def running():
    """The simulated thread the calling code runs in, else None."""
    return context.thread_state.thread


def with_position(exc, thread):
    """``exc`` again, its message prefixed with the thread's position
    (unless it names threads itself: ``names_threads``)."""
    if getattr(exc, "names_threads", False):
        return exc
    where = "tid=%s ctaid=%s" % (list(thread.threadIdx), list(thread.blockIdx))
    text = str(exc)
    try:
        return type(exc)("%s: %s" % (where, text) if text else where)
    except Exception:
        # An exception type that takes other arguments keeps its message.
        return exc


def yield_point(function):
    """Wrap a simulator operation (an atomic, a fence) so that a thread
    spinning on it lets the others of its block run, as they would on a
    GPU. The operation itself runs first, whole."""

    @functools.wraps(function)
    def operation(*args, **kwargs):
        result = function(*args, **kwargs)
        thread = context.thread_state.thread
        if thread is not None:
            thread.spins += 1
            if thread.spins >= SPINS_BEFORE_YIELD:
                thread.block.pause(thread)
        return result

    return operation


def running_attribute(name):
    """A property of the simulator's fake module that answers for the
    running simulated thread, whichever launcher runs it, instead of
    asking ``threading.current_thread()``."""
    get = operator.attrgetter(name)

    def fget(fake):
        thread = context.thread_state.thread
        if thread is None:
            raise RuntimeError(
                "%s is only available inside a kernel running on the CUDA "
                "simulator" % name
            )
        return get(thread)

    fget.__doc__ = "``%s`` of the running simulated thread." % name
    return property(fget)


# FAKE_MODULE_MEMBERS and numba's built-in target's two warp names, as
# properties of the fake module: ``simthread.threadIdx`` and so on
# (``GridGroup.sync`` is ``grid_sync``).
for _name in FAKE_MODULE_MEMBERS + warp.BUILTIN_TARGET_NAMES + ("grid_sync",):
    globals()[_name] = running_attribute(_name)
del _name

# The simulator's operations that are yield points.
ATOMICS = (
    "add",
    "sub",
    "and_",
    "or_",
    "xor",
    "inc",
    "dec",
    "exch",
    "max",
    "min",
    "nanmax",
    "nanmin",
    "compare_and_swap",
    "cas",
)
FENCES = ("threadfence", "threadfence_block", "threadfence_system")
