"""The compile check's cost: a test suite plain, cold and warm, side by side.

    python benchmarks/compilecheck.py [--repeat N] [--cwd DIR]
        [-- PYTEST ARGUMENTS]

Runs a pytest suite (by default some of this package's own test modules,
whose kernels are many and small) in fresh processes three ways,
interleaved and repeated: with the compile check off (plain), on with an
empty cache folder (cold: every kernel compiled), and on with the cache
the cold run left (warm: every result read from disk, no worker
started). The table shows the best wall time of each and the ratios to
plain; the goal is at most 3x cold and 1.2x warm. Pytest's own counts are
shown too: a kernel the check rejects fails its test, and a failing test
may take less time.

Another project's suite, from its folder (CuBIE's addopts replaced)::

    python benchmarks/compilecheck.py --cwd /path/to/cubie -- \\
        -o addopts="" --import-mode=importlib -n 2 tests/...
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DEFAULT = [
    "--pyargs",
    "cudasim_threadsafe.tests.test_core",
    "cudasim_threadsafe.tests.test_kernelarrays",
    "cudasim_threadsafe.tests.test_early_return",
    "cudasim_threadsafe.tests.test_warp",
]
MODES = ("plain", "cold", "warm")


def run(mode, pytest_args, cwd, cache):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["NUMBA_CUDASIM_COMPILE_CACHE"] = cache
    if mode == "plain":
        env.pop("NUMBA_CUDASIM_COMPILE_CHECK", None)
    else:
        env["NUMBA_CUDASIM_COMPILE_CHECK"] = "1"
    if mode == "cold":
        shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + pytest_args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    lines = proc.stdout.strip().splitlines()
    summary = lines[-1] if lines else "(no output)"
    return seconds, re.sub(r" in [0-9.]+s.*", "", summary.strip("= "))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--cwd", default=tempfile.gettempdir())
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args(argv)
    pytest_args = args.pytest_args or DEFAULT
    cache = tempfile.mkdtemp(prefix="compilecheck-cache-")
    best, summaries = {}, {}
    try:
        for _ in range(args.repeat):
            # Cold before warm: warm reads what cold wrote.
            for mode in MODES:
                seconds, summary = run(mode, pytest_args, args.cwd, cache)
                best[mode] = min(best.get(mode, seconds), seconds)
                summaries[mode] = summary
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(
        "pytest %s (in %s), best of %d"
        % (" ".join(pytest_args), args.cwd, args.repeat)
    )
    print("| run | seconds | / plain | pytest |")
    print("|---|---:|---:|---|")
    for mode in MODES:
        print(
            "| %s | %.1f | %.2fx | %s |"
            % (mode, best[mode], best[mode] / best["plain"], summaries[mode])
        )


if __name__ == "__main__":
    main()
