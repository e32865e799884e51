"""Warp-level intrinsics compute what a GPU computes.

A warp is 32 consecutive threads of a block by linear thread index (x
fastest); the last warp of a block whose size is not a multiple of 32 has
fewer lanes. A collective waits for the lanes of its mask that have not
exited, at any call site (PTX), and counts the lanes that came; lanes
whose masks differ (taken before and after a lane exited) meet as one,
each counting the lanes of its own mask. Every intrinsic runs in 1-D,
2-D and 3-D blocks of several warps, on grids of two blocks, under both
launchers, and its results are compared with a NumPy reference computed
here from the same layout. The simulator also reports misuse (a mask that
leaves out the caller, lanes waiting for each other at different
collectives, a shuffle from a lane that exited or does not exist, a
deadlock against syncthreads) from the launch, at once.
"""

import itertools
import os
import threading
import unittest

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from . import warpkernels
from .modes import launcher, no_sanitizer, untyped
from .warpreferences import (
    FULL,
    LAUNCHERS,
    PARTIAL,
    SCHEMES,
    SHAPES,
    WHOLE,
    Layout,
    bits_of,
    cases,
    group_masks,
    launch_on_host_thread,
    low,
    needs_cuda,
    per_warp,
    random_values,
    ref_at_full_mask,
    ref_masks_taken_apart,
    ref_matches,
    ref_shuffles,
    ref_solver_loop,
    ref_votes,
    same_per_warp,
    shuffle_arguments,
    spread,
)


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


@cuda.jit
def bool_values(flags, out):
    t = cuda.threadIdx.x
    # numba-cuda compiles these: a match converts a bool to int32, a vote
    # takes one as its predicate.
    same, ok = cuda.match_all_sync(FULL, t == 3)
    out[0, t] = same
    out[1, t] = ok
    same, ok = cuda.match_all_sync(FULL, t >= 0)
    out[2, t] = same
    out[3, t] = ok
    out[4, t] = cuda.match_any_sync(FULL, t < 5)
    out[5, t] = cuda.match_any_sync(FULL, flags[t])
    out[6, t] = cuda.ballot_sync(FULL, t == 3)
    out[7, t] = cuda.all_sync(FULL, flags[t])
    out[8, t] = cuda.any_sync(FULL, t == 3)
    out[9, t] = cuda.eq_sync(FULL, flags[t])


@cuda.jit
def shuffle_of(value, out):
    out[cuda.threadIdx.x] = cuda.shfl_sync(FULL, value, 0)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestValueTypes(CUDATestCase):
    """The intrinsics take the values numba-cuda's typing takes: a bool
    (a NumPy one too) to a match or a vote, not to a shuffle."""

    def test_bools(self):
        flags = np.arange(32) % 2 == 0
        low5 = np.int32(0x1F)
        evens = np.int32(0x55555555)
        expected = [
            [0] * 32,
            [0] * 32,
            [-1] * 32,
            [1] * 32,
            np.where(np.arange(32) < 5, low5, ~low5),
            np.where(flags, evens, ~evens),
            [1 << 3] * 32,
            [0] * 32,
            [1] * 32,
            [0] * 32,
        ]
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name), untyped():
                out = np.full((10, 32), 0x5A5A, np.int32)
                bool_values[1, 32](flags, out)
                np.testing.assert_array_equal(out, expected)

    def test_shuffle_refuses_a_bool(self):
        # numba-cuda's typing refuses it (TypingError).
        for value in (True, np.bool_(True)):
            with self.subTest(type(value).__name__), untyped():
                with self.assertRaisesRegex(TypeError, "shfl_sync takes"):
                    shuffle_of[1, 32](value, np.zeros(32))


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


@needs_cuda
class TestMasksTakenApart(CUDATestCase):
    """Masks taken by ``activemask()`` before and after a lane exited
    differ only in that lane: PTX asks for the same mask, but an exited
    lane is waited for by no mask, so the lanes meet as one (CuBIE's
    integration loop)."""

    def test_votes_shuffles_and_matches(self):
        rng = np.random.default_rng(24)
        shapes = [((1,), (32,)), ((2,), (64,)), ((2,), (16, 4)), ((1,), (16,))]
        for name, layout in cases(shapes):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for leaver, trial in itertools.product((10, 0, 15), range(2)):
                    values = rng.integers(-1, 4, layout.n)
                    if trial:
                        values = same_per_warp(layout, values, 3)
                    values = values.astype(np.int32)
                    out = np.full((8, layout.n), -1, np.int64)
                    layout.launch(
                        warpkernels.masks_taken_apart, leaver, values, out
                    )
                    expected = ref_masks_taken_apart(layout, leaver, values)
                    np.testing.assert_array_equal(low(out), low(expected))

    def test_solver_loop(self):
        rng = np.random.default_rng(25)
        for name, layout in cases([((1,), (32,)), ((2,), (64,))]):
            with self.subTest(launcher=name, shape=str(layout)), launcher(name):
                for trial in range(4):
                    steps = rng.integers(-2, 7, layout.n).astype(np.int32)
                    if not trial:
                        # Lane 10 leaves (as in CuBIE's failing test).
                        steps[:] = np.abs(steps)
                        steps[layout.lane == 10] = -1
                    out = np.full((2, layout.n), -1, np.int64)
                    layout.launch(
                        warpkernels.solver_loop_masks_apart, steps, out
                    )
                    keep = (steps >= 0).astype(np.int32)
                    expected = ref_solver_loop(layout, keep, steps)
                    np.testing.assert_array_equal(out, expected)


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

    def test_masks_that_differ_in_lanes_not_exited(self):
        # Undefined by PTX; the lanes meet as one here, and each lane's
        # result counts the lanes of its own mask (docs/gpu-semantics.md).
        values = np.array([3, 0, 1, 0, 5, 0, 0, 2] * 4, np.int64)
        lanes = np.arange(32)
        came = np.where(lanes < 16, FULL, 0xFFFF0001)
        voted = sum(1 << i for i in range(32) if values[i])
        sources = np.where(lanes < 16, 31 - lanes, (lanes + 1) % 32)
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name), no_sanitizer():
                out = np.zeros((2, 32), np.int64)
                warpkernels.overlapping_masks[1, 32](values, out)
                np.testing.assert_array_equal(
                    out[0].astype(np.uint32), voted & came
                )
                np.testing.assert_array_equal(out[1], values[sources])

    def test_masks_that_differ_against_syncthreads_deadlock(self):
        self.check(
            warpkernels.masks_against_syncthreads,
            (1, 32),
            (self.ints(), self.ints()),
            "deadlock",
            "syncthreads",
            "ballot_sync with masks 0x0001ffff \\(lanes \\[0\\]\\), "
            "0x0000ffff \\(lanes \\[1-15\\]\\) for lanes \\[16\\]",
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

    def test_shuffle_from_a_lane_outside_its_own_mask(self):
        # Masks that differ: lane 0 came to the meeting, but lane 16's
        # own mask does not name it.
        self.check(
            warpkernels.reads_outside_own_mask,
            (1, 32),
            (self.ints(), self.ints()),
            "lane (1[6-9]|2[0-9]|3[01]) of warp 0 reads lane 0, which is "
            "not in the mask 0xffff0000",
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
