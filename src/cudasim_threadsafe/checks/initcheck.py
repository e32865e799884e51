"""initcheck: reading an element that nothing wrote.

Of a local or shared array (shared arrays start unwritten in every block),
and of device memory allocated while initcheck was on, which ``memory``
tracks across launches until each element is written. What is written is
the checked array's ``written`` (``memory``): an array whose ``written``
is None (an argument that is not tracked, a const array) counts as
written.
"""

from . import memory, report
from .events import Check


class InitCheck(Check):
    name = "initcheck"

    @staticmethod
    def device_allocation(ary):
        memory.track(ary)

    def load(self, thread, array, address, index, frame):
        written = array.written
        if written is not None and address not in written:
            site = report.site(frame)
            self.report.add(
                self.name,
                "uninitialized: %s read at index %s before anything wrote "
                "it, %s, at %s"
                % (
                    array.info.describe(),
                    report.index_text(index, array.ndarray.shape),
                    report.thread_text(thread),
                    report.site_text(site),
                ),
                key=site,
            )
