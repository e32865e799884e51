"""Sanitizer mode: what a GPU leaves undefined, reported instead of run.

``NUMBA_CUDASIM_SANITIZER`` (read at each launch) or the context manager
``cudasim_threadsafe.sanitizer(...)`` switches it on: ``all``, or a comma
list of the checks, named after compute-sanitizer's tools (``CHECKS``). A
launch with findings raises ``SanitizerError`` when it ends; memcheck
raises at the access, so nothing is written outside an array.

The launch runs it as a plugin (``launch.Launch``): ``Launch`` asks
``for_launch`` for one, and when no check is on nothing of this runs.
While one is on, the launch's arrays are ``checkedarrays.CheckedArray``,
its threads ``SanitizedThread``, and its blocks report their barriers and
warp meetings to their ``BlockState``. ``LaunchSanitizer`` makes the
launch's checks, one of each class of ``CHECKS`` that is on, and sends each
event of ``events.Check`` to the ones that override it: for each event a
tuple of their bound methods, ``on_`` and its name, empty when no check
hears it. It knows no check by name; nor do the arrays and the block's
state, which send their events through those tuples.
"""

import functools
import sys
import types

import numpy as np

from .. import settings
from ..errors import OutOfBoundsError
from ..simulator import context, simthread, warp
from . import checkedarrays, memory, report
from .events import Check
from .initcheck import InitCheck
from .memcheck import MemCheck
from .racecheck import RaceCheck
from .synccheck import SyncCheck

SanitizerError = report.SanitizerError

# The checks, by their names in ``settings.CHECKS``, in the order each
# event reaches them (a load's initcheck finding before its racecheck one).
CHECKS = {
    check.name: check for check in (MemCheck, InitCheck, RaceCheck, SyncCheck)
}

# The events a launch's checks hear (``events.Check``); the one outside
# any launch, ``device_allocation``, reaches the classes.
EVENTS = (
    "block_begin",
    "load",
    "store",
    "out_of_bounds",
    "barrier",
    "warp_met",
    "block_error",
)


def for_launch(launch):
    """The launch's sanitizer, or None when no check is on (and no device
    memory is tracked)."""
    checks = launch.settings.sanitizer
    if not checks:
        return UnwatchedLaunch() if memory.tracked else None
    return LaunchSanitizer(checks)


class UnwatchedLaunch:
    """A launch without the sanitizer while device memory is tracked: it
    may write any element of the arrays it is passed, so they count as
    written."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def block_started(self, block, args):
        for arg in args:
            memory.written(checkedarrays.argument_array(arg))
        # The other blocks run as no sanitizer were on.
        block.sanitizer = None
        return args


def device_memory_changes(namespaces):
    """``(owner, name, new)``: ``device_array`` and ``to_device`` (the
    simulator's, under each of their names in ``namespaces``) tell the
    checks on that they made device memory (``device_allocation``, and
    where, for the reports), and the device array's host writes and copies
    write it (``overlay`` applies them)."""
    from numba.cuda.simulator.cudadrv import devicearray

    changes = []
    for name in ("device_array", "to_device"):
        allocate = getattr(devicearray, name)
        announcing = _announcing(allocate, name == "device_array")
        changes += [
            (namespace, name, announcing)
            for namespace in namespaces
            if vars(namespace).get(name) is allocate
        ]
    array_class = devicearray.FakeCUDAArray
    for name, wrap in (
        ("__setitem__", _host_write),
        ("copy_to_device", _host_copy),
    ):
        if name in vars(array_class):
            changes.append((array_class, name, wrap(vars(array_class)[name])))
    return changes


def _announcing(allocate, unwritten):
    """``allocate``, which records where the host called it while a check
    is on; with ``unwritten``, what it makes is unwritten memory
    (``device_allocation``)."""
    how = "cuda." + allocate.__name__

    @functools.wraps(allocate)
    def announcing(*args, **kwargs):
        array = allocate(*args, **kwargs)
        if array is not None:
            device_memory_made(array._ary, how, unwritten)
        return array

    return announcing


def device_memory_made(ary, how, unwritten):
    """The host made device memory ``ary`` (an ndarray) by calling
    ``how`` (``"cuda.device_array"``...): recorded for the reports while a
    check is on; with ``unwritten``, none of it is written yet
    (``device_allocation``)."""
    # A launch's copy of a NumPy argument (``to_device``) is no host
    # allocation: it costs a launch nothing more.
    starting = context.thread_state.starting is not None
    if starting and not unwritten:
        return
    on = settings.sanitizer_checks()
    if on:
        if not starting:
            site = report.kernel_site(sys._getframe(1))
            if site is not None:
                memory.made_at(ary, (how, site, None))
        if unwritten:
            for name, check in CHECKS.items():
                if name in on:
                    check.device_allocation(ary)


def host_wrote(ary, index=None):
    """The host wrote ``ary[index]`` of device memory (all for None)."""
    if memory.tracked:
        memory.written(ary, index)


def _host_write(setitem):
    @functools.wraps(setitem)
    def __setitem__(self, index, value):
        setitem(self, index, value)
        if memory.tracked:
            memory.written(self._ary, index)

    return __setitem__


def _host_copy(copy):
    @functools.wraps(copy)
    def copy_to_device(self, ary, *args, **kwargs):
        copy(self, ary, *args, **kwargs)
        if memory.tracked:
            memory.written(self._ary)

    return copy_to_device


def _hearing(checks, event):
    """The bound methods of ``event`` of the checks that override it."""
    quiet = getattr(Check, event)
    return tuple(
        getattr(check, event)
        for check in checks
        if getattr(type(check), event) is not quiet
    )


class LaunchSanitizer:
    """The checks of one launch, what they hear, and their findings."""

    def __init__(self, names):
        self.kernel = None
        # The kernel's own code: an array made elsewhere is made in a
        # helper (``checkedarrays.made_in``).
        self.kernel_code = None
        # Where the launch's arrays are made: (lines) -> (name, made).
        self.made = {}
        self.report = report.Report()
        self.block = None
        checks = [cls(self) for name, cls in CHECKS.items() if name in names]
        for event in EVENTS:
            setattr(self, "on_" + event, _hearing(checks, event))

    # The launch plugin (``launch.Launch``).

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        # Nothing of the launch is kept after it: the checks go.
        self.args = self.block = None
        self.made = {}
        for event in EVENTS:
            setattr(self, "on_" + event, ())
        if memory.tracked:
            memory.prune()
        if isinstance(exc, SanitizerError) and tb is not None:
            # A finding raised in a thread (memcheck's): it goes on from
            # here ending in the kernel's code, not under the simulator's
            # frames and the checks'.
            exc.__traceback__ = _user_frames(tb)
        if kind is None:
            if self.report:
                raise self.report.error(self.kernel)
            self.report.warn(self.kernel)
        return False

    # Events of the launch's blocks.

    def block_started(self, block, args):
        """``block`` starts: its state is new (shared memory included); the
        launch's array arguments, wrapped once, are its ``args``."""
        if self.kernel is None:
            self.kernel = block.kernel_name()
            self.kernel_code = getattr(block.fn, "__code__", None)
            self.args = checkedarrays.wrap_arguments(self, block.fn, args)
            checkedarrays.wrap_view(self, block.view)
        self.block = state = BlockState(self, block)
        block.events = Events(block.warps, state)
        block.thread_class = SanitizedThread
        if self.on_warp_met:
            block.warps.on_synced = state.warp_met
        for hear in self.on_block_begin:
            hear(state)
        return self.args

    def block_resumed(self, block):
        """``block`` of a cooperative launch runs again, after a grid
        sync: the checks hear it as a block beginning (what it did before
        is ordered before what it does now)."""
        self.block = state = block.events.state
        for hear in self.on_block_begin:
            hear(state)

    def block_error(self, block, text, in_thread):
        """An error of the simulator in ``block`` (a warp collective's
        mask, a deadlock): a finding of the report when a check hears it
        (``block_error``), else raised as it is."""
        hearing = self.on_block_error
        if not hearing:
            return RuntimeError(text)
        thread = context.thread_state.thread
        frame = sys._getframe(1) if in_thread else None
        for hear in hearing:
            hear(thread, text, frame)
        return self.report.error(self.kernel)

    def fail_now(self, check, text, key):
        """A finding that stops the launch at once (memcheck): an
        ``IndexError`` too, as NumPy's would be."""
        self.report.add(check, text, key)
        raise self.report.error(self.kernel, OutOfBoundsError)


def _user_frames(tb):
    """The traceback ``tb`` without the frames of this package (but for
    its tests) and of numba's CUDA target: the kernel's code, and the
    device functions it called."""
    frames = []
    while tb is not None:
        if report.in_kernel(tb.tb_frame):
            frames.append(tb)
        tb = tb.tb_next
    kept = None
    for entry in reversed(frames):
        kept = types.TracebackType(
            kept, entry.tb_frame, entry.tb_lasti, entry.tb_lineno
        )
    return kept


class BlockState:
    """What the sanitizer keeps of the running block, for its checks."""

    def __init__(self, sanitizer, block):
        self.sanitizer = sanitizer
        self.block = block
        self.key = tuple(block.blockIdx)
        # Barriers passed so far: accesses in different intervals are
        # ordered.
        self.epoch = 0
        # thread_id -> the block's SanitizedThread.
        self.threads = {}
        # (thread, site, count) of each thread at the barrier under way
        # (``SanitizedThread``).
        self.arrivals = []
        # Shared arrays of this block (by where they are made), and what
        # is written of them (by their start address; ``memory``).
        self.shared = {}
        self.shared_written = {}
        # Its own shared arrays, in a cooperative launch (``_Shared``).
        self.own_shared = {}

    def barrier_released(self):
        for hear in self.sanitizer.on_barrier:
            hear(self, self.arrivals)
        self.arrivals = []
        self.epoch += 1

    def warp_met(self, warp, meeting):
        """A warp collective completed (``warp.Warps.on_synced``)."""
        for hear in self.sanitizer.on_warp_met:
            hear(self, warp, meeting)


class Events:
    """The block's events (``simthread.Block.events``) for its warps and
    the sanitizer both."""

    def __init__(self, warps, state):
        self.warps = warps
        self.state = state

    def thread_exited(self, thread):
        self.warps.thread_exited(thread)

    def all_waiting(self):
        return self.warps.all_waiting()

    def barrier_released(self):
        self.warps.barrier_released()
        self.state.barrier_released()


_thread_init = simthread.SimulatedThread.__init__


class SanitizedThread(simthread.SimulatedThread):
    """A simulated thread that tells the sanitizer where it waits and what
    it orders."""

    __slots__ = (
        "state",
        "clock_epoch",
        "clocks",
        "atomic",
        "visits",
        "warp_site",
    )

    def __init__(self, block, blockIdx, threadIdx, thread_id):
        _thread_init(self, block, blockIdx, threadIdx, thread_id)
        self.state = state = block.events.state
        state.threads[thread_id] = self
        # Its warp's vector clock, and the barrier interval it is of
        # (racecheck's).
        self.clock_epoch = -1
        self.clocks = None
        # In an atomic operation (``checkedarrays``): its load and store
        # are atomic.
        self.atomic = False
        # Barrier site -> how many times this thread reached it.
        self.visits = None
        # Where it last called a warp intrinsic (synccheck's reports).
        self.warp_site = None

    def _arrive(self, kind, frame):
        site = (kind,) + report.site(frame)
        visits = self.visits
        if visits is None:
            visits = self.visits = {}
        count = visits.get(site, 0) + 1
        visits[site] = count
        self.state.arrivals.append((self, site, count))

    def syncthreads(self):
        self._arrive("syncthreads", sys._getframe(1))
        self.block.barrier(self)

    def grid_sync(self):
        self._arrive("grid.sync", sys._getframe(1))
        self.block.grid_barrier(self)

    def _sanitized_vote(self, kind, value, reduce, frame):
        block = self.block
        t = self.threadIdx
        block.block_state[t.x, t.y, t.z] = value
        self._arrive(kind, frame)
        block.barrier(self)
        result = reduce(block.block_state)
        self._arrive(kind, frame)
        block.barrier(self)
        return result

    def syncthreads_count(self, value):
        frame = sys._getframe(1)
        return int(
            self._sanitized_vote(
                "syncthreads_count", value, np.count_nonzero, frame
            )
        )

    def syncthreads_and(self, value):
        frame = sys._getframe(1)
        return int(
            self._sanitized_vote("syncthreads_and", value, np.all, frame)
        )

    def syncthreads_or(self, value):
        frame = sys._getframe(1)
        return int(self._sanitized_vote("syncthreads_or", value, np.any, frame))


def _recording_site(name):
    intrinsic = getattr(warp, name)

    def method(self, *args, **kwargs):
        self.warp_site = report.kernel_site(sys._getframe(1))
        return intrinsic(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = intrinsic.__doc__
    return method


# The warp intrinsics, as methods that keep where the thread called them.
for _name in warp.INTRINSICS + warp.BUILTIN_TARGET_NAMES:
    setattr(SanitizedThread, _name, _recording_site(_name))
del _name
