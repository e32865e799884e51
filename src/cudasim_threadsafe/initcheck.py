"""initcheck: reading an element of a local or shared array that nothing
wrote (shared arrays start unwritten in every block)."""

from . import report


def uninitialized(sanitizer, thread, array, index, frame):
    from .sanitize import _site, site_text

    site = _site(frame)
    sanitizer.report.add(
        "initcheck",
        "uninitialized: %s read at index %s before anything wrote it, %s, "
        "at %s"
        % (
            array.info.describe(),
            report.index_text(index),
            report.thread_text(thread),
            site_text(site),
        ),
        key=site,
    )
