#!/usr/bin/env bash
# Each test of cudasim_threadsafe.tests.mlir guards the simulator: with it
# off (NUMBA_ENABLE_CUDASIM unset), `from numba_cuda_mlir import cuda` is
# numba-cuda-mlir's own compiler, which without a GPU cannot launch
# (CudaSupportError), so every test that is not skipped must fail. A test
# that passes there does not test the simulator.
#
#   bash scripts/check-mlir.sh PYTHON [REPORTS]
#
# PYTHON: an environment with numba-cuda-mlir and this package installed;
# run from outside the checkout. REPORTS: where the junit file goes (not
# under scripts/test-all.sh's reports folder itself: its failures are
# expected).
set -uo pipefail

py=$1
reports=${2:-$(mktemp -d)}
mkdir -p "$reports"
xml="$reports/front-off.xml"
rm -f "$xml"

# conftest.py skips tests/mlir with the simulator off, unless told that
# this run expects the failures.
env -u NUMBA_ENABLE_CUDASIM -u NUMBA_CUDASIM_SANITIZER \
  CUDASIM_THREADSAFE_TEST_FRONT_OFF=1 \
  "$py" -m pytest -p no:cacheprovider -q -n 2 --junitxml="$xml" \
  --pyargs cudasim_threadsafe.tests.mlir >"$reports/front-off.log" 2>&1
tail -n 1 "$reports/front-off.log"

"$py" - "$xml" <<'PY'
import collections
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as e:
    sys.exit("no junit report: %s" % e)
passed, skipped, errors = [], [], collections.Counter()
for case in root.iter("testcase"):
    name = "%s::%s" % (case.get("classname"), case.get("name"))
    bad = case.find("failure")
    if bad is None:
        bad = case.find("error")
    if bad is not None:
        # The exception's class, as the first word of pytest's message.
        message = bad.get("message") or "?"
        errors[message.split(":")[0].split()[0].rsplit(".", 1)[-1]] += 1
    elif case.find("skipped") is not None:
        skipped.append(name)
    else:
        passed.append(name)
failed = sum(errors.values())
print("simulator off: %d failed (%s), %d skipped, %d passed" % (
    failed, ", ".join("%d %s" % (n, e) for e, n in errors.most_common()),
    len(skipped), len(passed)))
for name in passed:
    print("PASSED with the simulator off (guards nothing): " + name)
sys.exit(1 if passed or not failed else 0)
PY
