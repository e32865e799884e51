"""Arrays of a sanitized launch: each element access checked and reported.

A ``CheckedArray`` stands for an ndarray in the kernel: an array argument
(global memory), a ``cuda.shared.array``, a ``cuda.local.array`` or a
``cuda.const.array_like``. An index is checked against the bounds of every
dimension before NumPy sees it: an index in [-n, n) is in bounds, a
negative one addressing element n + i as numba compiles it for the GPU
(and NumPy wraps it); one outside is an ``out_of_bounds`` event (memcheck
raises). A whole element read or written is then a ``load`` or ``store``
event with the address of the element it is, which views share
with the array they come from, so a slice passed to a device function is
checked as the array itself. Events go to the checks that hear them
through the tuples of the launch's ``LaunchSanitizer`` (``on_load``, ...),
and cost a test of an empty tuple when none does.
"""

import inspect
import linecache
import re
import sys

import numpy as np

from ..simulator import arrays, context, launchlimits
from . import memory, report

_INTEGER = (int, np.integer)
_state = context.thread_state
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=")


class ArrayInfo:
    """What a report says of an array: its name in the kernel, its shape
    and dtype, its memory space (global, shared, local, const), and where
    it was made when that is known (``made``: ``(how, site, caller)``,
    ``report.made_text``)."""

    __slots__ = ("name", "shape", "dtype", "space", "made")

    def __init__(self, name, ary, space, made=None):
        self.name = name
        self.shape = ary.shape
        self.dtype = ary.dtype
        self.space = space
        self.made = made

    def describe(self):
        text = "%s array %r %s %s" % (
            self.space,
            self.name,
            self.dtype,
            "x".join(map(str, self.shape)) or "scalar",
        )
        if self.made is not None:
            text += " (made by %s)" % report.made_text(self.made)
        return text


class CheckedArray:
    """An ndarray seen through the sanitizer.

    ``written`` is the set of addresses written so far (``memory``), or
    None where every element counts as written (array arguments that are
    not tracked, const arrays).
    """

    __slots__ = ("ndarray", "info", "sanitizer", "written", "_start", "_step")

    def __init__(self, ndarray, info, sanitizer, written=None):
        self.ndarray = ndarray
        self.info = info
        self.sanitizer = sanitizer
        self.written = written
        self._start = ndarray.__array_interface__["data"][0]
        self._step = ndarray.strides

    # What kernels read of an array.

    shape = property(lambda self: self.ndarray.shape)
    ndim = property(lambda self: self.ndarray.ndim)
    size = property(lambda self: self.ndarray.size)
    dtype = property(lambda self: self.ndarray.dtype)

    def __len__(self):
        return len(self.ndarray)

    def __array__(self, dtype=None, copy=None):
        return self.ndarray if dtype is None else self.ndarray.astype(dtype)

    def __iter__(self):
        # By index, each access checked, and no IndexError to end it.
        for i in range(len(self.ndarray)):
            yield self[i]

    def __getattr__(self, name):
        # Other ndarray attributes and methods (real, imag, reshape, view,
        # ...); what shares the array's memory stays checked.
        value = getattr(self.ndarray, name)
        if isinstance(value, np.ndarray):
            return self._shared_view(value)
        if callable(value):

            def method(*args, **kwargs):
                args = [_unwrapped(a) for a in args]
                return self._shared_view(value(*args, **kwargs))

            return method
        return value

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # NumPy's ufuncs on whole arrays (the simulator's vectorize): run
        # on the ndarrays, unchecked; what they write counts as written.
        inputs = [_unwrapped(a) for a in inputs]
        if "out" in kwargs:
            outs = kwargs["out"]
            for out in outs:
                if isinstance(out, CheckedArray) and out.written is not None:
                    out.written.update(_addresses(out.ndarray))
            kwargs["out"] = tuple(_unwrapped(o) for o in outs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def _shared_view(self, value):
        if isinstance(value, np.ndarray) and np.may_share_memory(
            value, self.ndarray
        ):
            return self._view(value)
        return value

    def _element(self, index, frame):
        """The address of element ``index``, or None for an index that
        makes a view; raises for one out of bounds. An index in [-n, 0)
        wraps, as numba compiles it for the GPU (and as NumPy does)."""
        shape = self.ndarray.shape
        if type(index) is int and len(shape) == 1:
            # The common case, without building a tuple.
            n = shape[0]
            if 0 <= index < n:
                return self._start + index * self._step[0]
            if -n <= index < 0:
                return self._start + (index + n) * self._step[0]
            self._bounds((index,), 0, index, shape, frame)
        if type(index) is not tuple:
            index = (index,)
        if len(index) == len(shape):
            # Plain ints in every dimension, in bounds: the common case.
            address = self._start
            for i, n, step in zip(index, shape, self._step):
                if type(i) is not int:
                    break
                if 0 <= i < n:
                    address += i * step
                elif -n <= i < 0:
                    address += (i + n) * step
                else:
                    break
            else:
                return address
        if len(index) != len(shape) or not all(
            isinstance(i, _INTEGER) for i in index
        ):
            for dim, i in enumerate(index):
                if isinstance(i, _INTEGER) and dim < len(shape):
                    self._bounds(index, dim, i, shape, frame)
            return None
        address = self._start
        for dim, i in enumerate(index):
            n = shape[dim]
            if not -n <= i < n:
                self._bounds(index, dim, i, shape, frame)
            address += (int(i) % n if n else 0) * self._step[dim]
        return address

    def _bounds(self, index, dim, i, shape, frame):
        if -shape[dim] <= i < shape[dim]:
            return
        for hear in self.sanitizer.on_out_of_bounds:
            hear(_state.thread, self, index, dim, frame)

    def _view(self, sub):
        if not isinstance(sub, np.ndarray):
            return sub
        return CheckedArray(sub, self.info, self.sanitizer, self.written)

    def __getitem__(self, index):
        frame = sys._getframe(1)
        address = self._element(index, frame)
        if address is None:
            return self._view(self.ndarray[index])
        value = self.ndarray[index]
        hearing = self.sanitizer.on_load
        if hearing:
            thread = _state.thread
            for hear in hearing:
                hear(thread, self, address, index, frame)
        return value

    def __setitem__(self, index, value):
        frame = sys._getframe(1)
        address = self._element(index, frame)
        if isinstance(value, CheckedArray):
            value = value.ndarray
        if address is None:
            self.ndarray[index] = value
            if self.written is not None:
                # A whole view written: its elements count as written.
                for offset in _addresses(self.ndarray[index]):
                    self.written.add(offset)
            return
        hearing = self.sanitizer.on_store
        if hearing:
            # Before the store: the element still holds its old value, and
            # ``written`` says whether anything wrote it.
            thread = _state.thread
            for hear in hearing:
                hear(thread, self, address, index, value, frame)
        if self.written is not None:
            self.written.add(address)
        self.ndarray[index] = value

    def __repr__(self):
        return "<checked %s>" % self.info.describe()


def _unwrapped(value):
    return value.ndarray if isinstance(value, CheckedArray) else value


def _addresses(ary):
    """The address of every element of ``ary``, as a list."""
    return memory.addresses(ary).ravel().tolist()


def name_at(frame, default):
    """The name assigned on the frame's line (``a = cuda.shared.array(...)``),
    else ``default``."""
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    found = _ASSIGNED.match(line)
    return found.group(1) if found else default


def made_in(sanitizer, frame, how, default):
    """The name and ``ArrayInfo.made`` of an array that ``how`` made on
    ``frame``'s line. Made in a helper (a device function that returns
    it), the name is the one its caller gives it, if any, and ``made``
    names the caller's line too. Kept per launch by the lines: every
    thread makes its arrays where the others do."""
    outer = None
    if frame.f_code is not sanitizer.kernel_code:
        outer = report.kernel_frame(frame.f_back)
    key = (frame.f_code, frame.f_lineno, how)
    if outer is not None:
        key += (outer.f_code, outer.f_lineno)
    found = sanitizer.made.get(key)
    if found is None:
        name = name_at(frame, default)
        caller = None
        if outer is not None:
            caller = report.site(outer)
            name = name_at(outer, name)
        found = sanitizer.made[key] = name, (how, report.site(frame), caller)
    return found


def argument_array(arg):
    """The ndarray of a kernel's array argument, or None: upstream's
    wrapper's, or the argument itself (the standalone simulator's kernels
    see ndarrays)."""
    if isinstance(arg, np.ndarray):
        return arg
    ary = getattr(getattr(arg, "_item", None), "_ary", None)
    return ary if isinstance(ary, np.ndarray) else None


def wrap_arguments(sanitizer, fn, args):
    """The launch's arguments, array ones as ``CheckedArray`` named after
    the kernel's parameters; tracked device memory (``memory``) shares
    what is written of it across launches."""
    code = getattr(fn, "__code__", None)
    params = code.co_varnames[: code.co_argcount] if code else ()
    wrapped = []
    for i, arg in enumerate(args):
        ary = argument_array(arg)
        # Record arrays keep upstream's wrapper (field access).
        if ary is not None and ary.ndim and not ary.dtype.names:
            name = params[i] if i < len(params) else "argument %d" % i
            info = ArrayInfo(name, ary, "global", memory.made_by(ary))
            written = memory.written_set(ary)
            arg = CheckedArray(ary, info, sanitizer, written)
        wrapped.append(arg)
    return tuple(wrapped)


class _Local:
    """``cuda.local`` of a sanitized launch."""

    def __init__(self, sanitizer, local):
        self._sanitizer = sanitizer
        self._local = local

    def array(self, shape, dtype, *args, **kwargs):
        ary = self._local.array(shape, dtype, *args, **kwargs)
        frame = sys._getframe(1)
        name, made = made_in(
            self._sanitizer, frame, "cuda.local.array", "local array"
        )
        info = ArrayInfo(name, ary, "local", made)
        return CheckedArray(ary, info, self._sanitizer, set())


class _Shared:
    """``cuda.shared`` of a sanitized launch: one array per source line, as
    upstream keeps them, seen through one ``CheckedArray`` per block whose
    elements are unwritten when the block starts."""

    def __init__(self, sanitizer, shared):
        self._sanitizer = sanitizer
        self._shared = shared
        self._arrays = {}
        upstream = inspect.unwrap(type(shared).array)
        converter = arrays._converter(upstream)
        # Upstream's conversion, else the standalone simulator's
        # (``Shared.convert``).
        self._convert = (
            converter[1] if converter else getattr(shared, "convert", None)
        )

    def array(self, shape, dtype, *args, **kwargs):
        frame = sys._getframe(1)
        dynamic = shape == 0 or shape == (0,)
        if dynamic or self._convert is None or args or kwargs:
            # Dynamic shared memory (a view of the launch's one buffer; a
            # 1-d shape of 0 elements, as numba compiles it), or a call
            # this does not know: the launch's allocator.
            ary = self._shared.array(shape, dtype, *args, **kwargs)
            key = ("dynamic", ary.dtype.str)
        else:
            key = (frame.f_code.co_filename, frame.f_lineno)
            arrays = self._arrays
            if self._sanitizer.block.block.cooperative:
                # Blocks resident together: each its own (``gridsync``).
                arrays = self._sanitizer.block.own_shared
            ary = arrays.get(key)
            if ary is None:
                ary = np.empty(shape, self._convert(dtype))
                ary = arrays.setdefault(key, ary)
                launchlimits.count_static(self._shared, key, ary.nbytes, frame)
        state = self._sanitizer.block
        found = state.shared.get(key)
        if found is None:
            start = ary.__array_interface__["data"][0]
            written = state.shared_written.setdefault(start, set())
            name, made = made_in(
                self._sanitizer, frame, "cuda.shared.array", "shared array"
            )
            info = ArrayInfo(name, ary, "shared", made)
            found = CheckedArray(ary, info, self._sanitizer, written)
            state.shared[key] = found
        return found


class _Const:
    """``cuda.const`` of a sanitized launch."""

    def __init__(self, sanitizer, const):
        self._sanitizer = sanitizer
        self._const = const

    def array_like(self, ary):
        ary = np.asarray(self._const.array_like(ary))
        frame = sys._getframe(1)
        name, made = made_in(
            self._sanitizer, frame, "cuda.const.array_like", "const array"
        )
        info = ArrayInfo(name, ary, "const", made)
        return CheckedArray(ary, info, self._sanitizer)


class _Atomic:
    """``cuda.atomic`` of a sanitized launch: the accesses of an atomic
    operation are marked atomic."""

    def __init__(self, atomic):
        self._atomic = atomic

    def __getattr__(self, name):
        operation = getattr(self._atomic, name)
        state = context.thread_state

        def atomic(array, *args, **kwargs):
            thread = state.thread
            thread.atomic = True
            try:
                return operation(array, *args, **kwargs)
            finally:
                thread.atomic = False

        # Made once per operation: later calls find it on the instance.
        setattr(self, name, atomic)
        return atomic


def wrap_view(sanitizer, view):
    """The launch's ``cuda.local``, ``shared``, ``const`` and ``atomic``,
    sanitized (``view`` is the launch's ``context.launch_view``)."""
    names = vars(view)
    if "local" in names:
        view.local = _Local(sanitizer, view.local)
    if "shared" in names:
        view.shared = _Shared(sanitizer, view.shared)
    if "const" in names:
        view.const = _Const(sanitizer, view.const)
    if "atomic" in names:
        view.atomic = _Atomic(view.atomic)
