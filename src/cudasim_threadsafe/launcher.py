"""Runs one thread block of a simulated kernel.

Each simulated thread is bound to its launch context when it starts, so the
kernel and every device function it calls run directly, with nothing
swapped. Barriers are counted under a condition and the launching thread
sleeps until every simulated thread has finished, so no thread ever polls.
"""

import sys
import threading

import numpy as np
from numba.cuda.simulator.kernelapi import Dim3

from . import context


def _with_position(exc, thread):
    """``exc`` again, its message prefixed with the thread's position."""
    where = "tid=%s ctaid=%s" % (list(thread.threadIdx), list(thread.blockIdx))
    text = str(exc)
    try:
        return type(exc)("%s: %s" % (where, text) if text else where)
    except Exception:
        # An exception type that takes other arguments keeps its message.
        return exc


class SimThread(threading.Thread):
    """One simulated CUDA thread.

    The simulator's kernel API finds it through
    ``threading.current_thread()`` for ``threadIdx``, ``blockIdx``,
    ``laneid`` and the barriers.
    """

    def __init__(self, block, blockIdx, threadIdx, args):
        super().__init__(
            name="cudasim ctaid=%s tid=%s" % (list(blockIdx), list(threadIdx)),
            daemon=True,
        )
        self.block = block
        self.blockIdx = Dim3(*blockIdx)
        self.threadIdx = Dim3(*threadIdx)
        bx, by, _ = block.block_dim
        x, y, z = threadIdx
        self.thread_id = x + bx * (y + by * z)
        self.exception = None
        self._args = args

    def run(self):
        block = self.block
        context.bind(block.launch)
        try:
            if block.debug:
                np.seterr(divide="raise")
            block.fn(*self._args)
        except Exception as e:
            self.exception = (_with_position(e, self), sys.exc_info()[2])
        finally:
            self._args = None
            block.exited(self)

    def syncthreads(self):
        self.block.barrier()

    def syncthreads_count(self, value):
        return int(self.block.vote(self, value, np.count_nonzero))

    def syncthreads_and(self, value):
        return int(self.block.vote(self, value, np.all))

    def syncthreads_or(self, value):
        return int(self.block.vote(self, value, np.any))

    def __str__(self):
        return "Thread <<<%s, %s>>>" % (self.blockIdx, self.threadIdx)


class BlockManager:
    """Runs the threads of one block and their barriers.

    A barrier is passed when every thread still running has reached it, so
    threads that returned early do not hold the others. When a thread
    raises, the others are aborted at their next barrier, all are joined,
    and the first exception is raised in the launching thread.
    """

    def __init__(self, f, grid_dim, block_dim, debug):
        self.fn = f
        self.block_dim = tuple(block_dim)
        self.debug = debug
        self.launch = context.starting_launch()
        self.block_state = np.zeros(self.block_dim, dtype=np.bool_)
        self._cond = threading.Condition(threading.Lock())
        self._running = 0
        self._arrived = 0
        self._generation = 0
        self._error = None
        self._finished = threading.Event()

    def run(self, grid_point, *args):
        threads = [
            SimThread(self, grid_point, point, args)
            for point in np.ndindex(*self.block_dim)
        ]
        self._running = len(threads)
        if not threads:
            return
        for t in threads:
            t.start()
        self._finished.wait()
        for t in threads:
            t.join()
        if self._error is not None:
            exc, tb = self._error
            raise exc.with_traceback(tb)

    def barrier(self):
        with self._cond:
            if self._error is not None:
                raise RuntimeError("abort flag set on syncthreads call")
            self._arrived += 1
            if self._arrived == self._running:
                self._release()
            else:
                generation = self._generation
                while generation == self._generation and self._error is None:
                    self._cond.wait()
            if self._error is not None:
                raise RuntimeError("abort flag set on syncthreads clear")

    def vote(self, thread, value, reduce):
        self.block_state[tuple(thread.threadIdx)] = value
        self.barrier()
        result = reduce(self.block_state)
        self.barrier()
        return result

    def exited(self, thread):
        with self._cond:
            self._running -= 1
            if thread.exception is not None and self._error is None:
                self._error = thread.exception
                self._cond.notify_all()
            elif self._running and self._arrived == self._running:
                # The others were waiting only for this thread.
                self._release()
            if not self._running:
                self._finished.set()

    def _release(self):
        self._arrived = 0
        self._generation += 1
        self._cond.notify_all()
