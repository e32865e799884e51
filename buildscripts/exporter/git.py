"""The git side of ``--series``: reading a checkout and committing."""

import os
import shutil
import subprocess
import tempfile

from .upstream import NotRecognized

# Where git has no identity configured: a contributor's, unnamed.
IDENTITY = ("-c", "user.name=CUDA simulator contributor")
IDENTITY += ("-c", "user.email=contributor@localhost")


class Repo:
    """A git checkout of numba-cuda's repository."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        top = self.run("rev-parse", "--show-toplevel", check=False)
        if top is None or os.path.realpath(top) != os.path.realpath(path):
            raise NotRecognized("%s is not the root of a git checkout" % path)
        if not self.branch():
            raise NotRecognized(
                "%s has no branch checked out: the series goes on the "
                "current branch (git switch -c NAME)" % path
            )
        if self.run("status", "--porcelain", "--untracked-files=no"):
            raise NotRecognized(
                "%s has uncommitted changes: commit or stash them" % path
            )

    def run(self, *args, check=True, stdin=None):
        """git's output, stripped; None where git failed and not
        ``check``."""
        result = subprocess.run(
            ["git", "-C", self.path, *args],
            input=stdin,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            if not check:
                return None
            raise RuntimeError(
                "git %s: %s" % (" ".join(args), result.stderr.strip())
            )
        return result.stdout.strip()

    def branch(self):
        return self.run("branch", "--show-current")

    def message(self, commit):
        return self.run("log", "-1", "--format=%B", commit)

    def show(self, commit, relpath):
        """The file at ``commit``, or None where it has none."""
        out = subprocess.run(
            ["git", "-C", self.path, "show", "%s:%s" % (commit, relpath)],
            capture_output=True,
        )
        return out.stdout.decode("utf-8") if out.returncode == 0 else None

    def commit(self, relpaths, message):
        self.run("add", "-A", "--", *relpaths)
        identity = (
            () if self.run("config", "user.email", check=False) else (IDENTITY)
        )
        self.run(
            *identity,
            "commit",
            "-q",
            "--cleanup=verbatim",
            "-F",
            "-",
            stdin=message,
        )
        return self.run("rev-parse", "HEAD")


class Worktree:
    """A temporary checkout of ``commit``, removed on exit."""

    def __init__(self, repo, commit):
        self.repo = repo
        self.commit = commit
        self.path = None

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="cudasim-export-")
        os.rmdir(self.path)
        self.repo.run(
            "worktree", "add", "-q", "--detach", self.path, self.commit
        )
        return self.path

    def __exit__(self, *exc):
        self.repo.run("worktree", "remove", "--force", self.path, check=False)
        shutil.rmtree(self.path, ignore_errors=True)


def exported_commits(repo, key_of):
    """The commits on top of HEAD that the export wrote, oldest first, as
    (sha, key)."""
    found = []
    while True:
        sha = repo.run("rev-parse", "HEAD~%d" % len(found), check=False)
        key = key_of(repo.message(sha)) if sha else None
        if key is None:
            return found[::-1]
        found.append((sha, key))


def matches(repo, sha, commit, base_texts):
    """Whether the commit ``sha`` holds what ``commit`` writes."""
    return all(
        repo.show(sha, rel) == (base_texts[rel] if text is None else text)
        for rel, text in commit.files.items()
    )


def write(repo, commits, base_texts, start):
    """Commit ``commits[start:]`` on the current branch; each writes its
    files and gives back to the base the files of the one before that it
    does not write."""
    shas = []
    for i in range(start, len(commits)):
        before = commits[i - 1].files if i else {}
        files = dict.fromkeys(before)
        files.update(commits[i].files)
        for rel, text in files.items():
            path = os.path.join(repo.path, rel)
            text = base_texts[rel] if text is None else text
            if text is None:
                os.remove(path)
            else:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
        shas.append(repo.commit(sorted(files), commits[i].message))
    return shas
