"""The compile check: what runs in the simulator must compile for the GPU.

``NUMBA_CUDASIM_COMPILE_CHECK=1`` (read at each launch) or ``with
cudasim_threadsafe.compile_check():`` switches it on. At a kernel's first
launch with given argument types, the kernel is compiled to PTX by
numba-cuda's real compiler for a stated target (``NUMBA_CUDASIM_COMPILE_CC``,
``8.0`` by default, so that no driver is asked), with those types; one that
does not compile raises ``GPUCompileError`` with the compiler's own error.

The real compiler runs in a worker process with the simulator off
(``gpuworker``): in this process ``numba.cuda`` is the simulator, and
switching it off here would change what the running code sees. The kernel
goes there by value with cloudpickle, closures and globals included; its
device functions (simulator objects here) are rebuilt there with the
options they were declared with (``jitoptions``), and the kernel is
compiled with its own. Results are kept per kernel and argument types for
the process, and on disk by what was compiled (``compilecache``).
"""

import functools
import importlib
import io
import marshal
import os
import pickle
import sys
import threading
import types
import warnings

from .. import settings
from ..errors import GPUCompileError
from ..simulator import kernelinfo
from . import childworker, compilecache, jitoptions

ENVIRONMENT_VARIABLE = "NUMBA_CUDASIM_COMPILE_CHECK"
CC_VARIABLE = "NUMBA_CUDASIM_COMPILE_CC"
INSTALL = "pip install 'cudasim-threadsafe[gpucheck]'"

# (kernel function, argument types, cc, options) -> None (compiles) or
# ``(kind, text)``; and by the digest of what was compiled, for kernels
# that factories make again with the same code.
_results = {}
_by_digest = {}
_lock = threading.Lock()
_worker = None


def checked(launch):
    """Wraps upstream's ``FakeCUDAKernel.__call__``: with the check on, a
    host launch first checks that the kernel compiles for the GPU."""

    @functools.wraps(launch)
    def __call__(self, *args):
        if settings.compile_check_on():
            check(self, args)
        return launch(self, *args)

    return __call__


def check(kernel, args):
    """Raise GPUCompileError if ``kernel`` does not compile for the GPU
    with the types of ``args``."""
    # The user's function: a launch runs a copy with its globals frozen.
    fn = kernelinfo.source_function(kernel)
    name = getattr(fn, "__name__", repr(fn))
    try:
        signature = tuple(_typeof(a) for a in args)
    except Exception as e:
        _warn_once(fn, "kernel %r cannot be checked: %s" % (name, e))
        return
    declared = jitoptions.declared(kernel)
    key = (fn, signature, settings.compile_cc(), declared.key)
    result = _results.get(key, _UNSEEN)
    if result is _UNSEEN:
        with _lock:
            if key not in _results:
                _results[key] = _compile(kernel, signature, key[2], declared)
    result = _results[key]
    if result is None:
        return
    kind, text = result
    if kind == "failed":
        raise GPUCompileError(
            "kernel %r runs in the simulator but does not compile for the "
            "GPU (sm_%d%d, argument types %s):\n%s"
            % (name, key[2][0], key[2][1], _types_text(signature), text)
        )
    _warn_once(fn, "kernel %r cannot be checked: %s" % (name, text))


_UNSEEN = object()


def _typeof(value):
    from numba import typeof

    # cuda.In / Out / InOut: the GPU gets the array they hold.
    if type(value).__name__ in ("In", "Out", "InOut"):
        value = getattr(value, "value", value)
    # A number a declared signature typed (``signatures``): that type.
    declared = getattr(type(value), "numba_type", None)
    if declared is not None:
        import numpy as np

        value = np.dtype(declared).type(value)
    key = _array_key(value)
    ty = _array_types.get(key) if key is not None else None
    if ty is None:
        ty = typeof(value)
        if ty is None:
            raise TypeError("%s has no numba type" % type(value).__name__)
        if key is not None:
            _array_types[key] = ty
    return ty


# numba's type of an array, by what it depends on (``_array_key``): a
# launch types each argument, and typeof of an array costs ~13 us.
_array_types = {}


def _array_key(value):
    """What the numba type of ``value`` depends on, if it is a NumPy array
    or the simulator's device array (which holds one), else None."""
    ary = getattr(value, "_ary", value)
    if type(ary).__name__ != "ndarray" or type(ary).__module__ != "numpy":
        return None
    flags = ary.flags
    return (
        type(value),
        ary.dtype,
        ary.ndim,
        flags.c_contiguous,
        flags.f_contiguous,
        flags.writeable,
        flags.aligned,
    )


def _types_text(signature):
    return "(%s)" % ", ".join(str(t) for t in signature)


_warned = set()


def _warn_once(fn, text):
    if fn in _warned:
        return
    _warned.add(fn)
    warnings.warn(text, RuntimeWarning, stacklevel=4)


def _compile(kernel, signature, cc, declared):
    """None, or ``(kind, text)``: ``failed`` with the compiler's error, or
    ``unchecked`` with why it could not be compiled."""
    _needs_cloudpickle()
    try:
        fn = kernelinfo.source_function(kernel)
        payload = dumps((_by_value(fn), signature, declared.options))
    except Exception as e:
        return "unchecked", "it cannot be sent to the compiler (%s: %s)" % (
            type(e).__name__,
            e,
        )
    numba_settings = _settings()
    files = payload[1]
    name = compilecache.digest(
        *_without_paths(payload), cc, sorted(numba_settings.items())
    )
    result = _by_digest.get(name, _UNSEEN)
    if result is _UNSEEN:
        stored = compilecache.load(name)
        if stored is not compilecache.MISSING:
            result = _in_these_files(*stored, files)
    if result is _UNSEEN:
        # Started only now: a run whose results are all on disk needs none.
        worker = _get_worker()
        result = worker.compile(payload[:2], cc, numba_settings)
        if result is None or result[0] == "failed":
            compilecache.store(name, (result, files))
    if result is None or result[0] == "failed":
        _by_digest[name] = result
    return result


def _without_paths(payload):
    """The payload as the cache names it: each function's file replaced
    by its place in the list of files. Code generated into a new temporary
    folder each run (CuBIE's) is the same code."""
    data, files, named = payload
    places = {}
    for _, path in sorted(files.items()):
        places.setdefault(path, len(places))
    # Longest first: no path is replaced inside a longer one.
    for path in sorted(places, key=len, reverse=True):
        data = data.replace(path.encode(), b"<file %d>" % places[path])
    where = sorted((key, places[path]) for key, path in files.items())
    return data, where, named


def _in_these_files(result, files, now):
    """A stored result, its compiler's error naming this run's files."""
    if result is None or result[0] != "failed":
        return result
    text = result[1]
    for key, path in files.items():
        new = now.get(key, path)
        if new != path:
            # numba names a file by its path, or relative to the folder.
            text = text.replace(path, new)
            text = text.replace(_relative(path), _relative(new))
    return result[0], text


def _relative(path):
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


# numba settings a test may switch on in its process that change what
# compiles (NRT allows allocation in kernels): the worker takes them over.
SETTINGS = ("CUDA_ENABLE_NRT",)


def _settings():
    missing = object()
    found = {s: settings.numba_setting(s, missing) for s in SETTINGS}
    return {s: v for s, v in found.items() if v is not missing}


def _by_value(fn):
    """A copy of function ``fn`` that cloudpickle sends by value, with the
    globals it reads now: ``fn`` itself, defined at a module's top level,
    would go by name, and the worker would import the module afresh
    (without what a test set in it since)."""
    if not isinstance(fn, types.FunctionType):
        return fn
    copy = types.FunctionType(
        fn.__code__,
        fn.__globals__,
        fn.__name__,
        fn.__defaults__,
        fn.__closure__,
    )
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__qualname__ = fn.__qualname__
    copy.__module__ = fn.__module__
    return copy


def dumps(obj):
    """``obj`` (a kernel's function, argument types and options) by value,
    its device functions as the worker rebuilds them; the file of each
    function's code (``(name, first line) -> file``), which cloudpickle
    does not keep: the compiler's error shows the source lines; and the
    code of the functions sent by name (``_code_of``)."""
    import cloudpickle
    from numba.cuda.simulator.kernel import FakeCUDAKernel
    from numba.cuda.simulator.vector_types import (
        SimulatedVectorType as vector_type,
    )

    from . import gpuworker

    files = {}
    libdevice = __package__.rpartition(".")[0] + ".simulator.libdevice"

    class Pickler(cloudpickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, FakeCUDAKernel):
                declared = jitoptions.declared(obj)
                return gpuworker.device_function, (
                    _by_value(obj.fn),
                    declared.options,
                    declared.signatures,
                )
            if (
                isinstance(obj, types.FunctionType)
                and obj.__module__ == libdevice
            ):
                # This package's libdevice: the real target's, by name.
                return gpuworker.libdevice_function, (obj.__name__,)
            if isinstance(obj, type) and issubclass(obj, vector_type):
                # The simulator's float32x3 and friends: the real ones.
                return gpuworker.vector_type, (obj.__name__,)
            if isinstance(obj, types.ModuleType):
                # numba.cuda's module class is the simulator's: by name.
                return importlib.import_module, (obj.__name__,)
            if isinstance(obj, types.CodeType):
                files[obj.co_name, obj.co_firstlineno] = obj.co_filename
            reduced = super().reducer_override(obj)
            if reduced is NotImplemented and isinstance(
                obj, types.FunctionType
            ):
                # By name: the worker imports it, so its code is not in
                # the pickle; the cache's name must cover it.
                named.append(_code_of(obj))
            return reduced

    named = []
    buffer = io.BytesIO()
    Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue(), files, named


def _code_of(fn):
    """What names the code of function ``fn``, sent by name."""
    code = getattr(fn, "__code__", None)
    try:
        text = marshal.dumps(code) if code is not None else b""
    except ValueError:
        text = b""
    if text:
        text = text.replace(code.co_filename.encode(), b"")
    return "%s.%s" % (fn.__module__, fn.__qualname__), text


def _get_worker():
    global _worker
    # A forked child asks a worker of its own, not its parent's.
    if _worker is None or _worker.worker.pid != os.getpid():
        _worker = Worker()
    return _worker


def _needs_cloudpickle():
    """ImportError, saying what to install, without cloudpickle."""
    try:
        import cloudpickle  # noqa: F401
    except ImportError:
        raise ImportError(
            "the compile check (%s) needs cloudpickle and numba-cuda "
            "with its CUDA toolkit wheels: %s" % (ENVIRONMENT_VARIABLE, INSTALL)
        ) from None


class Worker:
    """The process that compiles for the GPU, with the simulator off."""

    def __init__(self):
        _needs_cloudpickle()
        try:
            self.worker = childworker.Worker(
                __package__ + ".gpuworker", (ENVIRONMENT_VARIABLE,)
            )
        except childworker.WorkerMissing as e:
            raise ImportError(
                "the compile check (%s) needs numba-cuda's compiler with "
                "NVVM, which the worker could not load (%s): %s"
                % (ENVIRONMENT_VARIABLE, e, INSTALL)
            ) from None

    def compile(self, payload, cc, numba_settings):
        # The parent's path: where the kernels' modules were found.
        reply = self.worker.ask((payload, cc, numba_settings, sys.path))
        return None if reply[0] == "ok" else reply
