"""``cuda.random`` for the simulator: xoroshiro128+ generators.

The draws are numba-cuda's, bit for bit: the same splitmix64 seeding, the
same 2**64-step jumps between neighbouring states, the same conversions to
floats (with numba-cuda's simulator's types). The state is 128 bits, kept
as two uint64 fields; the arithmetic here is on Python ints masked to 64
bits, so it never warns of the wraparound that the generator relies on.

Creating states is vectorised: a jump is linear over GF(2), so it is a
128 x 128 bit matrix, applied to many states at once through one table of
256 images per byte of the state, and state ``i`` is the first state with
the matrix's ``i``-th power applied (powers by repeated squaring). So
``create_xoroshiro128p_states(n, ...)`` costs no 128 steps per state, and
a large ``subsequence_start`` no loop of that many jumps.

No compiler is imported here: the numba type of the record
(``xoroshiro128p_type``) is given by the front through ``install_type``.
"""

import functools
import math

import numpy as np

from . import devicearray

__all__ = [
    "TWO_PI_FLOAT32",
    "TWO_PI_FLOAT64",
    "create_xoroshiro128p_states",
    "init_xoroshiro128p_state",
    "init_xoroshiro128p_states",
    "init_xoroshiro128p_states_cpu",
    "install_type",
    "rotl",
    "uint64_to_unit_float32",
    "uint64_to_unit_float64",
    "xoroshiro128p_dtype",
    "xoroshiro128p_jump",
    "xoroshiro128p_next",
    "xoroshiro128p_normal_float32",
    "xoroshiro128p_normal_float64",
    "xoroshiro128p_uniform_float32",
    "xoroshiro128p_uniform_float64",
]

xoroshiro128p_dtype = np.dtype(
    [("s0", np.uint64), ("s1", np.uint64)], align=True
)

TWO_PI_FLOAT32 = np.float32(2 * math.pi)
TWO_PI_FLOAT64 = np.float64(2 * math.pi)

_MASK = (1 << 64) - 1
# The jump polynomial of xoroshiro128+ (2**64 steps), low word first.
_JUMP_WORDS = (0xBEAC0467EBA5FACB, 0xD86B048B86AA9922)
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_UNIT = 2.0**-53
# Box-Muller's factor, as numba-cuda's simulator types it for each width.
_MINUS_TWO_F32 = np.float32(-2.0)
_MINUS_TWO_F64 = np.float64(-2.0)


def install_type(record_type):
    """Set ``xoroshiro128p_type``, the compiler's type for the record:
    the front makes it (numba's ``from_dtype(xoroshiro128p_dtype)``)."""
    global xoroshiro128p_type
    xoroshiro128p_type = record_type


def __getattr__(name):
    if name == "xoroshiro128p_type":
        raise AttributeError(
            "xoroshiro128p_type: the simulator's random module has no "
            "compiler type for the record until a front installs one"
        )
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# -- scalar steps, on Python ints ------------------------------------------


def _splitmix64(seed):
    """The first state's word for ``seed`` (both words start equal)."""
    z = (seed + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    return z ^ (z >> 31)


def _advance(s0, s1):
    """The state after (s0, s1): one step of xoroshiro128+."""
    t = s0 ^ s1
    a = ((s0 << 55) | (s0 >> 9)) & _MASK
    return a ^ t ^ ((t << 14) & _MASK), ((t << 36) | (t >> 28)) & _MASK


def _read(states, index):
    """The state at ``index`` as two Python ints (one element read)."""
    record = states[index]
    try:
        # A NumPy record: both words as ints in one call.
        return record.item()
    except AttributeError:
        # A device array's record on the host has its fields only.
        return int(record["s0"]), int(record["s1"])


def _write(states, index, state):
    """Store ``state`` (two ints) at ``index`` as one element write."""
    try:
        states[index] = state
    except ValueError:
        # A device array used on the host takes a record, not a tuple
        # (as numba-cuda's does); kernels see arrays that take tuples.
        states[index] = np.array(state, dtype=xoroshiro128p_dtype)


def _index(index):
    """numba-cuda converts the index to int64: floats truncate."""
    return index if type(index) is int else int(index)


# -- device functions ------------------------------------------------------


def rotl(x, k):
    """``x`` rotated left by ``k`` bits, as a uint64."""
    x = int(x) & _MASK
    k = int(k) & 0xFFFFFFFF
    return np.uint64(((x << k) & _MASK) | (x >> ((64 - k) & 0xFFFFFFFF)))


def init_xoroshiro128p_state(states, index, seed):
    """Seed ``states[index]`` from the 64-bit ``seed`` through splitmix64,
    so that small seeds do not give a predictable start."""
    word = _splitmix64(int(np.uint64(seed)))
    _write(states, _index(index), (word, word))


def xoroshiro128p_next(states, index):
    """The next uint64 of ``states[index]``, advancing it one step."""
    index = _index(index)
    s0, s1 = _read(states, index)
    _write(states, index, _advance(s0, s1))
    return np.uint64((s0 + s1) & _MASK)


def xoroshiro128p_jump(states, index):
    """Advance ``states[index]`` by 2**64 steps."""
    index = _index(index)
    s0, s1 = _read(states, index)
    _write(states, index, _jump_map().apply_one(s0, s1))


def uint64_to_unit_float64(x):
    """The top 53 bits of ``x`` as a float64 in [0.0, 1.0)."""
    return np.float64((int(x) >> 11) * _UNIT)


def uint64_to_unit_float32(x):
    """``uint64_to_unit_float64(x)`` rounded to float32 (which can round
    up to 1.0, as numba-cuda's does)."""
    return np.float32((int(x) >> 11) * _UNIT)


def xoroshiro128p_uniform_float32(states, index):
    """A float32 in [0.0, 1.0); advances ``states[index]`` one step."""
    return uint64_to_unit_float32(xoroshiro128p_next(states, index))


def xoroshiro128p_uniform_float64(states, index):
    """A float64 in [0.0, 1.0); advances ``states[index]`` one step."""
    return uint64_to_unit_float64(xoroshiro128p_next(states, index))


def xoroshiro128p_normal_float32(states, index):
    """A draw of the standard normal distribution (Box-Muller, the second
    value discarded); advances ``states[index]`` two steps.

    The arithmetic's types are those numba-cuda's simulator gives: a
    float32 radius squared and angle, then Python floats."""
    u1 = xoroshiro128p_uniform_float32(states, index)
    u2 = xoroshiro128p_uniform_float32(states, index)
    radius = math.sqrt(_MINUS_TWO_F32 * math.log(u1))
    return radius * math.cos(TWO_PI_FLOAT32 * u2)


def xoroshiro128p_normal_float64(states, index):
    """As ``xoroshiro128p_normal_float32`` in float64; like numba-cuda's,
    it draws its two uniforms as float32."""
    u1 = xoroshiro128p_uniform_float32(states, index)
    u2 = xoroshiro128p_uniform_float32(states, index)
    radius = math.sqrt(_MINUS_TWO_F64 * math.log(u1))
    return radius * math.cos(TWO_PI_FLOAT64 * u2)


# -- jumps as bit matrices -------------------------------------------------


class _LinearMap:
    """A GF(2)-linear map of 128-bit states, given by the images of the
    128 unit states (bit k < 64 is bit k of s0, the rest of s1), applied
    by XOR-ing one table entry per byte of the state."""

    def __init__(self, images):
        images = np.asarray(images, dtype=np.uint64).reshape(16, 8, 2)
        tables = np.zeros((16, 256, 2), dtype=np.uint64)
        for bit in range(8):
            low = 1 << bit
            tables[:, low : 2 * low] = tables[:, :low] ^ images[:, bit, None]
        self.tables = tables
        self._scalar = None

    def apply(self, s0, s1):
        """The images of the states (s0[i], s1[i]): two uint64 arrays."""
        out = np.zeros((len(s0), 2), dtype=np.uint64)
        byte = np.uint64(0xFF)
        for p in range(8):
            shift = np.uint64(8 * p)
            out ^= self.tables[p, (s0 >> shift) & byte]
            out ^= self.tables[p + 8, (s1 >> shift) & byte]
        return out[:, 0], out[:, 1]

    def apply_one(self, s0, s1):
        """The image of one state given as Python ints."""
        scalar = self._scalar
        if scalar is None:
            scalar = self._scalar = [
                [(int(a), int(b)) for a, b in table] for table in self.tables
            ]
        r0 = r1 = 0
        for p in range(8):
            a0, a1 = scalar[p][(s0 >> (8 * p)) & 0xFF]
            b0, b1 = scalar[p + 8][(s1 >> (8 * p)) & 0xFF]
            r0 ^= a0 ^ b0
            r1 ^= a1 ^ b1
        return r0, r1

    def then(self, other):
        """The map ``other`` after this one."""
        s0, s1 = self.images()
        return _LinearMap(np.stack(other.apply(s0, s1), axis=1))

    def images(self):
        """The images of the 128 unit states, as two arrays."""
        units = np.uint64(1) << np.arange(64, dtype=np.uint64)
        zeros = np.zeros(64, dtype=np.uint64)
        return self.apply(
            np.concatenate([units, zeros]), np.concatenate([zeros, units])
        )


def _jump_many(s0, s1):
    """2**64 steps of each state (s0[i], s1[i]), vectorised: the jump
    polynomial applied as xoroshiro128+'s reference code applies it."""
    acc0 = np.zeros_like(s0)
    acc1 = np.zeros_like(s1)
    for word in _JUMP_WORDS:
        for bit in range(64):
            if (word >> bit) & 1:
                acc0 ^= s0
                acc1 ^= s1
            t = s0 ^ s1
            s0 = (s0 << np.uint64(55)) | (s0 >> np.uint64(9))
            s0 ^= t ^ (t << np.uint64(14))
            s1 = (t << np.uint64(36)) | (t >> np.uint64(28))
    return acc0, acc1


@functools.lru_cache(maxsize=None)
def _jump_map():
    """The jump as a linear map (built on first use, about a millisecond)."""
    units = np.uint64(1) << np.arange(64, dtype=np.uint64)
    zeros = np.zeros(64, dtype=np.uint64)
    s0, s1 = _jump_many(
        np.concatenate([units, zeros]), np.concatenate([zeros, units])
    )
    return _LinearMap(np.stack([s0, s1], axis=1))


def _jump_power(count):
    """The map of ``count`` jumps, by repeated squaring; None for 0."""
    result = None
    square = _jump_map()
    while count:
        if count & 1:
            result = square if result is None else result.then(square)
        count >>= 1
        if count:
            square = square.then(square)
    return result


# -- host functions --------------------------------------------------------


def init_xoroshiro128p_states_cpu(states, seed, subsequence_start):
    """Fill the host record array ``states``: state 0 is ``seed`` seeded
    and jumped ``subsequence_start`` times, each next one jump further."""
    n = states.shape[0]
    if n < 1:
        return
    seed = int(np.uint64(seed))
    subsequence_start = int(np.uint64(subsequence_start))
    word = _splitmix64(seed)
    first = _jump_power(subsequence_start)
    if first is not None:
        word0, word1 = first.apply_one(word, word)
    else:
        word0 = word1 = word
    s0 = np.empty(n, dtype=np.uint64)
    s1 = np.empty(n, dtype=np.uint64)
    s0[0], s1[0] = word0, word1
    # Doubling: states [k, 2k) are states [0, k) jumped k times.
    done = 1
    power = _jump_map()
    while done < n:
        more = min(done, n - done)
        s0[done : done + more], s1[done : done + more] = power.apply(
            s0[:more], s1[:more]
        )
        done += more
        if done < n:
            power = power.then(power)
    states["s0"] = s0
    states["s1"] = s1


def _host_states(shape, seed, subsequence_start):
    states = np.empty(shape, dtype=xoroshiro128p_dtype)
    init_xoroshiro128p_states_cpu(states, seed, subsequence_start)
    return states


def init_xoroshiro128p_states(states, seed, subsequence_start=0, stream=0):
    """Initialise the device array ``states`` on the host and copy it in:
    each state is 2**64 steps after the previous one, the first
    ``subsequence_start`` jumps after the seed's, so they stay independent
    while no thread draws more than 2**64 numbers."""
    host = _host_states(states.shape, seed, subsequence_start)
    if hasattr(states, "copy_to_device"):
        states.copy_to_device(host, stream=stream)
    else:
        states[...] = host


def create_xoroshiro128p_states(n, seed, subsequence_start=0, stream=0):
    """A new device array of ``n`` generators' states, initialised as
    ``init_xoroshiro128p_states`` does."""
    host = _host_states(n, seed, subsequence_start)
    return devicearray.to_device(host, stream=stream)
