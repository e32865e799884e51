"""Warp-level intrinsics compute what a GPU computes.

A warp is 32 consecutive threads of a block by linear thread index (x
fastest); the last warp of a block whose size is not a multiple of 32 has
fewer lanes. A collective waits for the lanes of its mask that have not
exited, at any call site (PTX), and counts the lanes that came. Every
intrinsic runs in 1-D, 2-D and 3-D blocks of several warps, on grids of
two blocks, under both launchers, and its results are
compared with a NumPy reference computed here from the same layout. The
simulator also reports misuse (a mask that leaves out the caller, lanes
waiting for each other at different collectives, a shuffle from a lane
that exited or does not exist, a deadlock against syncthreads) from the
launch, at once.
"""

import itertools
import math
import os
import threading
import time
import unittest

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from . import warpkernels
from .modes import launcher

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)

FULL = 0xFFFFFFFF

# (grid, block): blocks of whole warps, then blocks with a partial last warp.
WHOLE = [
    ((2,), (64,)),
    ((2,), (16, 4)),
    ((1, 2), (8, 4, 2)),
    ((2,), (8, 2, 6)),
]
PARTIAL = [
    ((2,), (48,)),
    ((2,), (8, 3, 2)),
    ((1, 2), (5, 3, 3)),
]
SHAPES = WHOLE + PARTIAL

BITS = {
    np.dtype(np.int32): np.uint32,
    np.dtype(np.int64): np.uint64,
    np.dtype(np.float32): np.uint32,
    np.dtype(np.float64): np.uint64,
}

# Behaviour tests are GPU code too; with neither, there is nothing to run.
needs_cuda = unittest.skipUnless(
    cuda.is_available(), "needs a CUDA GPU or the CUDA simulator"
)


# -- where the threads sit ----------------------------------------------------


class Layout:
    """The warp, lane and warp width of each thread of a launch, by the
    flat global index the kernels use (``warpkernels.flat_index``)."""

    def __init__(self, grid, block):
        self.grid, self.block = grid, block
        size = math.prod(block)
        blocks = math.prod(grid)
        per_block = -(-size // 32)
        rank = np.tile(np.arange(size), blocks)
        self.n = size * blocks
        self.rank = rank
        self.lane = rank % 32
        self.warp = np.repeat(np.arange(blocks), size) * per_block + rank // 32
        self.width = np.minimum(32, size - (rank - self.lane))
        self.n_warps = blocks * per_block
        # The flat indices of each warp's threads, in lane order.
        self.warps = [
            np.flatnonzero(self.warp == w) for w in range(self.n_warps)
        ]

    def __str__(self):
        return "grid=%s block=%s" % (self.grid, self.block)

    def existing(self):
        """Each thread's mask of the lanes of its warp that exist."""
        return ((1 << self.width.astype(np.int64)) - 1).astype(np.uint32)

    def members(self, g, mask):
        """The flat indices of the lanes of g's warp named by ``mask``."""
        idx = self.warps[self.warp[g]]
        return idx[[i for i in range(len(idx)) if (int(mask) >> i) & 1]]

    def launch(self, kernel, *args):
        kernel[self.grid, self.block](*args)


def cases(shapes):
    """(launcher, layout): each shape under each launcher."""
    return [
        (name, Layout(grid, block))
        for name in LAUNCHERS
        for grid, block in shapes
    ]


def group_masks(layout, scheme):
    """One mask a thread: its group's lanes among those that exist."""
    lane = layout.lane.astype(np.int64)
    if scheme == "whole":
        group = np.full(layout.n, FULL, np.int64)
    elif scheme == "interleaved":
        group = 0x11111111 << (lane % 4)
    elif scheme == "eights":
        group = 0xFF << (8 * (lane // 8))
    else:
        raise ValueError(scheme)
    return (group & layout.existing()).astype(np.uint32)


SCHEMES = ("whole", "interleaved", "eights")


# -- references ---------------------------------------------------------------


def ref_shuffles(layout, values, idx, up, down, xor):
    """shfl_sync, shfl_up_sync, shfl_down_sync, shfl_xor_sync of ``values``
    with the mask of the existing lanes, one row each."""
    out = np.empty((4, layout.n), values.dtype)
    for g in range(layout.n):
        lane = layout.lane[g]
        first = g - lane
        sources = (
            int(idx[g]) & 31,
            lane - (int(up[g]) & 31),
            lane + (int(down[g]) & 31),
            lane ^ (int(xor[g]) & 31),
        )
        for row, j in enumerate(sources):
            if row == 1 and j < 0 or row == 2 and j > 31:
                j = lane
            assert j < layout.width[g], "no such lane: a bad argument"
            out[row, g] = values[first + j]
    return out


def ref_votes(layout, masks, predicates):
    """all, any, eq (as 0 or 1) and ballot (as uint32), one row each."""
    out = np.empty((4, layout.n), np.int64)
    for g in range(layout.n):
        who = layout.members(g, masks[g])
        p = predicates[who] != 0
        ballot = sum(1 << int(layout.lane[i]) for i in who[p])
        out[:, g] = p.all(), p.any(), p.all() or not p.any(), ballot
    return out


def ref_matches(layout, masks, values):
    """match_any_sync's mask, match_all_sync's mask and predicate, as
    uint32, uint32 and 0 or 1."""
    bits = values.view(BITS[values.dtype])
    out = np.empty((3, layout.n), np.int64)
    for g in range(layout.n):
        who = layout.members(g, masks[g])
        same = who[bits[who] == bits[g]]
        peers = sum(1 << int(layout.lane[i]) for i in same)
        everyone = len(same) == len(who)
        out[:, g] = peers, int(masks[g]) if everyone else 0, everyone
    return out


def per_warp(layout, values, reduce):
    """``reduce`` over each warp's values, one result a warp."""
    return np.array([reduce(values[idx]) for idx in layout.warps])


def spread(layout, per_warp_values):
    """Each warp's value, one a thread."""
    return per_warp_values[layout.warp]


# -- inputs -------------------------------------------------------------------


def shuffle_arguments(layout, rng):
    """Per-thread source lanes and deltas, beyond 31 and negative too, each
    naming a lane that exists (or, for up and down, none)."""
    n = layout.n
    idx, up, down, xor = (np.empty(n, np.int32) for _ in range(4))
    for g in range(n):
        lane, width = layout.lane[g], layout.width[g]
        idx[g] = rng.integers(width) + 32 * rng.integers(-1, 3)
        up[g] = rng.integers(-40, 70)
        while True:
            down[g] = rng.integers(-40, 70)
            j = lane + (int(down[g]) & 31)
            if j < width or j > 31:
                break
        while True:
            xor[g] = rng.integers(-40, 70)
            if lane ^ (int(xor[g]) & 31) < width:
                break
    return idx, up, down, xor


def random_values(dtype, n, rng):
    """Values of every sign and size; floats with signed zeros, infinities,
    subnormals and a NaN with a payload."""
    dtype = np.dtype(dtype)
    if dtype.kind == "i":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)
    values = values.astype(dtype)
    bits = BITS[dtype]
    nan = 0x7FC12345 if bits is np.uint32 else 0x7FF8000012345678
    specials = np.array([0.0, -0.0, np.inf, -np.inf], dtype)
    specials = np.append(specials, np.array(1, bits).view(dtype))
    specials = np.append(specials, np.array(nan, bits).view(dtype))
    values[rng.choice(n, len(specials), replace=False)] = specials
    return values


def same_per_warp(layout, values, every):
    """``values`` with each ``every``-th warp holding one value throughout,
    so that the votes and matches over whole warps also come out true."""
    values = values.copy()
    for w, idx in enumerate(layout.warps):
        if w % every == 0:
            values[idx] = values[idx[0]]
    return values


# -- running ------------------------------------------------------------------


def bits_of(array):
    return array.view(BITS[array.dtype])


def launch_on_host_thread(launch, seconds=30):
    """Run ``launch()`` on a daemon thread, so that a hang fails the test
    instead of the suite; return its exception and its duration."""
    result = {}

    def run():
        start = time.perf_counter()
        try:
            launch()
        except BaseException as e:
            result["error"] = e
        result["seconds"] = time.perf_counter() - start

    host = threading.Thread(target=run, daemon=True)
    host.start()
    host.join(seconds)
    if host.is_alive():
        raise AssertionError("the launch did not end in %d s" % seconds)
    return result.get("error"), result["seconds"]


class TestReferences(CUDATestCase):
    """The references give the answers worked out by hand (for shuffles,
    those of numba-cuda's own tests): an intrinsic that is wrong cannot
    pass for right by matching a reference that is wrong with it."""

    def test_shuffle_reference(self):
        layout = Layout((1,), (32,))
        values = np.arange(32, dtype=np.int32)
        n = np.full(32, 4, np.int32)
        idx, up, down, xor = ref_shuffles(layout, values, n, n, n, n)
        np.testing.assert_array_equal(idx, 4)
        np.testing.assert_array_equal(up, np.r_[0:4, 0:28])
        np.testing.assert_array_equal(down, np.r_[4:32, 28:32])
        np.testing.assert_array_equal(xor, values ^ 4)
        # The source lane and the deltas count modulo 32.
        wrapped = ref_shuffles(layout, values, n + 32, n - 32, n + 64, n - 64)
        np.testing.assert_array_equal(wrapped, [idx, up, down, xor])

    def test_vote_and_match_references(self):
        layout = Layout((1,), (48,))
        self.assertEqual(list(layout.width[[0, 31, 32, 47]]), [32, 32, 16, 16])
        masks = layout.existing()
        predicates = (np.arange(48) % 2).astype(np.int32)
        out = ref_votes(layout, masks, predicates)
        np.testing.assert_array_equal(out[:3, :32].T, [[0, 1, 0]] * 32)
        np.testing.assert_array_equal(out[3, :32], 0xAAAAAAAA)
        np.testing.assert_array_equal(out[3, 32:], 0xAAAA)
        values = np.arange(48) % 3
        out = ref_matches(layout, masks, values)
        self.assertEqual(out[0, 0], 0x49249249)
        self.assertEqual(out[0, 32], 0x9249)
        np.testing.assert_array_equal(out[1:], 0)
        ones = np.ones(48, np.int64)
        out = ref_matches(layout, masks, ones)
        np.testing.assert_array_equal(out[1], masks)

    def test_layout_is_x_fastest(self):
        layout = Layout((2,), (8, 2, 3))
        # Thread (x=1, y=1, z=2) of block 1: rank 1 + 8 * (1 + 2 * 2) = 41.
        g = 48 + 41
        self.assertEqual(
            (layout.rank[g], layout.lane[g], layout.warp[g]), (41, 9, 3)
        )
        self.assertEqual(layout.width[g], 16)


@needs_cuda
class TestWarpIntrinsics(CUDATestCase):
    """Each intrinsic against its reference, in every shape."""

    def test_lanes(self):
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                lanes = np.full(layout.n, -1, np.int32)
                ranks = np.full(layout.n, -1, np.int32)
                layout.launch(warpkernels.positions, lanes, ranks)
                np.testing.assert_array_equal(ranks, layout.rank)
                np.testing.assert_array_equal(lanes, layout.lane)

    def test_shuffles(self):
        rng = np.random.default_rng(1)
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for dtype in (np.int32, np.int64, np.float32, np.float64):
                    with self.subTest(dtype=np.dtype(dtype).name):
                        values = random_values(dtype, layout.n, rng)
                        args = shuffle_arguments(layout, rng)
                        out = np.zeros((4, layout.n), dtype)
                        masks = layout.existing()
                        kernel = warpkernels.shuffles
                        layout.launch(kernel, masks, values, *args, out)
                        expected = ref_shuffles(layout, values, *args)
                        np.testing.assert_array_equal(
                            bits_of(out), bits_of(expected)
                        )

    def test_votes(self):
        rng = np.random.default_rng(2)
        choices = {
            np.int32: [0, 1, -2, 7],
            # Nonzero with a zero low word: still true.
            np.int64: [0, 1 << 32, -(1 << 40), 3],
        }
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for dtype, kernel, scheme in [
                    (np.int32, warpkernels.votes, "whole"),
                    (np.int64, warpkernels.votes, "interleaved"),
                    (np.int32, warpkernels.bool_votes, "eights"),
                    (np.int64, warpkernels.bool_votes, "whole"),
                ]:
                    with self.subTest(kernel=kernel.__name__, scheme=scheme):
                        masks = group_masks(layout, scheme)
                        predicates = rng.choice(choices[dtype], layout.n)
                        predicates = same_per_warp(layout, predicates, 3)
                        predicates = predicates.astype(dtype)
                        out = np.full((4, layout.n), 0x5A5A, np.int32)
                        layout.launch(kernel, masks, predicates, out)
                        if kernel is warpkernels.bool_votes:
                            predicates = predicates > 0
                        expected = ref_votes(layout, masks, predicates)
                        np.testing.assert_array_equal(out[:3], expected[:3])
                        np.testing.assert_array_equal(
                            out[3].view(np.uint32), expected[3]
                        )

    def test_matches(self):
        rng = np.random.default_rng(3)
        pools = {
            np.int32: [5, -5, 2**31 - 1, -(2**31)],
            # Equal low words, different high words.
            np.int64: [5, 5 + 2**32, -5, -(2**40)],
            np.float32: [1.5, np.nextafter(np.float32(1.5), 2), -3.25, 1e30],
            np.float64: [1.5, 1.5 + 2**-40, -3.25, 2.0**40],
        }
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for (dtype, pool), scheme in zip(pools.items(), SCHEMES * 2):
                    with self.subTest(
                        dtype=np.dtype(dtype).name, scheme=scheme
                    ):
                        masks = group_masks(layout, scheme)
                        values = np.array(pool, dtype)[
                            rng.integers(4, size=layout.n)
                        ]
                        values = same_per_warp(layout, values, 2)
                        out = np.full((3, layout.n), 0x5A5A, np.int32)
                        layout.launch(warpkernels.matches, masks, values, out)
                        expected = ref_matches(layout, masks, values)
                        np.testing.assert_array_equal(
                            out[:2].view(np.uint32), expected[:2]
                        )
                        np.testing.assert_array_equal(out[2], expected[2])

    def test_shuffles_of_independent_groups(self):
        # Four groups of 8 lanes a warp reduce at one call site, each with
        # its own mask.
        rng = np.random.default_rng(12)
        for name, layout in cases(WHOLE + PARTIAL[:2]):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                values = rng.integers(-1000, 1000, layout.n)
                masks = group_masks(layout, "eights")
                out = np.zeros(layout.n, np.int64)
                layout.launch(warpkernels.group_sums, masks, values, out)
                expected = [
                    values[layout.members(g, masks[g])].sum()
                    for g in range(layout.n)
                ]
                np.testing.assert_array_equal(out, expected)

    def test_match_compares_bits(self):
        # 0.0 and -0.0 differ, a NaN matches the same NaN, as on a GPU.
        layout = Layout((1,), (32,))
        for dtype in (np.float32, np.float64):
            values = np.array([0.0, -0.0, np.nan, 1.0] * 8, dtype)
            for name in LAUNCHERS:
                with self.subTest(launcher=name, dtype=np.dtype(dtype).name):
                    with launcher(name):
                        out = np.zeros((3, 32), np.int32)
                        masks = layout.existing()
                        layout.launch(warpkernels.matches, masks, values, out)
                    peers = out[0].view(np.uint32)
                    np.testing.assert_array_equal(
                        peers, 0x11111111 << (np.arange(32) % 4)
                    )

    def test_activemask_and_lanemask_lt(self):
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                active = np.zeros(layout.n, np.uint32)
                lower = np.full(layout.n, 0x5A5A, np.uint32)
                layout.launch(warpkernels.lane_masks, active, lower)
                np.testing.assert_array_equal(active, layout.existing())
                np.testing.assert_array_equal(lower, (1 << layout.lane) - 1)

    @skip_unless_cudasim("A GPU sees divergence: lanes 0-15 get 0xffff")
    def test_activemask_beside_a_barrier(self):
        # Lanes waiting elsewhere count as active: activemask does not wait
        # for them, so the block does not deadlock. After the barrier, the
        # first half has exited.
        for name, layout in cases([((2,), (64,))]):
            with self.subTest(launcher=name), launcher(name):
                active = np.zeros(layout.n, np.uint32)
                layout.launch(warpkernels.mask_beside_barrier, active)
                first_half = layout.lane < 16
                np.testing.assert_array_equal(active[first_half], FULL)
                np.testing.assert_array_equal(active[~first_half], 0xFFFF0000)

    @skip_unless_cudasim("Waits on a threading.Event")
    def test_activemask_while_a_lane_waits_on_an_event(self):
        # The OS-thread launcher, for kernels that wait on something that
        # is not a CUDA primitive: lanes at activemask do not wait for ever
        # for a lane blocked elsewhere.
        with launcher("threads"):
            event = threading.Event()
            active = np.zeros(32, np.uint32)
            error, _ = launch_on_host_thread(
                lambda: warpkernels.mask_while_one_waits[1, 32](event, active)
            )
        self.assertIsNone(error)
        self.assertTrue(event.is_set())
        # Lane 0 comes last, when the others have exited.
        np.testing.assert_array_equal(active[1:], FULL)
        self.assertEqual(active[0], 1)

    def test_builtin_target_intrinsics(self):
        # numba's built-in target has shfl_sync_intrinsic and
        # vote_sync_intrinsic; numba-cuda's does not, and neither may its
        # simulator.
        values = np.arange(64, dtype=np.int64) * 3
        builtin = os.sep + "numba_cuda" + os.sep not in cuda.__file__
        for name, layout in cases([((1,), (64,))]):
            with self.subTest(launcher=name), launcher(name):
                out = np.zeros((4, 64), np.int64)
                if not builtin:
                    with self.assertRaisesRegex(
                        AttributeError, "shfl_sync_intrinsic"
                    ):
                        layout.launch(
                            warpkernels.builtin_intrinsics, values, out
                        )
                    continue
                layout.launch(warpkernels.builtin_intrinsics, values, out)
                lane = np.arange(64) % 32
                down = np.where(lane < 31, values + 3, values)
                np.testing.assert_array_equal(out[0], down)
                np.testing.assert_array_equal(out[1], lane < 31)
                odd = [
                    sum(1 << i for i in range(32) if values[w * 32 + i] % 2)
                    for w in (0, 1)
                ]
                ballots = np.repeat(np.array(odd, np.uint32), 32)
                np.testing.assert_array_equal(out[2].astype(np.uint32), ballots)
                np.testing.assert_array_equal(out[3], 0)

    def test_popc_counts_32_bits_of_a_ballot(self):
        # A ballot with lane 31 is a negative int32: popc counts its 32 bits,
        # as it counts the 32 or 64 bits of any negative int32 or int64.
        ints = np.array([-1, -2, -(2**31), 5, 0] * 64, np.int32)
        longs = np.array([-1, -2, -(2**63), 2**40 + 1, 0] * 64, np.int64)
        for name, layout in cases(WHOLE):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                out = np.zeros((7, layout.n), np.int32)
                args = ints[: layout.n], longs[: layout.n], out
                layout.launch(warpkernels.popcounts, *args)
                np.testing.assert_array_equal(
                    out[0], [bin(int(x) & FULL).count("1") for x in args[0]]
                )
                np.testing.assert_array_equal(
                    out[1],
                    [bin(int(x) & (2**64 - 1)).count("1") for x in args[1]],
                )
                np.testing.assert_array_equal(out[2], 32)
                np.testing.assert_array_equal(out[3], 16)

    def test_result_types(self):
        # ballot_sync and match_any_sync give int32 (negative with lane 31),
        # activemask uint32: a kernel comparing or shifting them sees that.
        for name, layout in cases(WHOLE):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                out = np.zeros((3, layout.n), np.int32)
                values = np.arange(layout.n, dtype=np.int32)
                layout.launch(warpkernels.signs, values, out)
                for row, what in enumerate(("ballot", "match", "active")):
                    with self.subTest(what):
                        np.testing.assert_array_equal(out[row], 1)

    def test_syncwarp_shows_shared_memory_writes(self):
        rng = np.random.default_rng(4)
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                values = rng.integers(-1000, 1000, layout.n).astype(np.int32)
                nxt = np.array(
                    [
                        g
                        - layout.lane[g]
                        + (layout.lane[g] + 1) % layout.width[g]
                        for g in range(layout.n)
                    ]
                )
                expected = 3 * values[nxt] + 3
                out = np.zeros(layout.n, np.int32)
                masks = layout.existing()
                layout.launch(warpkernels.neighbours, masks, values, out)
                np.testing.assert_array_equal(out, expected)
                if layout.width.min() == 32:
                    out[:] = 0
                    layout.launch(warpkernels.neighbours_full, values, out)
                    np.testing.assert_array_equal(out, expected)


@needs_cuda
class TestWarpAlgorithms(CUDATestCase):
    """The usual warp algorithms give the results NumPy gives."""

    def test_warp_sum_by_shfl_down(self):
        rng = np.random.default_rng(5)
        for name, layout in cases(WHOLE):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                values = rng.integers(-(2**40), 2**40, layout.n)
                sums = np.zeros(layout.n_warps, np.int64)
                layout.launch(warpkernels.warp_sums, values, sums)
                np.testing.assert_array_equal(
                    sums, per_warp(layout, values, sum)
                )

    def test_butterfly_all_reduce_by_shfl_xor(self):
        rng = np.random.default_rng(6)
        for name, layout in cases(WHOLE):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                # Whole numbers: the sum is exact in any order.
                values = rng.integers(-1000, 1000, layout.n).astype(np.float64)
                out = np.zeros(layout.n)
                layout.launch(warpkernels.butterfly_sums, values, out)
                sums = per_warp(layout, values, np.sum)
                np.testing.assert_array_equal(out, spread(layout, sums))

    def test_inclusive_scan_by_shfl_up(self):
        rng = np.random.default_rng(7)
        for name, layout in cases(WHOLE):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                values = rng.integers(-1000, 1000, layout.n).astype(np.int32)
                out = np.zeros(layout.n, np.int32)
                layout.launch(warpkernels.inclusive_scan, values, out)
                expected = np.concatenate(
                    [np.cumsum(values[idx]) for idx in layout.warps]
                )
                np.testing.assert_array_equal(out, expected)

    def test_stream_compaction_by_ballot(self):
        rng = np.random.default_rng(8)
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                values = rng.integers(-5, 5, layout.n).astype(np.int32)
                values[layout.warps[0]] = (
                    1  # a warp that keeps all, lane 31 too
                )
                out = np.zeros(32 * layout.n_warps, np.int32)
                counts = np.full(layout.n_warps, -1, np.int32)
                layout.launch(warpkernels.compact, values, out, counts)
                for w, idx in enumerate(layout.warps):
                    kept = values[idx][values[idx] > 0]
                    self.assertEqual(counts[w], len(kept))
                    np.testing.assert_array_equal(
                        out[32 * w : 32 * w + len(kept)], kept
                    )

    def test_stream_compaction_with_one_atomic_a_warp(self):
        rng = np.random.default_rng(9)
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                values = rng.integers(-5, 5, layout.n).astype(np.int32)
                out = np.zeros(layout.n, np.int32)
                total = np.zeros(1, np.int32)
                layout.launch(warpkernels.compact_atomic, values, out, total)
                kept = [values[idx][values[idx] > 0] for idx in layout.warps]
                self.assertEqual(total[0], sum(map(len, kept)))
                # Warps take their slots in any order, each its run in order.
                used = out[: total[0]]
                np.testing.assert_array_equal(
                    np.sort(used), np.sort(np.concatenate(kept))
                )
                for k in filter(len, kept):
                    runs = np.lib.stride_tricks.sliding_window_view(
                        used, len(k)
                    )
                    self.assertTrue((runs == k).all(axis=1).any(), k)

    def test_histogram_by_match_any(self):
        rng = np.random.default_rng(10)
        for name, layout in cases(SHAPES):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                keys = rng.integers(0, 5, layout.n).astype(np.int32)
                keys[layout.warps[0]] = 3  # one group of the whole warp
                counts = np.zeros(5, np.int32)
                ranks = np.full(layout.n, -1, np.int32)
                layout.launch(warpkernels.histogram, keys, counts, ranks)
                np.testing.assert_array_equal(
                    counts, np.bincount(keys, None, 5)
                )
                expected = np.empty(layout.n, np.int64)
                for idx in layout.warps:
                    k = keys[idx]
                    expected[idx] = [
                        np.sum(k[:i] == k[i]) for i in range(len(k))
                    ]
                np.testing.assert_array_equal(ranks, expected)

    def test_votes_after_an_early_return(self):
        rng = np.random.default_rng(11)
        # (grid, block): which threads stay.
        stays = {
            ((2,), (32,)): "first 40",
            ((2,), (48,)): "first 70",
            ((2,), (16, 4)): "first 100",
            ((1, 2), (8, 2, 3)): "first 60",
            ((2,), (64,)): "random",
            ((2,), (8, 3, 2)): "random",
        }
        for name, layout in cases(stays):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                stay = stays[layout.grid, layout.block]
                g = np.arange(layout.n)
                if stay == "random":
                    keep = (rng.random(layout.n) < 0.6).astype(np.int32)
                    keep[layout.warps[0]] = 0  # a warp with no lanes left
                else:
                    keep = (g < int(stay.split()[1])).astype(np.int32)
                predicates = rng.choice([0, 0, 1, -3], layout.n)
                predicates = same_per_warp(layout, predicates, 3)
                predicates = predicates.astype(np.int32)
                values = rng.integers(-1000, 1000, layout.n).astype(np.int64)
                active = np.zeros(layout.n, np.uint32)
                out = np.full((5, layout.n), 0x5A5A, np.int64)
                layout.launch(
                    warpkernels.after_return,
                    keep,
                    predicates,
                    values,
                    active,
                    out,
                )
                stayed = keep != 0
                expected_active = np.zeros(layout.n, np.uint32)
                for idx in layout.warps:
                    lanes = layout.lane[idx][stayed[idx]]
                    expected_active[idx] = sum(1 << int(i) for i in lanes)
                expected_active[~stayed] = 0
                np.testing.assert_array_equal(active, expected_active)
                votes = ref_votes(layout, expected_active, predicates)
                first = np.array(
                    [
                        values[layout.members(i, expected_active[i])[0]]
                        if stayed[i]
                        else 0x5A5A
                        for i in g
                    ]
                )
                votes[:, ~stayed] = 0x5A5A
                np.testing.assert_array_equal(out[:3], votes[:3])
                np.testing.assert_array_equal(
                    out[3].astype(np.uint32), votes[3].astype(np.uint32)
                )
                np.testing.assert_array_equal(out[4], first)


def ref_at_full_mask(layout, kind, values, present):
    """What ``warpkernels.at_full_mask`` gives each thread of ``present``
    (a bool a thread) on a GPU: PTX counts the lanes of the mask that have
    not exited, and those a partial warp lacks are like exited ones."""
    out = np.full(layout.n, 0x5A5A, np.int64)
    name = warpkernels.KINDS[kind]
    for idx in layout.warps:
        who = idx[present[idx]]
        lanes = layout.lane[who]
        came = sum(1 << int(i) for i in lanes)
        p = values[who] > 0
        for g in who:
            if name == "ballot_sync":
                r = sum(1 << int(i) for i in lanes[p])
            elif name == "all_sync":
                r = p.all()
            elif name == "any_sync":
                r = p.any()
            elif name == "eq_sync":
                r = p.all() or not p.any()
            elif name == "match_any_sync":
                same = values[who] == values[g]
                r = sum(1 << int(i) for i in lanes[same])
            elif name == "match_all_sync":
                r = came if (values[who] == values[g]).all() else -1
            elif name == "shfl_sync":
                r = values[idx[5]]
            else:
                r = 1
            out[g] = r
    return out


def low(values):
    """The low 32 bits: a mask is int32 in a kernel (lane 31 makes it
    negative), its reference a Python int."""
    return np.asarray(values, np.int64) & 0xFFFFFFFF


def ref_solver_loop(layout, keep, steps):
    """What a GPU gives for ``warpkernels.solver_loop``: each vote is a
    meeting of the lanes of the mask that have not exited, wherever each
    calls it (PTX's "same qualifiers and same membermask"), so a warp runs
    in rounds, each lane voting once a round."""
    out = np.full((2, layout.n), -1, np.int64)
    for idx in layout.warps:
        left = [int(g) for g in idx if keep[g]]
        n = dict.fromkeys(left, 0)
        votes = dict.fromkeys(left, 0)
        # Which lanes are at the vote that ends a pass, the others at the
        # vote of the lanes not finished.
        at_end = dict.fromkeys(left, True)
        while left:
            cast = {
                g: n[g] >= steps[g] if at_end[g] else n[g] % 2 == 0
                for g in left
            }
            result = all(cast.values())
            for g in list(left):
                votes[g] += 1
                if not at_end[g]:
                    n[g] += 1
                    at_end[g] = True
                elif result:
                    out[:, g] = n[g], votes[g]
                    left.remove(g)
                elif not cast[g]:
                    at_end[g] = False
    return out


@needs_cuda
class TestExitedLanes(CUDATestCase):
    """Collectives as PTX defines them: lanes wait for the lanes of the
    mask that have not exited; lanes a partial warp lacks are like exited
    ones; lanes meet at any call site of the same kind and mask."""

    def test_partial_warps_with_the_full_mask(self):
        rng = np.random.default_rng(21)
        for name, layout in cases(PARTIAL + [((1,), (10,))]):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for kind, what in enumerate(warpkernels.KINDS):
                    with self.subTest(kind=what):
                        values = rng.integers(-2, 3, layout.n)
                        values = same_per_warp(layout, values, 2)
                        out = np.full(layout.n, 0x5A5A, np.int64)
                        layout.launch(warpkernels.full_mask, kind, values, out)
                        everyone = np.ones(layout.n, bool)
                        expected = ref_at_full_mask(
                            layout, kind, values, everyone
                        )
                        np.testing.assert_array_equal(low(out), low(expected))

    def test_a_lane_exits_before_or_while_the_others_wait(self):
        rng = np.random.default_rng(22)
        leavers = {True: 3, False: 10}
        for name, layout in cases([((1,), (32,)), ((2,), (48,))]):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for (kind, what), early in itertools.product(
                    enumerate(warpkernels.KINDS), (True, False)
                ):
                    with self.subTest(kind=what, early=early):
                        leaver = leavers[early]
                        values = rng.integers(-2, 3, layout.n)
                        values = same_per_warp(layout, values, 2)
                        out = np.full(layout.n, 0x5A5A, np.int64)
                        layout.launch(
                            warpkernels.one_lane_leaves,
                            kind,
                            leaver,
                            early,
                            values,
                            out,
                        )
                        present = layout.lane != leaver
                        expected = ref_at_full_mask(
                            layout, kind, values, present
                        )
                        np.testing.assert_array_equal(low(out), low(expected))

    def test_votes_from_two_call_sites_meet(self):
        rng = np.random.default_rng(23)
        for name, layout in cases(
            [((1,), (32,)), ((2,), (64,)), ((1,), (40,))]
        ):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for trial in range(3):
                    keep = (layout.rank % 32 < 16).astype(np.int32)
                    if trial:
                        keep = (rng.random(layout.n) < 0.6).astype(np.int32)
                    steps = rng.integers(-1, 7, layout.n).astype(np.int32)
                    out = np.full((2, layout.n), -1, np.int64)
                    layout.launch(warpkernels.solver_loop, keep, steps, out)
                    expected = ref_solver_loop(layout, keep, steps)
                    np.testing.assert_array_equal(out, expected)

    def test_solver_reference(self):
        # Worked by hand: lane 0 is finished at once; lane 1 needs 3 steps.
        # Round 1: both at the end vote [T, F]; lane 1 goes to vote n=0 even.
        # Round 2: lane 0 [T] with lane 1's [T]: all true, lane 0 leaves
        # (2 votes). Lane 1 steps to n=1; it then votes alone, twice a step,
        # until n=3 >= 3 ends it: rounds 3-7, 7 votes in all.
        layout = Layout((1,), (2,))
        keep = np.ones(2, np.int32)
        steps = np.array([0, 3], np.int32)
        out = ref_solver_loop(layout, keep, steps)
        np.testing.assert_array_equal(out, [[0, 3], [2, 7]])


@skip_unless_cudasim("Tests the CUDA simulator's reports of misuse")
class TestWarpMisuse(CUDATestCase):
    """Misuse that hangs or is undefined on a GPU raises a RuntimeError
    from the launch, within a second, naming the kernel, the block and the
    collective."""

    def check(self, kernel, config, args, *patterns):
        """The launch raises a RuntimeError within a second, whose message
        names the kernel and the block and matches each of ``patterns``."""
        name = kernel.py_func.__name__
        for launcher_name in LAUNCHERS:
            with self.subTest(launcher=launcher_name):
                with launcher(launcher_name):
                    error, seconds = launch_on_host_thread(
                        lambda: kernel[config](*args)
                    )
                self.assertIsInstance(error, RuntimeError)
                message = str(error)
                self.assertIn("kernel '%s'" % name, message)
                self.assertIn("block [", message)
                for pattern in patterns:
                    self.assertRegex(message, pattern)
                self.assertLess(seconds, 1.0)

    def ints(self, n=32):
        return np.arange(n, dtype=np.int32)

    def test_mask_leaves_out_own_lane(self):
        self.check(
            warpkernels.leaves_out_own_lane,
            (1, 32),
            (self.ints(),),
            "leaves out its own lane",
            "ballot_sync",
        )

    def test_lanes_at_different_collectives(self):
        self.check(
            warpkernels.different_collectives,
            (1, 32),
            (self.ints(), self.ints()),
            "different collectives",
            "shfl_sync|ballot_sync",
        )

    def test_any_against_all(self):
        self.check(
            warpkernels.any_against_all,
            (1, 32),
            (self.ints(), self.ints()),
            "different collectives",
            "any_sync|all_sync",
        )

    def test_same_collective_with_different_masks(self):
        self.check(
            warpkernels.different_masks,
            (1, 32),
            (self.ints(), self.ints()),
            "different collectives",
            "0xffffffff",
            "0xffff0001",
        )

    def test_builtin_intrinsics_of_different_modes(self):
        # numba's built-in target: vote.sync.any against vote.sync.all.
        # numba-cuda's has no vote_sync_intrinsic, nor its simulator.
        if os.sep + "numba_cuda" + os.sep in cuda.__file__:
            for name in LAUNCHERS:
                with self.subTest(launcher=name), launcher(name):
                    with self.assertRaisesRegex(
                        AttributeError, "vote_sync_intrinsic"
                    ):
                        warpkernels.modes_differ[1, 32](
                            self.ints(), self.ints()
                        )
            return
        self.check(
            warpkernels.modes_differ,
            (1, 32),
            (self.ints(), self.ints()),
            "different collectives",
            "mode 0",
            "mode 1",
        )

    def test_shuffle_from_a_lane_that_exited(self):
        self.check(
            warpkernels.reads_exited_lane,
            (1, 32),
            (self.ints(), self.ints()),
            "reads lane 31, which has exited",
            "shfl_sync",
        )

    def test_shuffle_from_a_lane_that_does_not_exist(self):
        self.check(
            warpkernels.reads_missing_lane,
            (1, 16),
            (self.ints(16), self.ints(16)),
            "reads lane 20, which does not exist",
            "shfl_sync",
        )

    def test_shuffle_from_a_lane_outside_the_mask(self):
        self.check(
            warpkernels.reads_outside_mask,
            (1, 32),
            (self.ints(), self.ints()),
            "not in the mask",
            "shfl_sync",
        )

    def test_syncwarp_against_syncthreads_deadlocks(self):
        self.check(
            warpkernels.syncwarp_against_syncthreads,
            (1, 64),
            (self.ints(64),),
            "deadlock",
            "syncthreads",
            "syncwarp",
        )

    def test_shuffle_against_syncthreads_deadlocks(self):
        self.check(
            warpkernels.shuffle_against_syncthreads,
            (1, 32),
            (self.ints(), self.ints()),
            "deadlock",
            "syncthreads",
            "shfl_sync",
        )

    def test_launches_after_misuse_still_work(self):
        # A block ended by an error leaves no lane waiting in a pool.
        layout = Layout((2,), (64,))
        values = np.arange(layout.n, dtype=np.int32)
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                with self.assertRaises(RuntimeError):
                    warpkernels.different_collectives[1, 32](
                        self.ints(), self.ints()
                    )
                out = np.zeros(layout.n, np.int32)
                layout.launch(warpkernels.inclusive_scan, values, out)
                expected = np.concatenate(
                    [np.cumsum(values[idx]) for idx in layout.warps]
                )
                np.testing.assert_array_equal(out, expected)


if __name__ == "__main__":
    unittest.main()
