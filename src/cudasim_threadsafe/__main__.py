"""``python -m cudasim_threadsafe``: the fix at work on this machine.

Prints the numba / numba-cuda in use, whether the simulator is on and the
fix active, then runs the reproducers with the fix off and on. With
``--check``, exits non-zero unless every reproducer passes with the fix on
and each one that guards a bug of this upstream fails with it off. With
``--api``, lists which names of ``numba.cuda`` the simulator provides.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys

import cudasim_threadsafe
from cudasim_threadsafe.cli import reproduce


def run_reproducers(fix):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", CUDASIM_THREADSAFE=fix)
    proc = subprocess.run(
        [sys.executable, "-m", "cudasim_threadsafe.cli.reproduce"],
        env=env,
        capture_output=True,
        text=True,
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit("reproducers did not run (fix %s)" % fix)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cudasim_threadsafe")
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail unless the reproducers fail with the fix off "
        "(where upstream has the bug) and pass with it on",
    )
    parser.add_argument(
        "--api",
        action="store_true",
        help="list the public names of numba.cuda on the real target and "
        "whether the simulator provides each",
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("numba") is None:
        # numba is optional (numba-cuda-mlir needs none); the reproducers
        # and the parity report are numba's.
        print("cudasim-threadsafe %s" % cudasim_threadsafe.__version__)
        print("numba is not installed: the reproducers and --api need it")
        return 1 if args.check else 0
    if args.api:
        from cudasim_threadsafe.cli import parity

        status = cudasim_threadsafe.status()
        print(
            "numba %s, numba-cuda %s, cudasim-threadsafe %s\n"
            % (
                status["numba"],
                status["numba_cuda"] or "not installed",
                status["version"],
            )
        )
        children = parity.run_children()
        parity.print_report(parity.report(children))
        parity.print_areas(parity.areas(children))
        return 0

    import numba.cuda  # noqa: F401 (so that status() sees the simulator)

    status = cudasim_threadsafe.status()
    print("cudasim-threadsafe %s" % status["version"])
    print("numba       %s" % status["numba"])
    print("numba-cuda  %s" % (status["numba_cuda"] or "not installed"))
    if status["simulator"]:
        print("simulator   on")
        print(
            "fix         %s (%s)"
            % ("active" if status["active"] else "inactive", status["reason"])
        )
    else:
        # The usual case: the reproducers below turn the simulator on.
        print("simulator   off in this shell (NUMBA_ENABLE_CUDASIM is not 1)")
        print("fix         waits for the simulator (%s)" % status["reason"])
    print("\nReproducers, run with NUMBA_ENABLE_CUDASIM=1:\n")
    off = run_reproducers("0")
    on = run_reproducers("1")
    width = max(len(r[1]) for r in reproduce.REPRODUCERS)
    print("%-*s  %-8s  %-7s  %s" % (width, "", "fix off", "fix on", "bug here"))
    problems = []
    for test_id, what, kind in reproduce.REPRODUCERS:
        guards = reproduce.expected_to_fail(kind, status["numba_cuda"])
        print(
            "%-*s  %-8s  %-7s  %s"
            % (width, what, off[test_id], on[test_id], "yes" if guards else "-")
        )
        if on[test_id] != "pass":
            problems.append("%s: %s with the fix on" % (test_id, on[test_id]))
        if guards and off[test_id] != "FAIL":
            problems.append("%s: passes without the fix" % test_id)
    passed = sum(v == "pass" for v in on.values())
    print("\nfix on: %d passed, %d failed" % (passed, len(on) - passed))
    for problem in problems:
        print("PROBLEM: " + problem)
    if args.check and problems:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
