"""Whether and when the fix goes into ``numba.cuda``.

``arm`` (at start-up, ``.._startup``) has ``activate`` run after each
import of ``numba.cuda`` and ``deactivate`` before each reload. Neither
ever raises: importing numba cannot break because of this package. Every
Python start-up imports this module: it imports only ``os``, ``sys`` and
``importhook`` at the top.
"""

import os
import sys

from .. import importhook

_report = {"active": False, "reason": "numba.cuda has not been imported"}
_warned = False


def simulator_enabled():
    """numba's ``ENABLE_CUDASIM``, from numba-cuda's config where present."""
    from .. import settings

    return bool(settings.numba_setting("ENABLE_CUDASIM", False))


def disabled():
    """True when ``CUDASIM_THREADSAFE=0`` turns the fix off."""
    return os.environ.get("CUDASIM_THREADSAFE", "1").strip() == "0"


def disabled_reason():
    if disabled():
        return "turned off by CUDASIM_THREADSAFE=0"
    return None


def arm():
    """Activate the fix when ``numba.cuda`` is imported, unless it is
    turned off; again after each reload."""
    if not disabled():
        importhook.arm(activate, deactivate)


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
    """Install into the imported ``numba.cuda`` when the simulator is on."""
    global _warned
    try:
        if simulator_enabled() and built_in(cuda):
            # Installing over it would bind threads to a second context.
            _report.update(active=True, reason="built into numba.cuda")
            return
        reason = disabled_reason()
        if reason is None and not simulator_enabled():
            reason = "the CUDA simulator is not enabled"
        if reason is None:
            from . import install

            install.install_into(cuda)
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
    on it again; after the reload, :func:`activate` runs anew."""
    try:
        from . import install

        install.remove_from(cuda)
        _report.update(active=False, reason="numba.cuda is being reloaded")
    except Exception as e:
        reason = "not removed: %s: %s" % (type(e).__name__, e)
        _report.update(active=False, reason=reason)


def status(version):
    """A dict saying whether the fix is active, and why or why not."""
    from importlib import metadata

    versions = {}
    for dist in ("numba", "numba-cuda"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    cuda = sys.modules.get("numba.cuda")
    simulator = None if cuda is None else simulator_enabled()
    active = _report["active"]
    reason = None if active else disabled_reason()
    if simulator and built_in(cuda):
        active, reason = True, "built into numba.cuda"
    return {
        "active": active,
        "reason": reason or _report["reason"],
        "simulator": simulator,
        "numba": versions["numba"],
        "numba_cuda": versions["numba-cuda"],
        "version": version,
    }
