"""Tests of the simulator served as ``numba_cuda_mlir.cuda``, written as a
user of numba-cuda-mlir writes kernels (``from numba_cuda_mlir import
cuda``). They never import numba: CI runs them where numba is not
installed. ``conftest`` skips them unless numba-cuda-mlir is installed and
the simulator is on.
"""
