"""A thread-safe CUDA simulator for numba.

Installed, the package arms itself at start-up (see ``_startup``) and, when
``numba.cuda`` is imported with the simulator enabled, gives each simulated
thread its own launch context (see ``overlay``). ``CUDASIM_THREADSAFE=0``
turns it off.
"""

import sys

__version__ = "0.2.0"
__all__ = [
    "install",
    "status",
    "sanitizer",
    "SanitizerError",
    "compile_check",
    "GPUCompileError",
    "gpu_typing",
]

_report = {"active": False, "reason": "numba.cuda has not been imported"}
_warned = False


def _disabled_reason():
    from ._startup import disabled

    if disabled():
        return "turned off by CUDASIM_THREADSAFE=0"
    return None


def built_in(cuda):
    """Whether this ``numba.cuda`` already has the fix in its simulator,
    as ``buildscripts/export_upstream.py`` writes it."""
    kernel = sys.modules.get(cuda.__name__ + ".simulator.kernel")
    launcher = getattr(getattr(kernel, "BlockManager", None), "__module__", "")
    return launcher == cuda.__name__ + ".simulator.launcher" or (
        type(cuda).__name__ == "SimulatedCudaModule"
        and type(cuda).__module__.startswith(cuda.__name__ + ".simulator.")
    )


def activate(cuda):
    """Install into the imported ``numba.cuda`` when the simulator is on.

    Called by the startup hook; never raises, so that importing numba
    cannot break because of this package.
    """
    global _warned
    try:
        from . import overlay

        if overlay.simulator_enabled() and built_in(cuda):
            # Installing over it would bind threads to a second context.
            _report.update(active=True, reason="built into numba.cuda")
            return
        reason = _disabled_reason()
        if reason is None and not overlay.simulator_enabled():
            reason = "the CUDA simulator is not enabled"
        if reason is None:
            overlay.install_into(cuda)
        _report.update(active=reason is None, reason=reason or "installed")
    except Exception as e:
        reason = "not installed: %s: %s" % (type(e).__name__, e)
        _report.update(active=False, reason=reason)
        if not _warned:
            _warned = True
            import warnings

            warnings.warn(
                "cudasim-threadsafe does not support this numba version and "
                "left its CUDA simulator unchanged (%s)" % reason,
                RuntimeWarning,
                stacklevel=2,
            )


def deactivate(cuda):
    """Take the fix off ``numba.cuda`` before a reload runs upstream's code
    on it again; after the reload, :func:`activate` runs anew. Never
    raises."""
    try:
        from . import overlay

        overlay.remove_from(cuda)
        _report.update(active=False, reason="numba.cuda is being reloaded")
    except Exception as e:
        reason = "not removed: %s: %s" % (type(e).__name__, e)
        _report.update(active=False, reason=reason)


def install():
    """Activate the fix now, or as soon as ``numba.cuda`` is imported.

    The startup hook already does this; calling it again is harmless.
    ``CUDASIM_THREADSAFE=0`` still wins. Returns :func:`status`.
    """
    if _disabled_reason() is None:
        from ._startup import arm

        # Also sees a later reload of numba.cuda.
        arm(activate)
    cuda = sys.modules.get("numba.cuda")
    if cuda is not None:
        activate(cuda)
    return status()


def status():
    """A dict saying whether the fix is active, and why or why not."""
    from importlib import metadata

    versions = {}
    for dist in ("numba", "numba-cuda"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    cuda = sys.modules.get("numba.cuda")
    simulator = None
    if cuda is not None:
        from .overlay import simulator_enabled

        simulator = simulator_enabled()
    active = _report["active"]
    reason = None if active else _disabled_reason()
    if simulator and built_in(cuda):
        active, reason = True, "built into numba.cuda"
    return {
        "active": active,
        "reason": reason or _report["reason"],
        "simulator": simulator,
        "numba": versions["numba"],
        "numba_cuda": versions["numba-cuda"],
        "version": __version__,
    }


class SanitizerError(RuntimeError):
    """A launch in sanitizer mode found what a GPU leaves undefined (a
    race, a divergent barrier, an out-of-bounds or uninitialized access);
    its message is the report."""

    # The report names the threads: no position is put in front of it.
    names_threads = True


def sanitizer(checks="all"):
    """A context manager: the launches of its block run the sanitizer's
    ``checks`` (``"all"``, or a comma list of ``memcheck``,
    ``racecheck``, ``synccheck``, ``initcheck``), whatever
    ``NUMBA_CUDASIM_SANITIZER`` says."""
    from . import sanitize

    return sanitize.sanitizer(checks)


class GPUCompileError(RuntimeError):
    """A kernel that runs in the simulator does not compile for the GPU
    (the compile check, ``NUMBA_CUDASIM_COMPILE_CHECK=1``); the message
    carries the compiler's error."""


def compile_check(on=True):
    """A context manager: the launches of its block are checked to compile
    for the GPU (or not, ``on=False``), whatever
    ``NUMBA_CUDASIM_COMPILE_CHECK`` says."""
    from . import gpucheck

    return gpucheck.compile_check(on)


def gpu_typing(on=True):
    """A context manager: the intrinsics called in its block are typed as
    the GPU types them (or not, ``on=False``), whatever
    ``NUMBA_CUDASIM_GPU_TYPING`` says."""
    from . import gputyping

    return gputyping.gpu_typing(on)
