"""The package: start-up hook, switches, and leaving upstream alone."""

import os
import textwrap
import unittest

from . import childprocess


def run_python(code, simulator, fix="1"):
    env = dict(os.environ)
    env["NUMBA_ENABLE_CUDASIM"] = "1" if simulator else "0"
    env["CUDASIM_THREADSAFE"] = fix
    return childprocess.run_python(textwrap.dedent(code), env)


REPORT = """
    import json, sys, types
    import cudasim_threadsafe
    from numba import cuda
    from numba.cuda.simulator import kernel

    status = cudasim_threadsafe.status()
    status["plain_module"] = type(cuda) is types.ModuleType
    status["upstream_call"] = not isinstance(
        vars(kernel.FakeCUDAKernel)["__call__"], property)
    print(json.dumps(status))
"""


class TestPackage(unittest.TestCase):
    def test_startup_does_not_import_numba(self):
        status = run_python(
            """
            import json, sys
            print(json.dumps({
                "numba": "numba" in sys.modules,
                "armed": [type(f).__name__ for f in sys.meta_path
                          if type(f).__name__ == "PostImportFinder"],
            }))
            """,
            simulator=True,
        )
        self.assertEqual(
            status, {"numba": False, "armed": ["PostImportFinder"]}
        )

    def test_active_with_simulator(self):
        status = run_python(REPORT, simulator=True)
        self.assertTrue(status["active"], status)
        self.assertTrue(status["simulator"])
        self.assertFalse(status["plain_module"])
        self.assertFalse(status["upstream_call"])

    def test_untouched_without_simulator(self):
        code = """
            import json, types
            import cudasim_threadsafe
            from numba import cuda
            status = cudasim_threadsafe.status()
            status["plain_module"] = type(cuda) is types.ModuleType
            status["jit"] = cuda.jit.__module__
            print(json.dumps(status))
        """
        status = run_python(code, simulator=False)
        self.assertFalse(status["active"])
        self.assertFalse(status["simulator"])
        self.assertTrue(status["plain_module"])
        self.assertNotIn("simulator", status["jit"])

    def test_turned_off_by_environment(self):
        code = REPORT.replace(
            "status = ", "cudasim_threadsafe.install()\n    status = "
        )
        status = run_python(code, simulator=True, fix="0")
        self.assertFalse(status["active"])
        self.assertIn("CUDASIM_THREADSAFE=0", status["reason"])
        self.assertTrue(status["plain_module"])
        self.assertTrue(status["upstream_call"])

    def test_install_is_idempotent(self):
        code = REPORT.replace(
            "status = ",
            "first = cudasim_threadsafe.install()\n"
            "    cudasim_threadsafe.install()\n    status = ",
        )
        status = run_python(code, simulator=True)
        self.assertTrue(status["active"])
        self.assertFalse(status["upstream_call"])

    def test_unknown_simulator_warns_once_and_changes_nothing(self):
        code = """
            import json, os, types, warnings
            import cudasim_threadsafe
            from numba import cuda
            from numba.cuda.simulator import kernel
            del kernel.BlockManager  # not a simulator this fix knows
            os.environ["CUDASIM_THREADSAFE"] = "1"
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cudasim_threadsafe.install()
                status = cudasim_threadsafe.install()
            status["warnings"] = [str(w.message) for w in caught]
            status["plain_module"] = type(cuda) is types.ModuleType
            status["upstream_call"] = not hasattr(
                kernel.FakeCUDAKernel.__call__, "__wrapped__")
            print(json.dumps(status))
        """
        status = run_python(code, simulator=True, fix="0")
        self.assertFalse(status["active"])
        self.assertEqual(len(status["warnings"]), 1, status["warnings"])
        self.assertIn(
            "left its CUDA simulator unchanged", status["warnings"][0]
        )
        self.assertIn("BlockManager", status["warnings"][0])
        self.assertTrue(status["plain_module"])
        self.assertTrue(status["upstream_call"])


if __name__ == "__main__":
    unittest.main()
