"""The commit plan: what each commit of the export writes.

The fork branch is the pull request (``pr.py``) and then one commit per
capability (``PARTS``), each building on the one before. Every commit is
a snapshot computed from upstream's tree at the base: the pull request's
tests, plus the export of the parts so far. So a part's commit replaces
what the pull request did by the launch context of the full simulator.
"""

import os

from . import pr, repository
from .carried import (
    MODULES,
    NAME,
    TESTS,
    changed_since_export,
    check_boundary,
    exported_module,
    exported_test,
    exported_test_name,
    ours,
    test_helpers,
)
from .edits import (
    ARRAY_MEMBERS,
    BUILTIN_WARP_MEMBERS,
    DECORATE,
    RELEASE_NOTE,
    REMOVE,
    REPLACE,
    THREAD_MEMBERS,
    WARP_MEMBERS,
    add_host_names,
    add_launcher_setting,
    add_libdevice,
    config_path,
    edit_members,
    edit_module,
    edit_simulator_init,
    thread_class_in_tests,
)
from .upstream import NotRecognized, current


class Part:
    """One capability of the fork: the modules, tests, class members and
    ``simulator/__init__.py`` step (``init``) that it adds, and the step
    (``repository``: steps of ``repository.py``) that edit the repository's
    other files."""

    def __init__(
        self, key, subject, body, modules, tests, members, init, repository=()
    ):
        self.key = key
        self.subject = subject
        self.body = body
        self.modules = modules
        self.tests = tests
        self.members = members
        self.init = init
        self.repository = repository


# The block's warp meetings are the launcher's own scheduling (each block
# keeps its warps), so the warp intrinsics come with the launchers.
PARTS = (
    Part(
        "launchers",
        "CUDA simulator: launch context per simulated thread, warp intrinsics",
        "Each simulated thread carries its launch context; numba.cuda is\n"
        "given a module class whose kernel API names read it. Blocks run on\n"
        "greenlets (greenlet becomes a dependency), or on OS threads where\n"
        "NUMBA_CUDASIM_LAUNCHER=threads or greenlet does not import;\n"
        "threads are reused across launches, barriers wait instead of\n"
        "polling, deadlocks and divergent exits are reported, device calls\n"
        "and allocations cost less, and print() lines do not interleave.\n"
        "Cooperative launches sync across blocks; launches the device\n"
        "refuses are refused.\n"
        "\n"
        "The warp intrinsics (syncwarp, votes, ballots, shuffles, match,\n"
        "activemask) meet the lanes of their mask as PTX defines it (exited\n"
        "lanes are not waited for); misuse is an error naming the lanes;\n"
        "popc counts at the value's width.",
        (
            "arrays",
            "context",
            "cudamodule",
            "devicetable",
            "dispatch",
            "greenlets",
            "gridsync",
            "kernelinfo",
            "launch",
            "launcher",
            "launchlimits",
            "osthreads",
            "printing",
            "simthread",
            "warp",
        ),
        (
            "test_early_return",
            "test_launchers",
            "test_race",
            "test_stress",
            "test_warp",
        ),
        THREAD_MEMBERS + WARP_MEMBERS,
        edit_simulator_init,
        (repository.greenlet_dependency, repository.launcher_docs),
    ),
    Part(
        "libdevice",
        "CUDA simulator: numba.cuda.libdevice in kernels",
        "Every function of numba.cuda.libdevice computes in simulated\n"
        "kernels, with the rounding and special values of the GPU's.",
        ("libdevice",),
        ("test_libdevice",),
        (),
        add_libdevice,
        (repository.libdevice_docs,),
    ),
    Part(
        "hostapi",
        "CUDA simulator: the real target's host names",
        "Array interop, event timing and profiler hooks of numba.cuda that\n"
        "the simulator lacked, and its API as a GPU answers it: device\n"
        "attributes, declared signatures, overloads and frozen globals,\n"
        "fused multiply-add, fp16 and bf16 rounding, events, reduce, CUDA\n"
        "ufuncs.",
        ("device", "hostapi", "hostcalls", "numerics"),
        ("test_api", "test_device", "test_hostapi", "test_hostapi_more"),
        (),
        add_host_names,
    ),
    Part(
        "arrays",
        "CUDA simulator: cheaper array arguments, and the remaining tests",
        "Item access and shape / size / ndim / dtype of array arguments in\n"
        "kernels without per-access overhead.",
        ("kernelarrays",),
        ("test_access", "test_features", "test_kernelarrays"),
        ARRAY_MEMBERS,
        None,
    ),
)

assert sorted(m for p in PARTS for m in p.modules) == sorted(MODULES)
assert sorted(t for p in PARTS for t in p.tests) == sorted(TESTS)


def plan(tree, pr_number="XXXX", parts=PARTS, stamp=True):
    """{path: new text} for every file the export of ``parts`` writes;
    ``stamp``: each file it creates names where it comes from."""
    if parts == PARTS:
        check_boundary()
    header = tree.header()
    modules = tuple(m for p in parts for m in p.modules)
    tests = tuple(t for p in parts for t in p.tests)
    created = {}
    for name in modules:
        created[tree.module(name)] = exported_module(
            name, header, modules, stamp
        )
    helpers = test_helpers(tests)
    for name in tests + tuple(helpers):
        path = os.path.join(tree.tests, exported_test_name(name) + ".py")
        created[path] = exported_test(name, helpers, header, modules, stamp)
    for path in created:
        existing = current(path)
        if not ours(existing):
            raise NotRecognized(
                "%s exists and is not from %s" % (tree.relpath(path), NAME)
            )
        if existing is not None and changed_since_export(existing):
            raise NotRecognized(
                "%s was changed since the export wrote it: move the change "
                "into %s, or restore the file, then export again"
                % (tree.relpath(path), NAME)
            )

    # What the rest of the tree reads, so that no name it uses is removed.
    texts = {}
    for folder, _, files in os.walk(tree.cuda):
        for f in files:
            path = os.path.join(folder, f)
            if f.endswith(".py") and path not in created:
                texts[path] = tree.read(path)

    def others(name):
        return [t for p, t in texts.items() if p != tree.module(name)]

    changes = dict(created)
    edited = {key[0] for key in list(REPLACE) + list(REMOVE) + list(DECORATE)}
    for short in sorted(edited):
        changes[tree.module(short)] = edit_module(tree, short, others(short))
    init = tree.read(tree.module("__init__"))
    for part in parts:
        if part.init is not None:
            init = part.init(tree, init)
    changes[tree.module("__init__")] = init
    if any(p.key == "launchers" for p in parts):
        config = config_path(tree)
        if config is not None:
            changes[config] = add_launcher_setting(tree, tree.read(config))
        issues = os.path.join(tree.tests, "test_cudasim_issues.py")
        if os.path.isfile(issues):
            changes[issues] = thread_class_in_tests(tree, tree.read(issues))
    rows = tuple(row for p in parts for row in p.members)
    if tree.builtin and any(set(WARP_MEMBERS) <= set(p.members) for p in parts):
        rows += BUILTIN_WARP_MEMBERS
    for dotted in sorted({row[0] for row in rows}):
        path = os.path.join(tree.simulator, *dotted.split(".")) + ".py"
        changes[path] = edit_members(tree, dotted, rows, changes.get(path))

    notes = tree.notes_dir()
    if notes is not None and parts == PARTS:
        existing = [
            f
            for f in sorted(os.listdir(notes))
            if current(os.path.join(notes, f)) == RELEASE_NOTE
        ]
        name = existing[0] if existing else "%s.bug_fix.rst" % pr_number
        changes[os.path.join(notes, name)] = RELEASE_NOTE
    return {p: t for p, t in changes.items() if t != current(p)}


class Commit:
    """One commit of the series: its key (``key_of`` its message), message,
    and {path: text} relative to the base (None: the base's file)."""

    def __init__(self, key, message, files):
        self.key = key
        self.message = message
        self.files = files


def _message(subject, body):
    return "%s\n\n%s\n" % (subject, body.rstrip("\n"))


def repository_changes(tree, parts, texts):
    """{path: new text} of the repository's files outside numba.cuda that
    ``parts`` edit, after ``texts`` ({path: text} written before)."""
    texts = dict(texts)
    changes = {}
    for part in parts:
        for step in part.repository:
            done = step(tree, texts)
            texts.update(done)
            changes.update(done)
    return changes


def series(tree):
    """The commits of the fork branch, from upstream's ``tree`` at the
    base (the pull request, then each part), and the base's text of each
    file they write (None: none there). Paths are relative to the tree."""
    fix = pr.changes(tree)
    kept = {p: fix[p] for p in pr.kept_paths(tree)}
    message = _message(pr.SUBJECT, pr.description(tree, fix))
    commits = [("pr", message, fix)]
    for i, part in enumerate(PARTS):
        files = dict(kept)
        files.update(plan(tree, parts=PARTS[: i + 1], stamp=False))
        files.update(repository_changes(tree, PARTS[: i + 1], kept))
        message = _message(part.subject, part.body)
        commits.append((part.key, message, files))
    base = {}
    for _, _, files in commits:
        base.update((tree.relpath(p), current(p)) for p in files)
    return [
        Commit(key, message, {tree.relpath(p): t for p, t in files.items()})
        for key, message, files in commits
    ], base


# Each commit of the series by its subject: a rerun finds them so.
SUBJECTS = {pr.SUBJECT: "pr"}
SUBJECTS.update((part.subject, part.key) for part in PARTS)


def key_of(message):
    """The key of the commit of the series whose message this is, by its
    subject, or None: a commit this export did not write."""
    lines = message.strip().splitlines()
    return SUBJECTS.get(lines[0]) if lines else None
