"""What is written of the memory that a sanitized launch sees.

A checked array's ``written`` is the set of the element addresses written
so far (``checkedarrays`` adds its stores), shared by an array and its
views, so that a slice passed to a device function is the array itself:
one Python int in a set per element written, about 60 bytes. It is kept
whatever checks are on, so that a launch without initcheck still tells a
later one what it wrote; initcheck reads it.

Device memory is tracked here across launches: what ``cuda.device_array``
made (and what calls it: ``device_array_like``, ``mapped_array``,
``mapped_array_like``) while initcheck was on, until each element is
written, by a kernel's store, a host copy (``copy_to_device``,
``to_device(..., to=)``) or a host write (``d[...] = ...``). A launch
that the sanitizer does not watch cannot see which elements it writes:
the arrays it is passed count as written.
"""

import weakref

import numpy as np

# id(allocation) -> (weak reference to the allocation's ndarray, the set of
# addresses written). Empty unless initcheck was on at an allocation.
tracked = {}

# id(the ndarray owning device memory) -> (weak reference to it, where the
# host made it: ``ArrayInfo.made``). Filled while a check is on.
sites = {}


def addresses(ary):
    """The address of every element of ``ary``, as an int64 array of its
    shape."""
    start = ary.__array_interface__["data"][0]
    offsets = np.zeros((), dtype=np.int64)
    for n, step in zip(ary.shape, ary.strides):
        offsets = offsets[..., None] + np.arange(n, dtype=np.int64) * step
    return start + offsets


def track(ary):
    """``ary`` is device memory just allocated: nothing of it is written."""
    key = id(ary)

    def forget(_, key=key):
        tracked.pop(key, None)

    tracked[key] = (weakref.ref(ary, forget), set())


def _owner(ary):
    """The ndarray whose memory ``ary`` is (or views)."""
    while isinstance(ary.base, np.ndarray):
        ary = ary.base
    return ary


def made_at(ary, made):
    """Device memory ``ary`` was made as ``made`` says
    (``checkedarrays.ArrayInfo.made``)."""
    owner = _owner(ary)
    key = id(owner)

    def forget(_, key=key):
        sites.pop(key, None)

    sites[key] = (weakref.ref(owner, forget), made)


def made_by(ary):
    """Where the host made the device memory ``ary`` is (or views), or
    None if unknown."""
    if not sites:
        return None
    owner = _owner(ary)
    entry = sites.get(id(owner))
    if entry is None or entry[0]() is not owner:
        return None
    return entry[1]


def _allocation(ary):
    """The tracked allocation that ``ary`` is (or views), or None."""
    base = ary.base
    root = base if isinstance(base, np.ndarray) else ary
    entry = tracked.get(id(root))
    if entry is None or entry[0]() is not root:
        return None
    return root


def written_set(ary):
    """The addresses written of tracked device memory ``ary`` (or a view
    of it), or None where every element counts as written."""
    if not tracked or not isinstance(ary, np.ndarray):
        return None
    root = _allocation(ary)
    return None if root is None else tracked[id(root)][1]


def written(ary, index=None):
    """The host wrote ``ary[index]`` (all of ``ary`` for None), or a launch
    that the sanitizer did not watch was passed ``ary``."""
    if not tracked or not isinstance(ary, np.ndarray):
        return
    root = _allocation(ary)
    if root is None:
        return
    where = addresses(ary)
    if index is not None:
        where = np.asarray(where[index])
    done = tracked[id(root)][1]
    done.update(where.ravel().tolist())
    if len(done) >= root.size:
        # Every element written: nothing left to watch.
        del tracked[id(root)]


def prune():
    """Forget allocations whose every element has been written."""
    for key, (ref, done) in list(tracked.items()):
        root = ref()
        if root is None or len(done) >= root.size:
            tracked.pop(key, None)
