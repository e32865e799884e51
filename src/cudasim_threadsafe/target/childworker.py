"""A worker process with the simulator off, answering pickled requests.

The compile check (``gpuworker``) and GPU typing (``typingworker``) ask
numba's real CUDA target, which cannot be loaded beside the simulator in
one process. ``Worker`` starts such a module and asks it; the module runs
``serve``. The first answer says whether the worker could load what it
needs: ``("ready", None)`` or ``("missing", why)``.
"""

import atexit
import os
import pickle
import subprocess
import sys
import weakref

from ..errors import WorkerMissing


class Worker:
    """Module ``module`` (``python -m``) run with the simulator off and
    the variables ``unset`` removed from its environment."""

    def __init__(self, module, unset=()):
        unset = ("NUMBA_ENABLE_CUDASIM",) + tuple(unset)
        env = {k: v for k, v in os.environ.items() if k not in unset}
        here = _not_installed()
        if here is not None:
            # A checkout on this process's path: the worker's too.
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (here, env.get("PYTHONPATH")) if p
            )
        self.module = module
        # The process that started it: a fork must start its own.
        self.pid = os.getpid()
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        _live.add(self)
        atexit.register(self.close)
        ready = self._receive()
        if ready[0] != "ready":
            self.process.kill()
            raise WorkerMissing(ready[1])

    def ask(self, request):
        # Pickled whole first: nothing half-written reaches the worker.
        self.process.stdin.write(pickle.dumps(request))
        self.process.stdin.flush()
        return self._receive()

    def close(self):
        """Let the worker end (its stdin closes) and wait for it."""
        if self.pid != os.getpid():
            return
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait()
        self.process.stdout.close()

    def _receive(self):
        try:
            return pickle.load(self.process.stdout)
        except EOFError:
            raise RuntimeError(
                "the worker %s exited (code %s)"
                % (self.module, self.process.wait())
            ) from None


# Workers started by this process, for ``_forget_after_fork``.
_live = weakref.WeakSet()


def _forget_after_fork():
    """In a forked child: close its copies of the parent's worker pipes.
    The worker sees the end of its input only once every copy of the pipe
    is closed, and the parent waits for it at exit; the child starts a
    worker of its own when it asks (``pid`` tells them apart)."""
    for worker in list(_live):
        for pipe in (worker.process.stdin, worker.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass
    _live.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _not_installed():
    """The folder this package was imported from, if the interpreter would
    not find it by itself (not site-packages): a source checkout."""
    import site

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = site.getsitepackages() + [site.getusersitepackages()]
    if any(os.path.abspath(p) == here for p in found):
        return None
    return here


def serve(load, answer):
    """The worker's loop: ``load()`` once (what it raises is sent as
    ``missing``), then ``answer(loaded, request)`` for each request."""
    # Answers go to the real stdout; anything printed goes to stderr.
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    try:
        loaded = load()
    except Exception as e:
        pickle.dump(("missing", "%s: %s" % (type(e).__name__, e)), channel)
        channel.flush()
        return
    pickle.dump(("ready", None), channel)
    channel.flush()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(answer(loaded, request), channel)
        channel.flush()
