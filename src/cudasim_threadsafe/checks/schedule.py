"""The order a block's threads run in between barriers (greenlet launcher).

``NUMBA_CUDASIM_SCHEDULE``, read at each launch: ``reverse`` runs them last
to first, ``shuffle:SEED`` in an order drawn from SEED, anew for each block
and each barrier, the same for the same seed. A kernel whose answer changes
with the order has a race; the seed replays a failing order. Unset, the
threads run in upstream's order and nothing here runs.
"""

import random
import warnings

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
    value = launch.settings.schedule
    if not value:
        return None
    if value == "reverse":
        order = Reverse()
    else:
        kind, _, seed = value.partition(":")
        if kind != "shuffle" or not seed.strip():
            raise ValueError(
                "%s=%r: use reverse or shuffle:SEED"
                % (ENVIRONMENT_VARIABLE, value)
            )
        order = Shuffle(seed.strip())
    if not getattr(launch.block_class, "schedules", False):
        _warn_unscheduled()
        return None
    return order


_warned = []


def _warn_unscheduled():
    # Once a process: a CI that sets the variable for every test would
    # otherwise hear it at every launch of a thread-mode test.
    if not _warned:
        _warned.append(True)
        warnings.warn(
            "%s has no effect on a launch that runs on OS threads (the "
            "threads launcher, or any launch under coverage.py's line "
            "tracer), whose threads run in the order the OS gives them; "
            "it orders the greenlet launcher's threads" % ENVIRONMENT_VARIABLE,
            RuntimeWarning,
            stacklevel=2,
        )
