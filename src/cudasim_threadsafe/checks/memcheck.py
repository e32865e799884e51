"""memcheck: an index outside an array's bounds stops the launch.

``checkedarrays`` checks each index against every dimension of the array
(or view) accessed, negative indices included; this words the finding.
"""

from ..simulator import context
from . import report


def out_of_bounds(array, index, dim, frame):
    thread = context.thread_state.thread
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
    array.sanitizer.fail_now("memcheck", text, key=site)
