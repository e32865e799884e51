"""Compare two runs of one test suite, from their JUnit XML reports.

    python3 scripts/compare_suites.py BASE.xml CHANGED.xml [--must-pass TEXT]
        [--must-fail-at-base TEXT]

Fails (exit 1) on a test that fails or errors in CHANGED but not in BASE,
on a test whose id contains a ``--must-pass`` TEXT that did not pass in
CHANGED (or did not run at all), or on one whose id ends with a
``--must-fail-at-base`` TEXT that did not fail in BASE. Tests failing in
both are the base's own: reported, not fatal. Only the standard library is used.
"""

import argparse
import sys
import xml.etree.ElementTree as ET


def outcomes(path):
    """Test id -> "passed", "failed" or "skipped"."""
    found = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = "%s::%s" % (case.get("classname"), case.get("name"))
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            found[test_id] = "failed"
        elif "skipped" in kinds:
            found[test_id] = "skipped"
        else:
            found[test_id] = "passed"
    return found


def counts(found):
    values = list(found.values())
    return ", ".join(
        "%d %s" % (values.count(k), k) for k in ("passed", "failed", "skipped")
    )


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("changed")
    parser.add_argument("--must-pass", action="append", default=[])
    parser.add_argument("--must-fail-at-base", action="append", default=[])
    args = parser.parse_args(argv)
    base, changed = outcomes(args.base), outcomes(args.changed)
    print("base:    %d run, %s" % (len(base), counts(base)))
    print("changed: %d run, %s" % (len(changed), counts(changed)))
    problems = []
    for test_id, outcome in sorted(changed.items()):
        if outcome == "failed" and base.get(test_id) != "failed":
            problems.append("fails only when changed: " + test_id)
    both = sorted(t for t, o in changed.items() if o == base.get(t) == "failed")
    for test_id in both:
        print("fails in both (the base's own): " + test_id)
    gone = sorted(t for t in base if t not in changed)
    for test_id in gone:
        problems.append("ran at the base only: " + test_id)
    for text in args.must_pass:
        ours = {t: o for t, o in changed.items() if text in t}
        if not ours:
            problems.append("no test matching %r ran" % text)
        problems += [
            "did not pass: %s (%s)" % (t, o)
            for t, o in sorted(ours.items())
            if o != "passed"
        ]
        print("%d tests matching %r: %s" % (len(ours), text, counts(ours)))
    for text in args.must_fail_at_base:
        found = {t: o for t, o in base.items() if t.endswith(text)}
        if list(found.values()) != ["failed"]:
            problems.append("not failing at the base: %s %s" % (text, found))
        else:
            print("fails at the base: %s" % next(iter(found)))
    for line in problems:
        print("PROBLEM: " + line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
