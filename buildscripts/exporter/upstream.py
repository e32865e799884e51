"""Finding upstream code, and editing it where it stands.

Upstream modules are located by their syntax tree (names and line numbers)
and changed by line edits; nothing of upstream's text is carried in this
repository.
"""

import ast
import os
import re


class NotRecognized(Exception):
    """DEST is not a tree this export knows how to change."""


class ExportError(Exception):
    """This package's own sources cannot be exported as they stand."""


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

    def read_if_exists(self, path):
        return current(path)

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
        return tidy_end(lines)

    # Spans of statements

    def first_line(self, node):
        """The node's first line, decorators and comments right above it
        included."""
        line = min([node.lineno] + [d.lineno for d in decorators_of(node)])
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
            elif end is not None or not is_docstring(node):
                break
        if end is None:
            raise NotRecognized("%s has no imports at its top" % self.name)
        return end


def decorators_of(node):
    return getattr(node, "decorator_list", [])


def is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(
        getattr(node, "value", None), ast.Constant
    )


def tidy_end(lines):
    # Comments left after the last statement described what was removed.
    while lines and (not lines[-1].strip() or lines[-1].startswith("#")):
        lines.pop()
    return "\n".join(lines) + "\n"


def top_level(tree, kind, name):
    for node in tree.body:
        if isinstance(node, kind) and getattr(node, "name", None) == name:
            return node
    return None


def assigned_name(node):
    """The one name a top-level ``name = ...`` binds, else None."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target = node.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def used_names(nodes):
    """Names read anywhere in ``nodes``."""
    used = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                used.add(sub.id)
    return used


def bound_name(alias):
    return alias.asname or alias.name.split(".")[0]


def format_import(node, indent=""):
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

    before = used_names(n for n in body if n not in imports)
    before |= set(read_before)
    changed = True
    while changed:
        changed = False
        used = used_names(kept())
        for node in kept():
            name = assigned_name(node)
            if (
                name
                and name.startswith("_")
                and name in before
                and name not in used
                and not read_elsewhere(name)
            ):
                removed.append(node)
                changed = True
    used = used_names(kept())
    for node in removed:
        source.remove(node)
    for node in imports:
        names = [a for a in node.names if a.name != "*"]
        dead = [
            a
            for a in names
            if bound_name(a) in before and bound_name(a) not in used
        ]
        if not dead:
            continue
        if len(dead) == len(node.names):
            source.replace(node.lineno, node.end_lineno, [])
        else:
            node.names = [a for a in node.names if a not in dead]
            source.replace(node.lineno, node.end_lineno, format_import(node))


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


def import_from(level, module, names):
    return ast.ImportFrom(module=module, names=names, level=level)


def imports_name(tree, module, name, asname):
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


def method_of(tree, class_name, name):
    cls = top_level(tree, ast.ClassDef, class_name)
    for node in cls.body if cls is not None else ():
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def reads(node, name):
    """Whether the function ``node`` reads the global or builtin ``name``."""
    return node is not None and name in used_names([node])


def merged(imports):
    """One ``from .x import a, b`` per module, in order of appearance."""
    by_module = {}
    for node in imports:
        by_module.setdefault(node.module, []).extend(node.names)
    return [import_from(1, m, names) for m, names in by_module.items()]


def is_simulator_check(node):
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "config.ENABLE_CUDASIM",
        "numba.core.config.ENABLE_CUDASIM",
    )


def current(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def withs_calling(node, name):
    """The ``with name(...):`` statements anywhere in ``node``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.With) and len(sub.items) == 1:
            entered = sub.items[0].context_expr
            if isinstance(entered, ast.Call) and (
                getattr(entered.func, "id", None) == name
            ):
                yield sub


def unwrap_with(source, node):
    """Replace the ``with`` statement ``node`` by its body."""
    indent = node.body[0].col_offset - node.col_offset
    body = []
    for line in source.lines[node.lineno : node.end_lineno]:
        if line.strip() and not line.startswith(" " * indent):
            raise NotRecognized("%s: %r is not indented" % (source.name, line))
        body.append(line[indent:])
    source.replace(node.lineno, node.end_lineno, body)


def format_call(indent, prefix, args, suffix=""):
    """``prefix(args)suffix`` as ruff formats it: on one line if it fits,
    else the arguments on a line of their own, else one per line."""
    line = "%s%s(%s)%s" % (indent, prefix, ", ".join(args), suffix)
    if len(line) <= 80:
        return [line]
    inner = indent + "    " + ", ".join(args)
    if len(inner) <= 80:
        return [indent + prefix + "(", inner, indent + ")" + suffix]
    return (
        [indent + prefix + "("]
        + [indent + "    " + arg + "," for arg in args]
        + [indent + ")" + suffix]
    )
