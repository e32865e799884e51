"""``popc``, ``brev``, ``clz`` and ``ffs`` at the width of their type.

GPU typing (``gputyping``) calls these with the argument converted to the
parameter type the real target chose, a NumPy integer: the GPU counts and
reverses bits at that type's width (``clz`` of an ``int8`` counts at most
8 zeros). Each is a method of the simulator's fake module, whose instance
comes first.
"""

import numpy as np


def _bits(value):
    """The bits of integer ``value`` as an unsigned number, and their
    count: its type's width (a NumPy integer's, or the declared type of a
    ``signatures`` number), 64 for a Python int (numba's int64)."""
    if isinstance(value, np.generic):
        width = value.dtype.itemsize * 8
    else:
        declared = getattr(type(value), "numba_type", "int64")
        width = np.dtype(declared).itemsize * 8
    return int(value) & ((1 << width) - 1), width


def popc(fake, value):
    bits, _ = _bits(value)
    return bin(bits).count("1")


def brev(fake, value):
    bits, width = _bits(value)
    return int(format(bits, "0%db" % width)[::-1], 2)


def clz(fake, value):
    bits, width = _bits(value)
    return width - bits.bit_length()


def ffs(fake, value):
    """The 1-based position of the lowest set bit; 0 if none is set."""
    bits, _ = _bits(value)
    return (bits & -bits).bit_length()
