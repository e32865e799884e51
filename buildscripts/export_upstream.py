"""Write the thread-safe CUDA simulator into a numba or numba-cuda tree.

    python buildscripts/export_upstream.py DEST [--dry-run] [--pr NUMBER]

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
  numba's built-in simulator also ``BUILTIN_MEMBERS``);
- ``simulator/__init__.py`` gives ``numba.cuda`` its module class;
- the regression tests in ``TESTS`` (and the helpers they import) go to
  ``numba/cuda/tests/cudasim/`` as ``test_threadsafe_*.py``;
- a release note goes to ``docs/upcoming_changes/`` where the tree has one.

Upstream code is located by its syntax tree (names and line numbers) and
edited where it stands; nothing of it is carried here. Running the export
again changes nothing. A tree this does not recognize is left untouched, and
the exit status is 2.
"""

import argparse
import ast
import difflib
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "src", "cudasim_threadsafe")
NAME = "cudasim-threadsafe"

# The modules of the fix that the simulator package receives, under the same
# names. A module of the fix imported by one of these must be listed too.
MODULES = (
    "arrays",
    "context",
    "cudamodule",
    "dispatch",
    "greenlets",
    "hostapi",
    "kernelarrays",
    "launch",
    "launcher",
    "libdevice",
    "osthreads",
    "printing",
    "simthread",
    "warp",
)

# Regression tests exported, as test_threadsafe_<name>; the helper modules
# they import follow them, as threadsafe_<name>.
TESTS = (
    "test_access",
    "test_early_return",
    "test_features",
    "test_hostapi",
    "test_kernelarrays",
    "test_launchers",
    "test_libdevice",
    "test_race",
    "test_stress",
    "test_warp",
)
PREFIX = "threadsafe_"

# Upstream definitions that the simulator takes from our modules instead:
# (simulator module, name) -> (our module, our name).
REPLACE = {
    ("kernel", "BlockManager"): ("launcher", "BlockManager"),
    ("kernel", "BlockThread"): ("osthreads", "SimThread"),
    ("kernel", "_push_kernel_context"): ("launch", "Launch"),
}

# Upstream definitions that nothing calls once the fix is in: with the
# launch-only ``FakeCUDAKernel.__call__`` (``_launch_path_only``), the
# launch's context is never read back and nothing is swapped.
REMOVE = (
    ("kernel", "_get_kernel_context"),
    ("kernelapi", "swapped_cuda_module"),
)

# Upstream methods that get one of our decorators:
# (simulator module, class, method) -> (our module, decorator).
DECORATE = {
    ("kernel", "FakeCUDAKernel", "__init__"): (
        "dispatch",
        "direct_device_calls",
    ),
    ("kernel", "FakeCUDAKernel", "__call__"): ("dispatch", "device_call"),
    ("kernel", "FakeCUDAKernel", "__getitem__"): (
        "dispatch",
        "configured_copy",
    ),
    ("kernelapi", "FakeCUDALocal", "array"): ("arrays", "cached_dtypes"),
    ("kernelapi", "FakeCUDAShared", "array"): ("arrays", "by_caller_line"),
}


def _our_constant(module, name):
    """The literal value of ``name`` in our module ``module``."""
    with open(os.path.join(PACKAGE, module + ".py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        targets = getattr(node, "targets", [])
        if [getattr(t, "id", None) for t in targets] == [name]:
            return ast.literal_eval(node.value)
    raise LookupError("%s.%s" % (module, name))


# Atomics and fences are yield points: a thread spinning on one lets the
# others of its block run.
ATOMICS = _our_constant("simthread", "ATOMICS")
FENCES = _our_constant("simthread", "FENCES")
_YIELDS = [("FakeCUDAAtomic", name) for name in ATOMICS]
_YIELDS += [("FakeCUDAModule", name) for name in FENCES]
for _cls, _name in _YIELDS:
    DECORATE["kernelapi", _cls, _name] = ("simthread", "yield_point")

# Members of upstream classes that our module provides, set in the class
# body as ``member = ourmodule.name``: (simulator module, class, member, our
# module, our name, a name the class's own ``__getattr__`` must read for the
# row to apply, or None). A method of that name is replaced, any other
# member is added; one member may have a row per upstream variant, the
# first that applies wins (numba's ``__getattr__`` reads ``getattr`` too).
_FAKE = ("cudadrv.devicearray", "FakeWithinKernelCUDAArray")
MEMBERS = (
    _FAKE + ("__getitem__", "kernelarrays", "getitem", None),
    _FAKE + ("__setitem__", "kernelarrays", "setitem", None),
    _FAKE + ("__setattr__", "kernelarrays", "setattr_", None),
    _FAKE + ("__len__", "kernelarrays", "length", None),
    _FAKE + ("shape", "kernelarrays", "ndarray_shape", "dir"),
    _FAKE + ("__getattr__", "kernelarrays", "getattr_dir", "dir"),
    _FAKE + ("shape", "kernelarrays", "fake_shape", "getattr"),
    _FAKE + ("__getattr__", "kernelarrays", "getattr_item", "getattr"),
    _FAKE + ("ndim", "kernelarrays", "ndim", "dir"),
    _FAKE + ("ndim", "kernelarrays", "ndim", "getattr"),
    _FAKE + ("size", "kernelarrays", "size", "dir"),
    _FAKE + ("size", "kernelarrays", "size", "getattr"),
    _FAKE + ("dtype", "kernelarrays", "dtype", "dir"),
    _FAKE + ("dtype", "kernelarrays", "dtype", "getattr"),
    # What upstream reads off threading.current_thread() comes from the
    # running simulated thread.
    ("kernelapi", "GridGroup", "sync", "simthread", "syncthreads", None),
    # Counts a negative value at its type's width, not as Python's int.
    ("kernelapi", "FakeCUDAModule", "popc", "warp", "popc", None),
) + tuple(
    ("kernelapi", "FakeCUDAModule", name, "simthread", name, None)
    for name in _our_constant("simthread", "THREAD_MEMBERS")
    + _our_constant("warp", "INTRINSICS")
)

# Rows like MEMBERS' for numba's built-in simulator only: the warp functions
# of numba's real target call these two, which numba-cuda's does not export.
BUILTIN_MEMBERS = tuple(
    ("kernelapi", "FakeCUDAModule", name, "simthread", name, None)
    for name in _our_constant("warp", "BUILTIN_TARGET_NAMES")
)


def members(tree):
    """The rows of MEMBERS (and BUILTIN_MEMBERS) that apply to ``tree``."""
    return MEMBERS + (BUILTIN_MEMBERS if tree.builtin else ())


RELEASE_NOTE = """\
Thread-safe kernel launches in the CUDA simulator
-------------------------------------------------

The CUDA simulator no longer swaps a fake ``numba.cuda`` into the globals of
each running function. Each simulated thread is bound to the launch it
belongs to, and ``numba.cuda`` resolves kernel-only names (``threadIdx``,
``local``, ``syncthreads``, ...) through that binding. Device functions
defined in another module than the kernel no longer fail at random with
``module 'numba.cuda' has no attribute 'local'``; ``cuda`` captured in a
closure, the path ``numba.cuda.threadIdx``, and kernels launched from
several host threads at once work in the simulator too. The block launcher
no longer busy-polls its threads and reuses them across launches, device
calls and array allocations cost less, and in-kernel ``print()`` lines from
different threads no longer interleave. Indexing array arguments in a
kernel, and reading their ``shape``, ``size``, ``ndim`` or ``dtype``, cost
less.

Where the ``greenlet`` package is installed, a block's simulated threads run
as greenlets on the launching thread, switching at barriers: a launch costs
switches instead of OS-thread hand-offs. ``NUMBA_CUDASIM_LAUNCHER=threads``
(and the absence of greenlet) selects the OS-thread launcher, for kernels
that wait on something that is not a CUDA primitive. Atomics, fences and
``cuda.nanosleep`` let a spinning thread's block run on.

``numba.cuda.libdevice`` functions compute in simulated kernels, with the
GPU's types and rounding modes, and the simulator gains the real target's
interop names: ``as_cuda_array``, ``is_cuda_array``,
``from_cuda_array_interface`` (simulator arrays have
``__cuda_array_interface__``), ``mapped_array_like``, ``managed_array``,
``event_elapsed_time``, ``profile_start`` and ``profile_stop`` among them.

The simulator gains the warp-level intrinsics: ``activemask``,
``lanemask_lt``, ``syncwarp``, ``all_sync``, ``any_sync``, ``eq_sync``,
``ballot_sync``, ``shfl_sync``, ``shfl_up_sync``, ``shfl_down_sync``,
``shfl_xor_sync``, ``match_any_sync`` and ``match_all_sync``. A warp is 32
consecutive threads of a block; each ``*_sync`` call waits, as PTX defines
it, for the lanes of its mask that have not exited (lanes a partial warp
lacks count as exited), at any call of the same intrinsic with the same
mask, and ``activemask`` gives the lanes that have not exited (the
simulator does not see divergence). What is undefined on a GPU raises an
error naming the kernel, block and lanes instead of hanging or answering at
random: a mask that leaves out the calling lane, lanes waiting for each
other at different collectives, a shuffle reading a lane outside the mask
or one that exited or does not exist. A block whose threads all wait on one
another (at ``syncthreads`` or at warp collectives) raises a deadlock error
saying who waits for whom. ``cuda.popc`` of a negative value counts its bits
in two's complement at the value's width, as the GPU does.
"""


class NotRecognized(Exception):
    """DEST is not a tree this export knows how to change."""


class ExportError(Exception):
    """This package's own sources cannot be exported as they stand."""


# -- the tree ---------------------------------------------------------------


class Tree:
    """Where ``numba.cuda`` and its release notes live under DEST."""

    def __init__(self, dest):
        self.dest = os.path.abspath(dest)
        if not os.path.isdir(self.dest):
            raise NotRecognized("%s is not a directory" % dest)
        for sub in ("numba_cuda/numba/cuda", "numba/cuda"):
            cuda = os.path.join(self.dest, sub)
            if os.path.isdir(os.path.join(cuda, "simulator")):
                break
        else:
            raise NotRecognized(
                "%s holds neither numba/cuda/simulator nor "
                "numba_cuda/numba/cuda/simulator" % dest
            )
        self.cuda = cuda
        # numba's built-in simulator, not numba-cuda's.
        self.builtin = sub == "numba/cuda"
        self.simulator = os.path.join(cuda, "simulator")
        self.tests = os.path.join(cuda, "tests", "cudasim")
        for path in (
            os.path.join(self.simulator, "__init__.py"),
            os.path.join(self.simulator, "kernel.py"),
            os.path.join(self.simulator, "kernelapi.py"),
            os.path.join(self.tests, "__init__.py"),
        ):
            if not os.path.isfile(path):
                raise NotRecognized("%s is missing" % self.relpath(path))
        self.is_site_packages = any(
            name.endswith(".dist-info") for name in os.listdir(self.dest)
        )

    def module(self, name):
        """Path of the simulator's module ``name``."""
        return os.path.join(self.simulator, name + ".py")

    def relpath(self, path):
        return os.path.relpath(path, self.dest)

    def read(self, path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    def header(self):
        """The licence lines that the tree's simulator files start with."""
        lines = []
        for line in self.read(os.path.join(self.simulator, "kernel.py")).split(
            "\n"
        ):
            if not line.startswith("# SPDX-"):
                break
            lines.append(line)
        return lines

    def notes_dir(self):
        if self.is_site_packages:
            return None
        path = os.path.join(self.dest, "docs", "upcoming_changes")
        return path if os.path.isdir(path) else None


# -- editing source by its syntax tree --------------------------------------


class Source:
    """A module's text and syntax tree, with line edits applied at once.

    An edit replaces lines ``first`` to ``last`` (1-based, inclusive) with
    new lines; ``last = first - 1`` inserts before ``first``.
    """

    def __init__(self, text, name):
        self.text = text
        self.name = name
        self.lines = text.split("\n")
        try:
            self.tree = ast.parse(text)
        except SyntaxError as e:
            raise NotRecognized("%s does not parse: %s" % (name, e)) from None
        self.edits = []

    def replace(self, first, last, new_lines):
        self.edits.append((first, last, list(new_lines)))

    def insert_before(self, line, new_lines):
        self.replace(line, line - 1, new_lines)

    def insert_after(self, line, new_lines):
        self.replace(line + 1, line, new_lines)

    def result(self):
        lines = list(self.lines)
        for first, last, new in sorted(
            self.edits, key=lambda e: (e[0], e[1]), reverse=True
        ):
            lines[first - 1 : last] = new
        return _tidy_end(lines)

    # Spans of statements

    def first_line(self, node):
        """The node's first line, decorators and comments right above it
        included."""
        line = min([node.lineno] + [d.lineno for d in _decorators(node)])
        while line > 1 and self.lines[line - 2].lstrip().startswith("#"):
            line -= 1
        return line

    def remove(self, node):
        """Remove a statement with the comments right above it and the
        blank lines after it."""
        last = node.end_lineno
        while last < len(self.lines) and not self.lines[last].strip():
            last += 1
        self.replace(self.first_line(node), last, [])

    def import_block_end(self):
        """Last line of the imports the module starts with."""
        end = None
        for node in self.tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                end = node.end_lineno
            elif end is not None or not _is_docstring(node):
                break
        if end is None:
            raise NotRecognized("%s has no imports at its top" % self.name)
        return end


def _decorators(node):
    return getattr(node, "decorator_list", [])


def _is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(
        getattr(node, "value", None), ast.Constant
    )


def _tidy_end(lines):
    # Comments left after the last statement described what was removed.
    while lines and (not lines[-1].strip() or lines[-1].startswith("#")):
        lines.pop()
    return "\n".join(lines) + "\n"


def _top_level(tree, kind, name):
    for node in tree.body:
        if isinstance(node, kind) and getattr(node, "name", None) == name:
            return node
    return None


def _assigned_name(node):
    """The one name a top-level ``name = ...`` binds, else None."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target = node.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _used_names(nodes):
    """Names read anywhere in ``nodes``."""
    used = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                used.add(sub.id)
    return used


def _bound_name(alias):
    return alias.asname or alias.name.split(".")[0]


def _format_import(node, indent=""):
    """``from x import a, b``, wrapped as ruff formats it if too long."""
    line = indent + ast.unparse(node)
    if len(line) <= 80 or not isinstance(node, ast.ImportFrom):
        return [line]
    module = "." * node.level + (node.module or "")
    names = [ast.unparse(alias) for alias in node.names]
    return (
        ["%sfrom %s import (" % (indent, module)]
        + ["%s    %s," % (indent, name) for name in names]
        + [indent + ")"]
    )


def remove_with_dead_code(source, removed, other_files, read_before=()):
    """Remove ``removed`` (top-level statements) and what only they used.

    That is: private module globals read by nothing left (nor by name
    anywhere in ``other_files``), then imports nothing left reads, of those
    that the module read before (``read_before``: names that edits made
    before ``source`` took away).
    """
    body = source.tree.body
    removed = list(removed)
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]

    def kept():
        return [n for n in body if n not in removed and n not in imports]

    def read_elsewhere(name):
        pattern = re.compile(r"\b%s\b" % re.escape(name))
        return any(pattern.search(text) for text in other_files)

    before = _used_names(n for n in body if n not in imports)
    before |= set(read_before)
    changed = True
    while changed:
        changed = False
        used = _used_names(kept())
        for node in kept():
            name = _assigned_name(node)
            if (
                name
                and name.startswith("_")
                and name in before
                and name not in used
                and not read_elsewhere(name)
            ):
                removed.append(node)
                changed = True
    used = _used_names(kept())
    for node in removed:
        source.remove(node)
    for node in imports:
        names = [a for a in node.names if a.name != "*"]
        dead = [
            a
            for a in names
            if _bound_name(a) in before and _bound_name(a) not in used
        ]
        if not dead:
            continue
        if len(dead) == len(node.names):
            source.replace(node.lineno, node.end_lineno, [])
        else:
            node.names = [a for a in node.names if a not in dead]
            source.replace(node.lineno, node.end_lineno, _format_import(node))


def imports_from(tree, level, module):
    """Whether the module imports from ``.module`` (or ``from . import
    module``), at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == level:
            if node.module == module:
                return True
            if node.module is None and any(
                a.name == module for a in node.names
            ):
                return True
    return False


# -- the modules of the fix -------------------------------------------------


def package_source(name):
    with open(os.path.join(PACKAGE, name + ".py"), encoding="utf-8") as f:
        return f.read()


def _provenance(path):
    return "# From %s, %s." % (NAME, path)


def _stamped(header, path, body):
    """A file the export creates: ``header``, the line naming where it comes
    from with a digest of what follows it, then ``body``. The digest tells
    a later export whether someone changed the file since
    (``_changed_since_export``)."""
    rest = "\n" + body.lstrip("\n")
    digest = hashlib.sha256(rest.encode("utf-8")).hexdigest()[:16]
    stamp = _provenance(path)[:-1] + " (sha256 %s)." % digest
    return "\n".join(header + [stamp]) + "\n" + rest


_STAMP = re.compile(r"^# From .*\(sha256 ([0-9a-f]{16})\)\.$", re.M)


def _changed_since_export(text):
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
                node.lineno, node.end_lineno, _format_import(new, indent)
            )


def _from(level, module, names):
    return ast.ImportFrom(module=module, names=names, level=level)


def exported_module(name, header):
    """Text of the fix's module ``name`` as a module of the simulator."""
    path = "src/cudasim_threadsafe/%s.py" % name
    source = Source(package_source(name), path)

    def rename(node):
        module = node.module or ""
        if node.level:
            targets = [module] if module else [a.name for a in node.names]
            for target in targets:
                if node.level != 1 or target not in MODULES:
                    raise ExportError(
                        "%s:%d imports .%s, which is not exported: add it "
                        "to MODULES in %s"
                        % (path, node.lineno, target, __file__)
                    )
            return None
        if module == "numba.cuda.simulator":
            return _from(1, None, node.names)
        if module.startswith("numba.cuda.simulator."):
            return _from(1, module[len("numba.cuda.simulator.") :], node.names)
        if module.split(".")[0] == "cudasim_threadsafe":
            raise ExportError(
                "%s:%d: import the package's own modules relatively"
                % (path, node.lineno)
            )
        return None

    rewrite_imports(source, rename)
    text = source.result()
    return _stamped(header, path, text)


def check_overlay_agrees():
    """The overlay and the export must apply the same pieces.

    ``overlay.simulator_patches`` assigns our objects to upstream names at
    run time; every ``module.name`` of ours it assigns must be in REPLACE,
    DECORATE or MEMBERS, or the exported simulator would lack it.
    """
    path = os.path.join(PACKAGE, "overlay.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    function = _top_level(tree, ast.FunctionDef, "simulator_patches")
    if function is None:
        raise ExportError("%s has no simulator_patches" % path)
    applied = set()
    for node in ast.walk(function):
        # Patch(owner, name, new)
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Patch"
            and len(node.args) == 3
        ):
            continue
        value = node.args[2]
        if isinstance(value, ast.Call):
            value = value.func
        if (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.value.id in MODULES
        ):
            applied.add((value.value.id, value.attr))
    exported = set(REPLACE.values()) | set(DECORATE.values())
    exported |= {row[3:5] for row in MEMBERS + BUILTIN_MEMBERS}
    missing = sorted(applied - exported)
    if missing:
        raise ExportError(
            "the overlay applies %s, which the export does not: add it to "
            "REPLACE, DECORATE or MEMBERS in %s"
            % (", ".join("%s.%s" % m for m in missing), __file__)
        )


# -- the tests --------------------------------------------------------------


def test_helpers():
    """The helper modules the exported tests import, by name."""
    tests_dir = os.path.join(PACKAGE, "tests")
    helpers = set()
    pending = list(TESTS)
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


def exported_test(name, helpers, header):
    """Text of the test (or helper) module ``name`` for tests/cudasim."""
    path = "src/cudasim_threadsafe/tests/%s.py" % name
    with open(
        os.path.join(PACKAGE, "tests", name + ".py"), encoding="utf-8"
    ) as f:
        source = Source(f.read(), path)

    def rename(node):
        module = node.module or ""
        if node.level == 1 and module in helpers:
            return _from(1, exported_test_name(module), node.names)
        if node.level == 1 and not module:
            names = [
                ast.alias(exported_test_name(a.name), a.asname or a.name)
                if a.name in helpers
                else a
                for a in node.names
            ]
            return _from(1, None, names)
        if node.level:
            raise ExportError("%s:%d: unexpected import" % (path, node.lineno))
        if module.startswith("cudasim_threadsafe.tests."):
            short = module.split(".")[2]
            return _from(1, exported_test_name(short), node.names)
        if module.split(".")[0] == "cudasim_threadsafe":
            short = module.partition(".")[2]
            if short not in MODULES:
                raise ExportError(
                    "%s:%d imports %s, which is not exported"
                    % (path, node.lineno, module)
                )
            return _from(0, "numba.cuda.simulator." + short, node.names)
        return None

    rewrite_imports(source, rename)
    return _stamped(header, path, source.result())


# -- edits to upstream modules ----------------------------------------------


def _imports_name(tree, module, name, asname):
    """Whether ``from .module import name as asname`` is there already."""
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 1
            and node.module == module
        ):
            for alias in node.names:
                if alias.name == name and (alias.asname or name) == asname:
                    return True
    return False


def _method(tree, class_name, name):
    cls = _top_level(tree, ast.ClassDef, class_name)
    for node in cls.body if cls is not None else ():
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _drop_kernel_context_docstring(source, replaced):
    """kernel.py's module-global context comes with a docstring saying that
    only one launch runs at a time, which is no longer so; the global goes
    with the code that read it (``remove_with_dead_code``)."""
    body = source.tree.body
    for i, node in enumerate(body):
        if _assigned_name(node) == "_kernel_context" and i:
            if _is_docstring(body[i - 1]):
                replaced.append(body[i - 1])


def _launch_path_only(text, name):
    """kernel.py: ``dispatch.device_call`` sends device calls, and calls
    from a simulated thread, straight to the function, so
    ``FakeCUDAKernel.__call__`` is the launch alone. Its branch for those
    calls goes, and the swap of ``numba.cuda`` around the blocks is
    unwrapped: nothing is swapped. Done before, nothing changes."""
    source = Source(text, name)
    call = _method(source.tree, "FakeCUDAKernel", "__call__")
    if call is None:
        raise NotRecognized("%s lacks FakeCUDAKernel.__call__" % name)
    first = call.body[0]
    kept = call.body
    if (
        isinstance(first, ast.If)
        and "self._device" in ast.unparse(first.test)
        and not first.orelse
    ):
        source.remove(first)
        kept = call.body[1:]
    for node in (n for statement in kept for n in ast.walk(statement)):
        if not isinstance(node, ast.With) or len(node.items) != 1:
            continue
        entered = node.items[0].context_expr
        if not (
            isinstance(entered, ast.Call)
            and getattr(entered.func, "id", None) == "swapped_cuda_module"
        ):
            continue
        indent = node.body[0].col_offset - node.col_offset
        body = []
        for line in source.lines[node.lineno : node.end_lineno]:
            if line.strip() and not line.startswith(" " * indent):
                raise NotRecognized("%s: %r is not indented" % (name, line))
            body.append(line[indent:])
        source.replace(node.lineno, node.end_lineno, body)
    return source.result()


def edit_module(tree, short, other_files):
    """The simulator's module ``short`` with the entries of REPLACE, REMOVE
    and DECORATE for it applied; entries applied before are left as they
    are."""
    path = tree.module(short)
    text = original = tree.read(path)
    if short == "kernel":
        text = _launch_path_only(text, tree.relpath(path))
    source = Source(text, tree.relpath(path))
    read_before = _used_names(
        n
        for n in ast.parse(original).body
        if not isinstance(n, (ast.Import, ast.ImportFrom))
    )
    t = source.tree
    replaced = [
        node
        for module, name in REMOVE
        if module == short
        for node in [_top_level(t, (ast.ClassDef, ast.FunctionDef), name)]
        if node is not None
    ]
    imports = []
    for (module, name), (ours, our_name) in REPLACE.items():
        if module != short or _imports_name(t, ours, our_name, name):
            continue
        node = _top_level(t, (ast.ClassDef, ast.FunctionDef), name)
        if node is None:
            raise NotRecognized("%s lacks %s" % (source.name, name))
        replaced.append(node)
        alias = ast.alias(our_name, None if our_name == name else name)
        imports.append(_from(1, ours, [alias]))
    decorators = []
    seen = set()
    for (module, cls, name), (ours, decorator) in DECORATE.items():
        if module != short:
            continue
        node = _method(t, cls, name)
        if node is None:
            raise NotRecognized("%s lacks %s.%s" % (source.name, cls, name))
        if any(ast.unparse(d) == decorator for d in node.decorator_list):
            continue
        decorators.append((node, decorator))
        wanted = (ours, decorator)
        if wanted not in seen and not _imports_name(t, *wanted, decorator):
            seen.add(wanted)
            imports.append(_from(1, ours, [ast.alias(decorator)]))
    if not replaced and not decorators:
        return source.text

    if short == "kernel":
        _drop_kernel_context_docstring(source, replaced)
    remove_with_dead_code(source, replaced, other_files, read_before)
    lines = []
    for node in _merged(imports):
        lines += _format_import(node)
    source.insert_after(source.import_block_end(), lines)
    for node, decorator in decorators:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        source.insert_before(first, [" " * node.col_offset + "@" + decorator])
    return source.result()


def _reads(node, name):
    """Whether the function ``node`` reads the global or builtin ``name``."""
    return node is not None and name in _used_names([node])


def _member_assigned(cls, member, ours, name):
    """Whether the class body has ``member = ours.name`` already."""
    for node in cls.body:
        if _assigned_name(node) == member and (
            ast.unparse(node.value) == "%s.%s" % (ours, name)
        ):
            return True
    return False


def _unused_private_methods(cls, replaced):
    """The private methods (``__name``) of ``cls`` that only methods in
    ``replaced`` called: left in, they would be code no one can reach."""
    kept = [
        n
        for n in cls.body
        if isinstance(n, ast.FunctionDef) and n not in replaced
    ]
    for node in kept:
        name = node.name
        if not name.startswith("__") or name.endswith("__"):
            continue
        pattern = re.compile(r"\b%s\b" % re.escape(name))
        if not any(
            pattern.search(ast.unparse(other))
            for other in kept
            if other is not node
        ):
            yield node


def edit_members(tree, dotted, text=None):
    """The simulator's module ``dotted`` (its ``text`` if edited already)
    with the rows of ``members(tree)`` for it applied: ``member =
    ours.name`` in the class body, in place of the method of that name or,
    for another member, before the first method."""
    path = os.path.join(tree.simulator, *dotted.split(".")) + ".py"
    if text is None:
        text = tree.read(path)
    source = Source(text, tree.relpath(path))
    ours_imported = set()
    added = {}
    replaced = {}
    done = set()
    for module, cls_name, member, ours, name, needs in members(tree):
        if module != dotted or (cls_name, member) in done:
            continue
        cls = _top_level(source.tree, ast.ClassDef, cls_name)
        if cls is None:
            raise NotRecognized("%s lacks %s" % (source.name, cls_name))
        if _member_assigned(cls, member, ours, name):
            done.add((cls_name, member))
            continue
        if needs is not None and not _reads(
            _method(source.tree, cls_name, "__getattr__"), needs
        ):
            continue
        done.add((cls_name, member))
        ours_imported.add(ours)
        indent = " " * cls.body[0].col_offset
        line = "%s%s = %s.%s" % (indent, member, ours, name)
        method = _method(source.tree, cls_name, member)
        if method is not None:
            source.replace(source.first_line(method), method.end_lineno, [line])
            replaced.setdefault(cls_name, set()).add(method)
        else:
            added.setdefault(cls_name, []).append(line)
    for cls_name, methods in replaced.items():
        cls = _top_level(source.tree, ast.ClassDef, cls_name)
        for node in _unused_private_methods(cls, methods):
            source.remove(node)
    for cls_name, lines in added.items():
        cls = _top_level(source.tree, ast.ClassDef, cls_name)
        first = next(n for n in cls.body if isinstance(n, ast.FunctionDef))
        source.insert_before(source.first_line(first), lines + [""])
    level = dotted.count(".") + 1
    bound = {
        alias.asname or alias.name
        for node in source.tree.body
        if isinstance(node, ast.ImportFrom)
        and node.level == level
        and not node.module
        for alias in node.names
    }
    new = [m for m in sorted(ours_imported) if m not in bound]
    if not ours_imported:
        return source.text
    source.insert_after(
        source.import_block_end(),
        ["from %s import %s" % ("." * level, m) for m in new],
    )
    return source.result()


def _merged(imports):
    """One ``from .x import a, b`` per module, in order of appearance."""
    by_module = {}
    for node in imports:
        by_module.setdefault(node.module, []).extend(node.names)
    return [_from(1, m, names) for m, names in by_module.items()]


def _is_simulator_check(node):
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "config.ENABLE_CUDASIM",
        "numba.core.config.ENABLE_CUDASIM",
    )


def _append_to_simulator_block(source, module, lines):
    """``lines`` at the end of the last ``if config.ENABLE_CUDASIM:`` block
    of __init__.py (``source``), unless it imports ``module`` already."""
    if imports_from(source.tree, 1, module):
        return source.text
    checks = [n for n in source.tree.body if _is_simulator_check(n)]
    if not checks or "sys" not in {
        _bound_name(a)
        for n in source.tree.body
        if isinstance(n, ast.Import)
        for a in n.names
    }:
        raise NotRecognized(
            "%s has no `import sys` or no `if config.ENABLE_CUDASIM:` "
            "block" % source.name
        )
    block = checks[-1]
    indent = " " * block.body[0].col_offset
    source.insert_after(
        block.end_lineno, [indent + line if line else "" for line in lines]
    )
    return source.result()


def edit_simulator_init(tree):
    """__init__.py: give ``numba.cuda`` its module class, once, when the
    simulator is enabled."""
    path = tree.module("__init__")
    source = Source(tree.read(path), tree.relpath(path))
    lines = [
        "",
        "# Kernel-only names of numba.cuda (threadIdx, local, ...) resolve",
        "# through the launch context of the calling thread.",
        "from . import cudamodule, kernelapi",
        "",
        "cudamodule.install(",
        '    sys.modules["numba.cuda"],',
        "    kernelapi.FakeCUDAModule((1, 1, 1), (1, 1, 1), 0),",
        ")",
    ]
    return _append_to_simulator_block(source, "cudamodule", lines)


def add_host_names(tree, text):
    """__init__.py (``text``, as edited so far): the real target's host
    names that the simulator lacks, added to the package whose names
    ``numba.cuda`` takes, once."""
    path = tree.module("__init__")
    source = Source(text, tree.relpath(path))
    if imports_from(source.tree, 1, "hostapi"):
        return source.text
    checks = [n for n in source.tree.body if _is_simulator_check(n)]
    if not checks:
        raise NotRecognized(
            "%s has no `if config.ENABLE_CUDASIM:` block" % source.name
        )
    source.insert_after(source.import_block_end(), ["from . import hostapi"])
    source.insert_before(
        source.first_line(checks[-1]),
        [
            "# Host names of the real target that the simulator lacked (array",
            "# interop, event times, profiler hooks); numba.cuda takes them",
            "# from here.",
            "hostapi.install(sys.modules[__name__], simulator_too=True)",
            "",
        ],
    )
    return source.result()


def add_libdevice(tree, text):
    """__init__.py (``text``, as edited so far): bind the functions of
    ``numba.cuda.libdevice`` to simulated ones, once, when the simulator
    is enabled."""
    source = Source(text, tree.relpath(tree.module("__init__")))
    lines = [
        "",
        "# numba.cuda.libdevice's functions compute in simulated kernels.",
        "from . import libdevice as _libdevice",
        "",
        '_libdevice.install(sys.modules["numba.cuda"])',
        "# Not for `from .simulator import *`: numba.cuda.libdevice stays.",
        'globals().pop("libdevice", None)',
    ]
    return _append_to_simulator_block(source, "libdevice", lines)


# -- the export -------------------------------------------------------------


def _ours(text):
    return text is None or ("# From %s, " % NAME) in text


def plan(tree, pr):
    """({path: new text} for every file the export writes, the paths of
    the modules it creates)."""
    check_overlay_agrees()
    header = tree.header()
    created = {}
    for name in MODULES:
        path = tree.module(name)
        created[path] = exported_module(name, header)
    helpers = test_helpers()
    for name in TESTS + tuple(helpers):
        path = os.path.join(tree.tests, exported_test_name(name) + ".py")
        created[path] = exported_test(name, helpers, header)
    for path in created:
        existing = current(path)
        if not _ours(existing):
            raise NotRecognized(
                "%s exists and is not from %s" % (tree.relpath(path), NAME)
            )
        if existing is not None and _changed_since_export(existing):
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
    init = edit_simulator_init(tree)
    init = add_host_names(tree, init)
    changes[tree.module("__init__")] = add_libdevice(tree, init)
    for dotted in sorted({row[0] for row in members(tree)}):
        path = os.path.join(tree.simulator, *dotted.split(".")) + ".py"
        changes[path] = edit_members(tree, dotted, changes.get(path))

    notes = tree.notes_dir()
    if notes is not None:
        existing = [
            f
            for f in sorted(os.listdir(notes))
            if current(os.path.join(notes, f)) == RELEASE_NOTE
        ]
        name = existing[0] if existing else "%s.bug_fix.rst" % pr
        changes[os.path.join(notes, name)] = RELEASE_NOTE
    return changes


def current(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="export_upstream.py",
        description="Write the thread-safe CUDA simulator into a numba or "
        "numba-cuda checkout, or a site-packages directory holding one.",
    )
    parser.add_argument("dest", help="root of the tree to change")
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
    try:
        tree = Tree(args.dest)
        changes = plan(tree, args.pr)
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
