"""Run upstream's simulator test suite with the fix off and on, and compare.

    python3 scripts/upstream_suites.py --name NAME --python VENV/bin/python
        --suite runtests|pytest --reports DIR [--allowlist FILE]

For one installed numba / numba-cuda (the venv of ``--python``), the suite
runs twice with ``NUMBA_ENABLE_CUDASIM=1``: ``CUDASIM_THREADSAFE=0`` (fix
off) and ``CUDASIM_THREADSAFE=1`` (fix on, default launcher mode), and with
``--threads-too`` a third time, fix on with ``NUMBA_CUDASIM_LAUNCHER=threads``.
Each fix-on run's per-test outcomes are compared with the fix-off run's.
A test that fails only with the fix on fails this step, unless it is named
in the allowlist *and* fails with the fix off in a rerun (see the header of
``upstream-flaky.txt``). Tests failing in both runs are upstream's own
failures: reported, not fatal. Writes ``DIR/NAME.summary.json`` for the
summary.

Suites:

- ``runtests``: ``python -m numba.runtests -m 2 numba.cuda.tests`` (numba's
  built-in simulator). numba.runtests has no per-test report, so it is run
  through ``_runtests`` below, which records each test's outcome.
- ``pytest``: ``python -m pytest --pyargs numba.cuda.tests -n 2 --dist
  loadscope`` from ``upstream_pytest/``, whose conftest records outcomes.

Only the standard library is used: this runs under any python3, and the
``_runtests`` part under the tested venv's python.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTEST_DIR = os.path.join(HERE, "upstream_pytest")
SUITE = "numba.cuda.tests"
# Bounded reruns, with the fix off, of an allowlisted test that failed only
# with the fix on.
RERUNS = 5
# Generous: a suite run takes about a minute on 2 cores.
TIMEOUT = 1200

OUTCOMES = ("passed", "failed", "skipped", "xfailed")


# -- in the tested venv: numba.runtests with per-test outcomes ------------


def _runtests(out_path, argv):
    """``numba.runtests`` with a result class that records every test.

    numba's parallel runner runs each test in a child process and merges its
    result with ``add_results``; serial tests report to the same result.
    """
    from numba.testing import main as testing_main
    from numba.testing import run_tests

    base = testing_main.ParallelTestRunner.resultclass
    outcomes = {}

    def record(test_id, outcome):
        if outcomes.get(test_id) != "failed":
            outcomes[test_id] = outcome

    class RecordingResult(base):
        def add_results(self, result):
            super().add_results(result)
            if result.failures or result.errors or result.unexpectedSuccesses:
                record(result.test_id, "failed")
            elif result.skipped:
                record(result.test_id, "skipped")
            elif result.expectedFailures:
                record(result.test_id, "xfailed")
            else:
                record(result.test_id, "passed")

        def addSuccess(self, test):
            super().addSuccess(test)
            record(test.id(), "passed")

        def addFailure(self, test, err):
            super().addFailure(test, err)
            record(test.id(), "failed")

        def addError(self, test, err):
            super().addError(test, err)
            record(test.id(), "failed")

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            record(test.id(), "skipped")

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            record(test.id(), "xfailed")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            record(test.id(), "failed")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                record(test.id(), "failed")

    testing_main.ParallelTestRunner.resultclass = RecordingResult
    try:
        run_tests(["numba.runtests"] + argv, defaultTest=SUITE)
    finally:
        with open(out_path, "w") as f:
            json.dump(outcomes, f, indent=0, sort_keys=True)


# -- the driver ------------------------------------------------------------


def run_suite(args, fix, ids, tag, launcher=None, sanitizer=None):
    """Run the suite (or only ``ids``); return ({id: outcome}, log path).

    ``launcher`` sets ``NUMBA_CUDASIM_LAUNCHER``; None leaves the default.
    ``sanitizer`` sets ``NUMBA_CUDASIM_SANITIZER``.
    """
    base = os.path.join(args.reports, "%s-%s" % (args.name, tag))
    out, log = base + ".json", base + ".log"
    env = dict(
        os.environ,
        NUMBA_ENABLE_CUDASIM="1",
        CUDASIM_THREADSAFE=fix,
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("NUMBA_CUDASIM_LAUNCHER", None)
    env.pop("NUMBA_CUDASIM_SANITIZER", None)
    if launcher:
        env["NUMBA_CUDASIM_LAUNCHER"] = launcher
    if sanitizer:
        env["NUMBA_CUDASIM_SANITIZER"] = sanitizer
    if args.suite == "runtests":
        cmd = [args.python, os.path.abspath(__file__), "_runtests", out]
        cmd += ["-m", str(args.jobs)] + (ids or [SUITE])
        cwd = args.reports
    else:
        env["UPSTREAM_OUTCOMES"] = out
        cmd = [args.python, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
        if not ids:
            cmd += ["-n", str(args.jobs), "--dist", "loadscope"]
        cmd += ["--pyargs"] + (ids or [SUITE])
        cwd = PYTEST_DIR
    if os.path.exists(out):
        os.remove(out)
    start = time.monotonic()
    with open(log, "w") as f:
        try:
            rc = subprocess.run(
                cmd,
                cwd=cwd,
                env=env,
                stdout=f,
                stderr=subprocess.STDOUT,
                timeout=TIMEOUT,
            ).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    outcomes = {}
    if os.path.exists(out):
        with open(out) as f:
            outcomes = json.load(f)
    seconds = time.monotonic() - start
    # numba.runtests exits 1 and pytest 1 when tests failed; anything else
    # (or no outcome at all) means the suite itself did not run.
    broken = rc not in (0, 1) or not outcomes
    return outcomes, log, seconds, broken


def counts(outcomes):
    found = {k: 0 for k in OUTCOMES}
    for outcome in outcomes.values():
        found[outcome] += 1
    found["run"] = len(outcomes)
    return found


def load_allowlist(path):
    """{test id: reason} from lines ``<id>  <reason>``; # starts a comment."""
    allowed = {}
    if not path:
        return allowed
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            test_id, _, reason = line.partition(" ")
            if not reason.strip():
                raise SystemExit(
                    "%s:%d: %s has no reason" % (path, number, test_id)
                )
            allowed[test_id] = reason.strip()
    return allowed


def fmt(c):
    text = "%4d run, %4d passed, %3d failed, %4d skipped" % (
        c["run"],
        c["passed"],
        c["failed"],
        c["skipped"],
    )
    if c["xfailed"]:
        text += ", %d xfailed" % c["xfailed"]
    return text


_SECTION = re.compile(r"^(?:_{3,} (\S+) _{3,}|(?:FAIL|ERROR): (\S+) )")
_FINDING = re.compile(r"\[(memcheck|racecheck|synccheck|initcheck)\] .*")


def _reports(text):
    """Test name (its last dotted part) -> the first sanitizer finding in
    its failure's section of a pytest or numba.runtests log."""
    found = {}
    name = None
    for line in text.splitlines():
        section = _SECTION.match(line)
        if section:
            name = (section.group(1) or section.group(2)).rsplit(".", 1)[-1]
            continue
        finding = _FINDING.search(line)
        if name is not None and finding and name not in found:
            found[name] = finding.group(0)[:300]
    return found


def flagged(on, sanitized, log):
    """The tests that pass with the fix on and fail with the sanitizer too,
    each with the first finding reported on it in ``log``."""
    ids = sorted(i for i, o in sanitized.items() if o == "failed")
    ids = [i for i in ids if on.get(i) != "failed"]
    with open(log, errors="replace") as f:
        reports = _reports(f.read())
    found = {}
    for test_id in ids:
        name = test_id.replace("::", ".").rsplit(".", 1)[-1]
        found[test_id] = reports.get(name, "no sanitizer finding (other error)")
        print("  flagged by the sanitizer: %s: %s" % (test_id, found[test_id]))
    print("  the sanitizer flags %d test(s)" % len(found))
    return found


def compare(args, off, on, label, allowed):
    """Judge the run ``on`` (the fix on, run ``label``) against ``off``."""
    problems = []
    ids = sorted(set(off) | set(on))
    only_on = [i for i in ids if on.get(i) == "failed" != off.get(i)]
    only_off = [i for i in ids if off.get(i) == "failed" != on.get(i)]
    both = [i for i in ids if off.get(i) == on.get(i) == "failed"]
    other = [
        "%s: %s -> %s" % (i, off.get(i, "not run"), on.get(i, "not run"))
        for i in ids
        if off.get(i) != on.get(i) and i not in only_on and i not in only_off
    ]
    for title, rows in (
        ("failed with the fix off only", only_off),
        ("failed in both runs (upstream's own)", both),
        ("outcome changed otherwise (fix off -> %s)" % label, other),
    ):
        for row in rows:
            print("  %s: %s" % (title, row))
    # A test that passed without the fix and did not run with it (its
    # worker died, say) is no better than a failure.
    for i in ids:
        if off.get(i) == "passed" and i not in on:
            problems.append(
                "%s: passed with the fix off, not run with it %s" % (i, label)
            )

    # Allowlisted tests that failed only with the fix on must fail without
    # the fix too: rerun them with the fix off, at most RERUNS times.
    pending = [i for i in only_on if i in allowed]
    confirmed = {}
    for attempt in range(1, RERUNS + 1):
        if not pending:
            break
        tag = "%s-rerun%d" % (label, attempt)
        rerun, log, _, _ = run_suite(args, "0", pending, tag)
        for i in pending:
            if rerun.get(i) == "failed":
                confirmed[i] = attempt
        pending = [i for i in pending if i not in confirmed]
    accepted = []
    for i in only_on:
        if i in confirmed:
            accepted.append(i)
            print(
                "  failed with the fix %s only, allowed (%s; failed with "
                "the fix off in rerun %d): %s"
                % (label, allowed[i], confirmed[i], i)
            )
        elif i in allowed:
            problems.append(
                "%s: allowlisted, but passed all %d reruns with "
                "the fix off" % (i, RERUNS)
            )
        else:
            problems.append("%s: fails only with the fix %s" % (i, label))
    return {
        "only_on": only_on,
        "only_on_allowed": accepted,
        "only_off": only_off,
        "both": both,
        "problems": problems,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="upstream_suites.py")
    parser.add_argument("--name", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--suite", choices=("runtests", "pytest"))
    parser.add_argument("--reports", required=True)
    parser.add_argument("--allowlist")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--sanitizer-too",
        action="store_true",
        help="also run the suite with the fix on and "
        "NUMBA_CUDASIM_SANITIZER=all; the tests it flags are reported",
    )
    parser.add_argument(
        "--threads-too",
        action="store_true",
        help="also run the suite with the fix on in the OS-thread launcher "
        "mode (NUMBA_CUDASIM_LAUNCHER=threads)",
    )
    args = parser.parse_args(argv)
    args.reports = os.path.abspath(args.reports)
    args.python = os.path.abspath(args.python)
    os.makedirs(args.reports, exist_ok=True)
    allowed = load_allowlist(args.allowlist)

    runs = {}
    problems = []
    # The fix on in the default launcher mode (greenlet where importable),
    # then, with --threads-too, in the OS-thread mode.
    plan = [("0", "off", None), ("1", "on", None)]
    if args.threads_too:
        plan.append(("1", "threads", "threads"))
    if args.sanitizer_too:
        plan.append(("1", "sanitizer", None))
    logs = {}
    for fix, label, launcher in plan:
        outcomes, log, seconds, broken = run_suite(
            args,
            fix,
            None,
            label,
            launcher,
            "all" if label == "sanitizer" else None,
        )
        logs[label] = log
        runs[label] = outcomes
        print(
            "  fix %-7s %s  (%.0f s, log %s)"
            % (label, fmt(counts(outcomes)), seconds, log)
        )
        if broken:
            problems.append(
                "the suite did not run with the fix %s: see %s" % (label, log)
            )
    summary = {"name": args.name, "off": counts(runs["off"])}
    for label in runs:
        if label == "sanitizer":
            summary["sanitizer"] = counts(runs[label])
            summary["sanitizer_flagged"] = flagged(
                runs["on"], runs[label], logs[label]
            )
            continue
        if label == "off":
            continue
        found = compare(args, runs["off"], runs[label], label, allowed)
        problems += found.pop("problems")
        summary[label] = counts(runs[label])
        prefix = "" if label == "on" else label + "_"
        for key, rows in found.items():
            summary[prefix + key] = rows
    for problem in problems:
        print("  PROBLEM: " + problem)
    summary["problems"] = problems
    path = os.path.join(args.reports, args.name + ".summary.json")
    with open(path, "w") as f:
        json.dump(summary, f, indent=1)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_runtests"]:
        from multiprocessing import freeze_support

        freeze_support()
        _runtests(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(main())
