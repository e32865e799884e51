"""Two source trees of this package side by side, in one run.

    python benchmarks/compare.py BEFORE_SRC [--repeat N] [WORKLOAD ...]

BEFORE_SRC is the ``src`` folder of another checkout (``git worktree add
../before HEAD~1``, say). Each workload of ``workloads.py`` runs in fresh
child processes with the fix on, in each launcher mode, once with
BEFORE_SRC first on the path and once with this checkout's ``src``,
interleaved and repeated; the table shows the best rate of each and the
ratio after / before (above 1: faster now). Ratios measured side by side,
not seconds, as these machines are noisy.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
AFTER = os.path.join(os.path.dirname(HERE), "src")
sys.path.insert(0, HERE)

from run import WORKLOADS  # noqa: E402

LAUNCHERS = ("greenlet", "threads")


def environment(src, launcher):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=src)
    env["NUMBA_CUDASIM_LAUNCHER"] = launcher
    env.pop("CUDASIM_THREADSAFE", None)
    return env


def check_tree(src):
    """The package that a child with ``src`` first on the path imports."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import cudasim_threadsafe as c; print(c.__file__)",
        ],
        env=environment(src, "greenlet"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not out.startswith(os.path.abspath(src) + os.sep):
        raise SystemExit("%s imports %s, not its own package" % (src, out))


def rate(src, launcher, workload):
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "workloads.py"), workload, "on"],
        env=environment(src, launcher),
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["count"] / result["seconds"], result["unit"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = parser.parse_intermixed_args()
    trees = {"before": os.path.abspath(args.before), "after": AFTER}
    for src in trees.values():
        check_tree(src)
    print(
        "| workload | unit | launcher | before /s | after /s | after / before |"
    )
    print("|---|---|---|---:|---:|---:|")
    for workload in args.workloads:
        for launcher in LAUNCHERS:
            best = dict.fromkeys(trees, 0.0)
            for _ in range(args.repeat):
                for name, src in trees.items():
                    r, unit = rate(src, launcher, workload)
                    best[name] = max(best[name], r)
            print(
                "| %s | %s | %s | %s | %s | %.2f |"
                % (
                    workload,
                    unit,
                    launcher,
                    "{:,.0f}".format(best["before"]),
                    "{:,.0f}".format(best["after"]),
                    best["after"] / best["before"],
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
