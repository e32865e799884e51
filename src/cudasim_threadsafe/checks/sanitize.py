"""Sanitizer mode: what a GPU leaves undefined, reported instead of run.

``NUMBA_CUDASIM_SANITIZER`` (read at each launch) or the context manager
``cudasim_threadsafe.sanitizer(...)`` switches it on: ``all``, or a comma
list of the checks, named after compute-sanitizer's tools (``CHECKS``). A
launch with findings raises ``SanitizerError`` when it ends; memcheck
raises at the access, so nothing is written outside an array.

The launch runs it as a plugin (``launch.Launch``): ``Launch`` asks
``for_launch`` for one, and when none is on nothing of this runs. While
one is on, the launch's arrays are ``checkedarrays.CheckedArray``, its
threads ``SanitizedThread`` and its blocks report their barriers and warp
meetings here; each check is a module of its own (``memcheck``,
``racecheck``, ``synccheck``, ``initcheck``) that hears these events.
"""

import functools
import sys

import numpy as np

from .. import settings
from ..errors import OutOfBoundsError
from ..simulator import context, simthread, warp
from . import checkedarrays, initcheck, racecheck, report, synccheck

SanitizerError = report.SanitizerError


def for_launch(launch):
    """The launch's sanitizer, or None when no check is on (and no device
    memory is tracked for initcheck)."""
    checks = launch.settings.sanitizer
    if not checks:
        return UnwatchedLaunch() if initcheck.tracked else None
    return LaunchSanitizer(checks)


class UnwatchedLaunch:
    """A launch without the sanitizer while initcheck tracks device memory:
    it may write any element of the arrays it is passed, so they count as
    written."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def block_started(self, block, args):
        for arg in args:
            initcheck.written(checkedarrays.argument_array(arg))
        # The other blocks run as no sanitizer were on.
        block.sanitizer = None
        return args


def device_memory_changes(namespaces):
    """``(owner, name, new)``: ``device_array`` (the simulator's, under
    each of its names in ``namespaces``) makes memory that initcheck tracks
    while it is on, and the device array's host writes and copies write
    it (``overlay`` applies them)."""
    from numba.cuda.simulator.cudadrv import devicearray

    allocate = devicearray.device_array
    tracking = _tracking(allocate)
    changes = [
        (namespace, "device_array", tracking)
        for namespace in namespaces
        if vars(namespace).get("device_array") is allocate
    ]
    array_class = devicearray.FakeCUDAArray
    for name, wrap in (
        ("__setitem__", _host_write),
        ("copy_to_device", _host_copy),
    ):
        if name in vars(array_class):
            changes.append((array_class, name, wrap(vars(array_class)[name])))
    return changes


def _tracking(allocate):
    @functools.wraps(allocate)
    def device_array(*args, **kwargs):
        array = allocate(*args, **kwargs)
        if "initcheck" in settings.sanitizer_checks():
            initcheck.track(array._ary)
        return array

    return device_array


def _host_write(setitem):
    @functools.wraps(setitem)
    def __setitem__(self, index, value):
        setitem(self, index, value)
        if initcheck.tracked:
            initcheck.written(self._ary, index)

    return __setitem__


def _host_copy(copy):
    @functools.wraps(copy)
    def copy_to_device(self, ary, *args, **kwargs):
        copy(self, ary, *args, **kwargs)
        if initcheck.tracked:
            initcheck.written(self._ary)

    return copy_to_device


class LaunchSanitizer:
    """The checks of one launch, and its findings."""

    def __init__(self, checks):
        self.kernel = None
        self.report = report.Report()
        self.memcheck = "memcheck" in checks
        self.race = racecheck.Shadow(self) if "racecheck" in checks else None
        self.init = "initcheck" in checks
        self.sync = "synccheck" in checks
        self.block = None

    # The launch plugin (``launch.Launch``).

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        # Nothing of the launch is kept after it.
        self.args = self.block = self.race = None
        if initcheck.tracked:
            initcheck.prune()
        if kind is None and self.report:
            raise self.report.error(self.kernel)
        return False

    # Events of the launch's blocks.

    def block_started(self, block, args):
        """``block`` starts: its state is new (shared memory included); the
        launch's array arguments, wrapped once, are its ``args``."""
        if self.kernel is None:
            self.kernel = block.kernel_name()
            self.args = checkedarrays.wrap_arguments(self, block.fn, args)
            checkedarrays.wrap_view(self, block.view)
        self.block = state = BlockState(self, block)
        block.events = Events(block.warps, state)
        block.thread_class = SanitizedThread
        block.warps.on_synced = state.warp_synced
        return self.args

    def block_error(self, block, text, in_thread):
        """An error of the simulator in ``block`` (a warp collective's
        mask, a deadlock): with synccheck on, a finding of the report,
        with the thread and its source line when raised in the thread."""
        if not self.sync:
            return RuntimeError(text)
        thread = context.thread_state.thread
        site = report.kernel_site(sys._getframe(1)) if in_thread else None
        if site is not None and thread is not None:
            text += ", %s, at %s" % (
                report.thread_text(thread),
                report.site_text(site),
            )
        self.report.add("synccheck", text)
        return self.report.error(self.kernel)

    def fail_now(self, check, text, key):
        """A finding that stops the launch at once (memcheck): an
        ``IndexError`` too, as NumPy's would be."""
        self.report.add(check, text, key)
        raise self.report.error(self.kernel, OutOfBoundsError)

    # Memory events, from ``checkedarrays``: the array, the element's
    # address, its index, and the frame of the access.

    def load(self, array, address, index, frame):
        thread = context.thread_state.thread
        if self.init and array.written is not None:
            if address not in array.written:
                initcheck.uninitialized(self, thread, array, index, frame)
        if self.race is not None and array.info.space != "local":
            self.race.load(thread, array, address, index, frame)

    def store(self, array, address, index, value, frame):
        thread = context.thread_state.thread
        if array.written is not None:
            array.written.add(address)
        if self.race is not None and array.info.space != "local":
            self.race.store(thread, array, address, index, value, frame)


class BlockState:
    """What the checks keep of the running block."""

    def __init__(self, sanitizer, block):
        self.sanitizer = sanitizer
        self.block = block
        self.key = tuple(block.blockIdx)
        # Barriers passed so far: accesses in different intervals are
        # ordered.
        self.epoch = 0
        self.threads = {}
        self.arrivals = []
        # (warp, lane, collective) -> the masks it used since the barrier.
        self.warp_masks = {}
        # Shared arrays of this block (by the ndarray's id), and the race
        # shadow of their elements.
        self.shared = {}
        self.shared_written = {}
        self.shared_cells = {}

    def barrier_released(self):
        if self.sanitizer.sync:
            synccheck.released(self, self.arrivals)
        self.arrivals = []
        self.warp_masks = {}
        self.epoch += 1

    def warp_synced(self, warp, meeting):
        """A warp collective completed: its lanes' accesses before it are
        ordered before theirs after it, and its mask must agree with what
        the lanes it names did."""
        if self.sanitizer.race is not None:
            racecheck.warp_synced(self, warp, meeting.arrived)
        if self.sanitizer.sync:
            synccheck.warp_met(self, warp, meeting)


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
        self.clock_epoch = -1
        self.clocks = None
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
