"""Installing the fix is all or nothing: when a piece of the simulator is
not as the fix expects, or applying one fails, upstream is left exactly as
it was, with one warning, and kernels run as upstream runs them.

Each case runs in a fresh process: the simulator on, the fix off at start
(``CUDASIM_THREADSAFE=0``), a piece broken, then the fix activated.
"""

import os
import textwrap
import unittest

from . import childprocess

CHILD = """
    import json, os, sys, warnings
    import numpy as np
    from numba import cuda
    import cudasim_threadsafe
    from cudasim_threadsafe.simulator import cudamodule

    kernel = sys.modules["numba.cuda.simulator.kernel"]
    kernelapi = sys.modules["numba.cuda.simulator.kernelapi"]

    def snapshot():
        state = {}
        for module in (kernel, kernelapi, cuda):
            state[module.__name__] = dict(vars(module))
            for name, value in vars(module).items():
                if isinstance(value, type):
                    state[module.__name__, name] = dict(vars(value))
        return state

    def changed(before, after):
        # Importing a submodule (libdevice) binds it on its package: that
        # is upstream's own import, not a change.
        for where in after:
            for name, value in list(after[where].items()):
                if isinstance(value, type(sys)):
                    after[where].pop(name)
                    before.get(where, {}).pop(name, None)
        return sorted(
            "%s.%s" % (where, name)
            for where in before
            for name in set(before[where]) | set(after.get(where, ()))
            if before[where].get(name) is not after.get(where, {}).get(name)
        )

    def broken(*args, **kwargs):
        raise TypeError("changed upstream")

    piece = sys.argv[1]
    if piece == "FakeCUDALocal.array":
        del kernelapi.FakeCUDALocal.array
    elif piece == "FakeCUDAModule()":
        kernelapi.FakeCUDAModule.__init__ = broken
    elif piece == "cudamodule.install":
        # The last piece applied: those before it are undone.
        cudamodule.install = broken
    before = snapshot()
    module_class = type(cuda)
    os.environ["CUDASIM_THREADSAFE"] = "1"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cudasim_threadsafe.activate(cuda)
    report = {
        "changed": changed(before, snapshot()),
        "class_kept": type(cuda) is module_class,
        "warnings": [str(w.message) for w in caught],
        "active": cudasim_threadsafe.status()["active"],
    }
    if piece != "FakeCUDAModule()":
        @cuda.jit
        def kernel_(out):
            out[cuda.threadIdx.x] = cuda.threadIdx.x + 1

        out = np.zeros(4)
        try:
            kernel_[1, 4](out)
            report["launch"] = out.tolist()
        except Exception as e:
            report["launch"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(report))
"""


class TestAllOrNothing(unittest.TestCase):
    def check(self, piece):
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
        env["CUDASIM_THREADSAFE"] = "0"
        env.pop("NUMBA_CUDASIM_LAUNCHER", None)
        report = childprocess.run_python(textwrap.dedent(CHILD), env, piece)
        self.assertEqual(report["changed"], [], report)
        self.assertTrue(report["class_kept"], report)
        self.assertFalse(report["active"], report)
        self.assertEqual(len(report["warnings"]), 1, report)
        self.assertIn(
            "left its CUDA simulator unchanged", report["warnings"][0]
        )
        if "launch" in report:
            self.assertEqual(report["launch"], [1, 2, 3, 4], report)

    def test_a_method_the_fix_wraps_is_missing(self):
        self.check("FakeCUDALocal.array")

    def test_the_fake_module_cannot_be_made(self):
        self.check("FakeCUDAModule()")

    def test_applying_a_piece_fails(self):
        self.check("cudamodule.install")


# numba.cuda with the simulator off: its names, its class, and the real
# DeviceNDArray's members, whatever the fix is.
REAL_TARGET = """
    import json, sys
    import numba.cuda
    from numba.cuda.cudadrv import devicearray

    def named(value):
        value = getattr(value, "fget", value)
        return "%s.%s" % (
            getattr(value, "__module__", None),
            getattr(value, "__qualname__", type(value).__name__),
        )

    cuda = sys.modules["numba.cuda"]
    print(json.dumps({
        "class": type(cuda).__name__,
        "names": {n: named(v) for n, v in sorted(vars(cuda).items())},
        "dir": dir(cuda),
        "device_array": [
            "%s.%s %s" % (cls.__name__, name, named(value))
            for cls in devicearray.DeviceNDArray.__mro__
            for name, value in sorted(vars(cls).items())
        ],
        "loaded": sorted(m for m in sys.modules if "cudasim_threadsafe" in m),
    }))
"""


class TestSimulatorOff(unittest.TestCase):
    def real_target(self, fix):
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
        env["CUDASIM_THREADSAFE"] = fix
        return childprocess.run_python(textwrap.dedent(REAL_TARGET), env)

    def test_numba_cuda_as_without_the_fix(self):
        # CUDASIM_THREADSAFE=0: the start-up hook arms nothing, as if the
        # package were not installed.
        armed, without = self.real_target("1"), self.real_target("0")
        self.assertEqual(armed["class"], "module")
        for key in ("names", "dir", "device_array"):
            self.assertEqual(armed[key], without[key], key)
        # Nothing of the fix loads: only the start-up hook's modules.
        self.assertNotIn("cudasim_threadsafe.simulator", armed["loaded"])
        self.assertNotIn("cudasim_threadsafe.overlay.install", armed["loaded"])


if __name__ == "__main__":
    unittest.main()
