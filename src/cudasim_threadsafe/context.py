"""Per-thread launch context for the CUDA simulator.

Each simulated CUDA thread is bound to the launch it belongs to (the
simulator's ``FakeCUDAModule`` for that kernel launch). Kernel-only names of
``numba.cuda`` resolve through this binding, so nothing shared between
threads (a function's globals or closure cells) is ever rewritten, and
launches from several host threads never see each other's state.
"""

import threading
from contextlib import contextmanager


class _ThreadState(threading.local):
    """What the current thread is running; class defaults apply to new
    threads, so host threads read None without a try/except."""

    # The launch a simulated thread executes: set once, when it starts.
    launch = None
    # The launch a host thread is setting up, read by the block launcher.
    starting = None


# Hot paths (every kernel-only name, every device call) read
# ``thread_state.launch`` directly rather than through a function.
thread_state = _ThreadState()


def bind(launch):
    """Bind the calling (simulated) thread to ``launch`` for its lifetime."""
    thread_state.launch = launch


def starting_launch():
    """The launch the calling host thread is starting, else None."""
    return thread_state.starting


@contextmanager
def launching(launch):
    """Mark ``launch`` as the one this host thread is starting.

    Unlike a module-global context, this lets several host threads launch
    kernels at the same time.
    """
    previous = thread_state.starting
    thread_state.starting = launch
    try:
        yield
    finally:
        thread_state.starting = previous


def launch_context():
    """The launch of the calling thread, simulated or host, else None."""
    return thread_state.launch or thread_state.starting
