#!/usr/bin/env bash
# Set up and run every test of cudasim-threadsafe, on each supported
# numba / numba-cuda version, in fresh virtual environments under .venvs/.
#
#   bash scripts/test-all.sh            all versions
#   bash scripts/test-all.sh numba-0.68.1 py3.13-numba-0.68.1
#
# For each version: install the pinned upstream, greenlet and this package
# (`pip install .`), show the reproducers failing with the fix off and
# passing with it on (`python -m cudasim_threadsafe --check`), run the whole
# test package under pytest-xdist in the default (greenlet) launcher mode
# and in the OS-thread mode (NUMBA_CUDASIM_LAUNCHER=threads), under
# numba.runtests, and once more with the simulator off; then run upstream's
# own simulator suite with the fix off and on (on: the default mode, and for
# the versions in $threads_suite_versions the thread mode too), and fail on
# any test that fails only with the fix on (scripts/upstream_suites.py,
# scripts/upstream-flaky.txt); last, write the fix into a fresh environment
# without this package and run that suite again, without and with greenlet
# (scripts/check-export.sh).
# Then, on the other Pythons of $other_pythons (3.10, 3.12 and 3.13),
# with numba alone: the reproducers and our tests in both launcher modes
# (names py3.10-numba-0.68.1, py3.12-numba-0.68.1, py3.13-numba-0.68.1).
# Then numba-cuda-mlir without numba ($mlir_name, on $PYTHON, 3.11+): the
# tests written against `from numba_cuda_mlir import cuda` (tests/mlir) and
# those of $mlir_other_tests, in both launcher modes and with the
# sanitizer, and tests/mlir with the simulator off, where each must fail
# (scripts/check-mlir.sh).
# With no version named, also: lint, the test kernels compiled for the GPU,
# numba-cuda's own repository (../shared/upstream/numba-cuda.bundle) at tag
# v0.30.4 and branch main with the series (the pull request, then the fork's
# commits) written on a branch, checked with upstream's rules and its
# simulator CI's command on numba-cuda installed from git at the pull
# request and the head (scripts/check-upstream-repo.sh), the install modes,
# the start-up cost and one benchmark pass.
# Every step runs; each failing one is named in the summary.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
reports="$root/.venvs/reports"
rm -rf "$reports"
mkdir -p "$reports"

# shellcheck source=scripts/versions.sh
source "$root/scripts/versions.sh"

selected=("$@")
failed=()

# step TEXT: a header, with the time elapsed since the start.
step() {
  printf '\n=== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"
}

# check NAME CMD...: run CMD; if it fails, record NAME and go on.
check() {
  local name=$1
  shift
  "$@" || {
    echo "FAILED: $name"
    failed+=("$name")
  }
}

# install_version VENV PINS EXTRA [PYTHON]
install_version() {
  local venv=$1 pins=$2 extra=$3 interpreter=${4:-$python}
  rm -rf "$venv"
  "$interpreter" -m venv "$venv" &&
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      $pins $test_reqs $greenlet_req $extra &&
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$root"
}

# our_tests NAME PY: the reproducers, and our tests under pytest -n 2 in
# each launcher mode, from outside the checkout (the installed package).
our_tests() {
  local name=$1 py=$2
  step "$name: reproducers, fix off and on"
  check "$name: reproducers" "$py" -m cudasim_threadsafe --check

  step "$name: reproducers, sanitizer on (all checks)"
  check "$name: reproducers, sanitizer" env NUMBA_CUDASIM_SANITIZER=all \
    "$py" -m cudasim_threadsafe --check

  step "$name: pytest -n 2, simulator on, greenlet mode (the default)"
  check "$name: pytest" env -u NUMBA_CUDASIM_LAUNCHER NUMBA_ENABLE_CUDASIM=1 \
    "$py" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name-sim.xml" --pyargs cudasim_threadsafe.tests

  step "$name: pytest -n 2, simulator on, sanitizer on (all checks)"
  check "$name: pytest, sanitizer" env -u NUMBA_CUDASIM_LAUNCHER \
    NUMBA_ENABLE_CUDASIM=1 NUMBA_CUDASIM_SANITIZER=all \
    "$py" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name-sim-sanitizer.xml" \
    --pyargs cudasim_threadsafe.tests

  step "$name: pytest -n 2, simulator on, thread mode"
  check "$name: pytest, thread mode" env NUMBA_ENABLE_CUDASIM=1 \
    NUMBA_CUDASIM_LAUNCHER=threads \
    "$py" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name-sim-threads.xml" \
    --pyargs cudasim_threadsafe.tests
}

run_version() {
  local name=$1 pins=$2 extra=$3 suite=$4
  local venv="$root/.venvs/ci-$name"
  local py="$venv/bin/python"
  step "$name: install $pins"
  if ! install_version "$venv" "$pins" "$extra"; then
    failed+=("$name: install")
    return
  fi

  # Run from outside the checkout, so that the installed package is tested.
  local work
  work=$(mktemp -d)
  pushd "$work" >/dev/null
  our_tests "$name" "$py"

  step "$name: numba.runtests -m 2, simulator on"
  check "$name: numba.runtests" env NUMBA_ENABLE_CUDASIM=1 \
    "$py" -m numba.runtests -m 2 cudasim_threadsafe.tests

  step "$name: pytest, simulator off"
  check "$name: pytest, simulator off" env NUMBA_ENABLE_CUDASIM=0 \
    "$py" -m pytest -p no:cacheprovider -q \
    --junitxml="$reports/$name-nosim.xml" --pyargs cudasim_threadsafe.tests
  popd >/dev/null
  rm -rf "$work"

  local threads=(--sanitizer-too)
  if [[ " $threads_suite_versions " == *" $name "* ]]; then
    threads+=(--threads-too)
  fi
  step "$name: upstream simulator suite ($suite), fix off and on, and on" \
    "with the sanitizer" "${threads[1]:+(and on in thread mode)}"
  check "$name: upstream suite" "$python" "$root/scripts/upstream_suites.py" \
    --name "$name" --python "$py" --suite "$suite" \
    --reports "$reports/upstream" \
    --allowlist "$root/scripts/upstream-flaky.txt" "${threads[@]}"

  step "$name: the upstream form, exported into a fresh environment"
  check "$name: export" env REPORTS="$reports/export" \
    bash "$root/scripts/check-export.sh" "$name"
}

# run_other_python PYHOME: our tests on another Python, numba alone.
run_other_python() {
  local home=$1 version name venv
  # pyenv names its folders by version: 3.10.13 is Python 3.10.
  version=$(basename "$home" | cut -d. -f1,2)
  name="py$version-${other_python_pins/==/-}"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then
    return
  fi
  if ! "$home/bin/python3" -c 'import venv' 2>/dev/null; then
    echo "MISSING: Python $version at $home (pyenv install $(basename "$home"))"
    failed+=("$name: no python3 with venv at $home")
    return
  fi
  venv="$root/.venvs/ci-$name"
  step "$name: install $other_python_pins on Python $version"
  if ! install_version "$venv" "$other_python_pins" "" "$home/bin/python3"; then
    failed+=("$name: install")
    return
  fi
  local work
  work=$(mktemp -d)
  pushd "$work" >/dev/null
  our_tests "$name" "$venv/bin/python"
  popd >/dev/null
  rm -rf "$work"
}

# run_mlir: numba-cuda-mlir in an environment without numba; its tests
# with the simulator on in each mode, then off, where each must fail.
run_mlir() {
  local name=$mlir_name venv="$root/.venvs/ci-$mlir_name" py work m
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then
    return
  fi
  py="$venv/bin/python"
  step "$name: install $mlir_pins, no numba, on $("$python" -V)"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    failed+=("$name: needs Python 3.11+ (PYTHON=$python)")
    return
  fi
  if ! install_version "$venv" "$mlir_pins" ""; then
    failed+=("$name: install")
    return
  fi
  check "$name: numba not installed" "$py" -c \
    'import importlib.util as u, sys; sys.exit(bool(u.find_spec("numba")))'

  local tests=(cudasim_threadsafe.tests.mlir)
  for m in $mlir_other_tests; do
    tests+=("cudasim_threadsafe.tests.$m")
  done
  work=$(mktemp -d)
  pushd "$work" >/dev/null
  step "$name: pytest -n 2, simulator on, greenlet mode (the default)"
  check "$name: pytest" env -u NUMBA_CUDASIM_LAUNCHER NUMBA_ENABLE_CUDASIM=1 \
    "$py" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name-sim.xml" --pyargs "${tests[@]}"

  step "$name: pytest -n 2, simulator on, thread mode"
  check "$name: pytest, thread mode" env NUMBA_ENABLE_CUDASIM=1 \
    NUMBA_CUDASIM_LAUNCHER=threads \
    "$py" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name-sim-threads.xml" --pyargs "${tests[@]}"

  step "$name: pytest -n 2, simulator on, sanitizer on (all checks)"
  check "$name: pytest, sanitizer" env -u NUMBA_CUDASIM_LAUNCHER \
    NUMBA_ENABLE_CUDASIM=1 NUMBA_CUDASIM_SANITIZER=all \
    "$py" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name-sim-sanitizer.xml" --pyargs "${tests[@]}"

  step "$name: tests/mlir with the simulator off: each must fail"
  check "$name: simulator off" \
    bash "$root/scripts/check-mlir.sh" "$py" "$reports/$name-off"
  popd >/dev/null
  rm -rf "$work"
  run_mixed
}

# run_mixed: numba-cuda and numba-cuda-mlir in one environment, both
# compilers' kernels in one process (tests/test_fronts_mixed.py).
run_mixed() {
  local name="mixed-numba-cuda-mlir" venv="$root/.venvs/ci-mixed" work
  step "$name: install $mixed_pins"
  if ! install_version "$venv" "$mixed_pins" ""; then
    failed+=("$name: install")
    return
  fi
  work=$(mktemp -d)
  pushd "$work" >/dev/null
  step "$name: pytest -n 2, both compilers in one process"
  check "$name: pytest" env -u NUMBA_CUDASIM_LAUNCHER NUMBA_ENABLE_CUDASIM=1 \
    "$venv/bin/python" -m pytest -p no:cacheprovider -q -n 2 \
    --junitxml="$reports/$name.xml" \
    --pyargs cudasim_threadsafe.tests.test_fronts_mixed
  popd >/dev/null
  rm -rf "$work"
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
  (cd /tmp && NUMBA_ENABLE_CUDASIM=1 "$py" -c "$check") || return 1
  step "install modes: git+file://$root@$branch"
  "$py" -m pip uninstall -q -y cudasim-threadsafe
  "$py" -m pip install -q --disable-pip-version-check \
    "git+file://$root@$branch"
  (cd /tmp && NUMBA_ENABLE_CUDASIM=1 "$py" -c "$check")
}

for entry in "${versions[@]}"; do
  IFS='|' read -r name pins extra suite <<<"$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then
    continue
  fi
  run_version "$name" "$pins" "$extra" "$suite"
done
for home in "${other_pythons[@]}"; do
  run_other_python "$home"
done
run_mlir

lint() {
  local venv="$root/.venvs/ci-tools"
  step "lint: ruff format --check, ruff check"
  "$python" -m venv "$venv" &&
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      ruff==0.17.6 &&
    "$venv/bin/ruff" format --check src benchmarks scripts buildscripts &&
    "$venv/bin/ruff" check src benchmarks scripts buildscripts || return 1
  # From the checkout, where the README is: installed, the test skips.
  step "the README's table of variables is settings.VARIABLES"
  (cd "$root" && PYTHONPATH="$root/src" \
    "$root/.venvs/ci-numba-0.68.1/bin/python" -m pytest -p no:cacheprovider \
    -q "$root/src/cudasim_threadsafe/tests/test_settings.py" -k readme)
}

# The test kernels of the warp intrinsics, compiled for the GPU with NVVM
# for the argument types the tests launch them with: they are GPU code.
compile_for_gpu() {
  local venv="$root/.venvs/ci-gpu-compile" work
  step "warp test kernels compile for the GPU (NVVM, no GPU needed)"
  install_version "$venv" "$gpu_compile_pins" "$numba_cuda_reqs" || return 1
  work=$(mktemp -d)
  (cd "$work" && "$venv/bin/python" "$root/scripts/compile_for_gpu.py") ||
    return 1
  step "real-CUDA lowering of libdevice after the simulator is switched off"
  (cd "$work" && env CUDASIM_THREADSAFE_TEST_NVVM=1 "$venv/bin/python" -m \
    pytest -p no:cacheprovider -q --pyargs cudasim_threadsafe.tests.test_reload) ||
    return 1
  step "the compile check's tests, and GPU typing against compile_ptx"
  (cd "$work" && env NUMBA_ENABLE_CUDASIM=1 CUDASIM_THREADSAFE_TEST_GPUCHECK=1 \
    "$venv/bin/python" -m pytest -p no:cacheprovider -q -rs \
    --pyargs cudasim_threadsafe.tests.test_gpucheck \
    cudasim_threadsafe.tests.test_gputyping) || return 1
  compile_check_suites "$venv" "$work"
  builtin_typing_matrix "$work"
}

# GPU typing's matrix on numba's built-in target, against its compiler with
# the pinned NVVM wheel (found through CUDA_HOME).
builtin_typing_matrix() {
  local venv="$root/.venvs/ci-builtin-compile" work=$1 home
  step "GPU typing against compile_ptx, numba's built-in target"
  install_version "$venv" "$builtin_compile_pins" "" || return 1
  home=$("$venv/bin/python" -c \
    'import nvidia.cuda_nvcc as m; print(m.__path__[0])') || return 1
  (cd "$work" && env NUMBA_ENABLE_CUDASIM=1 CUDA_HOME="$home" \
    CUDASIM_THREADSAFE_TEST_GPUCHECK=1 "$venv/bin/python" -m pytest \
    -p no:cacheprovider -q -rs -s \
    --pyargs cudasim_threadsafe.tests.test_gputyping)
}

# Reported, not asserted: our suite and upstream's simulator suite with the
# compile check on, side by side with it off; what it flags and the time.
compile_check_suites() {
  local venv=$1 work=$2 check start log
  for check in 0 1; do
    step "our suite, compile check $check (reported)"
    start=$SECONDS
    log="$reports/compile-check-$check-ours.log"
    (cd "$work" && env NUMBA_ENABLE_CUDASIM=1 NUMBA_CUDASIM_COMPILE_CHECK=$check \
      "$venv/bin/python" -m pytest -p no:cacheprovider -q -n 2 \
      --pyargs cudasim_threadsafe.tests >"$log" 2>&1)
    grep -E "^FAILED| passed| failed" "$log" | sed 's/^/  /'
    echo "  wall: $((SECONDS - start)) s"
    step "upstream's simulator suite, compile check $check (reported)"
    start=$SECONDS
    log="$reports/compile-check-$check-upstream.log"
    (cd "$root/scripts/upstream_pytest" && env NUMBA_ENABLE_CUDASIM=1 \
      NUMBA_CUDASIM_COMPILE_CHECK=$check "$venv/bin/python" -m pytest \
      -p no:cacheprovider -q -n 2 --dist loadscope \
      --pyargs numba.cuda.tests >"$log" 2>&1)
    grep -E "^FAILED| passed| failed" "$log" | sed 's/^/  /'
    echo "  wall: $((SECONDS - start)) s"
  done
  return 0
}

if [ ${#selected[@]} -eq 0 ]; then
  check "lint" lint
  check "compile for the GPU" compile_for_gpu
  for ref in v0.30.4 main; do
    step "the upstream form in numba-cuda's repository at $ref"
    check "numba-cuda repository at $ref" \
      bash "$root/scripts/check-upstream-repo.sh" "$ref"
  done
  check "install modes" check_install_modes
  step "startup cost"
  check "startup benchmark" \
    "$root/.venvs/ci-numba-0.68.1/bin/python" "$root/benchmarks/startup.py"
  # Reported, not asserted: one pass, to keep the benchmarks working.
  step "speed, every mode (benchmarks/run.py --repeat 1)"
  check "speed benchmark" \
    "$root/.venvs/ci-numba-cuda-0.30.4/bin/python" "$root/benchmarks/run.py" \
    --repeat 1 --timeout 120
fi

step "summary"
"$python" - "$reports" "${failed[@]}" <<'PY'
import glob, json, sys
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

# Upstream suites: fix on, and what failed only with it on.
upstream = dict(passed=0, failed=0, skipped=0, only_on=0)
for path in sorted(glob.glob(reports + "/upstream/*.summary.json")):
    with open(path) as f:
        s = json.load(f)
    # "on" is the default (greenlet) mode; "threads" the fix on in the
    # OS-thread mode, where it ran.
    runs = [fix for fix in ("off", "on", "threads") if fix in s]
    for fix in runs:
        c = s[fix]
        print("upstream %-23s fix %-7s %4d run, %4d passed, %d failed, "
              "%d skipped, %d xfailed" % (s["name"], fix, c["run"],
                                          c["passed"], c["failed"],
                                          c["skipped"], c["xfailed"]))
    for fix in runs[1:]:
        prefix = "" if fix == "on" else fix + "_"
        for key in ("passed", "failed"):
            upstream[key] += s[fix][key]
        upstream["skipped"] += s[fix]["skipped"] + s[fix]["xfailed"]
        upstream["only_on"] += (len(s[prefix + "only_on"])
                                - len(s[prefix + "only_on_allowed"]))

# The upstream form: the suite before and after exporting the fix.
for path in sorted(glob.glob(reports + "/export/*.json")):
    with open(path) as f:
        s = json.load(f)
    if "exported_tests" not in s:
        continue  # one suite run's outcomes, not a summary
    counts = "%(run)d run, %(passed)d passed, %(failed)d failed"
    print("%-32s before %s" % (s["name"], counts % s["before"]))
    # After the export: without greenlet (OS threads), then with it.
    for key, title in (("", "without greenlet"), ("_greenlet", "greenlet")):
        if "after" + key in s:
            ours = s["exported_tests" + key]
            print("%-32s after, %-16s %s; exported tests %d/%d passed" % (
                "", title, counts % s["after" + key],
                sum(o == "passed" for o in ours.values()), len(ours)))

bad = totals["failures"] + totals["errors"]
for name in failed:
    print("FAILED step: %s" % name)
print("%d passed, %d failed, %d skipped; upstream suites with the fix on: "
      "%d passed, %d failed (%d only with the fix on), %d skipped" % (
          totals["tests"] - bad - totals["skipped"], bad + len(failed),
          totals["skipped"], upstream["passed"], upstream["failed"],
          upstream["only_on"], upstream["skipped"]))
sys.exit(1 if bad or failed else 0)
PY
