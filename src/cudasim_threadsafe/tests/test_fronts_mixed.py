"""Both compilers in one process: ``numba.cuda`` (the overlay on
numba-cuda's simulator) and ``numba_cuda_mlir.cuda`` (the front on the
standalone simulator), imported in either order, launching from several
host threads at once, with the sanitizer, and with GPU typing, which is
numba-cuda's alone: the overlay's typing hooks must leave mlir launches
alone, and taking the overlay off numba.cuda (before a reload) must leave
the front's launches their hooks.

Each case runs in a child interpreter, as both switches are read at
import. Skipped unless numba-cuda and numba-cuda-mlir are both installed.
"""

import importlib.util
import sys

import pytest

from .test_fronts import child

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba_cuda_mlir") is None
    or importlib.util.find_spec("numba_cuda") is None,
    reason="needs numba-cuda and numba-cuda-mlir installed together",
)

IMPORTS = {
    "numba first": "from numba import cuda as ncuda\n"
    "from numba_cuda_mlir import cuda as mcuda\n",
    "mlir first": "from numba_cuda_mlir import cuda as mcuda\n"
    "from numba import cuda as ncuda\n",
}

KERNELS = """
import numpy as np

def shifted(c):
    def kernel(a, out):
        i = c.grid(1)
        if i < a.size:
            out[i] = c.shfl_down_sync(0xFFFFFFFF, a[i], 1) + c.laneid * 0
    return kernel

nkernel = ncuda.jit(shifted(ncuda))
mkernel = mcuda.jit(shifted(mcuda))

def run(c, kernel, n=64):
    a = np.arange(n, dtype=np.int32)
    out = c.device_array(n, dtype=np.int32)
    kernel[n // 32, 32](c.to_device(a), out)
    return out.copy_to_host().tolist()

def expected(n=64):
    return [i + 1 if (i % 32) < 31 else i for i in range(n)]
"""


@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_both_compilers_launch_in_either_order(order):
    found = child(
        IMPORTS[order]
        + KERNELS
        + """
import cudasim_threadsafe
print(json.dumps({
    "numba": run(ncuda, nkernel) == expected(),
    "mlir": run(mcuda, mkernel) == expected(),
    "classes": type(ncuda) is not type(mcuda),
    "active": cudasim_threadsafe.status()["active"],
}))
"""
    )
    assert found == dict.fromkeys(("numba", "mlir", "classes", "active"), True)


SWITCHES = {
    "plain": {},
    "sanitized and typed": {
        "NUMBA_CUDASIM_SANITIZER": "all",
        "NUMBA_CUDASIM_GPU_TYPING": "1",
    },
}


@pytest.mark.parametrize("switches", sorted(SWITCHES))
@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_both_compilers_from_host_threads_at_once(order, switches):
    found = child(
        IMPORTS[order]
        + KERNELS
        + """
import threading, warnings
warnings.simplefilter("ignore")
from cudasim_threadsafe.target import arithmetic
typed = []
_typed = arithmetic.typed

def spying(fn):
    cells = getattr(fn, "__closure__", None) or ()
    typed.append(any(cell.cell_contents is mcuda for cell in cells))
    return _typed(fn)

arithmetic.typed = spying
barrier = threading.Barrier(8)
results = []

def work(k):
    barrier.wait()
    for _ in range(5):
        if k % 2:
            results.append(run(ncuda, nkernel))
        else:
            results.append(run(mcuda, mkernel))

threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"runs": len(results),
                  "right": all(r == expected() for r in results),
                  "mlir typed": any(typed)}))
""".replace(
            "shifted(mcuda)",
            "shifted(mcuda); mkernel.py_func.__qualname__ = 'mkernel'",
        ),
        **SWITCHES[switches],
    )
    assert found == {"runs": 40, "right": True, "mlir typed": False}


@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_sanitizer_reports_each_compilers_race(order):
    found = child(
        IMPORTS[order]
        + """
import numpy as np
import cudasim_threadsafe

def racy_in(c):
    def racy(a):
        a[0] += c.threadIdx.x
    return racy

found = {}
for name, c in (("numba", ncuda), ("mlir", mcuda)):
    try:
        c.jit(racy_in(c))[1, 4](np.zeros(1))
        found[name] = None
    except cudasim_threadsafe.SanitizerError as e:
        found[name] = "racecheck" in str(e)
print(json.dumps(found))
""",
        NUMBA_CUDASIM_SANITIZER="racecheck",
    )
    assert found == {"numba": True, "mlir": True}


# The kernel reads whether the intrinsics its thread calls are typed, and
# the host whether the launch typed the kernel's arithmetic.
TYPING = """
import warnings
import numpy as np
from cudasim_threadsafe.target import arithmetic, gputyping

typed = []
_typed = arithmetic.typed

def spying(fn):
    typed.append(fn.__name__)
    return _typed(fn)

arithmetic.typed = spying

def typing_in(c):
    def typing(out):
        out[0] = gputyping.enabled()
        out[1] = c.shfl_sync(0xFFFFFFFF, c.threadIdx.x, 0)
    return typing

def launched(c, name):
    kernel = c.jit(typing_in(c))
    kernel.__name__ = name
    kernel.py_func.__name__ = name
    out = np.zeros(2, dtype=np.int64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kernel[1, 32](out)
    return out.tolist(), [str(w.message) for w in caught
                          if "numba-cuda" in str(w.message)]
"""


@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_gpu_typing_types_numba_launches_only(order):
    found = child(
        IMPORTS[order]
        + TYPING
        + """
numba_out, numba_warned = launched(ncuda, "numba_kernel")
mlir_out, mlir_warned = launched(mcuda, "mlir_kernel")
again, _ = launched(ncuda, "numba_again")
print(json.dumps({
    "numba": numba_out, "mlir": mlir_out, "again": again,
    "typed": typed, "warned": len(mlir_warned + numba_warned),
}))
""",
        NUMBA_CUDASIM_GPU_TYPING="1",
    )
    assert found["numba"] == [1, 0]
    assert found["again"] == [1, 0]
    assert found["mlir"] == [0, 0]
    assert "mlir_kernel" not in found["typed"]
    assert "numba_kernel" in found["typed"]
    assert found["warned"] == 1


@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_gpu_typing_by_default_leaves_mlir_launches_untyped(order):
    # GPU typing is on by default under numba-cuda, and quiet under mlir.
    found = child(
        IMPORTS[order]
        + TYPING
        + """
mlir_out, mlir_warned = launched(mcuda, "mlir_kernel")
numba_out, _ = launched(ncuda, "numba_kernel")
print(json.dumps({"mlir": mlir_out, "numba": numba_out, "typed": typed,
                  "warned": mlir_warned}))
"""
    )
    assert found == {
        "mlir": [0, 0],
        "numba": [1, 0],
        "typed": ["numba_kernel"],
        "warned": [],
    }


@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_overlay_taken_off_numba_cuda_leaves_mlir_launches_hooked(order):
    # What runs before numba.cuda is reloaded (the simulator switched at
    # run time): the overlay's patches undone, the front's launches kept.
    found = child(
        IMPORTS[order]
        + """
import numpy as np
import cudasim_threadsafe
from cudasim_threadsafe.overlay import hook

@mcuda.jit
def racy(a):
    a[0] += mcuda.threadIdx.x

hook.deactivate(ncuda)
with cudasim_threadsafe.sanitizer("racecheck"):
    try:
        racy[1, 4](np.zeros(1))
        reported = None
    except cudasim_threadsafe.SanitizerError as e:
        reported = "racecheck" in str(e)
print(json.dumps({"reported": reported,
                  "numba.cuda plain": type(ncuda) is type(sys)}))
"""
    )
    assert found == {"reported": True, "numba.cuda plain": True}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
