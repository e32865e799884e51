#!/usr/bin/env bash
# Set up and run every test of cudasim-threadsafe, on each supported
# numba / numba-cuda version, in fresh virtual environments under .venvs/.
#
#   bash scripts/test-all.sh            all versions
#   bash scripts/test-all.sh numba-0.68.1
#
# For each version: install the pinned upstream and this package
# (`pip install .`), show the reproducers failing with the fix off and
# passing with it on (`python -m cudasim_threadsafe --check`), then run the
# whole test package under pytest-xdist and under numba.runtests, with the
# simulator on, and once more with it off.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
reports="$root/.venvs/reports"
rm -rf "$reports"
mkdir -p "$reports"

# name | pinned upstream | extra test requirements
versions=(
  "numba-0.68.1|numba==0.68.1|"
  "numba-cuda-0.30.4|numba==0.68.1 numba-cuda==0.30.4|filecheck==1.0.3"
  "numba-cuda-0.24.0|numba==0.62.1 numba-cuda==0.24.0|filecheck==1.0.3"
)
test_reqs="pytest==9.0.3 pytest-xdist==3.8.0"

selected=("$@")
failed=()

step() { printf '\n=== %s\n' "$*"; }

run_version() {
  local name=$1 pins=$2 extra=$3
  local venv="$root/.venvs/ci-$name" work
  step "$name: install $pins"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  local py="$venv/bin/python"
  "$py" -m pip install -q --disable-pip-version-check $pins $test_reqs $extra
  "$py" -m pip install -q --disable-pip-version-check "$root"

  # Run from outside the checkout, so that the installed package is tested.
  work=$(mktemp -d)
  (
    cd "$work"
    step "$name: reproducers, fix off and on"
    "$py" -m cudasim_threadsafe --check

    step "$name: pytest -n 2, simulator on"
    NUMBA_ENABLE_CUDASIM=1 "$py" -m pytest -p no:cacheprovider -q -n 2 \
      --junitxml="$reports/$name-sim.xml" --pyargs cudasim_threadsafe.tests

    step "$name: numba.runtests -m 2, simulator on"
    NUMBA_ENABLE_CUDASIM=1 "$py" -m numba.runtests -m 2 cudasim_threadsafe.tests

    step "$name: pytest, simulator off"
    NUMBA_ENABLE_CUDASIM=0 "$py" -m pytest -p no:cacheprovider -q \
      --junitxml="$reports/$name-nosim.xml" --pyargs cudasim_threadsafe.tests
  )
}

check_install_modes() {
  # `pip install -e .` and `pip install git+...@branch` must give an active
  # fix too; the version runs above used `pip install .`.
  local venv="$root/.venvs/ci-numba-0.68.1" branch
  local py="$venv/bin/python"
  branch=$(git -C "$root" rev-parse --abbrev-ref HEAD)
  local check='import cudasim_threadsafe, numba.cuda, sys
s = cudasim_threadsafe.status(); print(s); sys.exit(not s["active"])'
  step "install modes: editable"
  "$py" -m pip uninstall -q -y cudasim-threadsafe
  "$py" -m pip install -q --disable-pip-version-check -e "$root"
  (cd /tmp && NUMBA_ENABLE_CUDASIM=1 "$py" -c "$check")
  step "install modes: git+file://$root@$branch"
  "$py" -m pip uninstall -q -y cudasim-threadsafe
  "$py" -m pip install -q --disable-pip-version-check \
    "git+file://$root@$branch"
  (cd /tmp && NUMBA_ENABLE_CUDASIM=1 "$py" -c "$check")
}

for entry in "${versions[@]}"; do
  IFS='|' read -r name pins extra <<<"$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then
    continue
  fi
  run_version "$name" "$pins" "$extra" || failed+=("$name")
done

lint() {
  local venv="$root/.venvs/ci-tools"
  step "lint: ruff format --check, ruff check"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check ruff==0.17.6
  "$venv/bin/ruff" format --check src benchmarks
  "$venv/bin/ruff" check src benchmarks
}

if [ ${#selected[@]} -eq 0 ]; then
  lint || failed+=("lint")
  check_install_modes || failed+=("install modes")
  step "startup cost"
  "$root/.venvs/ci-numba-0.68.1/bin/python" "$root/benchmarks/startup.py" \
    || failed+=("startup benchmark")
fi

step "summary"
"$python" - "$reports" "${failed[@]}" <<'PY'
import glob, sys
import xml.etree.ElementTree as ET

reports, failed = sys.argv[1], sys.argv[2:]
totals = dict(tests=0, failures=0, errors=0, skipped=0)
for path in sorted(glob.glob(reports + "/*.xml")):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    row = {k: sum(int(s.get(k, 0)) for s in suites) for k in totals}
    print("%-32s %4d tests, %d failed, %d skipped" % (
        path.rsplit("/", 1)[-1][:-4], row["tests"],
        row["failures"] + row["errors"], row["skipped"]))
    for k in totals:
        totals[k] += row[k]
bad = totals["failures"] + totals["errors"]
for name in failed:
    print("FAILED step: %s" % name)
print("%d passed, %d failed, %d skipped" % (
    totals["tests"] - bad - totals["skipped"], bad + len(failed),
    totals["skipped"]))
sys.exit(1 if bad or failed else 0)
PY
