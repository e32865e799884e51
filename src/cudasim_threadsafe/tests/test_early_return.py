"""Early-return kernels that allocate through an inlined device function
from another module, captured in a closure (the CuBIE pattern)."""

import numpy as np
import pytest
from numba import cuda  # noqa: F401 (imports numba's CUDA config)

from cudasim_threadsafe.overlay import simulator_enabled

pytestmark = pytest.mark.skipif(
    not simulator_enabled(), reason="Tests the CUDA simulator"
)

THREADS_PER_BLOCK = 32


def run(kernel, settings):
    out = np.zeros(settings["array_size"], dtype=np.float64)
    blocks = max(1, -(-settings["array_size"] // THREADS_PER_BLOCK))
    kernel[blocks, THREADS_PER_BLOCK](out)
    return out


def check(out, n_threads):
    n = min(n_threads, out.size)
    np.testing.assert_equal(out[:n], 1)
    np.testing.assert_equal(out[n:], 0)


def test_default_settings(kernel, settings_dict):
    check(run(kernel, settings_dict), settings_dict["n_threads"])


@pytest.mark.parametrize(
    "settings_dict",
    [
        {"n_threads": 10},
        {"n_threads": 1},
        {"n_threads": 0},
        {"n_threads": 3},
        {"n_threads": 9},
        {"buffer_size": 1},
        {"buffer_size": 64},
        {"dtype": np.float32},
        {"dtype": np.int32, "n_threads": 5},
        {"array_size": 32, "n_threads": 32},
        {"array_size": 32, "n_threads": 17},
        {"array_size": 64, "n_threads": 40},
        {"array_size": 96, "n_threads": 95, "buffer_size": 2},
    ],
    indirect=True,
    ids=lambda p: ",".join(
        "%s=%s" % (k, getattr(v, "__name__", v)) for k, v in p.items()
    ),
)
def test_settings(kernel, settings_dict):
    check(run(kernel, settings_dict), settings_dict["n_threads"])


def test_rebuilt_kernels_agree(allocator_factory, settings_dict):
    from .kernels import EarlyReturnKernelFactory

    for n_threads in range(settings_dict["array_size"] + 1):
        kernel = EarlyReturnKernelFactory(n_threads, allocator_factory).build()
        check(run(kernel, settings_dict), n_threads)
