"""Check the export on an installed numba / numba-cuda, before and after.

    python3 buildscripts/check_export.py --name NAME --python VENV/bin/python
        --suite runtests|pytest --reports DIR [--greenlet REQUIREMENT]

The environment of ``--python`` must not have cudasim-threadsafe installed.
Runs upstream's simulator suite, exports the fix into the environment's
site-packages, checks that a second export changes nothing and that the fix
is built in, then runs the suite again: without greenlet (the exported
simulator falls back to its OS-thread launcher) and, with ``--greenlet
REQUIREMENT``, once more after installing it. Fails when a test fails after
the export that did not before (and fails again when rerun alone), or when
an exported regression test did not run or did not pass. Tests failing in
both runs are upstream's own: reported, not fatal.

The suites are run by ``scripts/upstream_suites.py``, which records each
test's outcome. Writes ``DIR/NAME.json``. Standard library only.
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import upstream_suites  # noqa: E402
from exporter import pr  # noqa: E402
from exporter.carried import EXPORTED_TESTS  # noqa: E402

EXPORTER = os.path.join(ROOT, "buildscripts", "export_upstream.py")
# The pull request's tests.
PR_TESTS = ".%s" % pr.TEST_NAME


def exported(test_id):
    """Whether ``test_id`` is one of the exported regression tests or the
    pull request's."""
    return PR_TESTS in test_id or any(
        ".%s" % name in test_id for name in EXPORTED_TESTS
    )


RERUNS = 2

BUILT_IN = """
import os, sys, types
import numba.cuda
from numba.cuda.simulator import kernel, kernelapi, warp
cuda = sys.modules["numba.cuda"]
assert kernel.BlockManager.__module__ == "numba.cuda.simulator.launcher", (
    kernel.BlockManager.__module__)
assert type(cuda).__name__ == "SimulatedCudaModule", type(cuda)
fake = kernelapi.FakeCUDAModule
assert fake.popc is warp.popc, fake.popc
# The intrinsics numba's own real target has, numba-cuda's not.
builtin = os.path.join("numba_cuda", "numba") not in kernelapi.__file__
for name in warp.BUILTIN_TARGET_NAMES:
    assert (name in vars(fake)) == builtin, (name, builtin)
print("fix built in:", kernel.__file__)
"""

UNTOUCHED = """
import sys, types
import numba.cuda
assert type(sys.modules["numba.cuda"]) is types.ModuleType
print("simulator off: numba.cuda is a plain module")
"""


def site_packages(python):
    return subprocess.run(
        [
            python,
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def check_python(python, code, simulator):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM=simulator)
    proc = subprocess.run(
        [python, "-c", code], env=env, capture_output=True, text=True, cwd="/"
    )
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        sys.stdout.write(proc.stderr)
        return False
    return True


def has_greenlet(python):
    """Whether greenlet imports in the environment of ``python``."""
    code = "import importlib.util, sys; "
    code += "sys.exit(importlib.util.find_spec('greenlet') is None)"
    return subprocess.run([python, "-c", code], cwd="/").returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="check_export.py")
    parser.add_argument("--name", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--suite", choices=("runtests", "pytest"))
    parser.add_argument("--reports", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--greenlet",
        metavar="REQUIREMENT",
        help="after the run without greenlet (the exported simulator falls "
        "back to OS threads), pip install REQUIREMENT and run the suite "
        "again (it uses greenlet)",
    )
    args = parser.parse_args(argv)
    args.reports = os.path.abspath(args.reports)
    os.makedirs(args.reports, exist_ok=True)
    problems = []

    def run(ids, tag):
        # CUDASIM_THREADSAFE means nothing here: the package is not installed.
        outcomes, log, seconds, broken = upstream_suites.run_suite(
            args, "1", ids, tag
        )
        if broken and not ids:
            problems.append("the suite did not run (%s): see %s" % (tag, log))
        return outcomes, log, seconds

    # The pull request's tests run before the export too: there they must
    # fail, each on the simulator it guards.
    dest = site_packages(args.python)
    subprocess.run([sys.executable, EXPORTER, dest, "--pr-tests"], check=True)
    before, log, seconds = run(None, "before-export")
    print(
        "  before export %s  (%.0f s, log %s)"
        % (upstream_suites.fmt(upstream_suites.counts(before)), seconds, log)
    )
    problems += pr_tests_fail(before)

    print("  export into %s" % dest)
    subprocess.run([sys.executable, EXPORTER, dest], check=True)
    again = subprocess.run(
        [sys.executable, EXPORTER, dest, "--dry-run"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if again:
        problems.append("a second export would change:\n" + again)
    else:
        print("  a second export changes nothing")
    if not check_python(args.python, BUILT_IN, "1"):
        problems.append("the fix is not built into numba.cuda")
    if not check_python(args.python, UNTOUCHED, "0"):
        problems.append("numba.cuda changed with the simulator off")

    # Without greenlet first (the exported launcher falls back to OS
    # threads), then, with --greenlet, with it.
    passes = [("after-export", "without greenlet", False)]
    if args.greenlet:
        passes.append(("after-export-greenlet", "with greenlet", True))
    report = {
        "name": args.name,
        "before": upstream_suites.counts(before),
    }
    for tag, title, greenlet in passes:
        if greenlet:
            subprocess.run(
                [args.python, "-m", "pip", "install", "-q", args.greenlet],
                check=True,
            )
        if has_greenlet(args.python) != greenlet:
            problems.append(
                "greenlet %s importable for the run %s"
                % ("not" if greenlet else "still", title)
            )
        after, log, seconds = run(None, tag)
        print(
            "  after export, %s  %s  (%.0f s, log %s)"
            % (
                title,
                upstream_suites.fmt(upstream_suites.counts(after)),
                seconds,
                log,
            )
        )
        found = judge(before, after, run, title)
        problems += found.pop("problems")
        key = "" if tag == "after-export" else "_greenlet"
        report["after" + key] = upstream_suites.counts(after)
        for name, value in found.items():
            report[name + key] = value

    for problem in problems:
        print("  PROBLEM: " + problem)
    report["problems"] = problems
    with open(os.path.join(args.reports, args.name + ".json"), "w") as f:
        json.dump(report, f, indent=1)
    return 1 if problems else 0


def pr_tests_fail(before):
    """Problems with the pull request's tests on the simulator as shipped:
    each must fail there."""
    found = {
        i.rsplit(".", 1)[-1].rsplit(":", 1)[-1]: o
        for i, o in before.items()
        if PR_TESTS in i
    }
    must_fail = pr.FAIL_ON_SWAP
    print(
        "  the pull request's tests before the export: %s"
        % ", ".join("%s %s" % (n, found[n]) for n in sorted(found))
    )
    problems = []
    if len(found) != len(must_fail):
        problems.append(
            "%d pull-request tests ran, not %d" % (len(found), len(must_fail))
        )
    for name in must_fail:
        if found.get(name) != "failed":
            problems.append(
                "%s does not fail without the fix: %s"
                % (name, found.get(name, "did not run"))
            )
    return problems


def judge(before, after, run, title):
    """Failures new after the export (rerun alone), and our exported
    tests' outcomes, for the run ``title``."""
    problems = []
    ids = sorted(set(before) | set(after))
    both = [i for i in ids if before.get(i) == after.get(i) == "failed"]
    new = [i for i in ids if after.get(i) == "failed" != before.get(i)]
    fixed = [i for i in ids if before.get(i) == "failed" != after.get(i)]
    for heading, rows in (
        ("failed in both runs (upstream's own)", both),
        ("failed before the export only", fixed),
    ):
        for row in rows:
            print("  %s: %s" % (heading, row))
    for test_id in new:
        if exported(test_id):
            continue  # reported below
        for attempt in range(1, RERUNS + 1):
            tag = "rerun%d-%s" % (attempt, title.replace(" ", "-"))
            rerun, log, _ = run([test_id], tag)
            if rerun.get(test_id) == "failed":
                problems.append(
                    "%s fails after the export only, %s (again when rerun "
                    "alone: %s)" % (test_id, title, log)
                )
                break
        else:
            print("  failed after the export once, passed rerun: " + test_id)

    ours = {i: o for i, o in after.items() if exported(i)}
    passed = sum(o == "passed" for o in ours.values())
    print(
        "  exported regression tests, %s: %d run, %d passed"
        % (title, len(ours), passed)
    )
    if not ours:
        problems.append("the exported regression tests did not run, " + title)
    for test_id, outcome in sorted(ours.items()):
        if outcome != "passed":
            problems.append("%s: %s, %s" % (test_id, outcome, title))
    return {
        "new_failures": new,
        "both": both,
        "exported_tests": ours,
        "problems": problems,
    }


if __name__ == "__main__":
    sys.exit(main())
