"""This package's modules and tests as an upstream tree receives them.

Each file the export creates starts with the tree's licence lines and a
line naming where it comes from, with a digest of what follows: a later
export refuses to overwrite a file changed since.
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


# Regression tests exported, as test_threadsafe_<name>; the helper modules
# they import follow them, as threadsafe_<name>.
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


PREFIX = "threadsafe_"


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


def stamped(header, path, body):
    """A file the export creates: ``header``, the line naming where it comes
    from with a digest of what follows it, then ``body``. The digest tells
    a later export whether someone changed the file since
    (``changed_since_export``)."""
    rest = "\n" + body.lstrip("\n")
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


def exported_module(name, header, modules=MODULES):
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
    text = source.result()
    return stamped(header, path, text)


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
    return PREFIX + name


def exported_test(name, helpers, header, modules=MODULES):
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
    return stamped(header, path, source.result())


def ours(text):
    return text is None or ("# From %s, " % NAME) in text
