"""This package's modules and tests as an upstream tree receives them.

Each file the export creates starts with the tree's licence lines. The
one-shot export (into a checkout or site-packages) adds a line naming where
the file comes from, with a digest of what follows: a later export refuses
to overwrite a file changed since. The series (commits in numba-cuda's
repository) does without: git tells what changed there.
"""

import ast
import hashlib
import os
import re

from .upstream import ExportError, Source, format_import, import_from

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


PACKAGE = os.path.join(ROOT, "src", "cudasim_threadsafe")
# The export boundary: what goes upstream is what is in this folder.
SIMULATOR = os.path.join(PACKAGE, "simulator")


NAME = "cudasim-threadsafe"

# What the export writes that is not a module of ours: the pull request's
# description, the release note, lines it adds to upstream files.
TEXTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "texts")


def text(name):
    """The text of ``texts/name``, exactly as the file holds it."""
    path = os.path.join(TEXTS, name)
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


# The modules of the fix that the simulator package receives, under the same
# names: every module of ``SIMULATOR`` (checked by ``check_boundary``).
MODULES = (
    "arrays",
    "context",
    "cudamodule",
    "device",
    "devicetable",
    "dispatch",
    "greenlets",
    "gridsync",
    "hostapi",
    "hostcalls",
    "kernelarrays",
    "kernelinfo",
    "launch",
    "launcher",
    "launchlimits",
    "libdevice",
    "numerics",
    "osthreads",
    "printing",
    "simthread",
    "warp",
)


# Regression tests exported, as test_cudasim_<name> (upstream's naming in
# tests/cudasim); the helper modules they import follow them, as
# support_<name>.
TESTS = (
    "test_access",
    "test_api",
    "test_device",
    "test_early_return",
    "test_features",
    "test_hostapi",
    "test_hostapi_more",
    "test_kernelarrays",
    "test_launchers",
    "test_libdevice",
    "test_race",
    "test_stress",
    "test_warp",
)


PREFIX = "cudasim_"
HELPER_PREFIX = "support_"


def our_constant(module, name):
    """The literal value of ``name`` in our module ``module``."""
    with open(os.path.join(SIMULATOR, module + ".py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        targets = getattr(node, "targets", [])
        if [getattr(t, "id", None) for t in targets] == [name]:
            return ast.literal_eval(node.value)
    raise LookupError("%s.%s" % (module, name))


def package_source(name):
    with open(os.path.join(SIMULATOR, name + ".py"), encoding="utf-8") as f:
        return f.read()


def check_boundary():
    """MODULES is the simulator folder's modules, neither more nor less."""
    found = sorted(
        f[: -len(".py")]
        for f in os.listdir(SIMULATOR)
        if f.endswith(".py") and f != "__init__.py"
    )
    if found != sorted(MODULES):
        raise ExportError(
            "MODULES (%s) is not %s's modules (%s)"
            % (", ".join(sorted(MODULES)), SIMULATOR, ", ".join(found))
        )


def _provenance(path):
    return "# From %s, %s." % (NAME, path)


def stamped(header, path, body, stamp=True):
    """A file the export creates: ``header``, the line naming where it comes
    from with a digest of what follows it (with ``stamp``), then ``body``.
    The digest tells a later export whether someone changed the file since
    (``changed_since_export``)."""
    rest = "\n" + body.lstrip("\n")
    if not stamp:
        return "\n".join(header) + "\n" + rest
    digest = hashlib.sha256(rest.encode("utf-8")).hexdigest()[:16]
    stamp = _provenance(path)[:-1] + " (sha256 %s)." % digest
    return "\n".join(header + [stamp]) + "\n" + rest


_STAMP = re.compile(r"^# From .*\(sha256 ([0-9a-f]{16})\)\.$", re.M)


def changed_since_export(text):
    """Whether a file the export created was changed since: its digest no
    longer matches what follows it. A file without one (from an export
    before digests) counts as unchanged."""
    found = _STAMP.search(text)
    if found is None:
        return False
    rest = text[found.end() + 1 :]
    digest = hashlib.sha256(rest.encode("utf-8")).hexdigest()[:16]
    return digest != found.group(1)


def rewrite_imports(source, rename):
    """Apply ``rename(node) -> node or None`` to every ``from`` import."""
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cudasim_threadsafe":
                    raise ExportError(
                        "%s:%d: `import %s` cannot be exported; use "
                        "`from ... import ...`"
                        % (source.name, node.lineno, alias.name)
                    )
        if not isinstance(node, ast.ImportFrom):
            continue
        new = rename(node)
        if new is not None:
            indent = " " * node.col_offset
            source.replace(
                node.lineno, node.end_lineno, format_import(new, indent)
            )


def exported_module(name, header, modules=MODULES, stamp=True):
    """Text of the fix's module ``name`` as a module of the simulator."""
    path = "src/cudasim_threadsafe/simulator/%s.py" % name
    source = Source(package_source(name), path)

    def rename(node):
        module = node.module or ""
        if node.level:
            targets = [module] if module else [a.name for a in node.names]
            for target in targets:
                if node.level != 1 or target not in modules:
                    raise ExportError(
                        "%s:%d imports .%s, which is not exported: add it "
                        "to MODULES in %s"
                        % (path, node.lineno, target, __file__)
                    )
            return None
        if module == "numba.cuda.simulator":
            return import_from(1, None, node.names)
        if module.startswith("numba.cuda.simulator."):
            short = module[len("numba.cuda.simulator.") :]
            return import_from(1, short, node.names)
        if module.split(".")[0] == "cudasim_threadsafe":
            raise ExportError(
                "%s:%d: import the package's own modules relatively"
                % (path, node.lineno)
            )
        return None

    rewrite_imports(source, rename)
    text = strip_package_only(source.result(), path)
    return stamped(header, path, unnamed(text, path), stamp)


def test_helpers(tests=TESTS):
    """The helper modules the exported tests import, by name."""
    tests_dir = os.path.join(PACKAGE, "tests")
    helpers = set()
    pending = list(tests)
    while pending:
        name = pending.pop()
        with open(os.path.join(tests_dir, name + ".py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level != 1:
                continue
            targets = [node.module] if node.module else []
            if not node.module:
                targets = [a.name for a in node.names]
            for target in targets:
                if target.startswith("test_") or target in helpers:
                    continue
                helpers.add(target)
                pending.append(target)
    return sorted(helpers)


def exported_test_name(name):
    if name.startswith("test_"):
        return "test_" + PREFIX + name[len("test_") :]
    return HELPER_PREFIX + name


# The exported test modules, as the tree names them.
EXPORTED_TESTS = tuple(exported_test_name(t) for t in TESTS)


# Tests of ours that the pull request's tests (which the fork keeps) check
# already: left out of the export, so that no two tests check one thing.
COVERED_BY_PR = {
    "test_access": (
        # test_closure
        "test_closure_captured_cuda",
        # test_path_through_numba
        "test_attribute_path_in_kernel",
        # test_kernels_launched_from_host_threads
        "test_concurrent_launches",
        # test_host_code_beside_a_kernel
        "test_host_uses_cuda_while_kernel_runs",
        # test_kernel_api_outside_a_kernel
        "test_message_outside_kernel",
    ),
}


def without_tests(source, names):
    """Remove the test methods ``names`` from the module in ``source``, a
    class left with no test, and the imports nothing reads any more."""
    if not names:
        return
    found = set()
    removed = []
    for node in source.tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
        gone = [m for m in methods if m.name in names]
        found.update(m.name for m in gone)
        tests = [m for m in methods if m.name.startswith("test")]
        if gone and len(gone) == len(tests):
            removed.append(node)
        else:
            removed.extend(gone)
    missing = set(names) - found
    if missing:
        raise ExportError(
            "%s has no test %s" % (source.name, ", ".join(sorted(missing)))
        )
    for node in removed:
        source.remove(node)
    kept = [n for n in source.tree.body if n not in removed]
    gone = {id(n) for node in removed for n in ast.walk(node)}
    used = {
        n.id
        for node in kept
        if not isinstance(node, (ast.Import, ast.ImportFrom))
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and id(n) not in gone
    }
    for node in kept:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        bound = [(a.asname or a.name).split(".")[0] for a in node.names]
        if not any(b in used for b in bound):
            source.replace(node.lineno, node.end_lineno, [])


def _top_level_spacing(text):
    """Two blank lines before each top-level definition that follows
    indented code, as ruff formats a module."""
    lines = text.split("\n")
    out = []
    for line in lines:
        if line.startswith(("@", "class ", "def ")) and out:
            blanks = 0
            while out and not out[-1].strip():
                out.pop()
                blanks += 1
            previous = out[-1] if out else ""
            if previous.startswith((" ", "\t")):
                blanks = 2
            out.extend([""] * blanks)
        out.append(line)
    return "\n".join(out)


def exported_test(name, helpers, header, modules=MODULES, stamp=True):
    """Text of the test (or helper) module ``name`` for tests/cudasim."""
    path = "src/cudasim_threadsafe/tests/%s.py" % name
    with open(
        os.path.join(PACKAGE, "tests", name + ".py"), encoding="utf-8"
    ) as f:
        source = Source(f.read(), path)

    def rename(node):
        module = node.module or ""
        if node.level == 1 and module in helpers:
            return import_from(1, exported_test_name(module), node.names)
        if node.level == 1 and not module:
            names = [
                ast.alias(exported_test_name(a.name), a.asname or a.name)
                if a.name in helpers
                else a
                for a in node.names
            ]
            return import_from(1, None, names)
        if node.level:
            raise ExportError("%s:%d: unexpected import" % (path, node.lineno))
        if module.startswith("cudasim_threadsafe.tests."):
            short = module.split(".")[2]
            return import_from(1, exported_test_name(short), node.names)
        if module == "cudasim_threadsafe.simulator":
            for alias in node.names:
                if alias.name not in modules:
                    raise ExportError(
                        "%s:%d imports %s.%s, which is not exported"
                        % (path, node.lineno, module, alias.name)
                    )
            return import_from(0, "numba.cuda.simulator", node.names)
        if module.split(".")[0] == "cudasim_threadsafe":
            short = module.partition(".")[2]
            short = short.removeprefix("simulator.")
            if short not in modules:
                raise ExportError(
                    "%s:%d imports %s, which is not exported"
                    % (path, node.lineno, module)
                )
            return import_from(0, "numba.cuda.simulator." + short, node.names)
        return None

    rewrite_imports(source, rename)
    source = Source(source.result(), path)
    covered = COVERED_BY_PR.get(name, ())
    without_tests(source, covered)
    text = source.result()
    if covered:
        text = _top_level_spacing(text)
    text = strip_package_only(text, path)
    return stamped(header, path, unnamed(text, path), stamp)


# Lines of our modules that only the package needs (its run-time switches
# and plugins): a line ending with this comment, or a block from a line
# holding only ``# package-only:`` to one holding only ``# end
# package-only``. The export leaves them out.
PACKAGE_ONLY = "# package-only"
_BLOCK_START = re.compile(r"^\s*# package-only:.*$")
_BLOCK_END = re.compile(r"^\s*# end package-only\s*$")


def strip_package_only(text, path):
    """``text`` without its package-only lines and blocks."""
    removed = object()  # where a block was
    kept = []
    inside = None
    for number, line in enumerate(text.split("\n"), 1):
        if inside is not None:
            if _BLOCK_END.match(line):
                inside = None
                kept.append(removed)
            continue
        if _BLOCK_START.match(line):
            inside = number
            continue
        if line.rstrip().endswith(PACKAGE_ONLY):
            continue
        kept.append(line)
    if inside is not None:
        raise ExportError(
            "%s:%d: package-only block without its end" % (path, inside)
        )
    # The blank lines around a block removed: as many as on its wider side.
    lines = []
    for i, line in enumerate(kept):
        if line is not removed:
            lines.append(line)
            continue
        before = 0
        while lines and lines[-1] == "":
            lines.pop()
            before += 1
        after = 0
        while i + 1 + after < len(kept) and kept[i + 1 + after] == "":
            after += 1
        lines.extend([""] * (max(before, after) - after))
    return "\n".join(lines)


_NAMED = re.compile(r"cudasim[-_]threadsafe")


def unnamed(text, path):
    """``text``, which must not name this project: upstream's tree gets the
    simulator, not a package's name."""
    found = _NAMED.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        raise ExportError(
            "%s:%d names the package; mark the line `# package-only` or "
            "reword it" % (path, line)
        )
    return text


def ours(text):
    return text is None or ("# From %s, " % NAME) in text
