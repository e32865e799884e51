"""The sanitizer's report: findings grouped, counted, and worded.

Findings with the same check and the same source lines are one entry, with
the details of the first and how many times it happened, in the spirit of
compute-sanitizer's and Oclgrind's reports.
"""

import os
import warnings

from ..errors import SanitizerError, SanitizerWarning

MOST = 20


# A finding's level: an error fails the launch; a warning is reported
# with ``warnings.warn`` when the launch ends and the launch goes on.
ERROR = "error"
WARNING = "warning"


class Finding:
    __slots__ = ("check", "text", "count", "level")

    def __init__(self, check, text, level):
        self.check = check
        self.text = text
        self.count = 1
        self.level = level


class Report:
    """The findings of one launch, by (check, source lines)."""

    def __init__(self):
        self.findings = {}

    def __bool__(self):
        """Whether there is an error: warnings alone fail nothing."""
        return any(f.level == ERROR for f in self.findings.values())

    def add(self, check, text, key=None, level=ERROR):
        key = (check, key if key is not None else text)
        found = self.findings.get(key)
        if found is None:
            self.findings[key] = Finding(check, text, level)
        else:
            found.count += 1

    def error(self, kernel, kind=SanitizerError):
        """The errors as one exception of class ``kind``."""
        return kind(self._text(kernel, ERROR))

    def warn(self, kernel):
        """Issue the warnings, if any, as one ``SanitizerWarning``."""
        if any(f.level == WARNING for f in self.findings.values()):
            warnings.warn(
                self._text(kernel, WARNING), SanitizerWarning, stacklevel=2
            )

    def _text(self, kernel, level):
        findings = [f for f in self.findings.values() if f.level == level]
        lines = [
            "CUDA simulator sanitizer: %d %s%s in kernel %r"
            % (
                len(findings),
                "finding" if level == ERROR else "warning",
                "" if len(findings) == 1 else "s",
                kernel,
            )
        ]
        for finding in findings[:MOST]:
            times = "" if finding.count == 1 else " (%d times)" % finding.count
            lines.append("[%s] %s%s" % (finding.check, finding.text, times))
        if len(findings) > MOST:
            lines.append("and %d more" % (len(findings) - MOST))
        return "\n".join(lines)


def site(frame):
    """Where the kernel's code is: ``(file, line, function)``."""
    code = frame.f_code
    return (code.co_filename, frame.f_lineno, code.co_name)


# Frames of this package (every layer) are not the kernel's source.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_TESTS = _PACKAGE + "tests" + os.sep
_UPSTREAM = os.sep + os.path.join("numba", "cuda", "")
_UPSTREAM_TESTS = _UPSTREAM + "tests" + os.sep


def kernel_site(frame):
    """The ``site`` of the kernel's code that called into the simulator
    from ``frame`` outwards (past this package's frames and numba's, but
    for their tests), or None."""
    frame = kernel_frame(frame)
    return None if frame is None else site(frame)


def kernel_frame(frame):
    """The frame of ``kernel_site``, or None."""
    while frame is not None and not in_kernel(frame):
        frame = frame.f_back
    return frame


def in_kernel(frame):
    """Whether ``frame`` runs the kernel's code (or the user's on the
    host): not this package's, nor numba's CUDA target's."""
    code = frame.f_code
    known = _kernel_code.get(code)
    if known is None:
        known = _kernel_code[code] = _is_kernel_code(code.co_filename)
    return known


# Code object -> whether it is the kernel's (``kernel_site``).
_kernel_code = {}


def _is_kernel_code(filename):
    filename = os.path.abspath(filename)
    if filename.startswith(_PACKAGE):
        return filename.startswith(_TESTS)
    return _UPSTREAM not in filename or _UPSTREAM_TESTS in filename


def site_text(site):
    """``file:line (function)`` of a ``site``; a barrier's site starts
    with its kind."""
    filename, line, function = site[-3:]
    return "%s:%d (%s)" % (filename, line, function)


def made_text(made):
    """Where an array was made: ``made`` is ``(how, site, caller)``, with
    ``caller`` the site that called the helper that made it, or None."""
    how, where, caller = made
    text = "%s at %s" % (how, site_text(where))
    if caller is not None:
        text += ", called from %s" % site_text(caller)
    return text


def thread_text(thread):
    return "tid=%s ctaid=%s" % (list(thread.threadIdx), list(thread.blockIdx))


def index_text(index, shape=None):
    """``[i, j]`` of an element's index, NumPy integers as plain ones; with
    the array's ``shape``, a negative index as the element it wraps to."""
    if not isinstance(index, tuple):
        index = (index,)
    index = [int(i) for i in index]
    if shape is not None:
        index = [i % n if -n <= i < 0 else i for i, n in zip(index, shape)]
    return "[%s]" % ", ".join(map(str, index))
