#!/usr/bin/env bash
# The upstream form of the fix, checked on one supported version:
#
#   bash scripts/check-export.sh numba-0.68.1
#   bash scripts/check-export.sh numba-cuda-0.30.4
#
# (any name from scripts/versions.sh)
#
# In a fresh virtual environment without this package (.venvs/export-NAME),
# it runs upstream's simulator suite, exports the fix into the environment's
# site-packages (buildscripts/export_upstream.py), checks that it is built
# in, and runs the suite again, which now holds our regression tests too
# (buildscripts/check_export.py): first without greenlet (the exported
# simulator falls back to its OS-thread launcher), then with greenlet
# installed. Fails on a test failing only after the export, or an exported
# regression test not passing, in either run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
reports=${REPORTS:-$root/.venvs/reports}
name=${1:?usage: check-export.sh NAME (a name from scripts/versions.sh)}

# shellcheck source=scripts/versions.sh
source "$root/scripts/versions.sh"
pins= extra= suite=
for entry in "${versions[@]}"; do
  IFS='|' read -r n p e s <<<"$entry"
  if [ "$n" = "$name" ]; then
    pins=$p extra=$e suite=$s
  fi
done
if [ -z "$pins" ]; then
  echo "check-export.sh: unknown version $name" >&2
  exit 2
fi

# Not .venvs/ci-*: .ci/run reads those as upstream trees, and this one ends
# up holding our code.
venv="$root/.venvs/export-$name"
printf '\n=== %s: export into a fresh %s\n' "$name" "$pins"
rm -rf "$venv"
"$python" -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  $pins $test_reqs $extra
for dist in cudasim-threadsafe greenlet; do
  if "$venv/bin/python" -m pip show -q "$dist" 2>/dev/null; then
    echo "check-export.sh: $dist must not be installed yet" >&2
    exit 1
  fi
done
"$python" "$root/buildscripts/check_export.py" --name "export-$name" \
  --python "$venv/bin/python" --suite "$suite" --reports "$reports" \
  --greenlet "$greenlet_req"
