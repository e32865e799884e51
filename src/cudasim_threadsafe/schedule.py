"""The order a block's threads run in between barriers (greenlet launcher).

``NUMBA_CUDASIM_SCHEDULE``, read at each launch: ``reverse`` runs them last
to first, ``shuffle:SEED`` in an order drawn from SEED, anew for each block
and each barrier, the same for the same seed. A kernel whose answer changes
with the order has a race; the seed replays a failing order. Unset, the
threads run in upstream's order and nothing here runs.
"""

import os
import random

ENVIRONMENT_VARIABLE = "NUMBA_CUDASIM_SCHEDULE"


class Reverse:
    def order(self, items):
        return list(reversed(items))


class Shuffle:
    def __init__(self, seed):
        self.random = random.Random(seed)

    def order(self, items):
        items = list(items)
        self.random.shuffle(items)
        return items


def for_launch(launch):
    """The launch's schedule, or None for upstream's order."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return None
    if value == "reverse":
        return Reverse()
    kind, _, seed = value.partition(":")
    if kind == "shuffle" and seed.strip():
        return Shuffle(seed.strip())
    raise ValueError(
        "%s=%r: use reverse or shuffle:SEED" % (ENVIRONMENT_VARIABLE, value)
    )
