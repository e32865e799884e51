"""Whole lines from in-kernel ``print()`` calls.

``print`` writes each argument, each separator and the line end in separate
calls, so the output of simulated threads interleaves mid-line (upstream's
``test_print`` tests fail now and then for this). For the length of each
kernel launch, ``sys.stdout`` is a proxy that keeps each simulated thread's
text until its line ends, then writes the whole line at once. Host threads
write straight through. Only ``sys.stdout`` is replaced, and only while a
kernel runs.
"""

import sys
import threading

from .context import thread_state

# Guards installing and removing the proxy, for launches from several host
# threads at once.
_install_lock = threading.Lock()


def _simulated_thread(launch):
    """Key of the calling simulated thread: one OS thread runs several in
    turn, as greenlets or one after another."""
    return launch, thread_state.thread


class LineBufferedStdout:
    """Stands in for ``sys.stdout`` while kernels run.

    A proxy left in place after its last launch (someone else replaced
    ``sys.stdout`` meanwhile, then put the proxy back) passes everything
    straight through.
    """

    def __init__(self, target):
        self.target = target
        self.launches = 0
        # Partial line of each simulated thread, written to only by that
        # thread while it runs.
        self._pending = {}
        self._write_lock = threading.Lock()

    def write(self, text):
        launch = thread_state.launch
        if launch is None or not self.launches:
            return self.target.write(text)
        key = _simulated_thread(launch)
        pending = self._pending.pop(key, "") + text
        end = pending.rfind("\n") + 1
        if end:
            with self._write_lock:
                self.target.write(pending[:end])
        if end < len(pending):
            self._pending[key] = pending[end:]
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        launch = thread_state.launch
        if launch is not None:
            self._write_pending(_simulated_thread(launch))
        self.target.flush()

    def _write_pending(self, key):
        text = self._pending.pop(key, "")
        if text:
            with self._write_lock:
                self.target.write(text)

    def write_unterminated(self):
        """Write what simulated threads left without a line end.

        Called when no launch runs any more: simulated threads may be
        pooled, so that a thread has ended says nothing.
        """
        for key in list(self._pending):
            self._write_pending(key)

    def __getattr__(self, name):
        # encoding, fileno, isatty, buffer ... are the target's.
        return getattr(self.target, name)


class WholeLines:
    """A plugin of every launch (``launch.PLUGINS``): in-kernel prints
    write whole lines.

    Nested launches (from several host threads) share one proxy, counted;
    the last one out puts the original ``sys.stdout`` back, unless
    ``sys.stdout`` was replaced in the meantime.
    """

    __slots__ = ("proxy",)

    def __init__(self, launch=None):
        self.proxy = None

    def __enter__(self):
        with _install_lock:
            proxy = sys.stdout
            if not isinstance(proxy, LineBufferedStdout):
                if proxy is None:
                    self.proxy = None
                    return self
                proxy = LineBufferedStdout(proxy)
                sys.stdout = proxy
            proxy.launches += 1
            self.proxy = proxy
        return self

    def __exit__(self, *exc):
        proxy = self.proxy
        if proxy is None:
            return
        with _install_lock:
            proxy.launches -= 1
            if proxy.launches:
                return
            proxy.write_unterminated()
            if sys.stdout is proxy:
                sys.stdout = proxy.target
