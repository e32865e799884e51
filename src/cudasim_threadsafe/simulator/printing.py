"""``print()`` in a kernel: each call writes its line whole.

On a GPU a kernel's ``print`` is compiled to one ``vprintf`` call, whose
text comes out in one piece. Python's ``print`` writes each argument,
separator and line end in separate calls, so the output of simulated
threads running on OS threads interleaves mid-line (the simulator's
``test_print`` tests failed now and then for this). The function a launch
runs (``kernelinfo.frozen_function``) therefore binds ``print`` to
:func:`kernel_print`, which formats the whole text first and writes it
with one call. Nothing else changes: ``sys.stdout`` is never replaced,
and a kernel that does not print costs nothing.
"""

import builtins
import sys
import threading

# One write at a time: a stream's own lock is not guaranteed.
_write_lock = threading.Lock()


def kernel_print(*args, sep=" ", end="\n", file=None, flush=False):
    """``print`` as a simulated kernel calls it: the text of the call,
    written to ``sys.stdout`` in one piece."""
    if file is not None and file is not sys.stdout:
        builtins.print(*args, sep=sep, end=end, file=file, flush=flush)
        return
    sep = " " if sep is None else sep
    end = "\n" if end is None else end
    text = sep.join([str(arg) for arg in args]) + end
    stream = sys.stdout
    if stream is None:
        return
    with _write_lock:
        stream.write(text)
        if flush:
            stream.flush()
