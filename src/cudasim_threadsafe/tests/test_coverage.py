"""Coverage.py, with its default settings (``coverage run``, pytest-cov),
reports the lines of a kernel and those after its launch as run, whichever
launcher runs it.

Its line tracer keeps one stack of frames per OS thread: greenlets that
switch on one OS thread corrupted it, and the launching function's lines
after a launch went unreported; OS threads pooled before coverage started
ran kernels unmeasured. Each test runs a script under
``python -m coverage run`` in a child process, from a directory of its own
(no configuration file), and reads the lines coverage recorded.
"""

import os
import subprocess
import sys
import tempfile
import unittest

from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

try:
    import coverage
except ImportError:
    coverage = None

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)

# Coverage's cores (``COVERAGE_CORE``): its default, which is its line
# tracer (ctrace) before Python 3.14, and the other one where there is one:
# sys.monitoring (sysmon) from Python 3.12, its default from 3.14.
CORES = ("default",)
if sys.version_info >= (3, 14):
    CORES += ("ctrace",)
elif sys.version_info >= (3, 12):
    CORES += ("sysmon",)
# The line tracer, that coverage installs on each thread as it starts.
LINE_TRACER = "ctrace" if sys.version_info >= (3, 14) else "default"

# Lines ending in "# kernel" run in the kernel; "# after", on the host,
# after the launch, in the function that launched it.
KERNEL = """
import os
import sys

import numpy as np
from numba import cuda


@cuda.jit(device=True)
def bump(x):
    return x + 1  # kernel


@cuda.jit
def kernel(out):
    i = cuda.grid(1)
    out[i] = i  # kernel
    cuda.syncthreads()
    if cuda.threadIdx.x == 1:
        out[i] = bump(out[i - 1])  # kernel
    cuda.syncthreads()
    if cuda.threadIdx.x == 0:
        out[i] = 7  # kernel


def launch(launcher):
    os.environ["NUMBA_CUDASIM_LAUNCHER"] = launcher
    out = np.zeros(8, np.int32)
    kernel[2, 4](out)
    total = int(out.sum())  # after
    return total  # after
"""

# One launch, coverage on from the start.
ONE_LAUNCH = (
    KERNEL
    + """

def main():
    assert launch(sys.argv[1]) == 38  # after
    print("done")  # after


main()
"""
)

# Coverage started after the pool's OS threads (as a test may start it):
# they are measured too. Coverage measures only the frames that start after
# it does: the lines checked are in main().
LATE_START = (
    KERNEL
    + """
import coverage


def main():
    assert launch(sys.argv[1]) == 38  # after
    print("done")  # after


measuring = coverage.Coverage.current()
measuring.stop()
launch("threads")
measuring.start()
main()
"""
)


def marked(source, mark):
    """The numbers of the lines of ``source`` that end in ``mark``."""
    lines = source.splitlines()
    return {n for n, line in enumerate(lines, 1) if line.endswith(mark)}


def measure(source, launcher, core):
    """Start ``source`` under ``coverage run`` in a child process, with
    coverage's default settings but ``core``; the process and its
    directory."""
    where = tempfile.TemporaryDirectory()
    script = os.path.join(where.name, "script.py")
    with open(script, "w") as f:
        f.write(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    if core != "default":
        env["COVERAGE_CORE"] = core
    env["NUMBA_ENABLE_CUDASIM"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "coverage", "run", script, launcher],
        cwd=where.name,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, where


def executed(proc, where):
    """The lines of the script that coverage recorded as run."""
    with where:
        output = proc.communicate(timeout=300)[0]
        if proc.returncode:
            raise AssertionError(output)
        data = coverage.CoverageData(os.path.join(where.name, ".coverage"))
        data.read()
        for path in data.measured_files():
            if os.path.basename(path) == "script.py":
                return set(data.lines(path) or ())
        raise AssertionError("script.py not measured: %s" % output)


@skip_unless_cudasim("Tests the CUDA simulator")
@unittest.skipIf(coverage is None, "needs coverage.py")
class TestCoverage(CUDATestCase):
    def check(self, source, cores=CORES):
        # The children run side by side: each starts numba.
        runs = {
            (launcher, core): measure(source, launcher, core)
            for launcher in LAUNCHERS
            for core in cores
        }
        for (launcher, core), run in runs.items():
            with self.subTest(launcher=launcher, core=core):
                lines = executed(*run)
                for mark in ("# kernel", "# after"):
                    missing = marked(source, mark) - lines
                    self.assertFalse(
                        missing, "%s lines not run: %s" % (mark, missing)
                    )

    def test_kernel_and_lines_after_launch(self):
        self.check(ONE_LAUNCH)

    def test_coverage_started_after_pool_threads(self):
        # sys.monitoring measures every thread at once.
        self.check(LATE_START, cores=(LINE_TRACER,))


if __name__ == "__main__":
    unittest.main()
