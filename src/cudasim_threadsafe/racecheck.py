"""racecheck: two accesses to one element by different threads, at least
one a write, not both atomic, that nothing orders.

What orders two accesses of one block: a barrier between them (each
access records the block's barrier count, its ``epoch``), or a warp
collective that both lanes took part in between them (each lane keeps a
vector clock of its warp, joined at every collective it completes, and
reset at a barrier). Accesses of different blocks are never ordered:
nothing but a grid sync orders global memory across blocks.

The shadow of each element touched is its last write and the reads since,
with thread and epoch, so a race that the simulator's in-order schedule
hides is found all the same. Several threads storing the same value to an
element are not reported (as Oclgrind does by default): the result is the
same in any order.
"""

from . import report

WARP_SIZE = 32


class Access:
    """One access: who, when (epoch and warp clock), atomic or not, and
    where."""

    __slots__ = ("block", "thread", "epoch", "clock", "atomic", "site")

    def __init__(self, block, thread, epoch, clock, atomic, site):
        self.block = block
        self.thread = thread
        self.epoch = epoch
        self.clock = clock
        self.atomic = atomic
        self.site = site


def _clocks(thread, epoch):
    """The thread's warp vector clock for the current barrier interval."""
    if thread.clock_epoch != epoch:
        thread.clock_epoch = epoch
        thread.clocks = [0] * WARP_SIZE
    return thread.clocks


def warp_synced(state, warp, lanes):
    """Lanes ``lanes`` of ``warp`` completed a collective: each counts one
    step, then all learn each other's clocks."""
    epoch = state.epoch
    members = []
    for lane in range(WARP_SIZE):
        if lanes >> lane & 1:
            thread = state.threads.get(warp * WARP_SIZE + lane)
            if thread is not None:
                clocks = _clocks(thread, epoch)
                clocks[lane] += 1
                members.append(clocks)
    if len(members) < 2:
        return
    joined = [max(c) for c in zip(*members)]
    for clocks in members:
        clocks[:] = joined


def _ordered(before, thread, state):
    """Whether access ``before`` is ordered before the running thread's
    access now."""
    if before.block != state.key:
        return False
    if before.thread is thread:
        return True
    if before.epoch != state.epoch:
        return True
    other = before.thread.thread_id
    if other >> 5 != thread.thread_id >> 5:
        return False
    clocks = _clocks(thread, state.epoch)
    return clocks[other & 31] >= before.clock + 1


class Shadow:
    """Element address -> [last write, its value, {thread: last read}]."""

    def __init__(self, sanitizer):
        self.sanitizer = sanitizer
        self.cells = {}

    def _access(self, thread, frame):
        state = self.sanitizer.block
        clock = _clocks(thread, state.epoch)[thread.thread_id & 31]
        code = frame.f_code
        site = (code.co_filename, frame.f_lineno, code.co_name)
        return state, Access(
            state.key, thread, state.epoch, clock, thread.atomic, site
        )

    def _cells(self, array):
        # Shared memory is new in each block; global memory lives through
        # the launch.
        if array.info.space == "shared":
            return self.sanitizer.block.shared_cells
        return self.cells

    def load(self, thread, array, address, index, frame):
        state, access = self._access(thread, frame)
        cells = self._cells(array)
        cell = cells.get(address)
        if cell is None:
            cells[address] = [None, None, {thread: access}]
            return
        write = cell[0]
        if (
            write is not None
            and write.thread is not thread
            and not (write.atomic and access.atomic)
            and not _ordered(write, thread, state)
        ):
            self._race("read after write", array, index, write, access)
        cell[2][thread] = access

    def store(self, thread, array, address, index, value, frame):
        state, access = self._access(thread, frame)
        cells = self._cells(array)
        cell = cells.get(address)
        if cell is None:
            cells[address] = [access, value, {}]
            return
        write, old, reads = cell
        if (
            write is not None
            and write.thread is not thread
            and not (write.atomic and access.atomic)
            and not _ordered(write, thread, state)
            and not _same(old, value)
        ):
            self._race("write after write", array, index, write, access)
        for read in reads.values():
            if (
                read.thread is not thread
                and not (read.atomic and access.atomic)
                and not _ordered(read, thread, state)
            ):
                self._race("write after read", array, index, read, access)
                break
        cell[0] = access
        cell[1] = value
        cell[2] = {}

    def _race(self, how, array, index, first, second):
        from .sanitize import site_text

        a, b = first.site, second.site
        self.sanitizer.report.add(
            "racecheck",
            "race (%s): %s at index %s: %s at %s, then %s at %s; nothing "
            "orders them (no barrier between them%s)"
            % (
                how,
                array.info.describe(),
                report.index_text(index),
                report.thread_text(first.thread),
                site_text(a),
                report.thread_text(second.thread),
                site_text(b),
                ", and different blocks" if first.block != second.block else "",
            ),
            key=(how, array.info.name, a, b),
        )


def _same(old, new):
    try:
        return bool(old == new)
    except Exception:
        return False
