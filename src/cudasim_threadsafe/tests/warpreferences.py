"""What the warp intrinsics give on a GPU, computed with NumPy from where
each thread sits: the layouts and shapes the tests launch, the references,
the inputs, and running a launch on a host thread. ``test_warp`` checks
the simulator against these; ``TestReferences`` there checks these against
answers worked out by hand.
"""

import math
import threading
import time
import unittest

import numpy as np
from numba import cuda

from . import warpkernels

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


def ref_masks_taken_apart(layout, leaver, values):
    """What a GPU gives for ``warpkernels.masks_taken_apart``: the lanes
    left (lanes 0..15 of each warp but ``leaver``) meet as one, as the
    masks differ only in the lane that has exited; -1 where a lane left."""
    out = np.full((8, layout.n), -1, np.int64)
    for idx in layout.warps:
        first = [int(g) for g in idx[:16]]
        left = [g for g in first if layout.lane[g] != leaver]
        early = sum(1 << int(layout.lane[g]) for g in first)
        late = sum(1 << int(layout.lane[g]) for g in left)

        def bits(lanes):
            return sum(1 << int(layout.lane[g]) for g in lanes)

        positive = bits(g for g in left if values[g] > 0)
        negative = bits(g for g in left if values[g] < 0)
        for g in left:
            lane = int(layout.lane[g])
            source = g - lane + (2 * leaver - lane) % 16
            out[:, g] = (
                late if lane < 8 else early,
                positive,
                positive == late,
                any(values[h] > 2 for h in left),
                positive in (0, late),
                values[source],
                bits(h for h in left if values[h] == values[g]),
                negative,
            )
    return out
