"""The one interface between a sanitized launch and its checks.

``Check`` has a method for each event of a launch, doing nothing; a check
subclasses it and overrides the events it needs, as an Oclgrind plugin
does. The launch's ``sanitize.LaunchSanitizer`` sends an event only to
the checks that override it, so an event that no check on hears costs
nothing.

There is no atomic event: an atomic operation (``cuda.atomic``) reaches
the checks as the load and the store it makes, while ``thread.atomic`` is
set. Nor a kernel or block end: no check has anything left to do there.
"""


class Check:
    """One check of one launch; ``name`` is its name in
    ``settings.CHECKS`` and in the report.

    ``sanitizer`` is the launch's ``LaunchSanitizer``: its ``report``
    takes the findings. ``thread`` is the simulated thread that made the
    event (a ``SanitizedThread``), or None on the host; ``state`` is the
    running block's ``sanitize.BlockState``; ``array`` a
    ``checkedarrays.CheckedArray``; ``frame`` the frame of the kernel's
    code that made the access.
    """

    name = None

    def __init__(self, sanitizer):
        self.sanitizer = sanitizer
        self.report = sanitizer.report

    @staticmethod
    def device_allocation(ary):
        """Device memory (the ndarray ``ary``) was just allocated on the
        host while this check is on. Sent outside any launch, so to the
        class."""

    def block_begin(self, state):
        """A block starts: ``state`` is new, and so is its shared
        memory."""

    def load(self, thread, array, address, index, frame):
        """The element at ``address`` (the int its memory is at) of
        ``array``, ``array[index]``, was read."""

    def store(self, thread, array, address, index, value, frame):
        """``value`` is about to be written to the element at ``address``
        of ``array``, ``array[index]``: ``array.ndarray[index]`` still
        holds the old value, and ``array.written`` does not have the
        element yet unless something wrote it before."""

    def out_of_bounds(self, thread, array, index, dim, frame):
        """``array[index]`` is about to be read or written, and the index
        of dimension ``dim`` is outside the array: a check that hears
        this raises, or NumPy makes of the index what it will."""

    def barrier(self, state, arrivals):
        """The block's barrier released its threads: ``arrivals`` is
        ``(thread, site, count)`` of each thread that arrived (site: the
        kind of barrier and its source line; count: how many times the
        thread arrived there). Its accesses since the last barrier are
        ordered before the ones that follow (``state.epoch`` counts this
        one once the event is sent)."""

    def warp_met(self, state, warp, meeting):
        """The lanes of ``warp`` met at a collective and completed it
        (``meeting``, a ``warp.Meeting``: its name, mask and the lanes
        that arrived)."""

    def block_error(self, thread, text, frame):
        """The simulator's own error ``text`` in the running block: a
        warp collective's mask, a deadlock. ``frame`` is where the thread
        raised it, or None when the launcher did. When a check hears this
        the error is a finding: the launch raises the report."""
