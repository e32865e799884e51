#!/usr/bin/env bash
# The upstream form in numba-cuda's own repository, checked as upstream's CI
# would check it:
#
#   bash scripts/check-upstream-repo.sh v0.30.4
#   bash scripts/check-upstream-repo.sh main
#
# From ../shared/upstream/numba-cuda.bundle (numba-cuda's git repository),
# REF is checked out in .venvs/repo-REF, the exporter writes the fix there
# and commits it on a branch; upstream's own rules are checked on every file
# it touched (ruff 0.11.2 with the repository's pyproject.toml,
# toolshed/check_spdx.py); then numba-cuda is installed from git, at REF
# and at the branch, each into a fresh venv with numba 0.68.1 and the test
# dependencies, without this package, and upstream's suite runs as its
# simulator CI runs it (NUMBA_ENABLE_CUDASIM=1 pytest testing -n 2 --dist
# loadscope, testing/pytest.ini with filterwarnings = error). Fails on a
# test that fails on the branch only, or an exported test that does not pass.
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
printf '\n=== numba-cuda at %s: export, commit on %s\n' "$ref" "$branch"
git clone -q "$bundle" "$repo"
git -C "$repo" checkout -q "$ref"
git -C "$repo" switch -q -c "$branch"
"$python" "$root/buildscripts/export_upstream.py" "$repo" >/dev/null
git -C "$repo" add -A
git -C "$repo" -c user.name=cudasim-threadsafe \
  -c user.email=cudasim-threadsafe@localhost commit -q \
  -m "CUDA simulator: per-thread launch context instead of swapping numba.cuda in function globals"
mapfile -t touched < <(git -C "$repo" diff --name-only "$ref" "$branch")
git -C "$repo" diff --shortstat "$ref" "$branch"

# A second export changes nothing; one over a file a maintainer changed
# refuses, naming it, and writes nothing.
"$python" "$root/buildscripts/export_upstream.py" "$repo" >/dev/null
if [ -n "$(git -C "$repo" status --porcelain)" ]; then
  echo "a second export changed the tree:" >&2
  git -C "$repo" status --short >&2
  exit 1
fi
changed=numba_cuda/numba/cuda/simulator/warp.py
echo "# a maintainer's change" >>"$repo/$changed"
status=0
out=$("$python" "$root/buildscripts/export_upstream.py" "$repo" 2>&1) ||
  status=$?
if [ "$status" -ne 2 ] || [[ $out != *"$changed was changed since"* ]]; then
  echo "an export over a changed $changed gave $status: $out" >&2
  exit 1
fi
git -C "$repo" checkout -q -- "$changed"
[ -z "$(git -C "$repo" status --porcelain)" ]
echo "a second export changes nothing; over a changed file it refuses: $out"

printf '\n=== numba-cuda at %s: upstream rules on the %d files touched\n' \
  "$ref" "${#touched[@]}"
tools="$work/tools"
"$python" -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check \
  $upstream_rule_pins
py=()
for f in "${touched[@]}"; do
  [[ $f == *.py ]] && py+=("$f")
done
(cd "$repo" && "$tools/bin/ruff" check "${py[@]}" &&
  "$tools/bin/ruff" format --check "${py[@]}" &&
  "$tools/bin/python" toolshed/check_spdx.py "${touched[@]}")
echo "ruff check, ruff format --check, check_spdx.py: clean"

# run_suite NAME COMMIT: install numba-cuda from git at COMMIT, run the
# suite from the repository at COMMIT; JUnit XML in $reports/NAME.xml.
run_suite() {
  local name=$1 commit=$2 venv="$work/venv-$1"
  printf '\n=== numba-cuda at %s: pip install git+file://...@%s, suite\n' \
    "$ref" "$commit"
  "$python" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    numba==0.68.1 $test_reqs $numba_cuda_reqs "git+file://$repo@$commit"
  git -C "$repo" checkout -q "$commit"
  # The venv's pytest: `python -m pytest` would put the checkout, without
  # its built extensions, first on sys.path.
  (cd "$repo" && NUMBA_ENABLE_CUDASIM=1 "$venv/bin/pytest" testing -q \
    -p no:cacheprovider -n 2 --dist loadscope \
    --junitxml="$reports/$ref-$name.xml" >"$reports/$ref-$name.log" 2>&1) ||
    true
  tail -1 "$reports/$ref-$name.log"
}

run_suite base "$ref"
run_suite branch "$branch"
"$python" "$root/scripts/compare_suites.py" \
  "$reports/$ref-base.xml" "$reports/$ref-branch.xml" \
  --must-pass test_threadsafe_
