"""Every switch of the package: its environment variables and its context
managers, in one place.

A context manager (``sanitizer``, ``compile_check``, ``gpu_typing``) sets
a ``contextvars.ContextVar``, so it holds for the host thread, or the
asyncio task, that entered it, and for no other. A launch reads everything
once, on the launching thread, into one frozen ``Settings`` that it
carries (``current``): another thread's switch cannot change a launch
under way. ``VARIABLES`` is the table the README's lists.

Nothing of the package is imported here: every layer may import this.
"""

import contextlib
import contextvars
import os
import sys
from typing import NamedTuple

# The sanitizer's checks, named after compute-sanitizer's tools.
CHECKS = ("memcheck", "racecheck", "synccheck", "initcheck")


class Variable(NamedTuple):
    name: str
    values: str
    read: str
    does: str


# The environment variables, as the README's table gives them.
VARIABLES = (
    Variable("NUMBA_ENABLE_CUDASIM", "1", "numba, at import", "numba's own"),
    Variable(
        "CUDASIM_THREADSAFE",
        "0",
        "when numba.cuda is imported",
        "turns the fix off",
    ),
    Variable(
        "NUMBA_CUDASIM_LAUNCHER",
        "greenlet, threads",
        "at each launch",
        "how a block's simulated threads run",
    ),
    Variable(
        "NUMBA_CUDASIM_SANITIZER",
        "all, none, or a comma list of " + ", ".join(CHECKS),
        "at each launch",
        "the sanitizer's checks",
    ),
    Variable(
        "NUMBA_CUDASIM_SCHEDULE",
        "reverse, shuffle:SEED",
        "at each launch",
        "the order of a block's threads (greenlet launcher)",
    ),
    Variable(
        "NUMBA_CUDASIM_COMPILE_CHECK",
        "1",
        "at each launch",
        "compile each kernel for the GPU",
    ),
    Variable("NUMBA_CUDASIM_GPU_TYPING", "0", "at each launch", "GPU typing"),
    Variable(
        "NUMBA_CUDASIM_COMPILE_CC",
        "8.0",
        "at each check",
        "the compute capability the compile check compiles for",
    ),
    Variable(
        "NUMBA_CUDASIM_COMPILE_CACHE",
        "a folder, or 0 for none (default: the user's cache folder)",
        "at each check",
        "where the compile check keeps its results",
    ),
    Variable(
        "CUDASIM_THREADSAFE_TEST_GPUCHECK",
        "1",
        "by the tests",
        "the compile check is installed: its tests must run",
    ),
    Variable(
        "CUDASIM_THREADSAFE_TEST_NVVM",
        "1",
        "by the tests",
        "NVVM is installed: the real-compiler check must run",
    ),
)

# What the context managers forced, or None: the variable decides.
_sanitizer = contextvars.ContextVar("cudasim_sanitizer", default=None)
_compile_check = contextvars.ContextVar("cudasim_compile_check", default=None)
_gpu_typing = contextvars.ContextVar("cudasim_gpu_typing", default=None)


class Settings(NamedTuple):
    """What one launch runs with, read once when it starts."""

    # The sanitizer's checks: a frozenset of names in CHECKS.
    sanitizer: frozenset
    # ``NUMBA_CUDASIM_SCHEDULE`` as given, or "".
    schedule: str
    compile_check: bool
    gpu_typing: bool


def parse_checks(value, source="NUMBA_CUDASIM_SANITIZER"):
    """The checks named by ``value`` (``all``, ``none`` or a comma list),
    as a frozenset; empty for an empty value."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if names == ["none"]:
        return frozenset()
    if names == ["all"]:
        return frozenset(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValueError(
            "%s=%r: %s not a check; use all, none, or a comma list of %s"
            % (source, value, ", ".join(unknown), ", ".join(CHECKS))
        )
    return frozenset(names)


_NONE = frozenset()


def sanitizer_checks():
    forced = _sanitizer.get()
    if forced is not None:
        return forced
    value = os.environ.get("NUMBA_CUDASIM_SANITIZER")
    return parse_checks(value) if value else _NONE


def compile_check_on():
    forced = _compile_check.get()
    if forced is not None:
        return forced
    value = os.environ.get("NUMBA_CUDASIM_COMPILE_CHECK", "")
    return value not in ("", "0")


def gpu_typing_on():
    forced = _gpu_typing.get()
    if forced is not None:
        return forced
    return os.environ.get("NUMBA_CUDASIM_GPU_TYPING", "").strip() != "0"


def compile_cc():
    """The compute capability the compile check compiles for."""
    value = os.environ.get("NUMBA_CUDASIM_COMPILE_CC") or "8.0"
    try:
        major, minor = value.split(".")
        return int(major), int(minor)
    except ValueError:
        raise ValueError(
            "NUMBA_CUDASIM_COMPILE_CC=%r: give a compute capability such as "
            "8.0" % value
        ) from None


def numba_configs():
    """numba's config modules loaded in this process, numba-cuda's first
    (its settings win where both have one)."""
    for name in ("numba.cuda.core.config", "numba.core.config"):
        config = sys.modules.get(name)
        if config is not None:
            yield config


def numba_setting(name, default=None):
    """numba's setting ``name`` (``ENABLE_CUDASIM``...), as numba-cuda
    reads it where it is installed."""
    for config in numba_configs():
        if hasattr(config, name):
            return getattr(config, name)
    return default


def current():
    """The settings a launch starting now on this thread runs with."""
    # tuple.__new__: a NamedTuple's own constructor costs a launch more.
    return _new_tuple(
        Settings,
        (
            sanitizer_checks(),
            os.environ.get("NUMBA_CUDASIM_SCHEDULE", "").strip(),
            compile_check_on(),
            gpu_typing_on(),
        ),
    )


_new_tuple = tuple.__new__


@contextlib.contextmanager
def _forcing(var, value):
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def sanitizer(checks="all"):
    """A context manager: the launches of its block, on this thread or
    task, run the sanitizer's ``checks`` (``"all"``, or a comma list of
    ``memcheck``, ``racecheck``, ``synccheck``, ``initcheck``), whatever
    ``NUMBA_CUDASIM_SANITIZER`` says."""
    return _forcing(_sanitizer, parse_checks(checks, "sanitizer()"))


def compile_check(on=True):
    """A context manager: the launches of its block, on this thread or
    task, are checked to compile for the GPU (or not, ``on=False``),
    whatever ``NUMBA_CUDASIM_COMPILE_CHECK`` says."""
    return _forcing(_compile_check, bool(on))


def gpu_typing(on=True):
    """A context manager: the intrinsics called in its block, on this
    thread or task, are typed as the GPU types them (or not, ``on=False``),
    whatever ``NUMBA_CUDASIM_GPU_TYPING`` says."""
    return _forcing(_gpu_typing, bool(on))
