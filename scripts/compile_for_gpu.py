"""Compile the kernels our tests launch for a GPU, without one.

    python scripts/compile_for_gpu.py [TEST_MODULE ...]

Runs the test modules on the simulator, noting each kernel launched and the
types of its arguments; then, in a child process with the simulator off,
compiles each kernel for those types to PTX with NVVM
(``numba.cuda.compile_ptx``, compute capability 8.0). The tests' kernels
are thereby shown to be valid GPU code, and the simulator's intrinsics to
be those the real target compiles. Needs numba-cuda with its CUDA toolkit
wheels (``numba-cuda[cu12]``); no GPU, no driver. Exits 1 if any kernel
fails to compile.
"""

import json
import os
import subprocess
import sys
import unittest

# Kernels made by factories (closures) cannot be found again in the child:
# test_libdevice's are skipped.
DEFAULT_TESTS = ("cudasim_threadsafe.tests.test_warp",)
CC = (8, 0)


def describe(value):
    """What the child needs to rebuild the numba type of ``value``."""
    import numpy as np
    from numba import typeof

    if isinstance(value, np.ndarray):
        layout = typeof(value).layout
        return ["array", value.dtype.str, value.ndim, layout]
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return ["scalar", str(typeof(value))]
    return None


def record(modules):
    """Run ``modules`` on the simulator; the launches seen, deduplicated."""
    from numba.cuda.simulator import kernel

    seen = {}
    # A function or, with the fix, a property giving the callable.
    call = vars(kernel.FakeCUDAKernel)["__call__"]

    def noting(self):
        launch = call.__get__(self, type(self))
        if self._device:
            return launch

        def launching(*args):
            # Noted once it ran: kernels meant to fail (misuse, names the
            # real target lacks) are not GPU code.
            result = launch(*args)
            fn = self.fn
            types = [describe(a) for a in args]
            key = json.dumps([fn.__module__, fn.__qualname__, types])
            seen[key] = None
            return result

        return launching

    kernel.FakeCUDAKernel.__call__ = property(noting)
    try:
        suite = unittest.defaultTestLoader.loadTestsFromNames(modules)
        result = unittest.TestResult()
        suite.run(result)
    finally:
        kernel.FakeCUDAKernel.__call__ = call
    if result.errors or result.failures:
        for _, text in result.errors + result.failures:
            print(text, file=sys.stderr)
        raise SystemExit("the tests failed on the simulator")
    return [json.loads(k) for k in seen]


def compile_all(launches):
    """In a process with the simulator off: compile each launch's kernel."""
    import importlib
    import types as pytypes

    import numpy as np
    from numba import cuda, types
    from numba.cuda import dispatcher
    from numba.np import numpy_support

    # No GPU, no driver: a device function compiled for a kernel asks the
    # current device for its compute capability; answer the one compiled
    # for.
    device = pytypes.SimpleNamespace(compute_capability=CC)
    dispatcher.get_current_device = lambda: device

    def numba_type(description):
        if description[0] == "array":
            _, dtype, ndim, layout = description
            element = numpy_support.from_dtype(np.dtype(dtype))
            return types.Array(element, ndim, layout)
        return getattr(types, description[1])

    compiled = 0
    skipped = set()
    failed = []
    for module, qualname, described in launches:
        where = "%s.%s" % (module, qualname)
        if "<locals>" in qualname or None in described:
            skipped.add(where)
            continue
        kernel = getattr(importlib.import_module(module), qualname)
        signature = tuple(numba_type(d) for d in described)
        try:
            cuda.compile_ptx(kernel.py_func, signature, cc=CC)
        except Exception as e:
            failed.append("%s%s: %s" % (where, signature, e))
            continue
        compiled += 1
    for where in sorted(skipped):
        print("skipped (made in a closure, or untyped arguments): " + where)
    print(
        "compiled %d kernel signatures for sm_80, %d failed"
        % (compiled, len(failed))
    )
    for line in failed:
        print("FAILED " + line)
    return 1 if failed else 0


def main():
    if sys.argv[1:2] == ["--compile"]:
        raise SystemExit(compile_all(json.load(sys.stdin)))
    modules = sys.argv[1:] or list(DEFAULT_TESTS)
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        # The simulator is chosen at import: record in a child with it on.
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
        launches = subprocess.run(
            [sys.executable, __file__, "--record"] + modules,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
        ).stdout
        env = {
            k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"
        }
        child = subprocess.run(
            [sys.executable, __file__, "--compile"], env=env, input=launches
        )
        raise SystemExit(child.returncode)
    if modules[:1] == ["--record"]:
        modules = modules[1:] or list(DEFAULT_TESTS)
    json.dump(record(modules), sys.stdout)


if __name__ == "__main__":
    main()
