"""The pull request: the fix alone, as upstream's simulator would carry it.

Kernel API names of ``numba.cuda`` (``threadIdx``, ``local``, ...) resolve
through the ``FakeCUDAModule`` of the launch that the calling simulated
thread belongs to; the swap of ``numba.cuda`` into function globals, its
lock, and the single global kernel context go. The launcher stays
upstream's (OS threads, ``BlockThread``); nothing new is imported.

Each function here takes upstream's text of one file and returns it edited
in place, located by its syntax tree; ``changes(tree)`` gives them all.
"""

import ast
import difflib
import os
import sys

from .carried import text as exported_text
from .upstream import (
    NotRecognized,
    Source,
    assigned_name,
    format_call,
    format_import,
    import_from,
    is_docstring,
    is_simulator_check,
    method_of,
    remove_with_dead_code,
    top_level,
    unwrap_with,
    withs_calling,
)

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_NAME = "test_cudasim_threads"

# Appended to simulator/kernelapi.py.
KERNEL_API = exported_text("kernelapi_addition.py.in")

FAKE_MODULE_DOCSTRING = exported_text("fake_module_docstring.py.in")

# Appended to the ``if config.ENABLE_CUDASIM:`` block of
# simulator/__init__.py.
INSTALL = exported_text("simulator_init.py.in")

# Where the change comes from: in the pull request's description, not in
# its commit.
ORIGIN = exported_text("origin.md")

# The user guide's page on the simulator, in the repository.
DOCS = os.path.join("docs", "source", "user", "simulator.rst")


def _unwrapped(text, name, called):
    """``text`` with the one ``with called(...):`` of
    ``FakeCUDAKernel.__call__`` replaced by its body."""
    source = Source(text, name)
    call = method_of(source.tree, "FakeCUDAKernel", "__call__")
    found = list(withs_calling(call, called)) if call else []
    if len(found) != 1:
        raise NotRecognized("%s: no `with %s(...)`" % (name, called))
    unwrap_with(source, found[0])
    return source.result()


def _device_call_direct(text, name):
    """``FakeCUDAKernel.__call__`` runs a device function, or a kernel
    called from a simulated thread, as a plain call."""
    source = Source(text, name)
    first = method_of(source.tree, "FakeCUDAKernel", "__call__").body[0]
    if not (
        isinstance(first, ast.If)
        and ast.unparse(first.test) == "self._device or _kernel_context"
    ):
        raise NotRecognized("%s: FakeCUDAKernel.__call__ changed" % name)
    indent = " " * first.col_offset
    source.replace(
        first.lineno,
        first.end_lineno,
        [
            indent + "if self._device or current_cuda_module() is not None:",
            indent + "    return self.fn(*args)",
        ],
    )
    return source.result()


def _block_threads_know_launch(text, name):
    """The launch's ``FakeCUDAModule`` goes to its ``BlockManager``, and
    from it to each ``BlockThread`` as ``cuda_module``."""
    source = Source(text, name)
    tree = source.tree
    call = method_of(tree, "FakeCUDAKernel", "__call__")
    made = [
        n
        for n in ast.walk(call)
        if isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Call)
        and getattr(n.value.func, "id", None) == "BlockManager"
    ]
    init = method_of(tree, "BlockManager", "__init__")
    thread_init = method_of(tree, "BlockThread", "__init__")
    if len(made) != 1 or init is None or thread_init is None:
        raise NotRecognized("%s: BlockManager or BlockThread changed" % name)
    (assign,) = made
    args = [ast.unparse(a) for a in assign.value.args] + ["fake_cuda_module"]
    prefix = "%s = BlockManager" % ast.unparse(assign.targets[0])
    source.replace(
        assign.lineno,
        assign.end_lineno,
        format_call(" " * assign.col_offset, prefix, args),
    )

    if init.body[0].lineno != init.lineno + 1:
        raise NotRecognized("%s: BlockManager.__init__ changed" % name)
    params = [a.arg for a in init.args.args] + ["cuda_module"]
    source.replace(
        init.lineno,
        init.lineno,
        format_call(" " * init.col_offset, "def __init__", params, ":"),
    )
    indent = " " * init.body[0].col_offset
    source.insert_after(
        init.body[-1].end_lineno, [indent + "self.cuda_module = cuda_module"]
    )
    indent = " " * thread_init.body[0].col_offset
    source.insert_after(
        thread_init.body[-1].end_lineno,
        [indent + "self.cuda_module = manager.cuda_module"],
    )
    return source.result()


def _no_global_context(text, name, other_files):
    """The one global kernel context goes (each launch has its own), and
    ``current_cuda_module`` is imported in ``swapped_cuda_module``'s
    place."""
    source = Source(text, name)
    body = source.tree.body
    removed = []
    for i, node in enumerate(body):
        if assigned_name(node) == "_kernel_context":
            removed.append(node)
            if i and is_docstring(body[i - 1]):
                removed.append(body[i - 1])
        elif getattr(node, "name", None) in (
            "_push_kernel_context",
            "_get_kernel_context",
        ):
            removed.append(node)
    if len(removed) != 4:
        raise NotRecognized("%s: the kernel context changed" % name)
    remove_with_dead_code(source, removed, other_files)
    text = source.result()

    source = Source(text, name)
    for node in source.tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "kernelapi":
            names = [a for a in node.names if a.name != "swapped_cuda_module"]
            names.append(ast.alias("current_cuda_module"))
            new = import_from(1, "kernelapi", names)
            source.replace(node.lineno, node.end_lineno, format_import(new))
            return source.result()
    raise NotRecognized("%s does not import from .kernelapi" % name)


def kernel(text, name, other_files):
    text = _device_call_direct(text, name)
    text = _unwrapped(text, name, "swapped_cuda_module")
    text = _unwrapped(text, name, "_push_kernel_context")
    text = _block_threads_know_launch(text, name)
    return _no_global_context(text, name, other_files)


def _last_stdlib_import(tree):
    """The last line of the standard library imports the module starts
    with."""
    last = None
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            if last is not None or not is_docstring(node):
                break
            continue
        names = (
            [node.module]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
        )
        if any(n.split(".")[0] not in sys.stdlib_module_names for n in names):
            break
        last = node.end_lineno
    if last is None:
        raise NotRecognized("no standard library imports at the top")
    return last


def kernelapi(text, name, other_files):
    """No swap and no locks; the kernel API is looked up per launch."""
    source = Source(text, name)
    swap = top_level(source.tree, ast.FunctionDef, "swapped_cuda_module")
    fake = top_level(source.tree, ast.ClassDef, "FakeCUDAModule")
    if swap is None or fake is None or not is_docstring(fake.body[0]):
        raise NotRecognized("%s: swapped_cuda_module changed" % name)
    remove_with_dead_code(source, [swap], other_files)
    doc = fake.body[0]
    source.replace(doc.lineno, doc.end_lineno, [FAKE_MODULE_DOCSTRING])
    source.insert_after(
        _last_stdlib_import(source.tree), ["from types import ModuleType"]
    )
    return source.result().rstrip("\n") + "\n" + KERNEL_API


def simulator_init(text, name):
    source = Source(text, name)
    checks = [n for n in source.tree.body if is_simulator_check(n)]
    if not checks:
        raise NotRecognized("%s has no simulator block" % name)
    indent = " " * checks[-1].body[0].col_offset
    lines = [indent + line if line else "" for line in INSTALL.split("\n")]
    source.insert_after(checks[-1].end_lineno, lines)
    return source.result()


def _bullet(lines, start):
    """The line after the bullet that starts at ``start``."""
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return end


def simulator_docs(text, name):
    """The user guide: multithreaded use is supported now."""
    lines = text.split("\n")
    found = [
        i
        for i, line in enumerate(lines)
        if line.startswith("* Multithreaded accesses to a single GPU")
    ]
    limits = [
        i
        for i, line in enumerate(lines)
        if line.startswith("Some limitations of the simulator")
    ]
    if len(found) != 1 or len(limits) != 1 or limits[0] > found[0]:
        raise NotRecognized("%s: its list of limitations changed" % name)
    del lines[found[0] : _bullet(lines, found[0])]
    supported = DOCS_SUPPORTED.rstrip("\n").split("\n")
    at = limits[0]
    while at and not lines[at - 1].strip():
        at -= 1
    lines[at:at] = supported
    return "\n".join(lines)


DOCS_SUPPORTED = exported_text("simulator_docs.rst")


def regression_test(header):
    with open(os.path.join(HERE, "pr", TEST_NAME + ".py")) as f:
        return "\n".join(header) + "\n\n" + f.read()


def changes(tree):
    """{path: new text} of the pull request, from upstream's ``tree``."""
    if tree.builtin:
        raise NotRecognized("the pull request is for numba-cuda's tree")
    texts = {
        os.path.join(folder, f): None
        for folder, _, files in os.walk(tree.cuda)
        for f in files
        if f.endswith(".py")
    }
    for path in texts:
        texts[path] = tree.read(path)
    kernel_path = tree.module("kernel")
    api_path = tree.module("kernelapi")
    init_path = tree.module("__init__")
    test_path = os.path.join(tree.tests, TEST_NAME + ".py")
    if os.path.exists(test_path):
        raise NotRecognized("%s exists" % tree.relpath(test_path))

    def edit(path, function, *args):
        return function(tree.read(path), tree.relpath(path), *args)

    def others(path):
        return [text for p, text in texts.items() if p != path]

    fix = {
        kernel_path: edit(kernel_path, kernel, others(kernel_path)),
        api_path: edit(api_path, kernelapi, others(api_path)),
        init_path: edit(init_path, simulator_init),
        test_path: regression_test(tree.header()),
    }
    docs = os.path.join(tree.dest, DOCS)
    if os.path.isfile(docs):
        fix[docs] = simulator_docs(tree.read(docs), DOCS)
    return fix


# The regression tests, each failing on a simulator that swaps numba.cuda
# into function globals (numba-cuda 0.30.4 and its lock included).
FAIL_ON_SWAP = (
    "test_closure",
    "test_host_code_beside_a_kernel",
    "test_kernel_api_outside_a_kernel",
    "test_kernels_launched_from_host_threads",
    "test_path_through_numba",
)


def tests_only(tree):
    """{path: new text}: the pull request's tests alone, for a tree
    without the fix (numba's built-in one too), to show them failing."""
    (test_path,) = test_paths(tree)
    return {test_path: regression_test(tree.header())}


def test_paths(tree):
    """The pull request's test files."""
    return [os.path.join(tree.tests, TEST_NAME + ".py")]


def kept_paths(tree):
    """The files of the pull request that the fork's commits keep as it
    writes them: its tests and the user guide."""
    docs = os.path.join(tree.dest, DOCS)
    return test_paths(tree) + ([docs] if os.path.isfile(docs) else [])


SUBJECT = (
    "CUDA simulator: fix kernel API in closures, numba.cuda.X, host threads"
)

DESCRIPTION = exported_text("description.md")


def _changed_lines(old, new):
    """(added, removed) lines between two texts."""
    added = removed = 0
    for line in difflib.unified_diff(
        (old or "").splitlines(), new.splitlines(), lineterm="", n=0
    ):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def size(tree, fix):
    """(files, added, removed) of the pull request."""
    added = removed = 0
    for path, text in fix.items():
        a, r = _changed_lines(tree.read_if_exists(path), text)
        added += a
        removed += r
    return len(fix), added, removed


def description(tree, fix, origin=False):
    """The commit's message body; with ``origin``, the pull request's
    description, which also says where the change comes from."""
    files, added, removed = size(tree, fix)
    line = "%d files changed, +%d/-%d lines (%d in all, tests included)." % (
        files,
        added,
        removed,
        added + removed,
    )
    text = DESCRIPTION.format(size=line)
    return text + "\n" + ORIGIN if origin else text


def full_description(tree):
    """The pull request as a reviewer sees it: its title, then its
    description, from upstream's ``tree``."""
    fix = changes(tree)
    return "%s\n\n%s" % (SUBJECT, description(tree, fix, origin=True))
