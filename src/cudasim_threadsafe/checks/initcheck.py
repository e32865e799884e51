"""initcheck: reading an element that nothing wrote.

Of a local or shared array (shared arrays start unwritten in every block),
and of device memory that ``cuda.device_array`` made (and what calls it:
``device_array_like``, ``mapped_array``, ``mapped_array_like``) while
initcheck was on. Such memory is tracked across launches until each
element is written: by a kernel's store, a host copy (``copy_to_device``,
``to_device(..., to=)``) or a host write (``d[...] = ...``). A launch that
does not run initcheck cannot see which elements it writes: the arrays it
is passed count as written.

What is written is a set of element addresses, shared by an array and its
views (a slice passed to a device function is the array itself): one
Python int in a set per element written, about 60 bytes.
"""

import weakref

import numpy as np

from . import report

# id(allocation) -> (weak reference to the allocation's ndarray, the set of
# addresses written). Empty unless initcheck was on at an allocation.
tracked = {}


def uninitialized(sanitizer, thread, array, index, frame):
    site = report.site(frame)
    sanitizer.report.add(
        "initcheck",
        "uninitialized: %s read at index %s before anything wrote it, %s, "
        "at %s"
        % (
            array.info.describe(),
            report.index_text(index),
            report.thread_text(thread),
            report.site_text(site),
        ),
        key=site,
    )


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
    that initcheck did not watch was passed ``ary``."""
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
