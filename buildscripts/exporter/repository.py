"""The fork's edits of numba-cuda's repository outside ``numba.cuda``: the
dependency its launcher runs on, and the user guide's page on the
simulator. Each step takes the texts written so far ({path: text}) and
returns the files it changes; a git checkout only (none in site-packages).
"""

import os

from .carried import text as exported_text
from .upstream import NotRecognized, current

GREENLET = "greenlet>=3.0"
DOCS = os.path.join("docs", "source", "user", "simulator.rst")


def _read(tree, texts, relpath):
    path = os.path.join(tree.dest, relpath)
    return path, texts.get(path, current(path))


def greenlet_dependency(tree, texts):
    """pyproject.toml: greenlet, which the launcher runs blocks on, among
    numba-cuda's dependencies."""
    path, text = _read(tree, texts, "pyproject.toml")
    if text is None:
        return {}
    lines = text.split("\n")
    try:
        start = lines.index("dependencies = [")
        end = lines.index("]", start)
    except ValueError:
        raise NotRecognized("pyproject.toml: no dependencies list") from None
    if any('"greenlet' in line for line in lines[start:end]):
        return {}
    lines.insert(end, '    "%s",' % GREENLET)
    return {path: "\n".join(lines)}


def _paragraph(lines, first_words):
    """(start, end) of the one paragraph starting with ``first_words``."""
    found = [i for i, line in enumerate(lines) if line.startswith(first_words)]
    if len(found) != 1:
        raise NotRecognized("%s: %r changed" % (DOCS, first_words))
    end = found[0] + 1
    while end < len(lines) and lines[end].strip():
        if lines[end].startswith("* "):
            break
        end += 1
    return found[0], end


def _edit_docs(tree, texts, replace=(), add=None):
    """The user guide with each paragraph or bullet starting with a key of
    ``replace`` replaced by its text (None: removed), and ``add`` (a file
    of ``texts/``) appended to the list of supported features."""
    path, text = _read(tree, texts, DOCS)
    if text is None:
        return {}
    lines = text.split("\n")
    for first_words, new in replace:
        start, end = _paragraph(lines, first_words)
        lines[start:end] = [] if new is None else new.rstrip("\n").split("\n")
    if add is not None:
        start, _ = _paragraph(lines, "Some limitations of the simulator")
        while start and not lines[start - 1].strip():
            start -= 1
        lines[start:start] = exported_text(add).rstrip("\n").split("\n")
    return {path: "\n".join(lines)}


def launcher_docs(tree, texts):
    """How blocks run now; warps and barriers as the launchers give them."""
    return _edit_docs(
        tree,
        texts,
        replace=(
            (
                "Execution of kernels is performed by the simulator",
                exported_text("simulator_docs_execution.rst"),
            ),
            ("* Warps and warp-level operations are not yet implemented", None),
            (
                "* Cooperative grids:",
                exported_text("simulator_docs_cooperative.rst"),
            ),
        ),
        add="simulator_docs_launchers.rst",
    )


def libdevice_docs(tree, texts):
    return _edit_docs(tree, texts, add="simulator_docs_libdevice.rst")
