"""``popc``, ``brev``, ``clz`` and ``ffs`` at the width of their type.

``popc`` is the simulator's own (``warp.popc``). GPU typing
(``gputyping``) calls these with the argument converted to the
parameter type the real target chose, a NumPy integer: the GPU counts and
reverses bits at that type's width (``clz`` of an ``int8`` counts at most
8 zeros). Each is a method of the simulator's fake module, whose instance
comes first.
"""

from ..simulator.warp import popc, unsigned_bits

__all__ = ["popc", "brev", "clz", "ffs"]


def brev(fake, value):
    bits, width = unsigned_bits(value)
    return int(format(bits, "0%db" % width)[::-1], 2)


def clz(fake, value):
    bits, width = unsigned_bits(value)
    return width - bits.bit_length()


def ffs(fake, value):
    """The 1-based position of the lowest set bit; 0 if none is set."""
    bits, _ = unsigned_bits(value)
    return (bits & -bits).bit_length()
