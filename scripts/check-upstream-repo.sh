#!/usr/bin/env bash
# The pull request and the fork branch in numba-cuda's own repository,
# checked as upstream's CI would check them:
#
#   bash scripts/check-upstream-repo.sh v0.30.4
#   bash scripts/check-upstream-repo.sh main
#
# From ../shared/upstream/numba-cuda.bundle (numba-cuda's git repository),
# REF is checked out in .venvs/repo-REF on a new branch, and
# `export_upstream.py --series` commits the pull request and then one
# commit per capability there. Checked:
# - the work tree is clean; a second run writes nothing; over a commit it
#   does not recognize it writes nothing and exits 2;
# - the pull request: at most 400 changed lines, only simulator files and
#   their tests, no greenlet, BlockThread kept;
# - upstream's rules on the files each commit touches (ruff 0.11.2 with the
#   repository's pyproject.toml, toolshed/check_spdx.py), and no unused
#   import or alias (F401) in the modules it touches;
# - numba-cuda installed from git (pip install git+file://...), at REF, at
#   the pull request and at the head, each into a fresh venv with numba
#   0.68.1 and the test dependencies, without this package; upstream's
#   suite from the repository at that commit as its simulator CI runs it
#   (NUMBA_ENABLE_CUDASIM=1 pytest testing -n 2 --dist loadscope, with
#   testing/pytest.ini: filterwarnings = error). No test may fail that does
#   not fail at REF; the pull request's tests run at REF too (written into
#   its installed tests) and those guarding v0.30.4's cases must fail there;
# - each commit between the pull request and the head, installed from git
#   with greenlet (the fork's dependency), passes the simulator tests it
#   has;
# - the branch as upstream reads it: no added line and no commit message
#   names this project, no line added to the simulator says "upstream" or
#   "overlay"; each simulator module a commit's subject names is
#   in that commit's diff; with NUMBA_ENABLE_CUDASIM=0 the head leaves
#   numba.cuda (its names, type, and DeviceNDArray's members' code) as it
#   is at REF (scripts/real_target_shape.py), and upstream's suite collects
#   as at REF.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
ref=${1:?usage: check-upstream-repo.sh REF (v0.30.4, main)}
bundle=${BUNDLE:-$root/../shared/upstream/numba-cuda.bundle}
reports=${REPORTS:-$root/.venvs/reports}/repo
# shellcheck source=scripts/versions.sh
source "$root/scripts/versions.sh"
work="$root/.venvs/repo-$ref"
repo="$work/numba-cuda"
branch=cudasim-threadsafe
mkdir -p "$reports"
rm -rf "$work"
mkdir -p "$work"
# The exporter and the sources it exports, as they are now: every run below
# exports the same, whatever changes in the work tree meanwhile.
source_copy="$work/source"
mkdir -p "$source_copy"
(cd "$root" && tar -c --exclude=__pycache__ buildscripts src) |
  tar -x -C "$source_copy"
exporter=$source_copy/buildscripts/export_upstream.py
printf '\n=== numba-cuda at %s: the series on branch %s\n' "$ref" "$branch"
git clone -q "$bundle" "$repo"
git -C "$repo" checkout -q "$ref"
git -C "$repo" switch -q -c "$branch"
"$python" "$exporter" --series "$repo"
mapfile -t commits < <(git -C "$repo" rev-list --reverse "$ref..$branch")
pr=${commits[0]}
head=${commits[-1]}
[ -z "$(git -C "$repo" status --porcelain)" ] ||
  { echo "the series left the work tree changed" >&2; exit 1; }

# Run again: nothing written. Over a commit it does not know: exit 2.
"$python" "$exporter" --series "$repo"
[ "$(git -C "$repo" rev-parse HEAD)" = "$head" ] ||
  { echo "a second run wrote commits" >&2; exit 1; }
echo "# a maintainer's change" >>"$repo/numba_cuda/numba/cuda/simulator/api.py"
git -C "$repo" -c user.name=m -c user.email=m@localhost commit -qam "theirs"
theirs=$(git -C "$repo" rev-parse HEAD)
status=0
out=$("$python" "$exporter" --series "$repo" 2>&1) || status=$?
if [ "$status" -ne 2 ] || [ "$(git -C "$repo" rev-parse HEAD)" != "$theirs" ] ||
  [ -n "$(git -C "$repo" status --porcelain)" ]; then
  echo "over a commit it does not recognize: status $status: $out" >&2
  exit 1
fi
git -C "$repo" reset -q --hard "$head"
echo "a second run writes nothing; over an unknown commit, exit 2: $out"

printf '\n=== numba-cuda at %s: the branch as upstream reads it\n' "$ref"
# No line the branch adds, and no commit message, names this project: the
# commits read as a contributor's.
named='cudasim[-_]threadsafe|exported-by'
if git -C "$repo" log --format='%B' "$ref..$head" | grep -n -i -E "$named"; then
  echo "a commit message names the project" >&2
  exit 1
fi
if git -C "$repo" diff "$ref" "$head" | grep -E '^\+' | grep -i -E "$named"; then
  echo "a line of the branch names the project" >&2
  exit 1
fi
# Inside numba-cuda the simulator is the project's own: no line the branch
# adds to it speaks of "upstream" or of an overlay (say which class or
# module instead).
if git -C "$repo" diff "$ref" "$head" -- numba_cuda/numba/cuda/simulator |
  grep -E '^\+' | grep -v -E '^\+\+\+ ' | grep -i -E 'upstream|overlay'; then
  echo "a line the branch adds to the simulator speaks of upstream" >&2
  exit 1
fi
# Each simulator module a commit's subject names is in that commit's diff.
mapfile -t modules < <(git -C "$repo" ls-tree --name-only "$head" \
  numba_cuda/numba/cuda/simulator/ | sed -n -E 's|.*/([a-z_]+)\.py$|\1|p' |
  grep -v '^__init__$')
for commit in "${commits[@]}"; do
  subject=$(git -C "$repo" log -1 --format=%s "$commit")
  touched=$(git -C "$repo" diff --name-only "$commit~1" "$commit")
  for module in "${modules[@]}"; do
    if grep -q -E "(^|[^a-z_])$module([^a-z_]|\$)" <<<"$subject" &&
      ! grep -q -x "numba_cuda/numba/cuda/simulator/$module.py" <<<"$touched"; then
      echo "${commit:0:10} \"$subject\" names $module; its diff lacks" \
        "simulator/$module.py" >&2
      exit 1
    fi
  done
done
echo "no project name in the branch's lines or messages, no 'upstream' in" \
  "its simulator's; each commit holds the modules its subject names"

printf '\n=== numba-cuda at %s: the pull request\n' "$ref"
git -C "$repo" log -1 --format=%B "$pr" | tail -4
read -r added removed < <(git -C "$repo" diff --shortstat "$ref" "$pr" |
  sed -E 's/.* ([0-9]+) insertions?.* ([0-9]+) deletions?.*/\1 \2/')
echo "changed lines: +$added/-$removed"
if [ $((added + removed)) -gt 400 ]; then
  echo "the pull request changes more than 400 lines" >&2
  exit 1
fi
if git -C "$repo" diff --name-only "$ref" "$pr" |
  grep -v -E '^numba_cuda/numba/cuda/(simulator|tests/cudasim)/' |
  grep -v -x docs/source/user/simulator.rst; then
  echo "the pull request touches files other than the simulator's" >&2
  exit 1
fi
if git -C "$repo" diff "$ref" "$pr" | grep -E '^\+' | grep -i greenlet; then
  echo "the pull request mentions greenlet" >&2
  exit 1
fi
git -C "$repo" show "$pr:numba_cuda/numba/cuda/simulator/kernel.py" |
  grep -q '^class BlockThread(threading.Thread):'
echo "only simulator files, their tests and docs; no greenlet;" \
  "BlockThread kept"

printf '\n=== numba-cuda at %s: upstream rules, commit by commit\n' "$ref"
tools="$work/tools"
"$python" -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check \
  $upstream_rule_pins
for commit in "${commits[@]}"; do
  git -C "$repo" checkout -q "$commit"
  mapfile -t touched < <(git -C "$repo" diff --name-only --diff-filter=d \
    "$commit~1" "$commit")
  py=()
  for f in "${touched[@]}"; do
    [[ $f == *.py ]] && py+=("$f")
  done
  # And no unused import or alias (pyflakes' F401, which upstream's rules
  # leave out) in a module the commit touches, its package __init__ aside.
  flakes=()
  for f in "${py[@]}"; do
    [[ $f == */__init__.py ]] || flakes+=("$f")
  done
  if [ ${#flakes[@]} -gt 0 ]; then
    (cd "$repo" && "$tools/bin/ruff" check -q --isolated --select F401 \
      "${flakes[@]}")
  fi
  (cd "$repo" && "$tools/bin/ruff" check -q "${py[@]}" &&
    "$tools/bin/ruff" format -q --check "${py[@]}" &&
    "$tools/bin/python" toolshed/check_spdx.py "${touched[@]}" >/dev/null)
  printf '%s %-70.70s %d files: clean\n' "${commit:0:10}" \
    "$(git -C "$repo" log -1 --format=%s "$commit")" "${#touched[@]}"
done

# install NAME COMMIT: a fresh venv with numba-cuda from git at COMMIT.
install() {
  local venv="$work/venv-$1"
  "$python" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    numba==0.68.1 $test_reqs $numba_cuda_reqs "git+file://$repo@$2"
}

# run_suite NAME COMMIT [PYTEST ARGS]: upstream's suite from the repository
# at COMMIT in venv-NAME; JUnit XML in $reports/REF-NAME.xml.
run_suite() {
  local name=$1 commit=$2 venv="$work/venv-$1"
  shift 2
  git -C "$repo" checkout -q "$commit"
  # The venv's pytest: `python -m pytest` would put the checkout, without
  # its built extensions, first on sys.path.
  (cd "$repo" && NUMBA_ENABLE_CUDASIM=1 "$venv/bin/pytest" testing -q \
    -p no:cacheprovider -n 2 --dist loadscope "$@" \
    --junitxml="$reports/$ref-$name.xml" >"$reports/$ref-$name.log" 2>&1) ||
    true
  tail -1 "$reports/$ref-$name.log"
}

printf '\n=== numba-cuda at %s: pip install git+file://...@%s, suite\n' \
  "$ref" "$ref"
install base "$ref"
# The pull request's tests, written into the installed tree, run at the
# base too: there they must fail.
site=$("$work/venv-base/bin/python" -c \
  "import sysconfig; print(sysconfig.get_path('purelib'))")
"$python" "$exporter" "$site" --pr-tests >/dev/null 2>&1
run_suite base "$ref"
must_fail=()
for name in test_closure test_host_code_beside_a_kernel \
  test_kernel_api_outside_a_kernel test_kernels_launched_from_host_threads \
  test_path_through_numba; do
  must_fail+=(--must-fail-at-base "TestKernelAPIThreads::$name")
done

for step in pr head; do
  commit=$pr
  [ "$step" = head ] && commit=$head
  printf '\n=== numba-cuda at %s: pip install git+file://...@%s (%s), suite\n' \
    "$ref" "${commit:0:10}" "$step"
  install "$step" "$commit"
  run_suite "$step" "$commit"
  must=(--must-pass test_cudasim_threads)
  if [ "$step" = head ]; then
    for name in $("$python" -c "import sys; sys.path.insert(0, '$source_copy/buildscripts')
from exporter.carried import EXPORTED_TESTS; print(*EXPORTED_TESTS)"); do
      must+=(--must-pass "$name")
    done
  fi
  "$python" "$root/scripts/compare_suites.py" \
    "$reports/$ref-base.xml" "$reports/$ref-$step.xml" "${must[@]}" \
    "${must_fail[@]}" | tail -8
done

printf '\n=== numba-cuda at %s: the simulator off, at %s and at the head\n' \
  "$ref" "$ref"
# With NUMBA_ENABLE_CUDASIM=0 the fork changes nothing: numba.cuda's names
# and type, and the code of DeviceNDArray's members, are REF's; upstream's
# whole suite collects as it does at REF.
for step in base head; do
  NUMBA_ENABLE_CUDASIM=0 "$work/venv-$step/bin/python" \
    "$root/scripts/real_target_shape.py" >"$reports/$ref-off-$step.txt"
done
if ! diff -u "$reports/$ref-off-base.txt" "$reports/$ref-off-head.txt"; then
  echo "with the simulator off, the head changes numba.cuda" >&2
  exit 1
fi
echo "numba.cuda and DeviceNDArray unchanged:" \
  "$(wc -l <"$reports/$ref-off-head.txt") names compared"
# Without a GPU some of upstream's test modules fail at import at REF too
# (no driver, no NVRTC): the head may fail to collect only those.
for step in base head; do
  commit=$ref
  [ "$step" = head ] && commit=$head
  git -C "$repo" checkout -q "$commit"
  (cd "$repo" && NUMBA_ENABLE_CUDASIM=0 "$work/venv-$step/bin/pytest" testing \
    -q -p no:cacheprovider --collect-only \
    >"$reports/$ref-collect-$step.log" 2>&1) || true
  grep -E '^ERROR ' "$reports/$ref-collect-$step.log" | sort \
    >"$reports/$ref-collect-$step.errors" || true
  echo "$step: $(tail -1 "$reports/$ref-collect-$step.log")"
done
if comm -13 "$reports/$ref-collect-base.errors" \
  "$reports/$ref-collect-head.errors" | grep .; then
  echo "with the simulator off, these collect at $ref, not at the head" >&2
  exit 1
fi
git -C "$repo" checkout -q "$branch"

printf '\n=== numba-cuda at %s: the commits between, their simulator tests\n' \
  "$ref"
# The fork's dependencies from its first commit on: greenlet (its tests
# cover the OS-thread launcher too, and the launcher without greenlet).
"$work/venv-pr/bin/python" -m pip install -q --disable-pip-version-check \
  "$greenlet_req"
for commit in "${commits[@]:1:${#commits[@]}-2}"; do
  "$work/venv-pr/bin/python" -m pip install -q --disable-pip-version-check \
    --no-deps --force-reinstall "git+file://$repo@$commit"
  printf '%s %s: ' "${commit:0:10}" \
    "$(git -C "$repo" log -1 --format=%s "$commit")"
  run_suite pr "$commit" -k "cudasim"
  "$python" "$root/scripts/compare_suites.py" \
    "$reports/$ref-pr.xml" "$reports/$ref-pr.xml" \
    --must-pass cudasim. | tail -1
done
git -C "$repo" checkout -q "$branch"
