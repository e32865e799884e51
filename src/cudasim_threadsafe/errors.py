"""Every exception this package raises of its own, in one place.

The layers below import their exception classes from here, so that none of
them imports the package's ``__init__``; the public ones are re-exported
there.
"""


class SanitizerError(RuntimeError):
    """A launch in sanitizer mode found what a GPU leaves undefined (a
    race, a divergent barrier, an out-of-bounds or uninitialized access);
    its message is the report."""

    # The report names the threads: no position is put in front of it.
    names_threads = True


class OutOfBoundsError(SanitizerError, IndexError):
    """memcheck's finding: an index outside the array. Raised in the
    thread, it gets the thread's position in front, as NumPy's
    ``IndexError`` would."""

    names_threads = False


class SanitizerWarning(RuntimeWarning):
    """A hazard the sanitizer reports without failing the launch: one
    that compute-sanitizer words as a warning (a same-value race), or an
    undefined use that GPUs run the same way in practice. Its message is
    the report of the launch's warnings."""


class GPUCompileError(RuntimeError):
    """A kernel that runs in the simulator does not compile for the GPU
    (the compile check, ``NUMBA_CUDASIM_COMPILE_CHECK=1``); the message
    carries the compiler's error."""


class NotUnderstood(Exception):
    """The installed simulator does not look like one this fix knows."""


class WorkerMissing(Exception):
    """A worker process could not load what it needs; the text says why."""
