"""Cheaper access to array arguments inside simulated kernels.

A kernel sees each array argument as a ``FakeWithinKernelCUDAArray``
wrapping a ``FakeCUDAArray`` wrapping an ndarray, so ``out[i] = v`` ran
two Python frames before numpy's own code, and numba's ``out.shape``
called ``dir()`` on the array: about 13 us, per read. These replace those
methods with functions that reach the ndarray in one frame, doing what
the methods of ``FakeCUDAArray`` do with it, and give the same
results, wrapped objects and errors.

The classes involved are taken from the objects at hand (``type(self)``
and ``type(self._item)``): the simulator only ever builds a plain
``FakeCUDAArray`` there, and this module must not import it (the
simulator's ``devicearray`` may take these functions into its classes,
importing this module).
"""

from operator import attrgetter

from numpy import ndarray, void

# dir() of ndarrays and of numpy records: it depends on their type alone.
_dir_by_type = {}


def _type_names(ary):
    """dir(ary) where it depends on the type only, else None."""
    kind = type(ary)
    names = _dir_by_type.get(kind)
    if names is None and (kind is ndarray or kind is void):
        names = _dir_by_type[kind] = frozenset(dir(ary))
    return names


def calls(function, name):
    """Whether ``function``'s code reads the global or builtin ``name``:
    tells which ``FakeCUDAArray.__getattr__`` (numba's or numba-cuda's)
    this is."""
    code = getattr(function, "__code__", None)
    return code is not None and name in code.co_names


def getitem(self, index):
    """``out[i]``: an element, or a sub-array wrapped as the simulator's
    ``__getitem__`` wraps it."""
    item = self._item
    value = item._ary[index]
    kind = type(value)
    if kind is ndarray or kind is void:
        return type(self)(type(item)(value, stream=item.stream))
    return value


def setitem(self, index, value):
    """``out[i] = v``: straight into the ndarray."""
    self._item._ary[index] = value


def setattr_(self, name, value):
    """``rec.x = v`` writes the field, as ``FakeCUDAArray.__setattr__``
    does."""
    self._item._ary[name] = value


def length(self):
    """``len(out)``."""
    return len(self._item._ary)


def getattr_dir(self, name):
    """numba's ``__getattr__``: an attribute of the ndarray if ``dir()``
    lists it, else a field; other errors become ``AttributeError``, and an
    ``AttributeError`` gives None. ``dir()`` is asked once per type."""
    try:
        item = self._item
        ary = item._ary
        names = _dir_by_type.get(type(ary)) or _type_names(ary) or dir(ary)
        if name in names:
            value = getattr(ary, name)
        else:
            value = item[name]
    except AttributeError:
        return None
    except Exception as e:
        raise AttributeError(name) from e
    if isinstance(value, type(item)):
        return type(self)(value)
    return value


def attribute(path):
    """A read-only attribute that reads ``self.<path>`` in C: no
    ``__getattr__`` call, which costs a failed lookup and a frame."""
    return property(attrgetter(path), doc="Reads self.%s." % path)


# What both ``__getattr__`` (numba's and numba-cuda's) give for these names:
# the ndarray's.
ndim = attribute("_item._ary.ndim")
size = attribute("_item._ary.size")
dtype = attribute("_item._ary.dtype")
# numba's gives the ndarray's shape, numba-cuda's the FakeCUDAArray's.
ndarray_shape = attribute("_item._ary.shape")
fake_shape = attribute("_item.shape")


def getattr_item(self, name):
    """numba-cuda's ``__getattr__``: the ``FakeCUDAArray``'s attribute
    unless it is None, else a field; a wrapped array is wrapped again.

    A name that neither the ``FakeCUDAArray`` nor its ndarray has goes
    straight to the field: ``FakeCUDAArray.__getattr__`` itself would
    raise, and chain, an ``AttributeError`` first, for None."""
    item = self._item
    names = _dir_by_type.get(type(item._ary)) or _type_names(item._ary)
    if (
        names is None
        or name in names
        or hasattr(type(item), name)
        or name in item.__dict__
    ):
        value = getattr(item, name, None)
    else:
        value = None
    if value is None:
        value = item[name]
    if isinstance(value, type(item)):
        return type(self)(value)
    return value
