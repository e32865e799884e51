"""The start-up hook, imported by ``cudasim_threadsafe.pth`` at every
Python start-up: arms the fix for when ``numba.cuda`` is imported, and the
simulator's ``numba_cuda_mlir.cuda`` for when that is.

Importing numba (or numba-cuda-mlir) here would cost every start-up far
more than this does, so nothing but ``overlay.hook`` and ``importhook``
(``sys``, ``os``) loads; the front (``fronts``) loads when
``numba_cuda_mlir.cuda`` is imported with the simulator on.
"""

from . import importhook
from .overlay import hook

hook.arm()
if not hook.disabled():
    importhook.serve("numba_cuda_mlir.cuda", "cudasim_threadsafe.fronts.finder")
    importhook.serve(
        "numba_cuda_mlir.numba_cuda.random", "cudasim_threadsafe.fronts.finder"
    )
