"""Runs the thread blocks of a simulated kernel on OS threads.

The launcher for kernels that wait on something that is not a CUDA
primitive (an ``Event`` passed in, say), which greenlets cannot do. Each
simulated thread runs on an OS thread taken from a pool, bound to its
launch context while it runs, so the kernel and every device function it
calls run directly, with nothing swapped. Nothing busy-polls: a thread
waiting at a barrier sleeps on its own lock until it may run again, and
the launching thread sleeps until the block is done, waking only to keep
the block moving (see ``BlockManager``). Reusing OS threads makes a launch
cost wake-ups instead of thread starts.
"""

import collections
import contextvars
import os
import sys
import threading

import numpy as np

from . import context, simthread

# A pooled thread left idle this long ends. Back-to-back launches reuse
# threads; between bursts none is left alive (``test_deadlock_on_exception``
# checks that no block thread outlives a launch by more than a moment).
IDLE_SECONDS = 0.2


class SimThread(threading.Thread):
    """An OS thread that runs simulated CUDA threads, one at a time."""

    def __init__(self, pool):
        super().__init__(name="cudasim thread", daemon=True)
        self._pool = pool
        self._work = threading.Lock()
        self._work.acquire()
        self._parked = threading.Lock()
        self._parked.acquire()
        self.block = self.thread = None
        # The trace hook of ``threading.settrace`` this thread has (below).
        self._hook = None

    def assign(self, block, thread, args):
        """Give this OS thread the simulated ``thread`` to run next."""
        self.block = block
        self.thread = thread
        thread.runner = self
        self._args = args
        if not self.is_alive():
            # Threading installs it as the thread starts.
            self._hook = block.trace_hook
            self.start()

    def run(self):
        while True:
            if not self._work.acquire(timeout=IDLE_SECONDS):
                if self._pool.retire(self):
                    return
                # Taken from the pool just now: the work is on its way.
                self._work.acquire()
            block, thread = self.block, self.thread
            error = self._run_one()
            self.block = self.thread = self._args = None
            self._pool.put(self)
            block.exited(thread, error)

    def _run_one(self):
        block, thread = self.block, self.thread
        if block.trace_hook is not self._hook:
            self._follow(block.trace_hook)
        context.bind(block.launch, block.view)
        context.thread_state.thread = thread
        try:
            block.context.copy().run(self._call, block)
        except BaseException as e:
            # Even SystemExit: the launching thread must hear of it, or it
            # would wait for this thread for ever.
            return simthread.with_position(e, thread), sys.exc_info()[2]
        finally:
            context.unbind()
        return None

    def _follow(self, hook):
        """Trace this thread as threading would a thread started now: one
        pooled before coverage.py started (``threading.settrace``) would
        run kernels unmeasured, and report their lines as never run."""
        self._hook = hook
        if hook is not None:
            sys.settrace(hook)

    def _call(self, block):
        # In the thread's copy of the launching thread's context, where
        # NumPy 2 keeps its error state (NumPy 1, per OS thread: restored).
        # Debug mode raises on division by zero (``debug=True``), as the
        # simulator's block threads always did.
        saved = np.seterr(divide="raise") if block.debug else None
        try:
            block.fn(*self._args)
        finally:
            if saved is not None:
                np.seterr(**saved)


class ThreadPool:
    """Idle ``SimThread`` objects, reused by every launch in the process.

    A dict in the order the threads went idle: the last idle are taken
    first, and a thread whose idle time ran out leaves it in one step (a
    cooperative launch takes thousands at once, which all wake then)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle = {}

    def take(self, n):
        with self._lock:
            reused = [
                self._idle.popitem()[0] for _ in range(min(n, len(self._idle)))
            ]
        return reused + [SimThread(self) for _ in range(n - len(reused))]

    def put(self, thread):
        with self._lock:
            self._idle[thread] = None

    def retire(self, thread):
        """Remove idle ``thread``; False if a launch took it meanwhile."""
        with self._lock:
            return self._idle.pop(thread, False) is None

    def forget(self):
        """After a fork, the child has none of the parent's threads."""
        self._lock = threading.Lock()
        self._idle = {}


_pool = ThreadPool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_pool.forget)


class ThreadBlock(simthread.Block):
    """Runs the threads of one block on OS threads, and their barriers.

    A barrier is passed when every thread still running has reached it, so
    threads that returned early do not hold the others. When a thread
    raises, the others are aborted at their next barrier, and once all
    have finished the first exception is raised in the launching thread.

    Only one thread can hold the GIL, so threads that could run are not all
    woken at once to fight over it: they queue, and a thread wakes the next
    one in the queue when it stops (at a barrier, or at its end). A thread
    that stops elsewhere (``Event.wait``, a long computation) does not hold
    up the others for long: when the queue has not moved for
    ``HANDOFF_SECONDS``, the launcher wakes every queued thread.
    """

    HANDOFF_SECONDS = 0.01
    # Each of its threads holds an OS thread until the block ends.
    os_threads = True
    # Lanes at activemask wait for the rest of their warp; only a queue
    # that has not moved for this many HANDOFF_SECONDS (a thread waiting on
    # an Event) lets them read the mask without it. A slow thread under
    # load must not: the mask would name lanes that exit soon after.
    GATHER_STALLS = 100

    def __init__(self, launch, f, debug):
        super().__init__(launch, f, debug)
        self._lock = threading.Lock()
        self._running = 0
        self._waiting = []
        # Threads waiting at warp collectives and activemask.
        self._at_collectives = 0
        # Locks to release, one per thread that may run, in order.
        self._queue = collections.deque()
        self._handoffs = 0
        self._error = None
        # Released when the threads have all ended, or all wait at the
        # grid barrier (``parked``).
        self._stopped = threading.Lock()
        self._stopped.acquire()
        self.parked = False
        # Released from the grid barrier, not yet running again.
        self._released = False

    def run(self, grid_point, *args):
        if not self.start(grid_point, args):
            return
        while self.advance():
            error = self.parked_alone()
            if error is not None:
                self._abort((error, None))
                break
            self.release_grid()
        self.raise_error()

    def start(self, grid_point, args):
        """Give each thread of the block at ``grid_point`` an OS thread,
        waiting to run; False if the block has none."""
        points = simthread.positions(self.block_dim, self.index)
        if not points:
            return False
        self.origin = simthread.origin(grid_point, self.block_dim)
        blockIdx = self.blockIdx = simthread.block_index(grid_point, self.index)
        if self.sanitizer is not None:  # package-only
            args = self.sanitizer.block_started(self, args)  # package-only
        self._running = len(points)
        # What threading gives the threads it starts now (``SimThread``).
        self.trace_hook = threading.gettrace()
        # The launching thread's context variables, as in greenlet mode;
        # each simulated thread runs in a copy of its own.
        self.context = contextvars.copy_context()
        workers = _pool.take(len(points))
        make = self.thread_class
        for worker, (threadIdx, thread_id) in zip(workers, points):
            thread = make(self, blockIdx, threadIdx, thread_id)
            worker.assign(self, thread, args)
        with self._lock:
            self._queue.extend(w._work for w in workers)
            self._hand_off()
        return True

    def advance(self):
        """Sleep while the block's threads run (``start`` lets them, and
        this after ``release_grid``), until they end, or all wait at the
        grid barrier (True then)."""
        if self._released:
            # After release_grid: one block of the launch runs at a time.
            self._released = False
            with self._lock:
                self._hand_off()
        seen = -1
        stalls = 0
        while not self._stopped.acquire(timeout=self.HANDOFF_SECONDS):
            with self._lock:
                if self._handoffs == seen:
                    stalls += 1
                    self._wake_all()
                    if stalls >= self.GATHER_STALLS:
                        self.events.all_waiting()
                else:
                    stalls = 0
                seen = self._handoffs
        return self.parked

    def close(self):
        """End the threads still waiting (the launch failed)."""
        if self._running:
            self._abort((None, None))

    def _abort(self, error):
        """Wake every waiting thread to abort, and sleep until all end."""
        with self._lock:
            if self._error is None:
                self._fail(error)
            else:
                self._wake_waiting()
                self._wake_all()
        self._stopped.acquire()

    def grid_barrier(self, thread):
        """Sleep at the grid barrier until ``release_grid``."""
        thread.spins = 0
        worker = thread.runner
        with self._lock:
            if self._error is not None:
                raise RuntimeError("abort flag set on grid sync call")
            if self.grid_waiting:
                self.grid_waiting.append(thread)
            else:
                self.grid_waiting = [thread]
            self._stop()
        worker._parked.acquire()
        if self._error is not None:
            raise RuntimeError("abort flag set on grid sync clear")

    def release_grid(self):
        """Every thread of the launch is at the grid barrier: the block's
        may run again."""
        with self._lock:
            waiting, self.grid_waiting = self.grid_waiting, ()
            self._queue.extend(t.runner._parked for t in waiting)
            self.events.barrier_released()
            self.parked = False
        self._released = True

    def barrier(self, thread):
        thread.spins = 0
        worker = thread.runner
        with self._lock:
            if self._error is not None:
                raise RuntimeError("abort flag set on syncthreads call")
            if len(self._waiting) + 1 < self._running:
                self._waiting.append(thread)
                self._stop()
                wait = True
            else:
                self._release()
                wait = False
        if wait:
            worker._parked.acquire()
            if self._error is not None:
                raise RuntimeError("abort flag set on syncthreads clear")

    def collective(self, thread, name, mask, value):
        """Wait at warp collective ``name`` until every lane of ``mask`` is
        there; the meeting, done."""
        return self._meet(thread, name, self.warps.join, name, mask, value)

    def activemask(self, thread):
        """The mask of ``warps.gather``, once it is done."""
        return self._meet(thread, "activemask", self.warps.gather).result

    def _meet(self, thread, name, arrive, *args):
        """``arrive(thread, *args)`` (a ``Warps`` method) under the lock,
        then sleep until the meeting it gives is done."""
        with self._lock:
            if self._error is not None:
                raise RuntimeError("abort flag set on %s call" % name)
            meeting = arrive(thread, *args)
            if meeting.done:
                return meeting
            meeting.waiting.append(thread)
            self._at_collectives += 1
            self._stop()
        thread.runner._parked.acquire()
        if self._error is not None:
            raise RuntimeError("abort flag set on %s clear" % name)
        return meeting

    def resume(self, threads):
        """Threads waiting at a collective or activemask may run again."""
        self._at_collectives -= len(threads)
        self._queue.extend(t.runner._parked for t in threads)

    def _stop(self):
        """The calling thread waits (at a barrier, a collective or
        activemask): wake the next queued thread."""
        if not self._all_wait():
            self._hand_off()

    def _all_wait(self):
        """When every unfinished thread waits, those at activemask may run;
        without them, the block fails; when all wait at the grid barrier,
        the block is parked. True if it failed or parked."""
        grid = len(self.grid_waiting)
        stopped = len(self._waiting) + self._at_collectives + grid
        if not self._running or stopped < self._running:
            return False
        if grid == self._running:
            # Parked: the launch's other blocks run now.
            self.parked = True
            self._stopped.release()
            return True
        if self.events.all_waiting():
            return False
        self._fail((self.deadlock(self._waiting), None))
        return True

    def pause(self, thread):
        """A yield point: let the next queued thread run first."""
        thread.spins = 0
        worker = thread.runner
        with self._lock:
            if not self._queue:
                return
            self._queue.append(worker._parked)
            self._hand_off()
        worker._parked.acquire()

    def exited(self, thread, error):
        """Called by each thread when it is done, ``error`` or None."""
        with self._lock:
            self._running -= 1
            self.events.thread_exited(thread)
            if error is not None:
                if self._error is None:
                    self._fail(error)
            elif self._waiting and len(self._waiting) == self._running:
                # The others were waiting only for this thread.
                self._release()
            else:
                self._all_wait()
            self._hand_off()
            done = not self._running
        if done:
            self._stopped.release()

    def _release(self):
        """The barrier is passed: its threads may run again."""
        self._wake_waiting()
        self.events.barrier_released()

    def _wake_waiting(self):
        waiting, self._waiting = self._waiting, []
        self._queue.extend(t.runner._parked for t in waiting)

    def _fail(self, error):
        """The block stops: every waiting thread wakes, to abort."""
        self._error = error
        self._wake_waiting()
        self._queue.extend(t.runner._parked for t in self.grid_waiting)
        self.grid_waiting = ()
        for thread in self.warps.waiting():
            self._queue.append(thread.runner._parked)
        self.warps.clear()
        self._at_collectives = 0
        self._wake_all()

    def _hand_off(self):
        """The calling thread stops: wake the next queued one."""
        if self._queue:
            self._queue.popleft().release()
            self._handoffs += 1

    def _wake_all(self):
        while self._queue:
            self._queue.popleft().release()
