"""Warp-level intrinsics of the CUDA simulator.

A warp is 32 consecutive threads of a block by linear thread id (x
fastest); the lane is that id modulo 32. Each ``*_sync`` collective is a
meeting of the lanes of its mask, as PTX defines the ``.sync`` warp
instructions: a lane waits "until all non-exited threads from membermask
have executed" an instruction of the same kind and qualifiers, wherever
each calls it. Lanes that have exited, and lanes a partial last warp does
not have, are not waited for; an exit while lanes wait completes their
meeting if it was the last one missing. Votes, ballots and matches count
the lanes that came. The launcher suspends and resumes the lanes
(``collective``); this module keeps who is meeting where, and computes
the results.

Masks that differ (PTX asks for the same value; a mask taken by
``activemask()`` before a lane exited and one taken after it differ in
that lane) are run as the GPU runs them: lanes at the same kind of
collective whose masks name one another meet as one, which ends when every
lane any of their masks names has come or exited, and each lane's result
counts the lanes of its own mask that came. A sanitizer hears of such a
meeting (``Warps.on_synced``, ``Meeting.masks``).

What hangs or is undefined on a GPU is an error here, never a hang or a
silent answer: a mask that leaves out the calling lane; lanes that wait
for each other at different collectives (another kind or qualifier); a
shuffle reading a lane outside its mask, or one that exited or does not
exist.
"""

import operator
import struct

import numpy as np

FULL_MASK = 0xFFFFFFFF
# Threads a warp. A thread's lane is its id modulo WARP_SIZE, its warp the
# quotient: the hot paths write ``& 31`` and ``>> 5``, as a module constant
# costs a global lookup there.
WARP_SIZE = 32

# What the warp functions of numba's built-in target call; numba-cuda's
# target does not export them.
BUILTIN_TARGET_NAMES = ("shfl_sync_intrinsic", "vote_sync_intrinsic")

# The intrinsics of both targets, methods of ``simthread.SimulatedThread``
# and members of the simulator's ``FakeCUDAModule``.
INTRINSICS = (
    "activemask",
    "lanemask_lt",
    "syncwarp",
    "all_sync",
    "any_sync",
    "eq_sync",
    "ballot_sync",
    "shfl_sync",
    "shfl_up_sync",
    "shfl_down_sync",
    "shfl_xor_sync",
    "match_any_sync",
    "match_all_sync",
)

# shfl.sync modes, as the PTX instruction numbers them.
IDX, UP, DOWN, BFLY = 0, 1, 2, 3

# The meetings of the built-in target's intrinsics, by mode: a mode is a
# qualifier of the instruction, and lanes meet only at the same one.
SHFL_NAMES = tuple("shfl_sync_intrinsic mode %d" % m for m in range(4))
VOTE_NAMES = tuple("vote_sync_intrinsic mode %d" % m for m in range(4))

# What shuffles and matches take: an integer or a float, which numba types
# as i4, i8, f4 or f8. A match also takes a bool, which numba-cuda converts
# to the int32 0 or 1; its shuffles refuse one.
VALUE_TYPES = (int, float, np.integer, np.floating)
COMMON_TYPES = frozenset(
    (int, float, np.int32, np.int64, np.float32, np.float64)
)


class Meeting:
    """The lanes of one warp meeting at one collective: who has come, the
    value each brought, and the threads waiting for the others. When it is
    ``done``, ``Warps`` resumes them through the block."""

    __slots__ = (
        "name",
        "mask",
        "masks",
        "arrived",
        "values",
        "waiting",
        "done",
        "result",
        "absorbed",
    )

    def __init__(self, name, mask):
        self.name = name
        # The lanes waited for: the union of the masks of the lanes that
        # came.
        self.mask = mask
        # Each lane's own mask, where the lanes came with different masks;
        # None while they all came with ``mask``.
        self.masks = None
        self.arrived = 0
        self.values = [None] * 32
        self.waiting = []
        self.done = False
        # Computed once, by the first lane that asks (votes, matches); the
        # mask, for activemask.
        self.result = None
        # Meetings merged into this one, whose lanes hold them.
        self.absorbed = None

    def add_mask(self, lane, mask):
        """Lane ``lane`` came with ``mask``, another than the others'."""
        if self.masks is None:
            self.masks = [self.mask] * 32
        self.masks[lane] = mask
        self.mask |= mask

    def own_mask(self, lane):
        """The mask that ``lane`` called the collective with."""
        return self.mask if self.masks is None else self.masks[lane]

    def came(self, lane):
        """The lanes of ``lane``'s own mask that came: what its vote,
        ballot or match counts."""
        if self.masks is None:
            return self.arrived
        return self.arrived & self.masks[lane]

    def describe(self):
        if self.masks is None:
            return "%s with mask %s" % (self.name, hex_mask(self.mask))
        return "%s with masks %s" % (self.name, masks_text(self))


class Warps:
    """The warps of one running block: the lanes that exist and have
    exited, and the collectives under way."""

    def __init__(self, block, count):
        self.block = block
        self.count = count
        n = -(-count // WARP_SIZE)
        # Each warp's lanes that exist: all of them, but in a partial last
        # warp.
        self.existing = [
            (1 << min(WARP_SIZE, count - WARP_SIZE * w)) - 1 for w in range(n)
        ]
        self.exited = [0] * n
        # Warp index -> the meetings not yet complete.
        self.pending = {}
        # Warp index -> the lanes gathered at activemask.
        self.gathering = {}
        # Told (warp, meeting) when a collective completes, where a
        # sanitizer orders accesses by it and checks its mask.
        self.on_synced = None

    def active(self, warp):
        """The lanes of ``warp`` that exist and have not exited."""
        return self.existing[warp] & ~self.exited[warp]

    def join(self, thread, name, mask, value):
        """The meeting that ``thread`` joins at collective ``name``, with
        its lane marked as arrived and its ``value``, done if no lane that
        the masks of its lanes name, and that has not exited, is missing;
        raises for lanes that would wait for each other for ever."""
        thread_id = thread.thread_id
        warp = thread_id >> 5
        lane = thread_id & 31
        bit = 1 << lane
        if type(mask) is not int:
            mask = _integer_mask(name, mask)
        mask &= FULL_MASK
        if not mask & bit:
            raise self.error(
                name,
                "lane %d of warp %d called it with mask %s, which leaves "
                "out its own lane" % (lane, warp, hex_mask(mask)),
            )
        pending = self.pending.get(warp)
        meeting = None
        if pending is None:
            pending = self.pending[warp] = []
        else:
            for other in pending:
                if other.mask == mask and other.name == name:
                    meeting = other
                    break
            if meeting is None or len(pending) > 1:
                meeting = self._connect(name, mask, warp, lane, meeting)
        if meeting is None:
            meeting = Meeting(name, mask)
            pending.append(meeting)
        elif mask != meeting.mask or meeting.masks is not None:
            meeting.add_mask(lane, mask)
        meeting.values[lane] = value
        meeting.arrived |= bit
        if (
            meeting.arrived
            == meeting.mask & self.existing[warp] & ~self.exited[warp]
        ):
            self._complete(warp, meeting)
        return meeting

    def _connect(self, name, mask, warp, lane, meeting):
        """The meeting of collective ``name`` that a lane with ``mask``
        joins: one whose masks name the lane or whose lanes the mask names
        (merged into one if several do), or ``meeting``, or None. Lanes
        that wait for each other at different collectives would wait for
        ever: a GPU leaves that undefined (``different collectives``)."""
        bit = 1 << lane
        pending = self.pending[warp]
        for other in list(pending):
            if other is meeting or not (
                other.mask & bit or other.arrived & mask
            ):
                continue
            if other.name != name:
                if other.mask & bit and other.arrived & mask:
                    raise self.error(
                        name,
                        "lanes of one mask meet at different collectives: "
                        "lanes %s of warp %d wait at %s, lane %d reached %s "
                        "with mask %s"
                        % (
                            lane_list(other.arrived),
                            warp,
                            other.describe(),
                            lane,
                            name,
                            hex_mask(mask),
                        ),
                    )
            elif meeting is None:
                meeting = other
            else:
                _merge(meeting, other)
                pending.remove(other)
        return meeting

    def _complete(self, warp, meeting):
        """Every lane of ``meeting`` not exited is there: resume them."""
        pending = self.pending[warp]
        pending.remove(meeting)
        if not pending:
            del self.pending[warp]
        meeting.done = True
        if meeting.absorbed is not None:
            for other in meeting.absorbed:
                _share(other, meeting)
        if self.on_synced is not None:
            self.on_synced(warp, meeting)
        self.block.resume(meeting.waiting)

    def gather(self, thread):
        """``activemask``: the lane waits until every lane of its warp that
        has not exited is there too, or no thread of the block can run on
        (``release_gatherings``). The gathering; its ``result``, the mask,
        is set when it completes, the same for every lane."""
        warp = thread.thread_id >> 5
        gathering = self.gathering.get(warp)
        if gathering is None:
            gathering = self.gathering[warp] = Meeting("activemask", None)
        gathering.arrived |= 1 << (thread.thread_id & 31)
        self._gathered(warp, gathering)
        return gathering

    def _gathered(self, warp, gathering, at_last=False):
        """Complete ``gathering`` if every lane not exited is there, or
        ``at_last``: its lanes may run on."""
        active = self.active(warp)
        if at_last or gathering.arrived == active:
            gathering.result = active
            gathering.done = True
            del self.gathering[warp]
            self.block.resume(gathering.waiting)

    def release_gatherings(self):
        """No other thread can run: lanes elsewhere (at a barrier, a
        collective) count as active, as the simulator cannot see
        divergence."""
        for warp, gathering in list(self.gathering.items()):
            self._gathered(warp, gathering, at_last=True)

    # Events of the block (``simthread.Block``), which the launchers emit.

    def thread_exited(self, thread):
        """``thread`` has ended: lanes no longer wait for it at activemask
        or at a collective, whose meeting completes if it was the last lane
        missing."""
        thread_id = thread.thread_id
        warp = thread_id >> 5
        bit = 1 << (thread_id & 31)
        self.exited[warp] |= bit
        if self.pending or self.gathering:
            self._no_longer_waited_for(warp, bit)

    def all_waiting(self):
        """No thread of the block can run: lanes at activemask may read
        their mask now (``release_gatherings``). True if some may run."""
        if not self.gathering:
            return False
        self.release_gatherings()
        return True

    def barrier_released(self):
        """Nothing to do: a block barrier changes no warp's meetings."""

    def _no_longer_waited_for(self, warp, bit):
        """Lane ``bit`` of ``warp`` has exited: complete what waited only
        for it."""
        gathering = self.gathering.get(warp)
        if gathering is not None:
            self._gathered(warp, gathering)
        pending = self.pending.get(warp)
        if pending:
            active = self.active(warp)
            for meeting in [m for m in pending if m.mask & bit]:
                if meeting.arrived == meeting.mask & active:
                    self._complete(warp, meeting)

    def waiting(self):
        """The threads suspended at collectives and at activemask."""
        threads = [
            t for ms in self.pending.values() for m in ms for t in m.waiting
        ]
        for gathering in self.gathering.values():
            threads += gathering.waiting
        return threads

    def clear(self):
        self.pending.clear()
        self.gathering.clear()

    def waits(self):
        """For a deadlock report: who waits for whom at collectives, one
        text a meeting."""
        return [
            "lanes %s of warp %d wait at %s for lanes %s"
            % (
                lane_list(m.arrived),
                warp,
                m.describe(),
                lane_list(m.mask & self.active(warp) & ~m.arrived),
            )
            for warp, meetings in sorted(self.pending.items())
            for m in meetings
        ]

    def unread(self, thread, meeting, source):
        """The error for a shuffle by ``thread`` that reads lane
        ``source``, which did not come to ``meeting`` or is not in the
        thread's mask: undefined on a GPU."""
        warp, lane = divmod(thread.thread_id, WARP_SIZE)
        own = meeting.own_mask(lane)
        if not own >> source & 1:
            why = "which is not in the mask %s" % hex_mask(own)
        elif not self.existing[warp] >> source & 1:
            why = "which does not exist (the block has %d threads)" % (
                self.count
            )
        else:
            why = "which has exited"
        return self.error(
            meeting.name,
            "lane %d of warp %d reads lane %d, %s" % (lane, warp, source, why),
        )

    def error(self, name, text):
        return self.block.error("%s: %s" % (name, text))


def hex_mask(mask):
    return "0x%08x" % mask


def lane_list(mask):
    """The lanes of ``mask``, runs written first-last: ``[0-15, 20]``."""
    runs = []
    for lane in range(32):
        if mask >> lane & 1:
            if runs and runs[-1][1] == lane - 1:
                runs[-1][1] = lane
            else:
                runs.append([lane, lane])
    return "[%s]" % ", ".join(
        str(a) if a == b else "%d-%d" % (a, b) for a, b in runs
    )


def masks_text(meeting):
    """The masks of a meeting whose lanes came with different ones, each
    with its lanes: ``0x0000ffff (lanes [8-15]), 0x0000fbff (lanes [0])``."""
    by_mask = {}
    for lane in range(32):
        if meeting.arrived >> lane & 1:
            own = meeting.masks[lane]
            by_mask[own] = by_mask.get(own, 0) | 1 << lane
    return ", ".join(
        "%s (lanes %s)" % (hex_mask(m), lane_list(lanes))
        for m, lanes in by_mask.items()
    )


def _merge(meeting, other):
    """Lanes of ``other`` join ``meeting``: a lane came whose mask names
    lanes of both."""
    for lane in range(32):
        if other.arrived >> lane & 1:
            meeting.values[lane] = other.values[lane]
            own = other.own_mask(lane)
            if own != meeting.mask or meeting.masks is not None:
                meeting.add_mask(lane, own)
    meeting.arrived |= other.arrived
    meeting.waiting += other.waiting
    absorbed = meeting.absorbed or []
    absorbed.append(other)
    absorbed += other.absorbed or ()
    meeting.absorbed = absorbed


def _share(other, meeting):
    """A meeting merged into ``meeting``, which is done: its lanes, which
    hold it, read the same."""
    other.mask = meeting.mask
    other.masks = meeting.masks
    other.arrived = meeting.arrived
    other.values = meeting.values
    other.done = True


def _integer_mask(name, mask):
    try:
        return int(mask)
    except (TypeError, ValueError):
        raise TypeError(
            "%s: the mask must be an integer, not %r" % (name, mask)
        ) from None


def _check_value(name, value):
    if isinstance(value, bool) or not isinstance(value, VALUE_TYPES):
        raise TypeError(
            "%s takes a 32- or 64-bit integer or float, not %r"
            % (name, type(value).__name__)
        )


def _bits(name, value):
    """What ``match_*_sync`` compares: the value's bits, not its number;
    a bool's as the int32 0 or 1 that the compiler makes of it."""
    if isinstance(value, (bool, np.bool_)):
        value = np.int32(value)
    elif not isinstance(value, VALUE_TYPES):
        raise TypeError(
            "%s takes an integer, float or bool, not %r"
            % (name, type(value).__name__)
        )
    if isinstance(value, np.generic):
        return value.dtype.char, value.tobytes()
    if isinstance(value, float):
        return "d", struct.pack("<d", value)
    return "q", int(value)


def _int32(bits):
    """A 32-bit mask as numba types it (i4): lane 31 makes it negative."""
    return np.int32(bits - (1 << 32) if bits >> 31 else bits)


# The intrinsics. Each takes the calling simulated thread first: they are
# methods of ``simthread.SimulatedThread``.


def activemask(thread):
    """The lanes of the caller's warp that have not exited, read when the
    lanes not exited are all there (see ``Warps.gather``): lanes returning
    early have exited by then, whatever order the launcher runs them in,
    and every lane gets the same mask. The simulator does not see
    divergence: lanes elsewhere count as active."""
    return np.uint32(thread.block.activemask(thread))


def lanemask_lt(thread):
    return np.uint32((1 << (thread.thread_id & 31)) - 1)


def syncwarp(thread, mask=FULL_MASK):
    thread.block.collective(thread, "syncwarp", mask, None)


def shfl_sync_intrinsic(thread, mask, mode, value, offset, clamp):
    """``shfl.sync`` as PTX defines it: ``(value, predicate)``, the value
    of the source lane, or the caller's own where the source is out of
    range (predicate false)."""
    name = "shfl_sync_intrinsic"
    if mode not in (IDX, UP, DOWN, BFLY):
        raise ValueError("%s: mode must be 0, 1, 2 or 3, not %r" % (name, mode))
    meeting = _shuffled(thread, SHFL_NAMES[mode], mask, value)
    lane = thread.thread_id & 31
    b = int(offset) & 31
    c = clamp & 31
    segment = (clamp >> 8) & 31
    top = (lane & segment) | (c & ~segment)
    if mode == IDX:
        source = (lane & segment) | (b & ~segment)
        valid = source <= top
    elif mode == UP:
        source = lane - b
        valid = source >= top
    elif mode == DOWN:
        source = lane + b
        valid = source <= top
    else:
        source = lane ^ b
        valid = source <= top
    return _read(thread, meeting, source if valid else lane), valid


# The four shuffles are shfl.sync with a fixed mode and clamp, written out:
# a shuffle is the hot path of warp code.


def shfl_sync(thread, mask, value, src_lane):
    meeting = _shuffled(thread, "shfl_sync", mask, value)
    return _read(thread, meeting, int(src_lane) & 31)


def shfl_up_sync(thread, mask, value, delta):
    meeting = _shuffled(thread, "shfl_up_sync", mask, value)
    lane = thread.thread_id & 31
    source = lane - (int(delta) & 31)
    return _read(thread, meeting, source if source >= 0 else lane)


def shfl_down_sync(thread, mask, value, delta):
    meeting = _shuffled(thread, "shfl_down_sync", mask, value)
    lane = thread.thread_id & 31
    source = lane + (int(delta) & 31)
    return _read(thread, meeting, source if source < 32 else lane)


def shfl_xor_sync(thread, mask, value, lane_mask):
    meeting = _shuffled(thread, "shfl_xor_sync", mask, value)
    return _read(thread, meeting, (thread.thread_id ^ int(lane_mask)) & 31)


def _shuffled(thread, name, mask, value):
    """The complete meeting of a shuffle."""
    if type(value) not in COMMON_TYPES:
        _check_value(name, value)
    return thread.block.collective(thread, name, mask, value)


def _read(thread, meeting, source):
    """The value that lane ``source`` brought to ``meeting``."""
    if meeting.arrived >> source & 1 and (
        meeting.masks is None
        or meeting.masks[thread.thread_id & 31] >> source & 1
    ):
        return meeting.values[source]
    raise thread.block.warps.unread(thread, meeting, source)


def _came(thread, meeting):
    """The lanes of the caller's own mask that came to ``meeting``: what
    its vote counts."""
    if meeting.masks is None:
        return meeting.arrived
    return meeting.arrived & meeting.masks[thread.thread_id & 31]


def _ballot(thread, name, mask, predicate):
    meeting = thread.block.collective(thread, name, mask, bool(predicate))
    if meeting.result is None:
        values = meeting.values
        meeting.result = sum(1 << i for i in range(32) if values[i])
    return meeting


def vote_sync_intrinsic(thread, mask, mode, predicate):
    """``vote.sync`` as numba's built-in target has it: ``(ballot,
    result)`` for mode 0 (all), 1 (any), 2 (uni) or 3 (ballot)."""
    if mode not in (0, 1, 2, 3):
        raise ValueError(
            "vote_sync_intrinsic: mode must be 0, 1, 2 or 3, not %r" % mode
        )
    meeting = _ballot(thread, VOTE_NAMES[mode], mask, predicate)
    came = _came(thread, meeting)
    ballot = meeting.result & came
    result = (
        ballot == came,
        ballot != 0,
        ballot in (0, came),
        False,
    )[mode]
    return _int32(ballot), result


def all_sync(thread, mask, predicate):
    meeting = _ballot(thread, "all_sync", mask, predicate)
    came = meeting.arrived
    if meeting.masks is not None:
        came &= meeting.masks[thread.thread_id & 31]
    return meeting.result & came == came


def any_sync(thread, mask, predicate):
    meeting = _ballot(thread, "any_sync", mask, predicate)
    return meeting.result & _came(thread, meeting) != 0


def eq_sync(thread, mask, predicate):
    meeting = _ballot(thread, "eq_sync", mask, predicate)
    came = _came(thread, meeting)
    return meeting.result & came in (0, came)


def ballot_sync(thread, mask, predicate):
    meeting = _ballot(thread, "ballot_sync", mask, predicate)
    return _int32(meeting.result & _came(thread, meeting))


def _groups(thread, name, mask, value):
    """The meeting of ``match_*_sync``, its result mapping each value's
    bits to the lanes holding it; the caller's own bits; the lanes of its
    mask that came."""
    meeting = thread.block.collective(thread, name, mask, _bits(name, value))
    if meeting.result is None:
        groups = {}
        for i, key in enumerate(meeting.values):
            if meeting.arrived >> i & 1:
                groups[key] = groups.get(key, 0) | 1 << i
        meeting.result = groups
    lane = thread.thread_id & 31
    return meeting, meeting.values[lane], meeting.came(lane)


def match_any_sync(thread, mask, value):
    meeting, key, came = _groups(thread, "match_any_sync", mask, value)
    return _int32(meeting.result[key] & came)


def match_all_sync(thread, mask, value):
    meeting, key, came = _groups(thread, "match_all_sync", mask, value)
    if meeting.result[key] & came == came:
        return _int32(came), True
    return np.int32(0), False


def unsigned_bits(value):
    """The bits of integer ``value`` as the GPU holds them, an unsigned
    number (a negative one in two's complement), and their count: its
    type's width, a NumPy integer's or a declared ``numba_type``'s; a
    Python int is numba's int64. Not a float: GPU typing converts one
    first, as the compiler does; untyped, it is the simulator's TypeError."""
    if isinstance(value, np.generic):
        width = value.dtype.itemsize * 8
    else:
        declared = getattr(type(value), "numba_type", "int64")
        width = np.dtype(declared).itemsize * 8
    return operator.index(value) & ((1 << width) - 1), width


def popc(fake, value):
    """The set bits of ``value`` as the GPU counts them, at its type's
    width."""
    return bin(unsigned_bits(value)[0]).count("1")
