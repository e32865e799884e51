"""Kernels that call the warp-level intrinsics, as GPU code would.

Each thread reads its arguments at its flat global index ``flat_index()``
(the block's number times its size plus the thread's rank in the block, x
fastest) and writes its results there, so that a test computes the same
layout with NumPy for any grid and block shape. Masks come from arrays
(uint32, one a thread), from literals, or from ``cuda.activemask()``.
"""

from numba import cuda, int32

FULL = 0xFFFFFFFF


@cuda.jit(device=True)
def block_rank():
    """The thread's linear index in its block, x fastest."""
    return cuda.threadIdx.x + cuda.blockDim.x * (
        cuda.threadIdx.y + cuda.blockDim.y * cuda.threadIdx.z
    )


@cuda.jit(device=True)
def block_size():
    return cuda.blockDim.x * cuda.blockDim.y * cuda.blockDim.z


@cuda.jit(device=True)
def block_number():
    return cuda.blockIdx.x + cuda.gridDim.x * (
        cuda.blockIdx.y + cuda.gridDim.y * cuda.blockIdx.z
    )


@cuda.jit(device=True)
def flat_index():
    return block_number() * block_size() + block_rank()


@cuda.jit(device=True)
def warp_number():
    """The index of the thread's warp in the grid."""
    return block_number() * ((block_size() + 31) // 32) + block_rank() // 32


# -- one intrinsic at a time --------------------------------------------------


@cuda.jit
def positions(lanes, ranks):
    g = flat_index()
    lanes[g] = cuda.laneid
    ranks[g] = block_rank()


@cuda.jit
def shuffles(masks, values, idx, up, down, xor, out):
    """Each shuffle of ``values``, the source lane or delta read per
    thread; the results in the four rows of ``out``."""
    g = flat_index()
    m = masks[g]
    v = values[g]
    out[0, g] = cuda.shfl_sync(m, v, idx[g])
    out[1, g] = cuda.shfl_up_sync(m, v, up[g])
    out[2, g] = cuda.shfl_down_sync(m, v, down[g])
    out[3, g] = cuda.shfl_xor_sync(m, v, xor[g])


@cuda.jit
def votes(masks, predicates, out):
    """all, any, eq and ballot of an integer predicate, in rows of out."""
    g = flat_index()
    m = masks[g]
    p = predicates[g]
    out[0, g] = cuda.all_sync(m, p)
    out[1, g] = cuda.any_sync(m, p)
    out[2, g] = cuda.eq_sync(m, p)
    out[3, g] = cuda.ballot_sync(m, p)


@cuda.jit
def bool_votes(masks, predicates, out):
    """As ``votes``, with the boolean predicate ``predicates[g] > 0``."""
    g = flat_index()
    m = masks[g]
    p = predicates[g] > 0
    out[0, g] = cuda.all_sync(m, p)
    out[1, g] = cuda.any_sync(m, p)
    out[2, g] = cuda.eq_sync(m, p)
    out[3, g] = cuda.ballot_sync(m, p)


@cuda.jit
def matches(masks, values, out):
    """match_any_sync, and match_all_sync's mask and predicate."""
    g = flat_index()
    m = masks[g]
    v = values[g]
    out[0, g] = cuda.match_any_sync(m, v)
    same, ok = cuda.match_all_sync(m, v)
    out[1, g] = same
    out[2, g] = ok


@cuda.jit
def lane_masks(active, lower):
    g = flat_index()
    active[g] = cuda.activemask()
    lower[g] = cuda.lanemask_lt()


@cuda.jit
def popcounts(ints, longs, out):
    """popc of int32 and int64 values, and of full-warp ballots (lane 31's
    bit set: a negative int32)."""
    g = flat_index()
    out[0, g] = cuda.popc(ints[g])
    out[1, g] = cuda.popc(longs[g])
    out[2, g] = cuda.popc(cuda.ballot_sync(FULL, 1))
    out[3, g] = cuda.popc(cuda.ballot_sync(FULL, cuda.laneid % 2))


@cuda.jit
def signs(values, out):
    """Whether results with lane 31's bit set are negative: ballot_sync and
    match_any_sync return int32, activemask uint32."""
    g = flat_index()
    out[0, g] = cuda.ballot_sync(FULL, 1) < 0
    out[1, g] = cuda.match_any_sync(FULL, values[g] * 0) < 0
    out[2, g] = cuda.activemask() >> 31


@cuda.jit
def neighbours(masks, values, out):
    """Three rounds of: write shared memory, syncwarp(mask), read the next
    lane's slot, syncwarp(mask) again before the slot is rewritten."""
    buf = cuda.shared.array(128, int32)
    g = flat_index()
    t = block_rank()
    lane = cuda.laneid
    first = t - lane
    width = min(32, block_size() - first)
    m = masks[g]
    total = 0
    for r in range(3):
        buf[t] = values[g] + r
        cuda.syncwarp(m)
        total += buf[first + (lane + 1) % width]
        cuda.syncwarp(m)
    out[g] = total


@cuda.jit
def neighbours_full(values, out):
    """As ``neighbours``, with ``syncwarp()`` (the full mask), in blocks of
    whole warps."""
    buf = cuda.shared.array(128, int32)
    g = flat_index()
    t = block_rank()
    lane = cuda.laneid
    total = 0
    for r in range(3):
        buf[t] = values[g] + r
        cuda.syncwarp()
        total += buf[t - lane + (lane + 1) % 32]
        cuda.syncwarp()
    out[g] = total


@cuda.jit
def group_sums(masks, values, out):
    """Butterfly sums within groups of 8 lanes, each group with its own
    mask, all at the same call site."""
    g = flat_index()
    m = masks[g]
    v = values[g]
    lane_mask = 4
    while lane_mask > 0:
        v += cuda.shfl_xor_sync(m, v, lane_mask)
        lane_mask //= 2
    out[g] = v


# -- the usual warp algorithms ------------------------------------------------


@cuda.jit
def warp_sums(values, sums):
    """Tree reduction by shfl_down_sync: lane 0 holds the warp's sum."""
    v = values[flat_index()]
    offset = 16
    while offset > 0:
        v += cuda.shfl_down_sync(FULL, v, offset)
        offset //= 2
    if cuda.laneid == 0:
        sums[warp_number()] = v


@cuda.jit
def butterfly_sums(values, out):
    """All-reduce by shfl_xor_sync: every lane gets the warp's sum."""
    g = flat_index()
    v = values[g]
    mask = 16
    while mask > 0:
        v += cuda.shfl_xor_sync(FULL, v, mask)
        mask //= 2
    out[g] = v


@cuda.jit
def inclusive_scan(values, out):
    """Hillis-Steele inclusive scan by shfl_up_sync."""
    g = flat_index()
    v = values[g]
    lane = cuda.laneid
    delta = 1
    while delta < 32:
        n = cuda.shfl_up_sync(FULL, v, delta)
        if lane >= delta:
            v += n
        delta *= 2
    out[g] = v


@cuda.jit
def compact(values, out, counts):
    """Keep the positive values: each warp writes its kept values, in lane
    order, from slot 32 * warp_number(); counts[warp] says how many."""
    g = flat_index()
    v = values[g]
    keep = v > 0
    ballot = cuda.ballot_sync(cuda.activemask(), keep)
    if keep:
        slot = cuda.popc(ballot & cuda.lanemask_lt())
        out[32 * warp_number() + slot] = v
    if cuda.laneid == 0:
        counts[warp_number()] = cuda.popc(ballot)


@cuda.jit
def compact_atomic(values, out, total):
    """As ``compact``, the warp's base taken by lane 0 with one atomic and
    broadcast by shfl_sync."""
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


@cuda.jit
def histogram(keys, counts, ranks):
    """Warp-aggregated histogram: the lanes holding the same key find each
    other with match_any_sync; the first of them adds the group's size."""
    g = flat_index()
    k = keys[g]
    peers = cuda.match_any_sync(cuda.activemask(), k)
    rank = cuda.popc(peers & cuda.lanemask_lt())
    ranks[g] = rank
    if rank == 0:
        cuda.atomic.add(counts, k, cuda.popc(peers))


@cuda.jit
def after_return(keep, predicates, values, active, out):
    """Threads with keep[g] == 0 return first; the others vote and shuffle
    with the mask of activemask()."""
    g = flat_index()
    if keep[g] == 0:
        return
    m = cuda.activemask()
    active[g] = m
    p = predicates[g]
    out[0, g] = cuda.all_sync(m, p)
    out[1, g] = cuda.any_sync(m, p)
    out[2, g] = cuda.eq_sync(m, p)
    out[3, g] = cuda.ballot_sync(m, p)
    first = 0
    while (m >> first) & 1 == 0:
        first += 1
    out[4, g] = cuda.shfl_sync(m, values[g], first)


# -- lanes that exited, or that a partial warp lacks ---------------------------

# What ``at_full_mask`` does, by ``kind``.
KINDS = (
    "ballot_sync",
    "all_sync",
    "any_sync",
    "eq_sync",
    "match_any_sync",
    "match_all_sync",
    "shfl_sync",
    "syncwarp",
)


@cuda.jit(device=True)
def at_full_mask(kind, values, out, g):
    """Collective ``KINDS[kind]`` with the full mask, of ``values[g]``
    (the predicate ``values[g] > 0``); its result in ``out[g]``. The
    shuffle reads lane 5."""
    v = values[g]
    if kind == 0:
        out[g] = cuda.ballot_sync(FULL, v > 0)
    elif kind == 1:
        out[g] = cuda.all_sync(FULL, v > 0)
    elif kind == 2:
        out[g] = cuda.any_sync(FULL, v > 0)
    elif kind == 3:
        out[g] = cuda.eq_sync(FULL, v > 0)
    elif kind == 4:
        out[g] = cuda.match_any_sync(FULL, v)
    elif kind == 5:
        same, ok = cuda.match_all_sync(FULL, v)
        out[g] = same if ok else -1
    elif kind == 6:
        out[g] = cuda.shfl_sync(FULL, v, 5)
    else:
        cuda.syncwarp(FULL)
        out[g] = 1


@cuda.jit
def full_mask(kind, values, out):
    """Every thread at ``at_full_mask``: in a partial last warp, the full
    mask names lanes that do not exist."""
    at_full_mask(kind, values, out, flat_index())


@cuda.jit
def one_lane_leaves(kind, leaver, early, values, out):
    """Lane ``leaver`` of each warp returns, before the others reach
    ``at_full_mask`` (``early``) or while they wait there."""
    g = flat_index()
    if cuda.laneid == leaver:
        if not early:
            for _ in range(4):
                cuda.nanosleep(100)
        return
    if early:
        for _ in range(4):
            cuda.nanosleep(100)
    at_full_mask(kind, values, out, g)


@cuda.jit
def solver_loop(keep, steps, out):
    """The warp-coherent loop of a batch solver: the mask read once after
    an early return, a vote to leave at the end of each pass, and another
    vote, at another call site, by the lanes not finished. Lanes meet at
    either call site (the same instruction kind and mask), so passes of
    finished and unfinished lanes interleave; out[0] is the step count, and
    out[1] how many votes the lane cast before it left."""
    t = flat_index()
    if not keep[t]:
        return
    mask = cuda.activemask()
    n = 0
    votes = 0
    while True:
        finished = n >= steps[t]
        votes += 1
        if cuda.all_sync(mask, finished):
            out[0, t] = n
            out[1, t] = votes
            return
        if not finished:
            votes += 1
            cuda.all_sync(mask, n % 2 == 0)
            n += 1


@cuda.jit
def masks_taken_apart(leaver, values, out):
    """CuBIE's integration kernel: lanes 16..31 of each warp return; the
    others take the mask, then lane ``leaver`` returns, then lanes 0..7
    take it again, and lanes 8..15 keep the first, which names the lane
    that left. Masks that differ only in lanes that have exited meet as
    one, on a GPU as here."""
    g = flat_index()
    lane = cuda.laneid
    if lane >= 16:
        return
    early = cuda.activemask()
    if lane == leaver:
        return
    late = cuda.activemask()
    mask = late if lane < 8 else early
    v = values[g]
    out[0, g] = mask
    out[1, g] = cuda.ballot_sync(mask, v > 0)
    out[2, g] = cuda.all_sync(mask, v > 0)
    out[3, g] = cuda.any_sync(mask, v > 2)
    out[4, g] = cuda.eq_sync(mask, v > 0)
    # Each lane reads one that has not left: for leaver 10, lanes 0 and
    # 4, 1 and 3, 5 and 15, ... swap; 2 reads itself.
    out[5, g] = cuda.shfl_sync(mask, v, (2 * leaver - lane) % 16)
    out[6, g] = cuda.match_any_sync(mask, v)
    cuda.syncwarp(mask)
    out[7, g] = cuda.ballot_sync(mask, v < 0)


@cuda.jit
def solver_loop_masks_apart(steps, out):
    """``solver_loop`` as CuBIE writes it: lanes with a negative step count
    return after the warp took its first mask, the others take it again,
    and lanes 0..7 vote with one mask where lanes 8..31 vote with the
    other, at both votes: the masks differ only in lanes that have
    exited."""
    t = flat_index()
    early = cuda.activemask()
    if steps[t] < 0:
        return
    late = cuda.activemask()
    at_end = late if cuda.laneid < 8 else early
    inner = early if cuda.laneid < 8 else late
    n = 0
    votes = 0
    while True:
        finished = n >= steps[t]
        votes += 1
        if cuda.all_sync(at_end, finished):
            out[0, t] = n
            out[1, t] = votes
            return
        if not finished:
            votes += 1
            cuda.all_sync(inner, n % 2 == 0)
            n += 1


@cuda.jit
def overlapping_masks(values, out):
    """Lanes 0..15 ballot with the full mask; lanes 16..31 with a mask of
    their own and lane 0: masks that differ in lanes that have not exited
    (PTX leaves the result undefined). Then each lane shuffles from a lane
    of its own mask: lane 31 from lane 0."""
    lane = cuda.laneid
    if lane < 16:
        out[0, lane] = cuda.ballot_sync(FULL, values[lane])
        out[1, lane] = cuda.shfl_sync(FULL, values[lane], 31 - lane)
    else:
        out[0, lane] = cuda.ballot_sync(0xFFFF0001, values[lane])
        out[1, lane] = cuda.shfl_sync(0xFFFF0001, values[lane], lane + 1)


@cuda.jit
def named_lane_left_with_another_mask(out):
    """Lane 30 returns; the others sync with the full mask; lane 31
    returns; lanes 0..29 sync with a mask that names lane 31 but not lane
    30. A GPU may match lane 31's full mask with it: they differ only in
    lane 30, which has exited."""
    lane = cuda.laneid
    if lane == 30:
        return
    cuda.syncwarp(FULL)
    if lane == 31:
        return
    cuda.syncwarp(0xBFFFFFFF)
    out[lane] = 1


# -- misuse, which the simulator reports --------------------------------------


@cuda.jit
def leaves_out_own_lane(out):
    """Lane 0's mask names lanes 1..31, not itself."""
    lane = cuda.laneid
    out[lane] = cuda.ballot_sync(0xFFFFFFFE, 1)


@cuda.jit
def reads_exited_lane(values, out):
    """Lanes 0..30 shuffle from lane 31, which has returned."""
    lane = cuda.laneid
    if lane == 31:
        return
    out[lane] = cuda.shfl_sync(FULL, values[lane], 31)


@cuda.jit
def reads_missing_lane(values, out):
    """In a block of 16 threads, a shuffle from lane 20."""
    lane = cuda.laneid
    out[lane] = cuda.shfl_sync(FULL, values[lane], 20)


@cuda.jit
def any_against_all(values, out):
    """Half the warp votes any, the other half all, with the same mask."""
    lane = cuda.laneid
    if lane < 16:
        out[lane] = cuda.any_sync(FULL, values[lane])
    else:
        out[lane] = cuda.all_sync(FULL, values[lane])


@cuda.jit
def masks_against_syncthreads(values, out):
    """Lanes 0..15 ballot with mask 0xffff but lane 0, whose mask also
    names lane 16; lane 16 waits in syncthreads() for them: a deadlock
    whatever the masks."""
    lane = cuda.laneid
    if lane < 16:
        mask = 0x1FFFF if lane == 0 else 0xFFFF
        out[lane] = cuda.ballot_sync(mask, values[lane])
    cuda.syncthreads()


@cuda.jit
def different_collectives(values, out):
    """Half the warp shuffles, the other half votes, with the same mask."""
    lane = cuda.laneid
    if lane < 16:
        out[lane] = cuda.shfl_sync(FULL, values[lane], 0)
    else:
        out[lane] = cuda.ballot_sync(FULL, 1)


@cuda.jit
def reads_outside_mask(values, out):
    """Lanes 0..15 shuffle among themselves from lane 20."""
    lane = cuda.laneid
    if lane < 16:
        out[lane] = cuda.shfl_sync(0xFFFF, values[lane], 20)


@cuda.jit
def reads_outside_own_mask(values, out):
    """Lanes 0..15 shuffle with the full mask, lanes 16..31 with a mask of
    their own lanes, from lane 0: lanes whose masks differ meet as one,
    and lane 0 came, but is not in the mask of lanes 16..31."""
    lane = cuda.laneid
    if lane < 16:
        out[lane] = cuda.shfl_sync(FULL, values[lane], 31 - lane)
    else:
        out[lane] = cuda.shfl_sync(0xFFFF0000, values[lane], 0)


@cuda.jit
def syncwarp_against_syncthreads(out):
    """Lanes 0..30 wait in syncwarp() for lane 31, which waits in
    syncthreads() with warp 1 for them."""
    t = cuda.threadIdx.x
    if t == 31 or t >= 32:
        cuda.syncthreads()
    else:
        cuda.syncwarp()
    out[t] = 1


@cuda.jit
def shuffle_against_syncthreads(values, out):
    """Lane 0 waits in syncthreads() while lanes 1..31 wait for it in
    shfl_sync."""
    lane = cuda.laneid
    if lane == 0:
        cuda.syncthreads()
    else:
        out[lane] = cuda.shfl_sync(FULL, values[lane], 0)


@cuda.jit
def mask_beside_barrier(active):
    """Half of each warp reads activemask while the other half already
    waits at syncthreads: on a GPU the first half's mask is its own lanes;
    the simulator, which does not see divergence, counts the waiting lanes
    as active. After the barrier the first half has exited."""
    g = flat_index()
    if cuda.laneid < 16:
        active[g] = cuda.activemask()
    cuda.syncthreads()
    if cuda.laneid >= 16:
        active[g] = cuda.activemask()


@cuda.jit
def builtin_intrinsics(values, out):
    """numba's built-in target: what its warp functions call. Shuffle down
    by 1 and a ballot of odd values, through the PTX modes."""
    g = flat_index()
    value, valid = cuda.shfl_sync_intrinsic(FULL, 2, values[g], 1, 0x1F)
    out[0, g] = value
    out[1, g] = valid
    ballot, all_odd = cuda.vote_sync_intrinsic(FULL, 0, values[g] % 2 == 1)
    out[2, g] = ballot
    out[3, g] = all_odd


@cuda.jit
def mask_while_one_waits(event, active):
    """Simulator only (an Event is not GPU code), OS-thread launcher: lane
    0 waits on ``event``, which lane 1 sets after reading activemask."""
    lane = cuda.laneid
    if lane == 0:
        event.wait(30)
    active[lane] = cuda.activemask()
    if lane == 1:
        event.set()


@cuda.jit
def modes_differ(values, out):
    """numba's built-in target only: vote_sync_intrinsic, any (mode 1)
    on half the warp, all (mode 0) on the other half."""
    lane = cuda.laneid
    ballot, result = cuda.vote_sync_intrinsic(FULL, lane // 16, values[lane])
    out[lane] = result
