"""The simulator served as ``numba_cuda_mlir.cuda`` (``fronts``): when it
is served and when numba-cuda-mlir is left as shipped, ``cuda.jit``'s
keywords checked as numba-cuda-mlir checks them, and names the simulator
lacks named.

Each case runs in a child interpreter, as the switch is read when
``numba_cuda_mlir.cuda`` is first imported. Skipped where numba-cuda-mlir
is not installed, but for the start-up cost, which holds everywhere.
"""

import importlib.util
import os
import sys

import pytest

from .childprocess import run_python

needs_mlir = pytest.mark.skipif(
    importlib.util.find_spec("numba_cuda_mlir") is None,
    reason="numba-cuda-mlir is not installed",
)

# This package, for a child that has no start-up hook installed.
SOURCE_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)

PRELUDE = """
import json, sys, warnings
import cudasim_threadsafe._startup
"""


def environment(simulator, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NUMBA_CUDASIM", "CUDASIM_THREADSAFE"))
    }
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulator is not None:
        env["NUMBA_ENABLE_CUDASIM"] = simulator
    env["PYTHONPATH"] = os.pathsep.join(
        [SOURCE_ROOT]
        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    env.update(extra)
    return env


def child(source, simulator="1", **extra):
    return run_python(PRELUDE + source, environment(simulator, **extra))


def test_start_up_imports_no_compiler():
    found = child(
        """
from cudasim_threadsafe import importhook
print(json.dumps({
    "loaded": sorted(m for m in sys.modules
                     if m.split(".")[0] in ("numba", "numba_cuda_mlir")),
    "serving": [f.package for f in sys.meta_path
                if isinstance(f, importhook.ServingFinder)],
}))
"""
    )
    assert found == {
        "loaded": [],
        "serving": [
            "numba_cuda_mlir.numba_cuda.random",
            "numba_cuda_mlir.cuda",
        ],
    }


@needs_mlir
def test_served_with_the_simulator_on():
    found = child(
        """
import numpy as np
import numba_cuda_mlir.cuda as by_path
from numba_cuda_mlir import cuda
from numba_cuda_mlir.cuda import (
    cg, const, cudadrv, fp16, libdevice, libdevicefuncs, local, random,
    shared, vector, vector_types,
)
from numba_cuda_mlir.cuda.cudadrv import devicearray, driver, error
from numba_cuda_mlir.cuda.cudadrv.devicearray import DeviceNDArray
from numba_cuda_mlir.cuda.cudadrv.devices import get_context, gpus
from numba_cuda_mlir.cuda.random import create_xoroshiro128p_states

@cuda.jit
def kernel(out):
    s = shared.array(4, cuda.float32)
    t = cuda.threadIdx.x
    s[t] = t
    cuda.syncthreads()
    out[t] = s[3 - t] + cuda.local_array(1, cuda.int32).size

out = cuda.to_device(np.zeros(4, np.float32))
kernel[1, 4](out)
print(json.dumps({
    "same": by_path is cuda,
    "origin": cuda.__spec__.origin,
    "out": out.copy_to_host().tolist(),
    "device array": isinstance(out, DeviceNDArray),
    "numba": "numba" in sys.modules,
}))
"""
    )
    assert found == {
        "same": True,
        "origin": "cudasim-threadsafe",
        "out": [4.0, 3.0, 2.0, 1.0],
        "device array": True,
        "numba": False,
    }


@needs_mlir
@pytest.mark.parametrize(
    "simulator, extra",
    [(None, {}), ("0", {}), ("1", {"CUDASIM_THREADSAFE": "0"})],
)
def test_as_shipped_with_the_simulator_off(simulator, extra):
    found = child(
        """
import os, types
import numpy as np
import numba_cuda_mlir
from numba_cuda_mlir import cuda
try:
    cuda.to_device(np.zeros(1))
    launch = "ran"
except Exception as e:
    launch = type(e).__name__
print(json.dumps({
    "file": cuda.__file__ == os.path.join(
        os.path.dirname(numba_cuda_mlir.__file__), "cuda", "__init__.py"),
    "plain module": type(cuda) is types.ModuleType,
    "launch": launch,
    "front": sorted(m for m in sys.modules
                    if m.startswith("cudasim_threadsafe.fronts")),
}))
""",
        simulator,
        **extra,
    )
    assert found == {
        "file": True,
        "plain module": True,
        "launch": "CudaSupportError",
        "front": [],
    }


@needs_mlir
def test_unknown_version_warns_once_and_serves_nothing():
    found = child(
        """
import os
import numba_cuda_mlir
numba_cuda_mlir.__version__ = "0.0.1"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from numba_cuda_mlir import cuda
    import numba_cuda_mlir.cuda.const
print(json.dumps({
    "file": cuda.__file__ == os.path.join(
        os.path.dirname(numba_cuda_mlir.__file__), "cuda", "__init__.py"),
    "warnings": [str(w.message) for w in caught
                 if "cudasim-threadsafe" in str(w.message)],
}))
"""
    )
    assert found["file"]
    assert len(found["warnings"]) == 1
    assert "0.0.1" in found["warnings"][0]


# A valid value for each keyword numba-cuda-mlir's jit accepts.
ACCEPTED = {
    "_dbg_optnone": False,
    "_nrt": False,
    "abi": "numba",
    "abi_info": {},
    "annotations_as_signatures": False,
    "cache": False,
    "capi": True,
    "cc": (8, 0),
    "chip": "sm_80",
    "debug": False,
    "device": True,
    "dump": False,
    "dump_ast": False,
    "dump_ast_after_all": False,
    "dump_cubin": False,
    "dump_llvmir": False,
    "dump_mlir": False,
    "dump_numba_ir": False,
    "dump_ptx": False,
    "experimental_ast_transforms": False,
    "extensions": [],
    "fast_math": True,
    "fastmath": True,
    "features": "+ptx80",
    "forceinline": False,
    "inline": "never",
    "launch_bounds": (128, 2),
    "lineinfo": True,
    "link": [],
    "lto": False,
    "max_registers": 32,
    "no_cpython_wrapper": True,
    "nopython": True,
    "opt": False,
    "opt_level": 2,
    "print_after_all": False,
    "print_before_all": False,
    "profile_jit": False,
    "ptxas_options": "-v",
    "shared_memory_carveout": "maxshared",
    "signature": "infer",
}

# (arguments of jit, keywords): rejected or warned of at decoration.
REJECTED = {
    "unknown keyword": ((), {"no_such_option": 1}),
    "wrong type": ((), {"opt_level": "3"}),
    "opt and opt_level": ((), {"opt": True, "opt_level": 2}),
    "debug without opt_level=0": ((), {"debug": True}),
    "debug with opt_level=0": ((), {"debug": True, "opt_level": 0}),
    "debug and lineinfo": ((), {"debug": True, "lineinfo": True, "opt": 0}),
    "opt_level out of range": ((), {"opt_level": 5}),
    "chip": ((), {"chip": "80"}),
    "inline": ((), {"inline": "sometimes"}),
    "abi": ((), {"abi": "fortran"}),
    "carveout": ((), {"shared_memory_carveout": 101}),
    "launch_bounds": ((), {"launch_bounds": 0}),
    "help": ((), {"help": True}),
    "not a function or signature": ((3,), {}),
}

JIT_CASES = """
from numba_cuda_mlir import cuda
import numba_cuda_mlir.decorators as decorators

def kernel(a):
    a[0] = 1

def annotated(a: cuda.int32):
    pass

cases = dict(REJECTED)
cases.update(("accepts " + k, ((), {k: v})) for k, v in ACCEPTED.items())
outcomes = {}
for name, (args, kws) in cases.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cuda.jit(*args, **kws)(kernel)
            outcome = "accepted"
        except BaseException as e:
            outcome = type(e).__name__
    outcomes[name] = [outcome, sorted(type(w.message).__name__
                                      for w in caught)]
try:
    cuda.jit("void(int32)")(annotated)
    outcomes["signature and annotations"] = "accepted"
except Exception as e:
    outcomes["signature and annotations"] = type(e).__name__
outcomes["schema"] = sorted(o.name for o in decorators._get_schema())
outcomes["origin"] = cuda.__spec__.origin
print(json.dumps(outcomes))
"""


@needs_mlir
def test_jit_keywords_as_numba_cuda_mlir():
    source = "REJECTED = %r\nACCEPTED = %r\n%s" % (
        REJECTED,
        ACCEPTED,
        JIT_CASES,
    )
    real = child(source, simulator=None)
    simulated = child(source)
    assert sorted(ACCEPTED) == real["schema"]
    assert simulated.pop("origin") == "cudasim-threadsafe"
    assert real.pop("origin") != "cudasim-threadsafe"
    assert simulated == real
    # What numba-cuda-mlir's own checks say, as the issue gives them.
    assert real["unknown keyword"][0] == "ValueError"
    assert real["wrong type"][0] == "TypeError"
    assert real["opt and opt_level"][0] == "ValueError"
    assert real["debug without opt_level=0"][0] == "ValueError"
    assert real["debug with opt_level=0"][0] == "accepted"
    assert real["signature and annotations"] == "TypeError"
    assert all(real["accepts " + k][0] == "accepted" for k in ACCEPTED)


@needs_mlir
def test_jit_keeps_the_options_and_signatures():
    found = child(
        """
from numba_cuda_mlir import cuda

@cuda.jit("void(float32[:], int32)", lineinfo=True, max_registers=40)
def kernel(a, n):
    pass

@cuda.jit
def annotated(a: cuda.float32[:]):
    pass

print(json.dumps({
    "options": [kernel.options["lineinfo"], kernel.options["max_registers"],
                kernel.options["opt_level"]],
    "signatures": [[str(t) for t in args] for args in kernel.signatures],
    "declared": [[[str(t) for t in args], str(ret)]
                 for args, ret in kernel.declared],
    "annotated": [[[str(t) for t in args], str(ret)]
                  for args, ret in annotated.declared],
}))
"""
    )
    assert found == {
        "options": [True, 40, 3],
        "signatures": [["array(float32, 1d, A)", "int32"]],
        "declared": [[["array(float32, 1d, A)", "int32"], "none"]],
        "annotated": [[["array(float32, 1d, A)"], "none"]],
    }


@needs_mlir
def test_missing_names_raise_attribute_errors_naming_them():
    found = child(
        """
from numba_cuda_mlir import cuda
errors = {}
for name in ("compile_ptx", "declare_device", "intrin", "tensor_map",
             "experimental", "laneid", "no_such_name"):
    try:
        getattr(cuda, name)
        errors[name] = None
    except AttributeError as e:
        errors[name] = name in str(e)
try:
    import numba_cuda_mlir.cuda.intrin
    errors["import intrin"] = None
except ModuleNotFoundError as e:
    errors["import intrin"] = "numba_cuda_mlir.cuda.intrin" in str(e)
nones = [n for n in dir(cuda) if not n.startswith("_")
         and vars(cuda).get(n, 0) is None]
print(json.dumps({"errors": errors, "nones": nones}))
"""
    )
    assert found["nones"] == []
    assert found["errors"] == dict.fromkeys(
        (
            "compile_ptx",
            "declare_device",
            "intrin",
            "tensor_map",
            "experimental",
            "laneid",
            "no_such_name",
            "import intrin",
        ),
        True,
    )


@needs_mlir
def test_stubs_compute_in_a_kernel():
    found = child(
        """
import numpy as np
from numba_cuda_mlir import cuda

@cuda.jit
def kernel(a, out):
    out[0] = cuda.ldcg(a, 1) + cuda.ldcs(a, 2)
    cuda.stwt(out, 1, cuda.popc(7))
    out[2] = cuda.clz(np.uint32(1)) + cuda.ffs(np.uint32(8))
    out[3] = cuda.selp(True, 5, 6)

a = np.arange(4, dtype=np.int64)
out = np.zeros(4, dtype=np.int64)
kernel[1, 1](a, out)
try:
    cuda.inline_ptx("mov.u32 %0, 1;")
    ptx = None
except NotImplementedError as e:
    ptx = str(e)
print(json.dumps({"out": out.tolist(), "ptx": ptx}))
"""
    )
    assert found["out"] == [3, 3, 35, 5]
    assert "cannot run PTX" in found["ptx"]


@needs_mlir
def test_sanitizer_and_numba_only_switches_in_mlir_launches():
    found = child(
        """
import numpy as np
import cudasim_threadsafe
from numba_cuda_mlir import cuda

@cuda.jit
def racy(a):
    a[0] += 1

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for _ in range(2):
        racy[1, 1](np.zeros(1))
    with cudasim_threadsafe.sanitizer("racecheck"):
        try:
            racy[1, 4](np.zeros(1))
            sanitizer = None
        except cudasim_threadsafe.SanitizerError as e:
            sanitizer = "racecheck" in str(e)
print(json.dumps({
    "sanitizer": sanitizer,
    "warnings": [str(w.message) for w in caught
                 if "numba-cuda" in str(w.message)],
}))
""",
        NUMBA_CUDASIM_COMPILE_CHECK="1",
    )
    assert found["sanitizer"] is True
    assert len(found["warnings"]) == 1
    assert "compile check" in found["warnings"][0]


@needs_mlir
def test_kernel_only_names_outside_a_kernel_name_the_mlir_module():
    found = child(
        """
from numba_cuda_mlir import cuda
try:
    cuda.threadIdx
    text = None
except AttributeError as e:
    text = str(e)
print(json.dumps({"text": text}))
"""
    )
    assert found["text"].startswith(
        "numba_cuda_mlir.cuda.threadIdx is only available inside a kernel"
    )


@needs_mlir
def test_target_options_and_runtime_as_numba_cuda_mlir_has_them():
    found = child(
        """
from numba_cuda_mlir import cuda
from numba_cuda_mlir.cuda.cudadrv import runtime

@cuda.jit(lineinfo=True)
def kernel(a):
    pass

@cuda.jit(device=True)
def device(a):
    return a

print(json.dumps({
    "kernel": [kernel.targetoptions["device"],
               kernel.targetoptions["lineinfo"],
               kernel.targetoptions["opt_level"]],
    "device": device.targetoptions["device"],
    "_device": hasattr(kernel, "_device"),
    "version": list(cuda.runtime.get_version()),
    "supported": cuda.runtime.is_supported_version(),
    "module": runtime.runtime is cuda.runtime,
}))
"""
    )
    assert found == {
        "kernel": [False, True, 3],
        "device": True,
        # numba-cuda-mlir's dispatcher has none.
        "_device": False,
        "version": [13, 0],
        "supported": True,
        "module": True,
    }


@needs_mlir
def test_initcheck_reports_a_never_written_device_array():
    found = child(
        """
import numpy as np
import cudasim_threadsafe
from numba_cuda_mlir import cuda

@cuda.jit
def copy(src, dst):
    i = cuda.threadIdx.x
    dst[i] = src[i]

def reported(make):
    src = make()
    dst = cuda.device_array(4)
    try:
        copy[1, 4](src, dst)
        return None
    except cudasim_threadsafe.SanitizerError as e:
        return ("initcheck" in str(e), "cuda.device_array" in str(e))

def written_on_the_host():
    d = cuda.device_array(4)
    d[:2] = 1.0
    d[2:] = 2.0
    return d

def copied_in():
    d = cuda.device_array_like(np.zeros(4))
    d.copy_to_device(np.ones(4))
    return d

print(json.dumps({
    "device_array": reported(lambda: cuda.device_array(4)),
    "device_array_like": reported(
        lambda: cuda.device_array_like(np.zeros(4))),
    "to_device": reported(lambda: cuda.to_device(np.ones(4))),
    "written on the host": reported(written_on_the_host),
    "copied in": reported(copied_in),
}))
""",
        NUMBA_CUDASIM_SANITIZER="initcheck",
    )
    assert found == {
        "device_array": [True, True],
        "device_array_like": [True, True],
        "to_device": None,
        "written on the host": None,
        "copied in": None,
    }


@needs_mlir
@pytest.mark.parametrize("simulator", ["1", None])
def test_status_reports_the_mlir_front(simulator):
    found = child(
        """
import cudasim_threadsafe
before = cudasim_threadsafe.status()["mlir"]
from numba_cuda_mlir import cuda
after = cudasim_threadsafe.status()["mlir"]
print(json.dumps({"before": before, "after": after}))
""",
        simulator,
    )
    version = found["after"]["version"]
    assert version
    if simulator:
        assert found == {
            "before": {
                "served": False,
                "version": version,
                "reason": "numba_cuda_mlir.cuda has not been imported",
            },
            "after": {"served": True, "version": version, "reason": "served"},
        }
    else:
        assert found["after"]["served"] is False
        assert "not enabled" in found["after"]["reason"]


@needs_mlir
@pytest.mark.parametrize("first", ["deep path", "cuda"])
def test_numba_cuda_random_by_its_deep_path_is_the_simulators(first):
    found = child(
        """
import importlib
first = sys.argv[1]
if first == "deep path":
    deep = importlib.import_module("numba_cuda_mlir.numba_cuda.random")
from numba_cuda_mlir import cuda
from numba_cuda_mlir.numba_cuda.random import create_xoroshiro128p_states
deep = importlib.import_module("numba_cuda_mlir.numba_cuda.random")
states = create_xoroshiro128p_states(4, seed=1)
print(json.dumps({
    "same": deep is cuda.random,
    "states": type(states).__module__.startswith("cudasim_threadsafe"),
    "own name": cuda.random.__spec__.name,
}))
""".replace("sys.argv[1]", repr(first))
    )
    assert found == {
        "same": True,
        "states": True,
        "own name": "cudasim_threadsafe.standalone.random",
    }


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
