"""The worker processes of GPU typing and the compile check, and fork.

A forked child inherits the pipes of its parent's worker. Unless it
closes them, the worker never sees the end of its input while the child
lives, and the parent, which waits for its worker at exit, waits for the
child too; a child that asked the parent's worker could read the parent's
answers.
"""

import os
import subprocess
import sys
import tempfile
import unittest

from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

# Launches a typed intrinsic (so GPU typing starts its worker), forks a
# child that outlives the parent and asks typing of its own, and exits.
FORKING = """
import os, sys
import numpy as np
from numba import cuda
from cudasim_threadsafe.target import gputyping

@cuda.jit
def bits(out, x):
    out[0] = cuda.popc(x[0])

out = np.zeros(1, np.int64)
bits[1, 1](out, np.array([7], np.int32))
assert out[0] == 3, out
parent_worker = gputyping._worker.process.pid
wait_fd, result_fd = int(sys.argv[1]), int(sys.argv[2])
if os.fork() == 0:
    bits[1, 1](out, np.array([15], np.uint64))
    own = gputyping._worker.process.pid != parent_worker
    os.write(result_fd, ("%d %s" % (out[0], own)).encode())
    # Lives on until the test has seen the parent exit.
    os.read(wait_fd, 1)
    os._exit(0)
"""


@skip_unless_cudasim("the workers serve the simulator")
@unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
class TestFork(CUDATestCase):
    def test_parent_exits_while_forked_child_lives(self):
        wait_read, wait_write = os.pipe()
        result_read, result_write = os.pipe()
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
        env.pop("NUMBA_CUDASIM_GPU_TYPING", None)
        # Output to a file: the child would hold a pipe open.
        with tempfile.TemporaryFile() as err:
            try:
                parent = subprocess.Popen(
                    [sys.executable, "-c", FORKING]
                    + [str(wait_read), str(result_write)],
                    env=env,
                    pass_fds=(wait_read, result_write),
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
                os.close(wait_read)
                os.close(result_write)
                try:
                    # The child waits for this test, so a parent that
                    # waits for the child never exits.
                    parent.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    parent.kill()
                    parent.wait()
                    self.fail("the parent waited for its forked child")
            finally:
                os.close(wait_write)
            err.seek(0)
            self.assertEqual(parent.returncode, 0, err.read().decode())
        # The child ends now; its answer, from a worker of its own.
        with os.fdopen(result_read, "rb") as f:
            self.assertEqual(f.read(), b"4 True")


@skip_unless_cudasim("the workers serve the simulator")
class TestCompileCheckWorker(CUDATestCase):
    def test_forked_child_does_not_share_the_worker(self):
        from cudasim_threadsafe.target import gpucheck

        class Parent:
            class worker:
                pid = os.getpid() + 1

        made = []

        class Fresh:
            def __init__(self):
                made.append(self)

        saved = gpucheck._worker, gpucheck.Worker
        gpucheck._worker, gpucheck.Worker = Parent(), Fresh
        try:
            # A worker another process started is not this one's.
            self.assertIs(gpucheck._get_worker(), made[0])
        finally:
            gpucheck._worker, gpucheck.Worker = saved


# The IR of a function with many blocks and variables, its blocks deep
# copied as numba's inliner copies them, with numba's own copy and then
# with the compile check's worker's: the same text, the same sharing.
SCOPE_COPY = """
import copy, io
from numba.cuda.core import ir
from numba.cuda.core.interpreter import Interpreter
from numba.cuda.core.bytecode import ByteCode, FunctionIdentity
from cudasim_threadsafe.target import gpuworker

def f(a, n):
    total = 0
    for i in range(n):
        if a[i] > 0:
            total += a[i]
        else:
            total -= 1
    return total

def copies():
    func_id = FunctionIdentity.from_function(f)
    blocks = Interpreter(func_id).interpret(ByteCode(func_id)).blocks
    out = []
    for label, block in blocks.items():
        c = copy.deepcopy(block)
        text = io.StringIO()
        c.dump(text)
        variables = c.scope.localvars._con
        shared = all(v.scope is c.scope for v in variables.values())
        # Which of the body's variables are the scope's own objects.
        same = [variables.get(v.name) is v
                for s in c.body for v in s.list_vars()]
        out.append((label, text.getvalue(), sorted(variables), shared,
                    c.scope is not block.scope, same))
    return out

before = copies()
gpuworker.copy_scopes_quickly()
assert "__deepcopy__" in vars(ir.Scope)
after = copies()
assert before == after, (before, after)
print("same", len(after))
"""


@skip_unless_cudasim("the workers serve the simulator")
class TestCompileCheckScopeCopy(CUDATestCase):
    def test_quick_scope_copy_is_numbas_copy(self):
        env = dict(os.environ)
        env.pop("NUMBA_ENABLE_CUDASIM", None)
        try:
            import numba.cuda.core.ir  # noqa: F401
        except ImportError:
            self.skipTest("numba-cuda's IR is not installed")
        proc = subprocess.run(
            [sys.executable, "-c", SCOPE_COPY],
            env=env,
            capture_output=True,
            text=True,
        )
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertIn("same", proc.stdout)


if __name__ == "__main__":
    unittest.main()
