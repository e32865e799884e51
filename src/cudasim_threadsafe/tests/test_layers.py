"""The package's layers import downwards only (docs/design.md).

Read from the source files, so that the rule holds whatever a test run
happens to import.
"""

import ast
import os
import unittest

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "cudasim_threadsafe"

# Each layer may import the layers of a lower rank, and itself.
RANKS = {
    "errors": 0,
    "settings": 0,
    "importhook": 0,
    "simulator": 1,
    "checks": 2,
    "target": 2,
    "standalone": 2,
    "overlay": 3,
    "fronts": 4,
    "cli": 5,
    "_startup": 5,
    "__init__": 6,
    "__main__": 7,
}


def layer_of(parts):
    """The layer of module ``parts`` (its dotted name, package first)."""
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path, parts):
    """The package modules that the module at ``path`` imports, as
    dotted-name parts."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    is_package = os.path.basename(path) == "__init__.py"
    here = parts if is_package else parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
            else:
                base = []
            module = base + (node.module.split(".") if node.module else [])
            if module[:1] != [NAME]:
                continue
            if node.module is None or len(module) < 2:
                # ``from . import x``: x may be a module of its own.
                for alias in node.names:
                    yield module + [alias.name]
            else:
                yield module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module = alias.name.split(".")
                if module[0] == NAME:
                    yield module


class TestLayers(unittest.TestCase):
    def test_imports_point_down(self):
        wrong = []
        for folder, _, files in os.walk(PACKAGE):
            rel = os.path.relpath(folder, PACKAGE)
            if rel.split(os.sep)[0] in ("tests", "__pycache__"):
                continue
            for name in files:
                if not name.endswith(".py"):
                    continue
                prefix = [] if rel == "." else rel.split(os.sep)
                parts = [NAME] + prefix + [name[:-3]]
                if parts[-1] == "__init__" and prefix:
                    parts = parts[:-1]
                layer = layer_of(parts)
                path = os.path.join(folder, name)
                for target in imports(path, parts):
                    other = layer_of(target)
                    if other == "tests":
                        wrong.append((path, ".".join(target)))
                    elif other != layer and RANKS[other] >= RANKS[layer]:
                        wrong.append((path, ".".join(target)))
        self.assertEqual(wrong, [])

    def test_every_layer_is_ranked(self):
        found = {
            n[:-3] if n.endswith(".py") else n
            for n in os.listdir(PACKAGE)
            if n not in ("tests", "__pycache__")
            and (n.endswith(".py") or os.path.isdir(os.path.join(PACKAGE, n)))
        }
        self.assertEqual(found, set(RANKS))


if __name__ == "__main__":
    unittest.main()
