"""The standalone simulator's ``cuda.random`` gives numba-cuda's numbers.

Known answers (taken from numba-cuda 0.30.4's simulator) and a
step-by-step reference below run everywhere, numba or not; the tests
that compare with ``numba.cuda.random`` itself, states and a kernel's
draws, run where numba-cuda's simulator is on.
"""

import math
import os
import warnings

import numpy as np
import pytest

from cudasim_threadsafe.standalone import random as rng

MASK = (1 << 64) - 1


def ref_next(state):
    """One step of xoroshiro128+, as its reference C code writes it."""
    s0, s1 = state
    result = (s0 + s1) & MASK
    s1 ^= s0
    state[0] = ((s0 << 55 | s0 >> 9) & MASK) ^ s1 ^ ((s1 << 14) & MASK)
    state[1] = (s1 << 36 | s1 >> 28) & MASK
    return result


def ref_jump(state):
    """2**64 steps, the reference's way: 128 steps, summing some."""
    acc = [0, 0]
    for word in (0xBEAC0467EBA5FACB, 0xD86B048B86AA9922):
        for bit in range(64):
            if word >> bit & 1:
                acc = [acc[0] ^ state[0], acc[1] ^ state[1]]
            ref_next(state)
    state[:] = acc


def ref_states(n, seed, start):
    z = (seed + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ z >> 30) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ z >> 27) * 0x94D049BB133111EB) & MASK
    state = [z ^ z >> 31] * 2
    for _ in range(start):
        ref_jump(state)
    out = []
    for _ in range(n):
        out.append(tuple(state))
        ref_jump(state)
    return out


def pairs(states):
    return [(int(r["s0"]), int(r["s1"])) for r in np.asarray(states)]


KNOWN_STATES = [
    (
        1,
        0,
        [
            (0x910A2DEC89025CC1, 0x910A2DEC89025CC1),
            (0x73C19A5348FC9098, 0x6C96C932F21D71EE),
            (0x0B3D0CD6DDFA7A4C, 0xD3C2C33E9B8E707A),
        ],
    ),
    (
        42,
        2,
        [
            (0xA67324E5ECCCB8DC, 0x4A81BBD6C315729E),
            (0xEF6261E44FD8ABC9, 0x0C6EBFA4759A0F22),
        ],
    ),
    (MASK, 5, [(0xA68EDAEFD9660B90, 0x307E464F0FFAB733)]),
]


@pytest.mark.parametrize("seed, start, expected", KNOWN_STATES)
def test_known_states(seed, start, expected):
    states = rng.create_xoroshiro128p_states(len(expected), seed, start)
    assert np.asarray(states).dtype == rng.xoroshiro128p_dtype
    assert pairs(states) == expected


def test_known_draws():
    """Seed 7's first draws of each kind, numba-cuda's to the bit (and
    its types: the normals are Python floats there)."""
    states = rng.create_xoroshiro128p_states(1, 7)
    words = [rng.xoroshiro128p_next(states, 0) for _ in range(3)]
    assert all(type(w) is np.uint64 for w in words)
    assert [int(w) for w in words] == [
        0xC797C3C8B2641BAE,
        0xEBB1E5F0F22C9906,
        0x348191F7E7326E59,
    ]
    states = rng.create_xoroshiro128p_states(1, 7)
    draws = [
        (rng.xoroshiro128p_uniform_float32, np.float32, "0x1.8f2f88p-1"),
        (rng.xoroshiro128p_uniform_float32, np.float32, "0x1.d763ccp-1"),
        (rng.xoroshiro128p_uniform_float64, np.float64, "0x1.a40c8fbf39934p-3"),
        (rng.xoroshiro128p_uniform_float64, np.float64, "0x1.8a96b1e3fa98ep-2"),
        (rng.xoroshiro128p_normal_float32, float, "-0x1.cacccaf704e97p-2"),
        (rng.xoroshiro128p_normal_float32, float, "-0x1.e55ad5a566c96p-1"),
        (rng.xoroshiro128p_normal_float64, float, "-0x1.4ef1d3d026afdp+0"),
        (rng.xoroshiro128p_normal_float64, float, "-0x1.1622c1503a9dep+1"),
    ]
    for draw, kind, expected in draws:
        value = draw(states, 0)
        assert type(value) is kind
        assert float(value) == float.fromhex(expected)


@pytest.mark.parametrize(
    "seed, start, n",
    [(0, 0, 9), (3, 1, 17), (MASK - 2, 4, 6), (2**40 + 5, 0, 33)],
)
def test_states_match_step_by_step_reference(seed, start, n):
    """The vectorised creation (jumps as bit matrices, doubling) gives
    what jumping one state after another gives."""
    states = rng.create_xoroshiro128p_states(n, seed, start)
    assert pairs(states) == ref_states(n, seed, start)


def test_draws_match_reference():
    states = rng.create_xoroshiro128p_states(4, 11, 2)
    expected = ref_states(4, 11, 2)
    for i in range(4):
        state = list(expected[i])
        for _ in range(40):
            assert int(rng.xoroshiro128p_next(states, i)) == ref_next(state)
        rng.xoroshiro128p_jump(states, i)
        ref_jump(state)
        assert pairs(states)[i] == tuple(state)


def test_large_subsequence_start():
    """Jumping 2**40 times is a matrix power, not a loop; one more jump
    of the first state is the second state."""
    states = rng.create_xoroshiro128p_states(2, 9, 2**40)
    first = rng.create_xoroshiro128p_states(1, 9, 2**40 + 1)
    assert pairs(first) == pairs(states)[1:]
    rng.xoroshiro128p_jump(states, 0)
    assert pairs(states)[0] == pairs(first)[0]


def test_shifted_start_is_a_later_slice():
    whole = pairs(rng.create_xoroshiro128p_states(12, 5))
    for start in (1, 3, 7):
        part = rng.create_xoroshiro128p_states(12 - start, 5, start)
        assert pairs(part) == whole[start:]


def test_init_states_in_place_and_empty():
    states = np.zeros(5, dtype=rng.xoroshiro128p_dtype)
    rng.init_xoroshiro128p_states(states, 123, 1)
    assert pairs(states) == ref_states(5, 123, 1)
    assert len(rng.create_xoroshiro128p_states(0, 1)) == 0


def test_single_state_helpers():
    states = np.zeros(2, dtype=rng.xoroshiro128p_dtype)
    rng.init_xoroshiro128p_state(states, 1, 42)
    assert pairs(states)[1] == ref_states(1, 42, 0)[0]
    assert int(rng.rotl(1, 63)) == 1 << 63
    assert int(rng.rotl(3, 63)) == (1 << 63) | 1
    assert rng.uint64_to_unit_float64(MASK) == 1 - 2.0**-53
    # float32's rounding takes the largest draws to 1.0, as numba-cuda's.
    assert rng.uint64_to_unit_float32(MASK) == np.float32(1.0)
    assert rng.TWO_PI_FLOAT32 == np.float32(2 * math.pi)


def test_wraparound_does_not_warn():
    """numba-cuda's simulator warns of uint64 overflow (numpy scalars);
    the generator wraps by design, so this one does not."""
    states = rng.create_xoroshiro128p_states(3, MASK, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(50):
            for i in range(3):
                rng.xoroshiro128p_next(states, i)
                rng.xoroshiro128p_normal_float64(states, i)
        rng.xoroshiro128p_jump(states, 2)
        rng.create_xoroshiro128p_states(4, MASK, 3)


def test_record_type_comes_from_the_front():
    saved = rng.__dict__.pop("xoroshiro128p_type", None)
    try:
        with pytest.raises(AttributeError, match="xoroshiro128p_type"):
            rng.xoroshiro128p_type
        rng.install_type("the type")
        assert rng.xoroshiro128p_type == "the type"
    finally:
        rng.__dict__.pop("xoroshiro128p_type", None)
        if saved is not None:
            rng.xoroshiro128p_type = saved


# -- against numba-cuda's simulator -----------------------------------------


@pytest.fixture(scope="module")
def upstream():
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("numba-cuda's simulator is off")
    return pytest.importorskip("numba.cuda.random")


# numba-cuda's simulator warns of object mode and of uint64 overflow.
quiet = pytest.mark.filterwarnings("ignore")


def host(states):
    return np.asarray(
        states.copy_to_host() if hasattr(states, "copy_to_host") else states
    )


@quiet
@pytest.mark.parametrize("seed", [0, 1, 77, 2**63 + 12345, MASK])
@pytest.mark.parametrize("start", [0, 1, 6])
def test_states_are_upstreams(upstream, seed, start):
    theirs = upstream.create_xoroshiro128p_states(7, seed, start)
    mine = rng.create_xoroshiro128p_states(7, seed, start)
    assert host(mine).tobytes() == host(theirs).tobytes()


def draw_kernel(module):
    from numba import cuda

    @cuda.jit
    def draws(states, u32, u64, n32, n64, words, jumped):
        i = cuda.grid(1)
        if i < u32.shape[0]:
            for r in range(u32.shape[1]):
                u32[i, r] = module.xoroshiro128p_uniform_float32(states, i)
                u64[i, r] = module.xoroshiro128p_uniform_float64(states, i)
                n32[i, r] = module.xoroshiro128p_normal_float32(states, i)
                n64[i, r] = module.xoroshiro128p_normal_float64(states, i)
                words[i, r] = module.xoroshiro128p_next(states, i)
            module.xoroshiro128p_jump(states, i)
            jumped[i] = module.xoroshiro128p_next(states, i)

    return draws


@quiet
@pytest.mark.parametrize("seed, start", [(1, 0), (2024, 3)])
def test_kernel_draws_are_upstreams(upstream, seed, start):
    from numba import cuda

    n, rounds = 20, 3
    results = []
    for module in (upstream, rng):
        states = cuda.to_device(
            host(module.create_xoroshiro128p_states(n, seed, start))
        )
        outs = [
            np.zeros((n, rounds), np.float32),
            np.zeros((n, rounds), np.float64),
            np.zeros((n, rounds), np.float32),
            np.zeros((n, rounds), np.float64),
            np.zeros((n, rounds), np.uint64),
            np.zeros(n, np.uint64),
        ]
        draw_kernel(module)[2, 16](states, *outs)
        results.append([states.copy_to_host()] + outs)
    for theirs, mine in zip(*results):
        assert mine.tobytes() == theirs.tobytes()


def test_public_names_are_upstreams(upstream):
    """Every function and constant of numba-cuda's module is here (its
    imports aside: math, np, cuda, jit, config, the numba types)."""
    imported = {
        "math",
        "np",
        "cuda",
        "jit",
        "config",
        "from_dtype",
        "HAS_NUMBA",
        "float32",
        "float64",
        "uint32",
        "int64",
        "uint64",
    }
    names = {
        n for n in vars(upstream) if not n.startswith("_") and n not in imported
    }
    missing = {n for n in names if n not in vars(rng)}
    assert missing <= {"xoroshiro128p_type"}
