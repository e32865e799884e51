"""synccheck: threads of a block that pass one barrier from different
``syncthreads`` calls, or from one call a different number of times; and
lanes of a warp collective whose masks differ.

Each thread records where it arrives (the kind of barrier and its source
line) and how many times it arrived there; when the barrier is released
the arrivals must agree. Threads that have exited do not arrive, and do
not count (the GPU lets them go since Volta).

PTX asks the lanes of a ``.sync`` collective for the same mask. The
simulator runs lanes whose masks differ as a GPU does (``warp.py``), and
this check reports them: as a warning where the masks differ only in
lanes that have exited (a mask taken by ``activemask()`` before a lane
returned, another after), as every lane's result is the one it would be
with equal masks; as an error where they differ in lanes that have not,
since what each lane's result counts is then undefined.
"""

from ..simulator.warp import hex_mask, lane_list
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
        """Lanes met with different masks; or a lane a mask names did not
        come (it exited) but executed the same collective with another
        mask since the last barrier: a mismatch the GPU may hit in either
        order, whichever order the simulator ran them in."""
        if meeting.masks is not None:
            self._masks_differ(state, warp, meeting)
        name = meeting.name
        masks = self.masks
        arrived = meeting.arrived
        active = state.block.warps.active(warp)
        # The lanes of each mask used here, and where the first used it,
        # once a lane that did not come asks.
        groups = None
        for lane in range(32):
            bit = 1 << lane
            if not meeting.mask & bit:
                continue
            # The masks it used there -> where it used each.
            used = masks.setdefault((warp, lane, name), {})
            if arrived & bit:
                used.setdefault(
                    meeting.own_mask(lane), _warp_site(state, warp, lane)
                )
                continue
            if groups is None:
                groups = _by_mask(state, warp, meeting)
            naming = [g for g in groups if g[0] & bit]
            for other in sorted(set(used) - {g[0] for g in naming}):
                mask, lanes, here = naming[0]
                differ = mask ^ other
                live = differ & (active | bit)
                if live:
                    how = "in lanes %s, which have not exited" % lane_list(live)
                else:
                    how = "only in lanes %s, which have exited since" % (
                        lane_list(differ)
                    )
                self.report.add(
                    self.name,
                    "warp mask mismatch: in block %s, warp %d, lanes %s met "
                    "at %s with mask %s at %s, which names lane %d; lane %d "
                    "executed %s with mask %s at %s: the GPU may run these "
                    "in either order, and then they meet with masks that "
                    "differ %s"
                    % (
                        list(state.block.blockIdx),
                        warp,
                        lane_list(lanes),
                        name,
                        hex_mask(mask),
                        _site_text(here),
                        lane,
                        lane,
                        name,
                        hex_mask(other),
                        _site_text(used[other]),
                        how,
                    ),
                    key=(name, here, used[other], bool(live)),
                    level=report.ERROR if live else report.WARNING,
                )

    def _masks_differ(self, state, warp, meeting):
        """The lanes of ``meeting`` came with different masks: a warning
        if they differ only in lanes that have exited, else an error."""
        groups = _by_mask(state, warp, meeting)
        union = intersection = groups[0][0]
        for mask, _, _ in groups:
            union |= mask
            intersection &= mask
        differ = union & ~intersection
        live = differ & state.block.warps.active(warp)
        (mask_a, lanes_a, site_a), (mask_b, lanes_b, site_b) = groups[:2]
        if live:
            why = (
                "they differ in lanes %s, which have not exited: which "
                "lanes each result counts is undefined (here, those of "
                "the lane's own mask)" % lane_list(live)
            )
        else:
            why = (
                "they differ only in lanes %s, which had exited, so every "
                "lane's result is the one of equal masks, but PTX asks "
                "for the same mask" % lane_list(differ)
            )
        self.report.add(
            self.name,
            "warp mask mismatch: in block %s, warp %d, lanes %s met at %s "
            "with mask %s at %s, which names lanes %s; lanes %s came with "
            "mask %s at %s: the GPU runs them as one collective; %s"
            % (
                list(state.block.blockIdx),
                warp,
                lane_list(lanes_a),
                meeting.name,
                hex_mask(mask_a),
                _site_text(site_a),
                lane_list(mask_a & ~mask_b),
                lane_list(lanes_b),
                hex_mask(mask_b),
                _site_text(site_b),
                why,
            ),
            key=(meeting.name, bool(live), site_a, site_b),
            level=report.ERROR if live else report.WARNING,
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


def _by_mask(state, warp, meeting):
    """``(mask, lanes, site)`` for each mask the lanes of ``meeting`` came
    with: the widest mask first (so that it names a lane the second does
    not), then the one of the most lanes; ``site`` is where the first of
    the lanes called it."""
    lanes = {}
    for lane in range(32):
        if meeting.arrived >> lane & 1:
            own = meeting.own_mask(lane)
            lanes[own] = lanes.get(own, 0) | 1 << lane
    groups = [
        (
            mask,
            came,
            _warp_site(state, warp, (came & -came).bit_length() - 1),
        )
        for mask, came in lanes.items()
    ]
    groups.sort(key=lambda g: (-_count(g[0]), -_count(g[1]), g[0]))
    return groups


def _count(bits):
    return bin(bits).count("1")


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
