"""memcheck: an index outside an array's bounds stops the launch.

``checkedarrays`` checks each index against every dimension of the array
(or view) accessed, [-n, n) in bounds as the GPU wraps a negative index,
and sends the ones outside (``out_of_bounds``); this words the finding
and raises it at the access, so nothing is read or written outside an
array.
"""

from . import report
from .events import Check


class MemCheck(Check):
    name = "memcheck"

    def out_of_bounds(self, thread, array, index, dim, frame):
        site = report.site(frame)
        text = (
            "out of bounds: %s at index %s (dimension %d has %d elements), "
            "%s, at %s"
            % (
                array.info.describe(),
                report.index_text(index),
                dim,
                array.ndarray.shape[dim],
                report.thread_text(thread) if thread is not None else "host",
                report.site_text(site),
            )
        )
        self.sanitizer.fail_now(self.name, text, key=site)
