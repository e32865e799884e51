"""The start-up hook, imported by ``cudasim_threadsafe.pth`` at every
Python start-up: arms the fix for when ``numba.cuda`` is imported.

Importing numba here would cost every start-up far more than this does, so
nothing but ``overlay.hook`` and ``importhook`` (``sys``, ``os``) loads.
"""

from .overlay import hook

hook.arm()
