"""Fronts: this package's simulator served as the module of a compiler
that ships none.

numba-cuda-mlir dropped its simulator; ``finder`` serves
``numba_cuda_mlir.cuda`` (and its submodules) while
``NUMBA_ENABLE_CUDASIM=1``, and ``mlir`` builds that module from the
``standalone`` layer. numba-cuda keeps the overlay (``..overlay``).
"""
