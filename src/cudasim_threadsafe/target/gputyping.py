"""GPU typing for the intrinsics this package provides.

A simulated kernel is plain Python, so ``cuda.shfl_sync`` would take an
``int8`` that the GPU's typing rejects, and ``cuda.popc`` would refuse a
float that the GPU converts. Each intrinsic here is typed as the real
target types it: at its first call with given argument types, the real
target's typing context (numba-cuda's, or numba's built-in target's) is
asked in a worker process with the simulator off (``typingworker``); its
declarations, templates and conversions decide. The answer is kept per
intrinsic and argument types, so later calls cost a dict lookup. What the
typing rejects raises ``TypeError`` naming the intrinsic and the types,
with the typing's own error; what it accepts is called with the arguments
converted to the declared parameter types, and its result converted to the
declared return type, as compiled code converts them.

``NUMBA_CUDASIM_GPU_TYPING=0`` (read at each launch) or ``with
cudasim_threadsafe.gpu_typing(False):`` switches it off. Where the worker
cannot run, one warning says so and the intrinsics run untyped.
"""

import contextvars
import math
import os
import threading
import warnings

import numpy as np

from .. import settings
from . import childworker

ENVIRONMENT_VARIABLE = "NUMBA_CUDASIM_GPU_TYPING"

# Whether the running launch types its intrinsics, read from its settings
# when it starts (``LaunchTyping``); None outside a launch. A context
# variable: the greenlet launcher's threads run in a copy of the launching
# thread's context, the OS-thread launcher's too.
_in_launch = contextvars.ContextVar("cudasim_typing_in_launch", default=None)
# Whether the running launch types its arithmetic (``arithmetic``): its
# setting alone, as that typing needs no worker; None outside a launch.
arithmetic_in_launch = contextvars.ContextVar(
    "cudasim_arithmetic_in_launch", default=None
)
_worker = None
# Set, with the reason, once the worker cannot answer: typing stays off.
_broken = None
_lock = threading.Lock()
# The typed intrinsics' caches, which ``forget`` empties.
_caches = []


def enabled():
    """Whether intrinsics called now are typed: the running launch's
    setting, or outside a launch this thread's."""
    on = _in_launch.get()
    if on is None:
        on = settings.gpu_typing_on()
    return on and _broken is None


class LaunchTyping:
    """A launch plugin (``launch.PLUGINS``): the launch's threads type
    their intrinsics as its settings say, whatever other host threads
    switch meanwhile."""

    __slots__ = ("on", "arithmetic", "_token", "_arithmetic_token", "_quiet")

    def __init__(self, launch):
        self.arithmetic = launch.settings.gpu_typing
        self.on = self.arithmetic and _broken is None

    def __enter__(self):
        self._token = _in_launch.set(self.on)
        self._arithmetic_token = arithmetic_in_launch.set(self.arithmetic)
        if self.arithmetic:
            # Typed arithmetic computes as the GPU does, which has no
            # floating-point warnings; a context variable in NumPy 2, so
            # the launch's threads inherit it.
            self._quiet = np.errstate(all="ignore")
            self._quiet.__enter__()
        return self

    def __exit__(self, *exc):
        if self.arithmetic:
            self._quiet.__exit__(*exc)
        arithmetic_in_launch.reset(self._arithmetic_token)
        _in_launch.reset(self._token)
        return False


def forget():
    """Forget every answer kept: the next calls ask again."""
    for cache in _caches:
        cache.clear()


# -- the intrinsics, typed ---------------------------------------------------


def typed_method(path, impl, untyped, key=None, value=None):
    """A method ``impl(owner, *args)`` typed as ``numba.cuda.<path>``;
    ``untyped`` runs instead while typing is off. ``key(args)`` gives the
    cache key of the arguments (their types by default). Argument number
    ``value``, if given, is converted to the result type: a shuffle
    returns its value's type, and numba's built-in target shuffles a
    ``bool`` as the ``int32`` its typing returns."""
    cache, miss = _cache(path, impl, untyped, True, key, value)

    if value == 1 and key is None:
        # A shuffle, the hot path of warp code: three arguments, without
        # packing them.
        def method(owner, mask, x, lane):
            if not (_in_launch.get() or enabled()):
                return untyped(owner, mask, x, lane)
            entry = cache.get((type(mask), type(x), type(lane)))
            if entry is None:
                entry = miss((mask, x, lane))
            return entry(owner, mask, x, lane)

    else:

        def method(owner, *args):
            if not (_in_launch.get() or enabled()):
                return untyped(owner, *args)
            k = tuple(map(type, args)) if key is None else key(args)
            entry = cache.get(k)
            if entry is None:
                entry = miss(args)
            return entry(owner, *args)

    _name_after(method, impl, path)
    return method


def typed_function(path, impl, untyped):
    """Function ``impl(*args)`` typed as ``numba.cuda.<path>``."""
    cache, miss = _cache(path, impl, untyped, False)

    def function(*args):
        if not (_in_launch.get() or enabled()):
            return untyped(*args)
        entry = cache.get(tuple(map(type, args)))
        if entry is None:
            entry = miss(args)
        return entry(*args)

    _name_after(function, impl, path)
    return function


def _cache(path, impl, untyped, method, key=None, value=None):
    """A typed intrinsic's cache (argument types -> what calls run), and
    the function that fills it on a miss."""
    cache = {}
    _caches.append(cache)

    def miss(args):
        k = tuple(map(type, args)) if key is None else key(args)
        entry = cache.get(k)
        if entry is None:
            entry = cache[k] = _entry(path, args, impl, untyped, method, value)
        return entry

    return cache, miss


def array_key(args):
    """The cache key of an atomic's arguments: the array's dtype and
    dimensions count."""
    array = args[0]
    return (array.dtype, array.ndim) + tuple(map(type, args[1:]))


def _name_after(wrapper, impl, path):
    # The module too: the compile check sends this package's libdevice
    # functions by name, as the real target's.
    wrapper.__name__ = wrapper.__qualname__ = path.rpartition(".")[2]
    wrapper.__module__ = impl.__module__
    wrapper.__doc__ = impl.__doc__
    wrapper.__wrapped__ = impl


def _entry(path, args, impl, untyped, method, value=None):
    """What calls with arguments of the types of ``args`` run."""
    described = [describe(a) for a in args]
    if None in described:
        # A value the GPU's typing has no name for here: left untyped.
        return untyped
    answer = resolve(path, described)
    if answer is None:
        return untyped
    if answer[0] == "rejected":
        return _rejection(path, described, answer[1])
    params, result = answer[1]
    result_converter = converter(result)
    if value is not None and not isinstance(result, tuple):
        # The result is a value a lane brought, converted already.
        params = list(params)
        params[value] = result
        result_converter = None
    # A Python int, float or complex is numba's 64-bit type already.
    converters = [
        None if _natural(d) == p else converter(p)
        for d, p in zip(described, params)
    ]
    return _converting(impl, converters, result_converter, method)


def _natural(description):
    """``description`` with Python numbers named as numba types them."""
    if isinstance(description, str):
        return _NATURAL.get(description, description)
    if description[0] == "tuple":
        return ("tuple", [_natural(d) for d in description[1]])
    return description


def _converting(impl, converters, result, method):
    if not any(converters):
        if result is None:
            return impl
        if method:
            return lambda owner, *args: result(impl(owner, *args))
        return lambda *args: result(impl(*args))
    pairs = list(enumerate(converters))

    def converted(args):
        args = list(args)
        for i, c in pairs:
            if c is not None:
                args[i] = c(args[i])
        return args

    if result is None:
        result = _same
    if method:
        return lambda owner, *args: result(impl(owner, *converted(args)))
    return lambda *args: result(impl(*converted(args)))


def _same(value):
    return value


def _rejection(path, described, text):
    message = (
        "numba.cuda.%s%s does not compile for the GPU: the real CUDA "
        "target rejects these argument types.\n%s"
        % (path, _signature_text(described), text)
    )

    def rejected(*args):
        raise TypeError(message)

    return rejected


def _signature_text(described):
    return "(%s)" % ", ".join(_type_text(d) for d in described)


def _type_text(description):
    if isinstance(description, tuple):
        if description[0] == "tuple":
            return "(%s)" % ", ".join(_type_text(d) for d in description[1])
        if description[0] == "array":
            return "array(%s, %dd)" % (description[1], description[2])
        return description[1]
    return _NATURAL.get(description, str(description))


# -- describing values, converting them ---------------------------------------

_PYTHON = {bool: "bool", int: "int", float: "float", complex: "complex"}
_NATURAL = {"int": "int64", "float": "float64", "complex": "complex128"}


def is_scalar(value):
    """Whether ``value`` is a number or bool the GPU converts."""
    return type(value) in _PYTHON or isinstance(value, (np.number, np.bool_))


def describe(value):
    """``value``'s type as plain data the worker reads (see
    ``typingworker.describe``), or None if it has none here."""
    kind = _PYTHON.get(type(value))
    if kind is not None:
        return kind
    # A Python number a declared signature typed (``signatures``).
    kind = getattr(type(value), "numba_type", None)
    if kind is not None:
        return kind
    if isinstance(value, np.generic):
        dtype = value.dtype
        return dtype.name if dtype.kind in "biufc" else None
    if isinstance(value, tuple):
        inner = [describe(v) for v in value]
        return None if None in inner else ("tuple", inner)
    dtype = getattr(value, "dtype", None)
    ndim = getattr(value, "ndim", None)
    if isinstance(dtype, np.dtype) and isinstance(ndim, int):
        return ("array", dtype.name, ndim)
    return None


def converter(description):
    """The conversion of a value to the type ``description`` describes, as
    compiled code converts it; None where nothing needs converting."""
    if isinstance(description, tuple):
        if description[0] != "tuple":
            return None
        parts = [converter(d) or _same for d in description[1]]
        return lambda values: tuple(c(v) for c, v in zip(parts, values))
    if description == "bool":
        return bool
    if description in ("none", "int", "float", "complex"):
        return None
    dtype = np.dtype(description)
    if dtype.kind in "iu":
        return _to_integer(dtype)
    if dtype.kind == "f":
        return _to_float(dtype)
    return None


def _to_integer(dtype):
    """Integers wrap around; floats truncate toward zero, and saturate at
    the type's range (NaN gives 0), as PTX's ``cvt.rzi`` does."""
    info = np.iinfo(dtype)
    bits = info.bits
    mask = (1 << bits) - 1
    half = 1 << (bits - 1) if info.min < 0 else 0
    make = dtype.type

    def convert(value):
        if isinstance(value, (float, np.floating)):
            value = float(value)
            if math.isnan(value):
                return make(0)
            return make(min(max(math.trunc(value), info.min), info.max))
        return make(((int(value) + half) & mask) - half)

    return convert


def _to_float(dtype):
    """Rounded to ``dtype``; beyond its range, infinity (no warning)."""
    make = dtype.type
    info = np.finfo(dtype)
    # The magnitude from which rounding gives infinity: the largest
    # finite value and half its unit in the last place.
    limit = float(info.max) + 2.0 ** (info.maxexp - info.nmant - 2)

    def convert(value):
        if isinstance(value, np.generic) and value.dtype == dtype:
            return value
        value = float(value)
        if abs(value) >= limit:
            return make(math.copysign(math.inf, value))
        return make(value)

    return convert


# -- asking the real target ------------------------------------------------


def resolve(path, described):
    """The worker's answer for ``numba.cuda.<path>`` with arguments
    ``described``: ``("ok", (parameters, result))``, ``("rejected",
    text)``, or None where it cannot say."""
    global _worker, _broken
    with _lock:
        if _broken is not None:
            return None
        try:
            if _worker is None or _worker.pid != os.getpid():
                # None yet, or the parent's (this process is a fork).
                _worker = childworker.Worker(__package__ + ".typingworker")
            answer = _worker.ask((path, described))
        except (childworker.WorkerMissing, RuntimeError, OSError) as e:
            _broken = str(e)
            warnings.warn(
                "GPU typing of the simulator's intrinsics is off: the real "
                "CUDA target's typing could not be loaded (%s)" % e,
                RuntimeWarning,
                stacklevel=4,
            )
            return None
    if answer[0] == "unknown":
        return None
    return answer
