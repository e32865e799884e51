"""Skip this folder unless numba-cuda-mlir is installed and the simulator
is on (``NUMBA_ENABLE_CUDASIM=1``, the package not turned off).

``CUDASIM_THREADSAFE_TEST_FRONT_OFF=1`` runs the tests with the simulator
off, where ``from numba_cuda_mlir import cuda`` is the real compiler:
``scripts/check-mlir.sh`` then expects every test to fail (without a GPU a
launch raises ``CudaSupportError``), showing that each guards the
simulator.
"""

import importlib.util
import os

import pytest


def _simulator_on():
    enabled = os.environ.get("NUMBA_ENABLE_CUDASIM", "0").strip()
    off = os.environ.get("CUDASIM_THREADSAFE", "1").strip() == "0"
    return enabled not in ("", "0") and not off


if importlib.util.find_spec("numba_cuda_mlir") is None:
    pytest.skip("numba-cuda-mlir is not installed", allow_module_level=True)
if not _simulator_on() and (
    os.environ.get("CUDASIM_THREADSAFE_TEST_FRONT_OFF") != "1"
):
    pytest.skip(
        "tests the simulator: set NUMBA_ENABLE_CUDASIM=1",
        allow_module_level=True,
    )
