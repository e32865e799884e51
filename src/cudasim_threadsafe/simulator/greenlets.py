"""Runs the thread blocks of a simulated kernel as greenlets.

Threads of a block run one at a time between barriers anyway (the GIL let
nothing else happen), so they need no OS threads of their own: the
launching thread runs them in turn, each in a greenlet, until it reaches a
barrier or ends. A barrier or a thread's end is then a switch, not an
OS-thread hand-off. A greenlet whose thread ends goes on with the next
thread not yet started, so a barrier-free kernel runs a whole block in one
greenlet, without a single switch.
"""

import collections
import contextvars
import sys
import threading

import greenlet
import numpy as np

from . import context, simthread


class _Idle(threading.local):
    """Greenlets of this OS thread whose last thread has ended, ready for
    the next block: a greenlet costs far more to make than to resume."""

    def __init__(self):
        self.workers = []


_idle = _Idle()
_state = context.thread_state

# The idle greenlets kept per OS thread: enough for the largest block.
MAX_IDLE = 1024


def _serve(handed):
    """A worker greenlet's whole life: run threads of the block handed
    over, then wait idle for the next one, for as long as its OS thread
    lives. Blocks come in a list emptied on arrival: idle, a worker keeps
    nothing of its last block (the kernel's arguments...), and greenlet
    keeps the arguments of a greenlet's first switch as long as it lives.
    """
    while True:
        successor = handed.pop()._work()
        handed = successor.switch()


def _worker(hub, context):
    """An idle worker greenlet, or a new one, to run under ``hub``."""
    workers = _idle.workers
    if workers:
        runner = workers.pop()
        runner.parent = hub
    else:
        runner = greenlet.greenlet(_serve, hub)
    runner.gr_context = context
    return runner


class GreenletBlock(simthread.Block):
    """Runs the threads of one block, and their barriers, on the calling
    OS thread.

    Threads not yet started run first, in turn, then the threads that may
    run again, in the order they stopped; each switches straight to the
    next, and the calling greenlet (the hub) gets control back when none
    can run. A barrier is passed when every thread not yet finished has
    reached it, so threads that returned early do not hold the others.
    When a thread raises, no other thread of the block runs on: the
    suspended ones are ended, and the exception is raised.
    """

    # package-only: its threads run in the order of the launch's schedule
    schedules = True
    # end package-only

    def run(self, grid_point, *args):
        self.start(grid_point, args)
        # Debug mode raises on division by zero, as on OS threads. Set
        # here, it holds in every worker: NumPy keeps it per OS thread, or (2.x)
        # in a context variable, and the workers get a copy of the
        # launching thread's context, as a fresh greenlet would not.
        saved = np.seterr(divide="raise") if self.debug else None
        self._context = contextvars.copy_context()
        context.bind(self.launch, self.view)
        try:
            while self._schedule():
                error = self.parked_alone()
                if error is not None:
                    self._error = error, None
                    break
                self.release_grid()
        finally:
            self._end_suspended()
            context.unbind()
            if saved is not None:
                np.seterr(**saved)
        self.raise_error()

    def start(self, grid_point, args):
        """Set the block up to run at ``grid_point``, on the calling
        greenlet (the hub)."""
        self._points = simthread.positions(self.block_dim, self.index)
        if self.schedule is not None:  # package-only
            self._points = self.schedule.order(self._points)  # package-only
        self._count = len(self._points)
        self._started = 0
        self._unfinished = self._count
        self.blockIdx = simthread.block_index(grid_point, self.index)
        self.origin = simthread.origin(grid_point, self.block_dim)
        if self.sanitizer is not None:  # package-only
            args = self.sanitizer.block_started(self, args)  # package-only
        self._args = args
        self._runnable = collections.deque()
        self._waiting = []
        self._error = None
        self._hub = greenlet.getcurrent()
        self._context = None

    def advance(self):
        """Run the block's threads (a block of a cooperative launch) until
        they end or wait at the grid barrier; True if they wait."""
        saved = np.seterr(divide="raise") if self.debug else None
        if self._context is None:
            self._context = contextvars.copy_context()
        context.bind(self.launch, self.view)
        try:
            return self._schedule()
        finally:
            context.unbind()
            if saved is not None:
                np.seterr(**saved)

    def close(self):
        """End the threads still suspended (the launch failed)."""
        if self._error is None:
            # Nothing of the block runs on: not even threads that a
            # thread ending now would release.
            self._error = None, None
        context.bind(self.launch, self.view)
        try:
            self._end_suspended()
        finally:
            context.unbind()

    def _schedule(self):
        """In the hub: start workers while threads are not yet started,
        then resume threads that may run, until none can. True when every
        unfinished thread waits at the grid barrier."""
        while self._error is None:
            if self._started < self._count:
                _worker(self._hub, self._context).switch([self])
            elif self._runnable:
                self._runnable.popleft().runner.switch()
            elif self.events.all_waiting():
                continue
            elif len(self.grid_waiting) == self._unfinished > 0:
                return True
            elif self._unfinished:
                self._error = self._deadlock(), None
            else:
                break
        return False

    def _next_runner(self):
        """The greenlet a stopping thread hands over to: the hub while
        threads are not yet started (workers start from the hub, whose
        stack is shallow: a greenlet inherits the recursion depth of the
        one that starts it), else a thread that may run again."""
        if self._runnable and self._started == self._count:
            return self._runnable.popleft().runner
        return self._hub

    def _deadlock(self):
        return self.deadlock(self._waiting)

    def _work(self):
        """In a worker: run threads not yet started, one after another,
        until none is left; then join the idle workers, and return the
        greenlet to hand over to."""
        fn, args = self.fn, self._args
        state, points = context.thread_state, self._points
        make, blockIdx = self.thread_class, self.blockIdx
        exited = self.events.thread_exited
        runner = greenlet.getcurrent()
        while self._started < self._count and self._error is None:
            threadIdx, thread_id = points[self._started]
            self._started += 1
            thread = make(self, blockIdx, threadIdx, thread_id)
            thread.runner = runner
            state.thread = thread
            try:
                fn(*args)
            except greenlet.GreenletExit:
                pass
            except BaseException as e:
                if self._error is None:
                    exc = simthread.with_position(e, thread)
                    self._error = exc, sys.exc_info()[2]
            thread.runner = None
            self._unfinished -= 1
            exited(thread)
            if self._waiting and len(self._waiting) == self._unfinished:
                # The others were waiting only for this thread.
                self._release()
        if len(_idle.workers) < MAX_IDLE:
            _idle.workers.append(runner)
        # After an error, straight back to the hub: nothing else runs on.
        if self._error is not None:
            return self._hub
        return self._next_runner()

    def _release(self):
        """The barrier is passed: its threads may run again."""
        if self.schedule is not None:  # package-only
            self._waiting = self.schedule.order(self._waiting)  # package-only
        self._runnable.extend(self._waiting)
        self._waiting = []
        self.events.barrier_released()

    def barrier(self, thread):
        # No abort check: after an error, no thread runs on to reach one.
        waiting = self._waiting
        if len(waiting) + 1 < self._unfinished:
            waiting.append(thread)
            # _next_runner, inlined: the hot path of every barrier.
            runnable = self._runnable
            if runnable and self._started == self._count:
                runnable.popleft().runner.switch()
            else:
                self._hub.switch()
            _state.thread = thread
        else:
            self._release()

    def grid_barrier(self, thread):
        """Wait at the grid barrier until ``release_grid``."""
        if self.grid_waiting:
            self.grid_waiting.append(thread)
        else:
            self.grid_waiting = [thread]
        self._next_runner().switch()
        _state.thread = thread

    def release_grid(self):
        """Every thread of the launch is at the grid barrier: the block's
        may run again."""
        waiting, self.grid_waiting = self.grid_waiting, ()
        if self.schedule is not None:  # package-only
            waiting = self.schedule.order(waiting)  # package-only
        self._runnable.extend(waiting)
        self.events.barrier_released()

    def collective(self, thread, name, mask, value):
        """Wait at warp collective ``name`` until every lane of ``mask`` is
        there; the meeting, done."""
        return self._wait(thread, self.warps.join(thread, name, mask, value))

    def activemask(self, thread):
        """The mask of ``warps.gather``, once it is done."""
        return self._wait(thread, self.warps.gather(thread)).result

    def _wait(self, thread, meeting):
        """Suspend ``thread`` until ``meeting`` is done (``warps`` resumes
        it then)."""
        if not meeting.done:
            meeting.waiting.append(thread)
            self._next_runner().switch()
            _state.thread = thread
        return meeting

    def resume(self, threads):
        """Threads that waited may run again."""
        self._runnable.extend(threads)

    def pause(self, thread):
        """A yield point: the others run first, if any can."""
        thread.spins = 0
        if self._runnable or self._started < self._count:
            self._runnable.append(thread)
            self._next_runner().switch()
            _state.thread = thread

    def _end_suspended(self):
        """End the threads that will not run on, so that none is left
        suspended: each gets ``GreenletExit`` where it stopped."""
        suspended = list(self._runnable) + self._waiting
        suspended += self.warps.waiting() + list(self.grid_waiting)
        self._runnable.clear()
        self._waiting = []
        self.grid_waiting = ()
        self.warps.clear()
        for thread in suspended:
            while thread.runner is not None:
                thread.runner.throw()
