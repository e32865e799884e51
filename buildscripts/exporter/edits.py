"""The fork's edits to upstream's simulator modules.

Upstream definitions replaced by ours (``REPLACE``), removed (``REMOVE``),
decorated (``DECORATE``), and class members set from our modules
(``MEMBERS``), as the package's table (``overlay/table.py``) gives them;
then ``simulator/__init__.py`` installs the module class, the host names
and libdevice.
"""

import ast
import importlib.util
import os
import re

from .carried import PACKAGE, our_constant, text
from .upstream import (
    NotRecognized,
    Source,
    assigned_name,
    bound_name,
    format_import,
    import_from,
    imports_from,
    imports_name,
    is_docstring,
    is_simulator_check,
    merged,
    method_of,
    reads,
    remove_with_dead_code,
    top_level,
    unwrap_with,
    used_names,
    withs_calling,
)


def _load_table():
    """The package's table (overlay/table.py), which the overlay applies at
    run time too: one list for both forms. Pure data, loaded from this
    checkout's file, whatever copy of the package is importable."""
    path = os.path.join(PACKAGE, "overlay", "table.py")
    spec = importlib.util.spec_from_file_location("_overlay_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


table = _load_table()


def _each(row):
    """The table's ``row``, one per name where a field is
    ``*module.CONSTANT`` (each name in that constant of our module)."""
    for field in row:
        if isinstance(field, str) and field.startswith("*"):
            names = our_constant(*field[1:].split("."))
            return [tuple(n if f == field else f for f in row) for n in names]
    return [row]


def _rows(rows):
    return tuple(each for row in rows for each in _each(row))


REPLACE = table.REPLACE
REMOVE = table.REMOVE
DECORATE = {
    each: value for key, value in table.DECORATE.items() for each in _each(key)
}
THREAD_MEMBERS = _rows(table.THREAD_MEMBERS)
WARP_MEMBERS = _rows(table.WARP_MEMBERS)
BUILTIN_WARP_MEMBERS = _rows(table.BUILTIN_WARP_MEMBERS)
ARRAY_MEMBERS = _rows(table.ARRAY_MEMBERS)


RELEASE_NOTE = text("release_note.rst")

# FakeCUDAModule's docstring in the fork: upstream's says that the module
# must be imported as ``cuda``, which is no longer so.
FAKE_MODULE_DOCSTRING = text("fake_module_docstring_fork.py.in")


def _drop_kernel_context_docstring(source, replaced):
    """kernel.py's module-global context comes with a docstring saying that
    only one launch runs at a time, which is no longer so; the global goes
    with the code that read it (``remove_with_dead_code``)."""
    body = source.tree.body
    for i, node in enumerate(body):
        if assigned_name(node) == "_kernel_context" and i:
            if is_docstring(body[i - 1]):
                replaced.append(body[i - 1])


def _fake_module_docstring(text, name):
    """kernelapi.py with FakeCUDAModule's docstring saying how kernels
    reach it now; done before, nothing changes."""
    source = Source(text, name)
    fake = top_level(source.tree, ast.ClassDef, "FakeCUDAModule")
    if fake is None or not is_docstring(fake.body[0]):
        raise NotRecognized("%s: FakeCUDAModule has no docstring" % name)
    doc = fake.body[0]
    old = source.lines[doc.lineno - 1 : doc.end_lineno]
    if "\n".join(old) == FAKE_MODULE_DOCSTRING:
        return text
    source.replace(doc.lineno, doc.end_lineno, [FAKE_MODULE_DOCSTRING])
    return source.result()


def _launch_path_only(text, name):
    """kernel.py: ``dispatch.device_call`` sends device calls, and calls
    from a simulated thread, straight to the function, so
    ``FakeCUDAKernel.__call__`` is the launch alone. Its branch for those
    calls goes, and the swap of ``numba.cuda`` around the blocks is
    unwrapped: nothing is swapped. Done before, nothing changes."""
    source = Source(text, name)
    call = method_of(source.tree, "FakeCUDAKernel", "__call__")
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
    for statement in kept:
        for node in withs_calling(statement, "swapped_cuda_module"):
            unwrap_with(source, node)
    return source.result()


def edit_module(tree, short, other_files):
    """The simulator's module ``short`` with the entries of REPLACE, REMOVE
    and DECORATE for it applied; entries applied before are left as they
    are."""
    path = tree.module(short)
    text = original = tree.read(path)
    if short == "kernel":
        text = _launch_path_only(text, tree.relpath(path))
    elif short == "kernelapi":
        text = _fake_module_docstring(text, tree.relpath(path))
    source = Source(text, tree.relpath(path))
    read_before = used_names(
        n
        for n in ast.parse(original).body
        if not isinstance(n, (ast.Import, ast.ImportFrom))
    )
    t = source.tree
    replaced = [
        node
        for module, name in REMOVE
        if module == short
        for node in [top_level(t, (ast.ClassDef, ast.FunctionDef), name)]
        if node is not None
    ]
    imports = []
    # Upstream's definitions that ours replace: each goes; ours is imported
    # under upstream's name where the module still reads that name, and a
    # private name (``_push_kernel_context``) is read as ours instead
    # (``renames``), so that no alias stands for nothing.
    found = []
    for (module, name), (ours, our_name) in REPLACE.items():
        if module != short:
            continue
        private = name.startswith("_") and name != our_name
        bound = our_name if private else name
        if imports_name(t, ours, our_name, bound):
            continue
        node = top_level(t, (ast.ClassDef, ast.FunctionDef), name)
        replaced.extend([node] if node is not None else [])
        found.append((name, ours, our_name, private, node))
    kept = [n for n in t.body if n not in replaced]
    still_read = used_names(
        n for n in kept if not isinstance(n, (ast.Import, ast.ImportFrom))
    )
    renames = {}
    for name, ours, our_name, private, node in found:
        if name not in still_read:
            continue  # nothing reads it any more: it goes
        if node is None:
            raise NotRecognized("%s lacks %s" % (source.name, name))
        if private:
            renames[name] = our_name
            alias = ast.alias(our_name)
        else:
            alias = ast.alias(our_name, None if our_name == name else name)
        imports.append(import_from(1, ours, [alias]))
    decorators = []
    seen = set()
    for (module, cls, name), (ours, decorator) in DECORATE.items():
        if module != short:
            continue
        node = method_of(t, cls, name)
        if node is None:
            raise NotRecognized("%s lacks %s.%s" % (source.name, cls, name))
        if any(ast.unparse(d) == decorator for d in node.decorator_list):
            continue
        decorators.append((node, decorator))
        wanted = (ours, decorator)
        if wanted not in seen and not imports_name(t, *wanted, decorator):
            seen.add(wanted)
            imports.append(import_from(1, ours, [ast.alias(decorator)]))
    if not replaced and not decorators:
        return source.text

    if short == "kernel":
        _drop_kernel_context_docstring(source, replaced)
    remove_with_dead_code(source, replaced, other_files, read_before)
    lines = []
    for node in merged(imports):
        lines += format_import(node)
    source.insert_after(source.import_block_end(), lines)
    for node, decorator in decorators:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        source.insert_before(first, [" " * node.col_offset + "@" + decorator])
    text = source.result()
    for name, ours in renames.items():
        text = re.sub(r"\b%s\b" % re.escape(name), ours, text)
    return text


def _member_assigned(cls, member, ours, name):
    """Whether the class body has ``member = ours.name`` already."""
    for node in cls.body:
        if assigned_name(node) == member and (
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


def edit_members(tree, dotted, rows, text=None):
    """The simulator's module ``dotted`` (its ``text`` if edited already)
    with the ``rows`` (of MEMBERS) for it applied: ``member =
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
    for module, cls_name, member, ours, name, needs in rows:
        if module != dotted or (cls_name, member) in done:
            continue
        cls = top_level(source.tree, ast.ClassDef, cls_name)
        if cls is None:
            raise NotRecognized("%s lacks %s" % (source.name, cls_name))
        if _member_assigned(cls, member, ours, name):
            done.add((cls_name, member))
            continue
        if needs is not None and not reads(
            method_of(source.tree, cls_name, "__getattr__"), needs
        ):
            continue
        done.add((cls_name, member))
        ours_imported.add(ours)
        indent = " " * cls.body[0].col_offset
        line = "%s%s = %s.%s" % (indent, member, ours, name)
        method = method_of(source.tree, cls_name, member)
        if method is not None:
            source.replace(source.first_line(method), method.end_lineno, [line])
            replaced.setdefault(cls_name, set()).add(method)
        else:
            added.setdefault(cls_name, []).append(line)
    for cls_name, methods in replaced.items():
        cls = top_level(source.tree, ast.ClassDef, cls_name)
        for node in _unused_private_methods(cls, methods):
            source.remove(node)
    for cls_name, lines in added.items():
        cls = top_level(source.tree, ast.ClassDef, cls_name)
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


def _append_to_simulator_block(source, module, lines):
    """``lines`` at the end of the last ``if config.ENABLE_CUDASIM:`` block
    of __init__.py (``source``), unless it imports ``module`` already."""
    if imports_from(source.tree, 1, module):
        return source.text
    checks = [n for n in source.tree.body if is_simulator_check(n)]
    if not checks or "sys" not in {
        bound_name(a)
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


def edit_simulator_init(tree, text):
    """__init__.py (``text``, as edited so far): give ``numba.cuda`` its
    module class, once, when the simulator is enabled."""
    source = Source(text, tree.relpath(tree.module("__init__")))
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
    ``numba.cuda`` takes, once, when the simulator is enabled (with it
    off, numba-cuda still imports the simulator's kernel module, and
    nothing of the real target may change)."""
    source = Source(text, tree.relpath(tree.module("__init__")))
    lines = [
        "",
        "# The real target's host names that the simulator lacked (array",
        "# interop, event times, profiler hooks): numba.cuda takes them",
        "# from here.",
        "from . import hostapi",
        "",
        "hostapi.install(sys.modules[__name__], simulator_too=True)",
    ]
    return _append_to_simulator_block(source, "hostapi", lines)


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


# numba-cuda's config reads the simulator's launcher setting as its other
# NUMBA_ variables, right after NUMBA_ENABLE_CUDASIM.
LAUNCHER_SETTING = (
    "",
    "# The CUDA simulator's launcher: greenlet (the default) runs a block's",
    "# threads in turn on the launching thread, threads each on an OS thread",
    'CUDASIM_LAUNCHER = _readenv("NUMBA_CUDASIM_LAUNCHER", str, "")',
)


def config_path(tree):
    """numba-cuda's config module, or None (numba's built-in target reads
    its config elsewhere; the launcher then reads the variable)."""
    path = os.path.join(tree.cuda, "core", "config.py")
    return path if os.path.isfile(path) else None


def add_launcher_setting(tree, text):
    """config.py (``text``) with ``CUDASIM_LAUNCHER``, once."""
    if "CUDASIM_LAUNCHER" in text:
        return text
    lines = text.split("\n")
    found = [
        i
        for i, line in enumerate(lines)
        if line.lstrip().startswith("ENABLE_CUDASIM = _readenv(")
    ]
    if len(found) != 1 or not lines[found[0]].rstrip().endswith(")"):
        raise NotRecognized("config.py: no one-line ENABLE_CUDASIM setting")
    at = found[0]
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines[at + 1 : at + 1] = [indent + x if x else "" for x in LAUNCHER_SETTING]
    return "\n".join(lines)


def thread_class_in_tests(tree, text):
    """tests/cudasim/test_cudasim_issues.py (``text``): its check that no
    simulated thread outlives a failed launch looks for the launcher's
    thread class, ``osthreads.SimThread``, which kernel.py no longer
    names."""
    old = "simulator.kernel.BlockThread"
    if text.count(old) != 1:
        return text
    return text.replace(old, "simulator.osthreads.SimThread")
