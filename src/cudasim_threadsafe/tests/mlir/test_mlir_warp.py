"""Warp intrinsics on numba-cuda-mlir's simulator: the answers of a GPU
(and of numba-cuda's simulator, ``tests/test_warp.py``), computed here
with NumPy from where each thread sits, in blocks of whole warps and
blocks with a partial last warp."""

import math
import threading

import numpy as np
import pytest
from numba_cuda_mlir import cuda

from ..modes import launcher
from .devicefuncs import block_rank, flat_index

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)

FULL = 0xFFFFFFFF
LOW = 0xFFFFFFFF

# (grid, block): whole warps, then a partial last warp.
SHAPES = [
    ((2,), (64,)),
    ((1, 2), (8, 4, 2)),
    ((2,), (48,)),
    ((1, 2), (5, 3, 3)),
]


class Layout:
    """Each thread's lane, warp and warp width, by its flat index
    (``devicefuncs.flat_index``: block number times block size plus the
    rank in the block, x fastest)."""

    def __init__(self, grid, block):
        self.grid, self.block = grid, block
        size, blocks = math.prod(block), math.prod(grid)
        per_block = -(-size // 32)
        self.rank = np.tile(np.arange(size), blocks)
        self.n = size * blocks
        self.lane = self.rank % 32
        self.warp = (
            np.repeat(np.arange(blocks), size) * per_block + self.rank // 32
        )
        self.width = np.minimum(32, size - (self.rank - self.lane))
        self.warps = [
            np.flatnonzero(self.warp == w) for w in range(blocks * per_block)
        ]

    def existing(self):
        """Each thread's mask of the lanes of its warp that exist."""
        return (1 << self.width.astype(np.int64)) - 1

    def members(self, g, mask):
        """The flat indices of the lanes of g's warp in ``mask``."""
        idx = self.warps[self.warp[g]]
        return idx[[(int(mask) >> i) & 1 == 1 for i in range(len(idx))]]

    def bits(self, who):
        return sum(1 << int(self.lane[i]) for i in who)

    def launch(self, kernel, *args):
        kernel[self.grid, self.block](*args)


@pytest.fixture(params=LAUNCHERS)
def mode(request):
    with launcher(request.param):
        yield request.param


@pytest.fixture(params=SHAPES, ids=str)
def layout(request, mode):
    return Layout(*request.param)


@cuda.jit
def positions(lanes, ranks):
    g = flat_index()
    lanes[g] = cuda.laneid
    ranks[g] = block_rank()


def test_lanes(layout):
    lanes = np.full(layout.n, -1, np.int32)
    ranks = np.full(layout.n, -1, np.int32)
    layout.launch(positions, lanes, ranks)
    np.testing.assert_equal(ranks, layout.rank)
    np.testing.assert_equal(lanes, layout.lane)


@cuda.jit
def shuffles(masks, values, idx, up, down, xor, out):
    g = flat_index()
    m = masks[g]
    v = values[g]
    out[0, g] = cuda.shfl_sync(m, v, idx[g])
    out[1, g] = cuda.shfl_up_sync(m, v, up[g])
    out[2, g] = cuda.shfl_down_sync(m, v, down[g])
    out[3, g] = cuda.shfl_xor_sync(m, v, xor[g])


def shuffle_case(layout, rng):
    """Source lanes and deltas (some past 31) naming lanes that exist,
    and what each shuffle gives: for up and down, a source outside the
    warp gives the lane's own value."""
    n = layout.n
    args = [np.zeros(n, np.int32) for _ in range(4)]
    sources = np.zeros((4, n), np.int64)
    for g in range(n):
        lane, width = int(layout.lane[g]), int(layout.width[g])
        i = int(rng.integers(width)) + 32 * int(rng.integers(0, 2))
        u = int(rng.integers(0, 40))
        while True:
            d = int(rng.integers(0, 40))
            if lane + (d & 31) < width or lane + (d & 31) > 31:
                break
        while True:
            x = int(rng.integers(0, 32))
            if lane ^ x < width:
                break
        up_src = lane - (u & 31)
        down_src = lane + (d & 31)
        for row, (arg, src) in enumerate(
            [
                (i, i & 31),
                (u, up_src if up_src >= 0 else lane),
                (d, down_src if down_src <= 31 else lane),
                (x, lane ^ x),
            ]
        ):
            args[row][g] = arg
            sources[row, g] = g - lane + src
    return args, sources


@pytest.mark.parametrize("dtype", [np.int32, np.float64])
def test_shuffles(layout, dtype):
    rng = np.random.default_rng(1)
    values = (rng.standard_normal(layout.n) * 1000).astype(dtype)
    args, sources = shuffle_case(layout, rng)
    out = np.zeros((4, layout.n), dtype)
    masks = layout.existing().astype(np.uint32)
    layout.launch(shuffles, masks, values, *args, out)
    np.testing.assert_equal(out, values[sources])


@cuda.jit
def votes(masks, predicates, out):
    g = flat_index()
    m = masks[g]
    p = predicates[g]
    out[0, g] = cuda.all_sync(m, p)
    out[1, g] = cuda.any_sync(m, p)
    out[2, g] = cuda.eq_sync(m, p)
    out[3, g] = cuda.ballot_sync(m, p)


def eights(layout):
    """Groups of 8 lanes, each with its own mask."""
    lane = layout.lane.astype(np.int64)
    return (0xFF << (8 * (lane // 8))) & layout.existing()


@pytest.mark.parametrize("groups", ["whole", "eights"])
def test_votes(layout, groups):
    rng = np.random.default_rng(2)
    masks = layout.existing() if groups == "whole" else eights(layout)
    predicates = rng.choice([0, 1, -2, 7], layout.n).astype(np.int32)
    # Every third warp all true, so that all_sync comes out true too.
    for w in range(0, len(layout.warps), 3):
        predicates[layout.warps[w]] = 5
    out = np.full((4, layout.n), 0x5A5A, np.int64)
    layout.launch(votes, masks.astype(np.uint32), predicates, out)
    for g in range(layout.n):
        who = layout.members(g, masks[g])
        p = predicates[who] != 0
        expected = [
            p.all(),
            p.any(),
            p.all() or not p.any(),
            layout.bits(who[p]),
        ]
        got = [bool(out[0, g]), bool(out[1, g]), bool(out[2, g])]
        assert got + [int(out[3, g]) & LOW] == expected, g


@cuda.jit
def matches(masks, values, out):
    g = flat_index()
    m = masks[g]
    v = values[g]
    out[0, g] = cuda.match_any_sync(m, v)
    same, ok = cuda.match_all_sync(m, v)
    out[1, g] = same
    out[2, g] = ok


@pytest.mark.parametrize(
    "pool",
    [
        np.array([5, 5 + 2**32, -5, -(2**40)], np.int64),
        np.array([1.5, 0.0, -0.0, -3.25], np.float32),
    ],
    ids=["int64", "float32"],
)
def test_matches(layout, pool):
    """Values compare by their bits: high words count, 0.0 is not -0.0."""
    rng = np.random.default_rng(3)
    values = pool[rng.integers(4, size=layout.n)]
    for w in range(0, len(layout.warps), 2):
        values[layout.warps[w]] = pool[0]
    masks = layout.existing()
    out = np.full((3, layout.n), 0x5A5A, np.int64)
    layout.launch(matches, masks.astype(np.uint32), values, out)
    bits = values.view(np.int64 if values.itemsize == 8 else np.int32)
    for g in range(layout.n):
        who = layout.members(g, masks[g])
        same = who[bits[who] == bits[g]]
        everyone = len(same) == len(who)
        expected = [layout.bits(same), int(masks[g]) if everyone else 0]
        assert [int(v) & LOW for v in out[:2, g]] == expected, g
        assert bool(out[2, g]) == everyone, g


@cuda.jit
def lane_masks(active, lower):
    g = flat_index()
    active[g] = cuda.activemask()
    lower[g] = cuda.lanemask_lt()


def test_activemask_and_lanemask_lt(layout):
    active = np.zeros(layout.n, np.int64)
    lower = np.full(layout.n, 0x5A5A, np.int64)
    layout.launch(lane_masks, active, lower)
    np.testing.assert_equal(active & LOW, layout.existing())
    np.testing.assert_equal(lower & LOW, (1 << layout.lane) - 1)


@cuda.jit
def votes_after_return(keep, out):
    """The lanes not kept return; the others vote with activemask()."""
    g = flat_index()
    if keep[g] == 0:
        return
    m = cuda.activemask()
    out[0, g] = m
    out[1, g] = cuda.ballot_sync(m, cuda.laneid % 3 == 0)
    out[2, g] = cuda.popc(cuda.ballot_sync(m, 1))


def test_votes_after_an_early_return(layout):
    keep = (layout.lane % 5 != 2).astype(np.int32)
    out = np.full((3, layout.n), -1, np.int64)
    layout.launch(votes_after_return, keep, out)
    for g in range(layout.n):
        if not keep[g]:
            assert list(out[:, g]) == [-1, -1, -1]
            continue
        idx = layout.warps[layout.warp[g]]
        left = idx[keep[idx] != 0]
        thirds = left[layout.lane[left] % 3 == 0]
        expected = [layout.bits(left), layout.bits(thirds), len(left)]
        assert [int(v) & LOW for v in out[:, g]] == expected, g


@cuda.jit
def neighbours(masks, values, out):
    """Three rounds of: write shared memory, syncwarp(mask), read the next
    lane's slot, syncwarp(mask) before it is written again."""
    buf = cuda.shared.array(128, cuda.int32)
    g = flat_index()
    t = block_rank()
    lane = cuda.laneid
    first = t - lane
    size = cuda.blockDim.x * cuda.blockDim.y * cuda.blockDim.z
    width = min(32, size - first)
    m = masks[g]
    total = 0
    for r in range(3):
        buf[t] = values[g] + r
        cuda.syncwarp(m)
        total += buf[first + (lane + 1) % width]
        cuda.syncwarp(m)
    out[g] = total


def test_syncwarp_shows_shared_memory_writes(layout):
    values = np.arange(layout.n, dtype=np.int32) * 7
    out = np.zeros(layout.n, np.int64)
    layout.launch(neighbours, layout.existing().astype(np.uint32), values, out)
    nxt = layout.rank - layout.lane + (layout.lane + 1) % layout.width
    source = np.arange(layout.n) - layout.rank + nxt
    np.testing.assert_equal(out, 3 * values[source] + 3)


@cuda.jit
def warp_algorithms(values, sums, scans, butterfly):
    """A tree sum by shfl_down_sync (lane 0 holds it), an inclusive scan
    by shfl_up_sync and an all-reduce by shfl_xor_sync, in whole warps."""
    g = flat_index()
    v = values[g]
    s = v
    offset = 16
    while offset > 0:
        s += cuda.shfl_down_sync(FULL, s, offset)
        offset //= 2
    if cuda.laneid == 0:
        sums[g // 32] = s
    lane = cuda.laneid
    x = v
    delta = 1
    while delta < 32:
        n = cuda.shfl_up_sync(FULL, x, delta)
        if lane >= delta:
            x += n
        delta *= 2
    scans[g] = x
    b = v
    mask = 16
    while mask > 0:
        b += cuda.shfl_xor_sync(FULL, b, mask)
        mask //= 2
    butterfly[g] = b


@pytest.mark.parametrize("shape", SHAPES[:2], ids=str)
def test_warp_algorithms(mode, shape):
    layout = Layout(*shape)
    values = np.random.default_rng(4).integers(-100, 100, layout.n)
    sums = np.zeros(layout.n // 32, np.int64)
    scans, butterfly = (
        np.zeros(layout.n, np.int64),
        np.zeros(layout.n, np.int64),
    )
    layout.launch(warp_algorithms, values, sums, scans, butterfly)
    per_warp = values.reshape(-1, 32)
    np.testing.assert_equal(sums, per_warp.sum(axis=1))
    np.testing.assert_equal(scans, np.cumsum(per_warp, axis=1).ravel())
    np.testing.assert_equal(butterfly, np.repeat(sums, 32))


@cuda.jit
def compact(values, out, total):
    """Keep the positive values: lane 0 reserves the warp's slots with one
    atomic, shfl_sync broadcasts the base, each kept lane writes at its
    rank among the kept lanes below it (ballot, lanemask_lt, popc)."""
    g = flat_index()
    v = values[g]
    keep = v > 0
    mask = cuda.activemask()
    ballot = cuda.ballot_sync(mask, keep)
    base = 0
    if cuda.laneid == 0:
        base = cuda.atomic.add(total, 0, cuda.popc(ballot))
    base = cuda.shfl_sync(mask, base, 0)
    if keep:
        out[base + cuda.popc(ballot & cuda.lanemask_lt())] = v


def test_stream_compaction(layout):
    # Distinct values, so that each warp's run is found by its first.
    values = np.random.default_rng(5).permutation(layout.n) - layout.n // 2
    out = np.zeros(layout.n, np.int64)
    total = np.zeros(1, np.int32)
    layout.launch(compact, values, out, total)
    kept = values[values > 0]
    assert total[0] == len(kept)
    # Warps reserve in any order; within a warp, lane order.
    np.testing.assert_equal(np.sort(out[: len(kept)]), np.sort(kept))
    for idx in layout.warps:
        mine = values[idx][values[idx] > 0]
        if len(mine):
            start = np.flatnonzero(out == mine[0])[0]
            np.testing.assert_equal(out[start : start + len(mine)], mine)


@cuda.jit(device=True)
def count_bits(out, row, i, v):
    out[row, 0, i] = cuda.popc(v)
    out[row, 1, i] = cuda.clz(v)
    out[row, 2, i] = cuda.ffs(v)
    out[row, 3, i] = cuda.brev(v)


@cuda.jit
def bit_counts(ints, longs, uints, out):
    i = cuda.grid(1)
    count_bits(out, 0, i, ints[i])
    count_bits(out, 1, i, longs[i])
    count_bits(out, 2, i, uints[i])


def reference_bits(value, width):
    """popc, clz, ffs (1-based, 0 for none) and brev at ``width`` bits."""
    u = int(value) & ((1 << width) - 1)
    text = format(u, "0%db" % width)
    ffs = width - text.rfind("1") if u else 0
    return [
        text.count("1"),
        len(text) - len(text.lstrip("0")),
        ffs,
        int(text[::-1], 2),
    ]


def test_bit_counts_at_the_argument_width(mode):
    # Even int32 values: brev's result keeps its sign bit clear. 64-bit
    # values unsigned: brev of an int64 is typed as of a uint32 or uint64.
    ints = np.array([0, 2, -8, 0x7FFF0000, -(2**31), 96], np.int32)
    longs = np.array([0, 2**40, 2**64 - 8, 2**62, 2**63, 97], np.uint64)
    uints = np.array([0, 1, 2**31, 0xFFFF, 2**32 - 2, 96], np.uint32)
    out = np.full((3, 4, 6), 0x5A5A, np.uint64)
    bit_counts[1, 6](ints, longs, uints, out)
    for row, (values, width) in enumerate(
        [(ints, 32), (longs, 64), (uints, 32)]
    ):
        for i, v in enumerate(values):
            got = [int(x) for x in out[row, :, i]]
            assert got == reference_bits(v, width), (row, v)


# -- misuse: an error naming the kernel, not a hang ---------------------------


@cuda.jit
def leaves_out_own_lane(values, out):
    """Lane 0's mask names lanes 1..31, not itself."""
    out[cuda.laneid] = cuda.ballot_sync(0xFFFFFFFE, values[cuda.laneid])


@cuda.jit
def reads_exited_lane(values, out):
    """Lanes 0..30 shuffle from lane 31, which has returned."""
    lane = cuda.laneid
    if lane == 31:
        return
    out[lane] = cuda.shfl_sync(FULL, values[lane], 31)


@cuda.jit
def different_collectives(values, out):
    """Half the warp shuffles, the other half votes, with one mask."""
    lane = cuda.laneid
    if lane < 16:
        out[lane] = cuda.shfl_sync(FULL, values[lane], 0)
    else:
        out[lane] = cuda.ballot_sync(FULL, values[lane])


@cuda.jit
def syncwarp_against_syncthreads(values, out):
    """Lanes 0..30 wait in syncwarp() for lane 31, which waits in
    syncthreads() with warp 1 for them."""
    t = cuda.threadIdx.x
    if t == 31 or t >= 32:
        cuda.syncthreads()
    else:
        cuda.syncwarp()
    out[t] = values[t]


MISUSE = [
    (leaves_out_own_lane, 32, "leaves out its own lane"),
    (reads_exited_lane, 32, "reads lane 31, which has exited"),
    (different_collectives, 32, "different collectives"),
    (syncwarp_against_syncthreads, 64, "deadlock"),
]


def launch_with_timeout(launch, seconds=30):
    """Run ``launch()`` on a daemon thread, so that a hang fails the test
    instead of the suite; return its exception."""
    result = []

    def run():
        try:
            launch()
        except BaseException as e:
            result.append(e)
        else:
            result.append(None)

    host = threading.Thread(target=run, daemon=True)
    host.start()
    host.join(seconds)
    assert not host.is_alive(), "the launch did not end in %d s" % seconds
    return result[0]


@pytest.mark.parametrize(
    "kernel, threads, text", MISUSE, ids=[m[0].py_func.__name__ for m in MISUSE]
)
def test_misuse_is_an_error_naming_the_kernel(mode, kernel, threads, text):
    values = np.arange(threads, dtype=np.int32)
    out = np.zeros(threads, np.int32)
    error = launch_with_timeout(lambda: kernel[1, threads](values, out))
    assert isinstance(error, RuntimeError), repr(error)
    message = str(error)
    assert "kernel '%s'" % kernel.py_func.__name__ in message, message
    assert "block [" in message, message
    assert text in message, message
