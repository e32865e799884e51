"""numba-cuda-mlir's vector types (``cuda.float32x4``, ``cuda.int2``...)
and ``cuda.vector.load`` / ``store``.

A vector value has ``x``, ``y``, ``z``, ``w`` as its length has them,
each of the type's element dtype. It is made from scalars and other
vectors (flattened), from one scalar for every element, or from a complex
number (two elements), each converted to the element type as compiled
code converts it. It is read-only: a kernel cannot assign an element.

Arithmetic is typed as numba-cuda-mlir 0.6.0 types it: ``+ - * / // %``
with a scalar on either side, ``+`` and ``-`` of two vectors of one
length; the result's element type is the two types unified (int32 with a
Python int gives int64), a true division of integers a float of at least
32 bits. The simulator computes what the operator means (Python's ``//``
and ``%``); numba-cuda-mlir 0.6.0 lowers integer ``//`` and ``%`` to C's
truncating ``divsi`` / ``remsi`` and float ``//`` to a plain division.
"""

import functools
import math
import operator

import numpy as np

from .intrinsics import Namespace, cast

_FIELDS = ("x", "y", "z", "w")


def _field(index):
    name = _FIELDS[index]

    def get(self):
        try:
            return self._values[index]
        except IndexError:
            raise AttributeError(
                "%s has no attribute %r" % (self.name, name)
            ) from None

    return property(get)


class Vector:
    """A value of a vector type (a subclass per element type and shape)."""

    __slots__ = ("_values",)
    dtype = None
    shape = ()
    num_elements = 0
    name = "vector"
    aliases = ()

    x, y, z, w = (_field(i) for i in range(4))

    def __init__(self, *args):
        values = []
        for arg in args:
            if isinstance(arg, Vector):
                values.extend(arg._values)
            elif isinstance(arg, (complex, np.complexfloating)):
                values.extend((arg.real, arg.imag))
            else:
                values.append(arg)
        count = self.num_elements
        if len(values) == 1 and count > 1:
            values *= count
        if len(values) != count:
            raise TypeError(
                "%s expects %d elements, got %d"
                % (self.name, count, len(values))
            )
        dtype = self.dtype
        object.__setattr__(
            self, "_values", tuple(cast(dtype, v) for v in values)
        )

    def as_list(self):
        return list(self._values)

    def __setattr__(self, name, value):
        raise AttributeError(
            "%s.%s cannot be assigned: vector values are read-only"
            % (self.name, name)
        )

    def __repr__(self):
        return "%s(%s)" % (self.name, ", ".join(map(str, self._values)))

    def __neg__(self):
        return type(self)(*[-v for v in self._values])

    def __abs__(self):
        return type(self)(*[abs(v) for v in self._values])

    def __complex__(self):
        if self.num_elements != 2:
            raise TypeError("complex() takes a vector of 2 elements")
        return complex(float(self._values[0]), float(self._values[1]))


@functools.lru_cache(maxsize=None)
def vector_class(dtype, shape):
    """The vector type of NumPy ``dtype`` elements and ``shape`` (a tuple):
    named as numba-cuda-mlir names it (``float32x4``, ``int8x2x2``)."""
    dtype = np.dtype(dtype)
    name = "%sx%s" % (dtype.name, "x".join(map(str, shape)))
    return type(
        name,
        (Vector,),
        {
            "__slots__": (),
            "dtype": dtype,
            "shape": shape,
            "num_elements": math.prod(shape),
            "name": name,
            "aliases": [],
        },
    )


def _dtype_of(value):
    if isinstance(value, Vector):
        return value.dtype
    if isinstance(value, np.generic):
        return value.dtype
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, int):
        return np.dtype(np.int64)
    if isinstance(value, float):
        return np.dtype(np.float64)
    raise TypeError("no vector operation with %r" % type(value).__name__)


def _combine(op, lhs, rhs, true_divide=False):
    """``op`` element by element, a scalar with every element."""
    vectors = [v for v in (lhs, rhs) if isinstance(v, Vector)]
    count = vectors[0].num_elements
    if len(vectors) == 2:
        if op not in (operator.add, operator.sub):
            raise TypeError("%s of two vectors is not supported" % op.__name__)
        if rhs.num_elements != count:
            raise TypeError(
                "vectors of %d and %d elements" % (count, rhs.num_elements)
            )
    dtype = np.result_type(_dtype_of(lhs), _dtype_of(rhs))
    if true_divide and dtype.kind in "iub":
        dtype = np.dtype("float%d" % max(dtype.itemsize * 8, 32))
    if (dtype, count) not in VECTOR_CLASSES:
        raise TypeError("no vector type of %d %s" % (count, dtype))

    def elements(v):
        return v._values if isinstance(v, Vector) else [v] * count

    pairs = zip(elements(lhs), elements(rhs))
    if dtype.kind in "iub":
        values = [op(int(a), int(b)) for a, b in pairs]
    else:
        with np.errstate(all="ignore"):
            values = [op(cast(dtype, a), cast(dtype, b)) for a, b in pairs]
    return VECTOR_CLASSES[dtype, count](*values)


def _binary(op, true_divide=False):
    def method(self, other):
        return _combine(op, self, other, true_divide)

    def reflected(self, other):
        return _combine(op, other, self, true_divide)

    return method, reflected


for _name, _op in (
    ("add", operator.add),
    ("sub", operator.sub),
    ("mul", operator.mul),
    ("truediv", operator.truediv),
    ("floordiv", operator.floordiv),
    ("mod", operator.mod),
):
    _method, _reflected = _binary(_op, _name == "truediv")
    setattr(Vector, "__%s__" % _name, _method)
    setattr(Vector, "__r%s__" % _name, _reflected)
del _name, _op, _method, _reflected

# numba-cuda-mlir's vector types: element type and C names for each.
_ELEMENTS = (
    ("int8", "char"),
    ("int16", "short"),
    ("int32", "int"),
    ("int64", "long", "longlong"),
    ("uint8", "uchar"),
    ("uint16", "ushort"),
    ("uint32", "uint"),
    ("uint64", "ulong", "ulonglong"),
    ("float16", "half"),
    ("float32", "float"),
    ("float64", "double"),
)


def _vector_types():
    classes = {}
    names = {}
    for element, *c_names in _ELEMENTS:
        dtype = np.dtype(element)
        for count in (1, 2, 3, 4):
            cls = vector_class(dtype, (count,))
            cls.aliases.extend("%s%d" % (c, count) for c in c_names)
            classes[dtype, count] = cls
            names[cls.name] = cls
            for alias in cls.aliases:
                names[alias] = cls
    return classes, names


# (element dtype, length) -> class; name or alias -> class.
VECTOR_CLASSES, VECTOR_TYPES = _vector_types()


# -- cuda.vector -------------------------------------------------------------


def _region(array, indices, shape):
    """The index of the elements a vector of ``shape`` at ``indices``
    covers: the array's last ``len(shape)`` dimensions, from the index."""
    indices = tuple(indices) if isinstance(indices, tuple) else (indices,)
    shape = tuple(shape) if isinstance(shape, tuple) else (shape,)
    lead = len(indices) - len(shape)
    if lead < 0 or len(indices) != np.ndim(array):
        raise IndexError(
            "a vector of shape %s at index %s of a %d-d array"
            % (shape, indices, np.ndim(array))
        )
    return indices[:lead] + tuple(
        slice(i, i + n) for i, n in zip(indices[lead:], shape)
    ), shape


def load(array, indices, shape, alignment=None):
    """``shape`` elements of ``array`` from ``indices``, as a vector (one
    of ``VECTOR_TYPES`` for 1 to 4 elements in one dimension). Beyond the
    array's end is an ``IndexError`` (the GPU reads what is there)."""
    key, shape = _region(array, indices, shape)
    values = np.asarray(array[key])
    if values.shape != shape:
        raise IndexError(
            "vector load of shape %s at %s is outside the array of shape %s"
            % (shape, indices, np.shape(array))
        )
    cls = vector_class(np.asarray(array).dtype, shape)
    return cls(*values.ravel().tolist())


def store(array, index, vector, alignment=None):
    """Write ``vector``'s elements into ``array`` from ``index``."""
    if not isinstance(vector, Vector):
        raise TypeError("vector.store takes a vector, not %r" % vector)
    key, shape = _region(array, index, vector.shape)
    target = array[key]
    if np.shape(target) != shape:
        raise IndexError(
            "vector store of shape %s at %s is outside the array of shape %s"
            % (shape, index, np.shape(array))
        )
    array[key] = np.array(vector._values).reshape(shape)


VECTOR = Namespace("vector", load=load, store=store)
