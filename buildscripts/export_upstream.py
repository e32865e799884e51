"""Write the thread-safe CUDA simulator into a numba or numba-cuda tree.

    python buildscripts/export_upstream.py DEST [--dry-run] [--pr NUMBER]
    python buildscripts/export_upstream.py --series REPO

``--series REPO``: REPO is a git checkout of numba-cuda's repository. The
change is written as commits on its current branch, leaving the work tree
clean: first the pull request (the fix alone, ``exporter/pr.py``), then one
commit per capability of the fork (``exporter/commits.py``). Run again, it
finds its commits and changes nothing; at a commit it does not recognize
(HEAD neither upstream's tree nor its series) it writes nothing and exits
with status 2.

The one-shot form writes the whole fork's change, uncommitted:

DEST is the root of a numba checkout (``numba/cuda/simulator``), of a
numba-cuda checkout (``numba_cuda/numba/cuda/simulator``), or a
site-packages directory holding either; numba-cuda's tree wins when both are
there, as its redirector serves ``numba.cuda`` from it.

The change is made in place:

- the modules of this package named in ``MODULES`` become modules of the
  simulator package, their imports rewritten to relative ones;
- ``simulator/kernel.py`` imports the block launcher and ``Launch`` from
  them instead of defining its own, ``FakeCUDAKernel`` gets the dispatch
  decorators, and its ``__call__`` is the launch alone (the decorator sends
  device calls straight to the function; nothing is swapped around the
  blocks);
- ``simulator/kernelapi.py`` loses ``swapped_cuda_module``, and kernel.py
  ``_get_kernel_context``: nothing calls them any more;
- members of upstream classes that our modules provide replace upstream's
  in the class body (``MEMBERS``: the thread-dependent members of
  ``FakeCUDAModule``, the warp intrinsics and ``popc`` among them; for
  numba's built-in simulator also ``BUILTIN_WARP_MEMBERS``); what is
  replaced, removed, decorated and set is the package's one table,
  ``src/cudasim_threadsafe/overlay/table.py``, which the package applies
  at run time too; lines of our modules marked ``# package-only`` are left
  out;
- ``simulator/__init__.py`` gives ``numba.cuda`` its module class;
- the regression tests in ``TESTS`` (and the helpers they import) go to
  ``numba/cuda/tests/cudasim/`` as ``test_cudasim_*.py`` (helpers as
  ``support_*.py``);
- a release note goes to ``docs/upcoming_changes/`` where the tree has one.

Upstream code is located by its syntax tree (names and line numbers) and
edited where it stands; nothing of it is carried here. Running the export
again changes nothing. A tree this does not recognize is left untouched, and
the exit status is 2.

The work is split by job: ``exporter/upstream.py`` finds upstream code and
edits it where it stands, ``carried.py`` gives our modules and tests as
the tree receives them, ``edits.py`` the fork's edits of upstream modules,
``pr.py`` the pull request's, ``commits.py`` the commit plan, and
``git.py`` reads and commits.
"""

import argparse
import difflib
import sys

from exporter import commits, git, pr
from exporter.upstream import ExportError, NotRecognized, Tree, current


def export_series(dest, description=None):
    """Write the series on REPO's branch; the exit status. ``description``:
    a file to write the pull request's title and description to."""
    repo = git.Repo(dest)
    done = git.exported_commits(repo, commits.key_of)
    base = repo.run("rev-parse", "HEAD~%d" % len(done))
    with git.Worktree(repo, base) as path:
        try:
            planned, base_texts = commits.series(Tree(path))
            if description is not None:
                text = pr.full_description(Tree(path))
                with open(description, "w", encoding="utf-8") as f:
                    f.write(text)
        except NotRecognized as e:
            if done:
                raise
            raise NotRecognized(
                "HEAD (%s) is neither upstream's tree nor a commit of the "
                "series: %s" % (base[:12], e)
            ) from None
    keys = [c.key for c in planned]
    if [key for _, key in done] != keys[: len(done)]:
        raise NotRecognized(
            "the branch's exported commits (%s) are not the series (%s)"
            % (", ".join(k for _, k in done), ", ".join(keys))
        )
    for (sha, key), commit in zip(done, planned):
        if not git.matches(repo, sha, commit, base_texts):
            raise NotRecognized(
                "commit %s (%s) differs from what the export writes now: "
                "reset the branch to %s to write the series again"
                % (sha[:12], key, base[:12])
            )
    shas = git.write(repo, planned, base_texts, len(done))
    for sha, commit in zip(shas, planned[len(done) :]):
        print("%s %s" % (sha[:12], commit.message.splitlines()[0]))
    if not shas:
        print("%s: the series is there already" % dest, file=sys.stderr)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="export_upstream.py",
        description="Write the thread-safe CUDA simulator into a numba or "
        "numba-cuda checkout, or a site-packages directory holding one.",
    )
    parser.add_argument("dest", nargs="?", help="root of the tree to change")
    parser.add_argument(
        "--series",
        metavar="REPO",
        help="write the pull request and the fork's commits on REPO's "
        "current branch (a git checkout of numba-cuda)",
    )
    parser.add_argument(
        "--description",
        metavar="FILE",
        help="with --series: write the pull request's title and "
        "description (the commit message, and where the change comes from) "
        "to FILE",
    )
    parser.add_argument(
        "--pr-tests",
        action="store_true",
        help="write only the pull request's tests into DEST (to run them "
        "on a simulator without the fix)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the unified diff, write nothing",
    )
    parser.add_argument(
        "--pr",
        default="XXXX",
        help="pull request number, names the release note (default XXXX)",
    )
    args = parser.parse_args(argv)
    if (args.dest is None) == (args.series is None):
        parser.error("give DEST or --series REPO")
    try:
        if args.series is not None:
            return export_series(args.series, args.description)
        tree = Tree(args.dest)
        if args.pr_tests:
            changes = pr.tests_only(tree)
        else:
            changes = commits.plan(tree, args.pr)
    except NotRecognized as e:
        print("export_upstream: tree not recognized: %s" % e, file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    except ExportError as e:
        print("export_upstream: %s" % e, file=sys.stderr)
        return 1

    changed = {p: t for p, t in changes.items() if current(p) != t}
    for path in sorted(changed):
        old = current(path)
        rel = tree.relpath(path)
        if args.dry_run:
            sys.stdout.writelines(
                difflib.unified_diff(
                    (old or "").splitlines(True),
                    changed[path].splitlines(True),
                    "/dev/null" if old is None else "a/" + rel,
                    "b/" + rel,
                )
            )
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(changed[path])
            print("%s %s" % ("wrote" if old is None else "edited", rel))
    if not changed:
        print("%s: already up to date" % tree.cuda, file=sys.stderr)
    if tree.notes_dir() is None and not tree.is_site_packages:
        print(
            "no docs/upcoming_changes/ here: put the release note in the "
            "pull request description",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
