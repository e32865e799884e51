"""initcheck: reading an element of a local or shared array that nothing
wrote (shared arrays start unwritten in every block)."""

from . import report


def uninitialized(sanitizer, thread, array, index, frame):
    site = report.site(frame)
    sanitizer.report.add(
        "initcheck",
        "uninitialized: %s read at index %s before anything wrote it, %s, "
        "at %s"
        % (
            array.info.describe(),
            report.index_text(index),
            report.thread_text(thread),
            report.site_text(site),
        ),
        key=site,
    )
