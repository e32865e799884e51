"""synccheck: threads of a block that pass one barrier from different
``syncthreads`` calls, or from one call a different number of times; and
warp collectives whose mask names lanes that executed the same collective
with another mask.

Each thread records where it arrives (the kind of barrier and its source
line) and how many times it arrived there; when the barrier is released
the arrivals must agree. Threads that have exited do not arrive, and do
not count (the GPU lets them go since Volta).
"""

from . import report
from .events import Check


class SyncCheck(Check):
    """Keeps, since the last barrier, the masks each lane used at each
    warp collective."""

    name = "synccheck"

    def __init__(self, sanitizer):
        super().__init__(sanitizer)
        # (warp, lane, collective) -> {mask: where the lane used it}.
        self.masks = {}

    def block_begin(self, state):
        self.masks = {}

    def barrier(self, state, arrivals):
        """The arrivals of a barrier just released must agree."""
        self.masks = {}
        if len(arrivals) < 2:
            return
        sites = {}
        for thread, site, count in arrivals:
            sites.setdefault((site, count), []).append(thread)
        if len(sites) < 2:
            return
        groups = sorted(sites.items(), key=lambda kv: -len(kv[1]))
        (site_a, count_a), threads_a = groups[0]
        (site_b, count_b), threads_b = groups[1]
        if site_a == site_b:
            how = "the same %s a different number of times (%d, %d)" % (
                site_a[0],
                count_a,
                count_b,
            )
        else:
            how = "different barriers"
        block = state.block
        self.report.add(
            self.name,
            "divergent barrier: in block %s, threads %s at %s %s and "
            "threads %s at %s %s: %s"
            % (
                list(block.blockIdx),
                _threads(threads_a),
                site_a[0],
                report.site_text(site_a),
                _threads(threads_b),
                site_b[0],
                report.site_text(site_b),
                how,
            ),
            key=(site_a, site_b),
        )

    def warp_met(self, state, warp, meeting):
        """A lane the collective's mask names that did not come (it
        exited) but executed the same collective with another mask since
        the last barrier is a mismatch the GPU may hit in either order,
        whichever order the simulator ran them in."""
        from ..simulator.warp import hex_mask, lane_list

        name, mask = meeting.name, meeting.mask
        masks = self.masks
        arrived = meeting.arrived
        # Where the first lane that came called it.
        here = _warp_site(state, warp, (arrived & -arrived).bit_length() - 1)
        for lane in range(32):
            bit = 1 << lane
            if not mask & bit:
                continue
            # The masks it used there -> where it used each.
            used = masks.setdefault((warp, lane, name), {})
            if meeting.arrived & bit:
                used.setdefault(mask, _warp_site(state, warp, lane))
                continue
            for other in sorted(set(used) - {mask}):
                self.report.add(
                    self.name,
                    "warp mask mismatch: in block %s, warp %d, lanes %s met "
                    "at %s with mask %s at %s, which names lane %d; lane %d "
                    "executed %s with mask %s at %s: the GPU may run these "
                    "in either order, and then they wait for each other"
                    % (
                        list(state.block.blockIdx),
                        warp,
                        lane_list(meeting.arrived),
                        name,
                        hex_mask(mask),
                        _site_text(here),
                        lane,
                        lane,
                        name,
                        hex_mask(other),
                        _site_text(used[other]),
                    ),
                    key=(warp, name, mask, other),
                )

    def block_error(self, thread, text, frame):
        """The simulator's error is a finding, with the thread and its
        source line when the thread raised it."""
        site = report.kernel_site(frame) if frame is not None else None
        if site is not None and thread is not None:
            text += ", %s, at %s" % (
                report.thread_text(thread),
                report.site_text(site),
            )
        self.report.add(self.name, text)


def _warp_site(state, warp, lane):
    thread = state.threads.get(warp * 32 + lane) if lane >= 0 else None
    return None if thread is None else thread.warp_site


def _site_text(site):
    return "an unknown line" if site is None else report.site_text(site)


def _threads(threads, most=4):
    shown = ", ".join(str(list(t.threadIdx)) for t in threads[:most])
    if len(threads) > most:
        shown += ", ... (%d in all)" % len(threads)
    return "[%s]" % shown
