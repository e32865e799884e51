"""The simulator switched on and off at run time, as some test fixtures do:
``ENABLE_CUDASIM`` set in numba's config, then ``numba.cuda`` reloaded.

Each case runs in a fresh process, started with the simulator off.
"""

import functools
import os
import textwrap
import unittest

from . import childprocess

PRELUDE = """
    import importlib, json, sys
    import numba
    import numpy as np
    from numba import cuda
    import cudasim_threadsafe

    def switch(on):
        config = sys.modules.get("numba.cuda.core.config") or numba.core.config
        config.ENABLE_CUDASIM = int(on)
        importlib.reload(cuda)

    def ours(value):
        try:
            name = getattr(value, "__module__", None) or value.__name__
        except Exception:
            return False
        return str(name).startswith("cudasim_threadsafe")

    def submodule(name, value):
        # Importing numba.cuda.<name> binds it on numba.cuda: upstream's
        # own module, whoever imported it.
        return getattr(value, "__name__", None) == "numba.cuda." + name

    def module_state():
        names = vars(cuda)
        return {
            "class": type(cuda).__name__,
            "getattr": "__getattr__" in names,
            "names": sorted(n for n, v in names.items() if not submodule(n, v)),
            "ours": sorted(n for n, v in names.items() if ours(v)),
            "jit": cuda.jit.__module__,
        }

    def make_thread_index():
        from numba import cuda

        @cuda.jit(device=True)
        def thread_index():
            buf = cuda.local.array(1, np.int64)
            buf[0] = cuda.threadIdx.x + cuda.blockDim.x * cuda.blockIdx.x
            return buf[0]

        return thread_index

    def launch():
        # A device function reaching cuda.local through a closure cell.
        thread_index = make_thread_index()

        @cuda.jit
        def kernel(out):
            out[cuda.grid(1)] = thread_index()

        out = np.zeros(64, dtype=np.int64)
        kernel[2, 32](out)
        return out.tolist() == list(range(64))

    report = {}
"""

UPSTREAM_LAUNCHES = """
    switch(True)

    @cuda.jit
    def kernel(out):
        out[0] = 1

    try:
        kernel[1, 1](np.zeros(1))
        report["launches"] = True
    except Exception as e:
        report["launches"] = "%s: %s" % (type(e).__name__, e)
"""

SWITCH_ON = """
    switch(True)
    report["status"] = cudasim_threadsafe.status()
    report["class"] = type(cuda).__name__
    try:
        view = cuda.as_cuda_array(cuda.to_device(np.zeros(2)))
        report["as_cuda_array"] = view.shape == (2,)
    except Exception as e:
        report["as_cuda_array"] = "%s: %s" % (type(e).__name__, e)
    if "launch" in sys.argv:
        report["closure"] = launch()
"""

ROUND_TRIP = """
    switch(True)
    report["on"] = cudasim_threadsafe.status()
    switch(False)
    report["off"] = module_state()
    report["off_status"] = cudasim_threadsafe.status()
    simulator = sys.modules["numba.cuda.simulator.kernel"]
    report["off_simulator"] = [
        ours(simulator.BlockManager),
        ours(simulator._push_kernel_context),
    ]
    switch(True)
    report["on_again"] = cudasim_threadsafe.status()
    if "launch" in sys.argv:
        report["closure_again"] = launch()
"""

LIBDEVICE = """
    import numba.cuda.libdevice as libdevice

    stub = libdevice.sqrtf

    def compile_sqrtf():
        def kernel(out, x):
            out[0] = libdevice.sqrtf(x[0])

        try:
            cuda.compile_ptx(kernel, "void(float32[:], float32[:])", cc=(8, 0))
            return True
        except Exception as e:
            return "%s: %s" % (type(e).__name__, str(e).splitlines()[0])

    # Only with numba-cuda's CUDA toolkit wheels (NVVM), no GPU needed.
    nvvm = compile_sqrtf() is True
    switch(True)
    report["on"] = ours(libdevice.sqrtf)
    switch(False)
    report["off"] = ours(libdevice.sqrtf)
    report["stub"] = libdevice.sqrtf is stub
    if nvvm:
        report["compiles"] = compile_sqrtf()
"""

# Set where the CUDA toolkit wheels are installed (the compile-for-GPU
# step of scripts/test-all.sh): the libdevice case must then compile.
NEEDS_NVVM = "CUDASIM_THREADSAFE_TEST_NVVM"


def run(code, *args, fix=None):
    """Run ``code`` after PRELUDE with the simulator off at start; return
    the ``report`` it prints."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    if fix is not None:
        env["CUDASIM_THREADSAFE"] = fix
    source = textwrap.dedent(PRELUDE) + textwrap.dedent(code)
    source += "\nprint(json.dumps(report))\n"
    return childprocess.run_python(source, env, *args)


@functools.lru_cache(maxsize=None)
def upstream_launches():
    """Whether upstream's simulator, switched on by a reload, launches.

    numba's built-in simulator and numba-cuda before 0.25 launch through
    the real target's argument handling once numba.cuda was first imported
    without the simulator: upstream cannot switch there, so kernels are not
    launched there.
    """
    return run(UPSTREAM_LAUNCHES, fix="0")["launches"] is True


class TestReload(unittest.TestCase):
    def setUp(self):
        self.upstream_launches = upstream_launches()
        self.args = ("launch",) if self.upstream_launches else ()

    def test_switched_on(self):
        report = run(SWITCH_ON, *self.args)
        self.assertTrue(report["status"]["simulator"], report)
        self.assertTrue(report["status"]["active"], report)
        self.assertEqual(report["class"], "SimulatedCudaModule")
        self.assertIs(report["as_cuda_array"], True, report)
        # Where upstream cannot launch after the reload, the module's state
        # is all there is to check.
        if self.upstream_launches:
            self.assertTrue(report["closure"])

    def test_switched_back_off(self):
        report = run(ROUND_TRIP, *self.args)
        upstream = run(ROUND_TRIP, fix="0")
        self.assertTrue(report["on"]["active"], report["on"])
        off = report["off"]
        self.assertEqual(off["class"], "module")
        self.assertFalse(off["getattr"])
        self.assertEqual(off["ours"], [])
        self.assertNotIn("simulator", off["jit"])
        # numba.cuda holds what it holds after the same reloads upstream.
        self.assertEqual(off, upstream["off"])
        # So does its simulator: the patches that installed the fix are
        # undone.
        self.assertEqual(report["off_simulator"], [False, False])
        self.assertFalse(report["off_status"]["active"])
        self.assertTrue(report["on_again"]["active"], report["on_again"])
        if self.upstream_launches:
            self.assertTrue(report["closure_again"])

    def test_switched_back_off_restores_libdevice(self):
        # The compiler types numba.cuda.libdevice calls by its stubs.
        report = run(LIBDEVICE)
        self.assertTrue(report["on"], report)
        self.assertFalse(report["off"], report)
        self.assertTrue(report["stub"], report)
        if os.environ.get(NEEDS_NVVM) == "1":
            self.assertIn("compiles", report, "no NVVM here")
        if "compiles" in report:
            self.assertIs(report["compiles"], True, report)


if __name__ == "__main__":
    unittest.main()
