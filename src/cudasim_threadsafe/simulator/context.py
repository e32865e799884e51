"""Per-thread launch context for the CUDA simulator.

Each simulated CUDA thread is bound to the launch it belongs to (the
simulator's ``FakeCUDAModule`` for that kernel launch). Kernel-only names of
``numba.cuda`` resolve through this binding, so nothing shared between
threads (a function's globals or closure cells) is ever rewritten, and
launches from several host threads never see each other's state.
"""

import threading
import types


class _ThreadState(threading.local):
    """What the current OS thread is running; class defaults apply to new
    threads, so host threads read None without a try/except."""

    # The launch being run, while a block of it runs on this OS thread.
    launch = None
    # The kernel-only names of ``numba.cuda`` that are the same in every
    # thread of that launch (a ``launch_view``).
    view = None
    # The simulated thread running now (a ``simthread.SimulatedThread``):
    # the launcher sets it whenever it starts or resumes one.
    thread = None
    # The launch a host thread is running the blocks of (a
    # ``launch.Launch``), read by the block launcher.
    starting = None


# Hot paths (every device call) read ``thread_state.launch`` directly, and
# ``numba.cuda`` reads the view and the running thread with C-level lookups
# only (see cudamodule).
thread_state = _ThreadState()

# Set by ``cudamodule.install``, for each kind of launch (the class of its
# fake module): the kernel-only names that are the same in every thread of
# a launch of that kind. One process may serve two modules (numba.cuda and
# another compiler's), each with kernel-only names of its own.
shared_names = {}


def launch_view(launch):
    """The names of ``launch`` that every thread sees alike, read once."""
    names = ()
    for kind in type(launch).__mro__:
        if kind in shared_names:
            names = shared_names[kind]
            break
    return types.SimpleNamespace(
        **{name: getattr(launch, name) for name in names}
    )


def bind(launch, view):
    """Bind the calling OS thread to ``launch`` and its ``view``, while it
    runs simulated threads of that launch."""
    thread_state.launch = launch
    thread_state.view = view


def unbind():
    """Forget the launch, so a pooled thread keeps nothing of it alive."""
    thread_state.launch = thread_state.view = thread_state.thread = None
