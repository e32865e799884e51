"""racecheck: two accesses to one element by different threads, at least
one a write, not both atomic, that nothing orders.

What orders two accesses of one block: a barrier between them (each
access records the block's barrier count, its ``epoch``), or a warp
collective that both lanes took part in between them (each lane keeps a
vector clock of its warp, joined at every collective it completes, and
reset at a barrier). Accesses of different blocks are never ordered
but by a grid sync, which orders every access before it before every
access after it: the shadow is forgotten there.

The shadow of each element touched is its last write and the reads since,
with thread and epoch, so a race that the simulator's in-order schedule
hides is found all the same.

Same values (docs/sanitizer.md gives the sources): two unordered stores of
one value are not reported, as Oclgrind does by default and as
compute-sanitizer's INFO level (no effect on the result) is not shown by
default. A read unordered with a store that wrote the value the element
already held is a warning: a race by the programming model, but the read
gets that value in either order.
"""

from ..simulator.warp import WARP_SIZE
from . import report
from .events import Check

# An access is a tuple: who, when (block, barrier epoch and the thread's
# own warp clock), atomic or not, and where (code object and line).
BLOCK, THREAD, EPOCH, CLOCK, ATOMIC, CODE, LINE = range(7)


def _clocks(thread, epoch):
    """The thread's warp vector clock for the current barrier interval,
    made when a collective first needs it."""
    if thread.clock_epoch != epoch:
        thread.clock_epoch = epoch
        thread.clocks = [0] * WARP_SIZE
    return thread.clocks


def _ordered(before, thread, state):
    """Whether access ``before`` is ordered before the running thread's
    access now."""
    if before[BLOCK] != state.key:
        return False
    if before[THREAD] is thread or before[EPOCH] != state.epoch:
        return True
    other = before[THREAD].thread_id
    if other >> 5 != thread.thread_id >> 5 or thread.clock_epoch != state.epoch:
        return False
    return thread.clocks[other & 31] >= before[CLOCK] + 1


class RaceCheck(Check):
    """The shadow of the elements touched: element address -> [last
    write, its value, {thread: last read}], of global memory for the
    launch, of shared memory for the running block."""

    name = "racecheck"

    def __init__(self, sanitizer):
        super().__init__(sanitizer)
        self.cells = {}
        self.state = None
        self.shared_cells = {}

    def block_begin(self, state):
        # Shared memory is new in each block; global memory lives through
        # the launch.
        self.state = state
        self.shared_cells = {}

    def warp_met(self, state, warp, meeting):
        """The lanes that completed the collective each count one step,
        then all learn each other's clocks."""
        lanes = meeting.arrived
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

    def barrier(self, state, arrivals):
        if arrivals and arrivals[0][1][0] == "grid.sync":
            self.cells = {}
            self.shared_cells = {}

    def _access(self, thread, frame):
        # The thread's block: the blocks of a cooperative launch take
        # turns between grid syncs.
        state = thread.state
        epoch = state.epoch
        clock = 0
        if thread.clock_epoch == epoch:
            clock = thread.clocks[thread.thread_id & 31]
        return state, (
            state.key,
            thread,
            epoch,
            clock,
            thread.atomic,
            frame.f_code,
            frame.f_lineno,
        )

    def load(self, thread, array, address, index, frame):
        space = array.info.space
        if space == "local":
            # A thread's own memory: no other thread touches it.
            return
        state, access = self._access(thread, frame)
        cells = self.shared_cells if space == "shared" else self.cells
        cell = cells.get(address)
        if cell is None:
            cells[address] = [None, None, {thread: access}, False]
            return
        write = cell[0]
        if write is not None and _unordered(write, thread, access, state):
            self._race("read after write", array, index, write, access, cell[3])
        cell[2][thread] = access

    def store(self, thread, array, address, index, value, frame):
        space = array.info.space
        if space == "local":
            return
        state, access = self._access(thread, frame)
        # Sent before the store: the element still holds its old value.
        # An element nothing wrote holds no value: a GPU's may differ.
        written = array.written
        unchanged = (written is None or address in written) and _same(
            array.ndarray[index], value
        )
        cells = self.shared_cells if space == "shared" else self.cells
        cell = cells.get(address)
        if cell is None:
            cells[address] = [access, value, {}, unchanged]
            return
        write, old, reads, old_unchanged = cell
        # The reads since the last write got the value there now.
        for read in reads.values():
            if _unordered(read, thread, access, state):
                self._race(
                    "write after read", array, index, read, access, unchanged
                )
                break
        if write is not None and _unordered(write, thread, access, state):
            if not _same(old, value):
                self._race("write after write", array, index, write, access)
            elif not old_unchanged:
                # The value came from a write this one does not follow: a
                # read after both may get the value before either.
                unchanged = False
        cell[0] = access
        cell[1] = value
        cell[2] = {}
        cell[3] = unchanged

    def _race(self, how, array, index, first, second, unchanged=False):
        a, b = _site(first), _site(second)
        text = "race (%s): %s at index %s: %s at %s, then %s at %s; " % (
            how,
            array.info.describe(),
            report.index_text(index, array.ndarray.shape),
            report.thread_text(first[THREAD]),
            report.site_text(a),
            report.thread_text(second[THREAD]),
            report.site_text(b),
        )
        text += "nothing orders them (no barrier between them%s)" % (
            "" if first[BLOCK] == second[BLOCK] else ", and different blocks"
        )
        if unchanged:
            text += (
                "; the store wrote the value the element already held, so "
                "the read gets that value in either order"
            )
        self.report.add(
            self.name,
            text,
            key=(how, unchanged, array.info.name, a, b),
            level=report.WARNING if unchanged else report.ERROR,
        )


def _unordered(before, thread, access, state):
    """Whether access ``before`` of another thread may happen at the same
    time as the running thread's ``access``: nothing orders them and not
    both are atomic."""
    return (
        before[THREAD] is not thread
        and not (before[ATOMIC] and access[ATOMIC])
        and not _ordered(before, thread, state)
    )


def _site(access):
    code = access[CODE]
    return (code.co_filename, access[LINE], code.co_name)


def _same(old, new):
    """Whether storing ``new`` over ``old`` leaves the element as it was
    (NaN over NaN included)."""
    try:
        return bool(old == new) or (old != old and new != new)
    except Exception:
        return False
