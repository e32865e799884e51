"""Declared signatures convert scalar arguments, as on the GPU.

``cuda.jit("void(int32[:], int32)")`` compiles the kernel for those types:
a launch with the Python int ``0x100000`` passes an ``int32``, and
``cuda.clz`` counts its 32 bits. The simulator drops the signature, so the
kernel would see a Python int (numba's int64). With GPU typing on
(``gputyping``), a kernel or device function declared with one signature
gets its scalar arguments converted to the declared types (and a device
function its result too); arrays pass as they are. A list of signatures is
left alone: which one the GPU picks depends on the arguments.

A converted value stays a Python number, an ``int`` or ``float`` subclass
that carries its type (``numba_type``): NumPy scalars would change what
Python code does with it (``math.ldexp`` refuses a NumPy integer, and
``round`` of a NumPy float32 rounds in float32, unlike compiled code).
"""

import functools

import numpy as np

from ..simulator import dispatch, kernelinfo
from . import gputyping, jitoptions

ATTRIBUTE = "_cudasim_signature"


def jit_keeping_signatures(jit):
    """Wraps the simulator's ``jit``: it takes every option of the real
    target's and keeps them (``jitoptions``), and a kernel declared with a
    signature keeps its converters (``ATTRIBUTE``)."""
    return jitoptions.jit_keeping_options(jit, _keep_converters)


def _keep_converters(kernel, func_or_sig):
    if func_or_sig is None or callable(func_or_sig):
        return
    # Compiled now, as on the GPU: launches must match (``kernelinfo``).
    kernelinfo.declare(kernel, func_or_sig)
    declared = _converters(func_or_sig)
    if declared is None:
        return
    setattr(kernel, ATTRIBUTE, declared)
    if getattr(kernel, "_device", False):
        # Its calls convert (``device_call``).
        kernel.__class__ = dispatch.device_class(kernel, kernel.fn)


def _converters(signature):
    """``(argument converters, result converter)`` of one signature, or
    None if it cannot be read here or converts nothing."""
    if isinstance(signature, list):
        if len(signature) != 1:
            return None
        signature = signature[0]
    try:
        from numba.core import sigutils

        argtypes, restype = sigutils.normalize_signature(signature)
    except Exception:
        return None
    return _converters_of(argtypes, restype)


def _converters_of(argtypes, restype=None):
    arguments = tuple(_scalar_converter(t) for t in argtypes)
    result = None if restype is None else _scalar_converter(restype)
    if not any(arguments) and result is None:
        return None
    return arguments, result


def _scalar_converter(ty):
    if type(ty).__name__ in ("Integer", "Float", "Boolean"):
        return declared(str(ty))
    return None


def declared(name):
    """The conversion to numba type ``name`` (a NumPy dtype's name, or
    ``bool``), giving a Python number."""
    if name == "bool":
        return bool
    if name == "float64":
        return float
    to_numpy = gputyping.converter(name)
    if name == "int64":
        return lambda value: int(to_numpy(value))
    base = int if np.dtype(name).kind in "iu" else float
    cls = _declared_class(name, base)
    return lambda value: cls(to_numpy(value))


_classes = {}


def _declared_class(name, base):
    """The Python number class of numba type ``name``."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(
            name,
            (base,),
            {
                "__slots__": (),
                "__module__": __name__,
                "__doc__": "A Python %s declared %s." % (base.__name__, name),
                "__reduce__": _as_plain,
                "numba_type": name,
            },
        )
    return cls


def _as_plain(number):
    """Pickled as the plain Python number: the class exists only in the
    process that declared it."""
    base = type(number).__mro__[1]
    return base, (base(number),)


def converted(declared, args):
    """``args`` converted to the declared types, where they are scalars
    and the count matches."""
    arguments, _ = declared
    if len(args) != len(arguments):
        return args
    return tuple(
        a if c is None or not gputyping.is_scalar(a) else c(a)
        for c, a in zip(arguments, args)
    )


def launching(launch):
    """Wraps upstream's ``FakeCUDAKernel.__call__``: a host launch of a
    kernel declared with a signature converts its arguments."""

    @functools.wraps(launch)
    def __call__(self, *args):
        declared = _launch_converters(self)
        if declared is not None and gputyping.enabled():
            args = converted(declared, args)
        return launch(self, *args)

    return __call__


def _launch_converters(kernel):
    """The converters of the declared signature the launch chose
    (``kernelinfo.CHOSEN``), else of the one declared."""
    chosen = vars(kernel).get(kernelinfo.CHOSEN)
    info = kernelinfo.info(kernel)
    if chosen is None or info is None or info.declared is None:
        return getattr(kernel, ATTRIBUTE, None)
    try:
        return _chosen[chosen]
    except KeyError:
        pass
    except TypeError:
        return None
    made = _chosen[chosen] = _converters_of(chosen)
    return made


# Argument types -> their converters (None: none converts).
_chosen = {}


def device_call(device, call):
    """``dispatch.DEVICE_CALL``: a device function declared with one
    signature converts its arguments and result on each call."""
    declared = getattr(device, ATTRIBUTE, None)
    if declared is None:
        return call
    result = declared[1]

    @functools.wraps(call)
    def converting(*args):
        if not gputyping.enabled():
            return call(*args)
        value = call(*converted(declared, args))
        return value if result is None else result(value)

    return converting
