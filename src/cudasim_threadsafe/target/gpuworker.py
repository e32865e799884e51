"""The compile check's worker: numba-cuda's real compiler, simulator off.

    python -m cudasim_threadsafe.target.gpuworker

``gpucheck`` starts it and sends, as pickles on stdin, the kernel and its
argument types (pickled by cloudpickle) and the target ``cc``; each answer
on stdout is ``("ok", None)``, ``("failed", compiler's error)`` or
``("unchecked", why)``. The first answer says whether the compiler could
be loaded.

Without a GPU there is no driver: a device function that is not inlined
asks the current device for its compute capability, which raises
``CudaSupportError``. That says nothing of the user's code, so the worker
answers with the stated target instead (``cc``).
"""

import pickle
import types

from .. import settings

# The target compiled for, and the files of the functions' code, set per
# request.
_cc = (8, 0)
_files = {}


def device_function(fn):
    """A device function of the kernel, as the real target makes it."""
    from numba import cuda

    return cuda.jit(device=True)(_in_its_file(fn))


def libdevice_function(name):
    """The real target's ``cuda.libdevice`` function ``name``."""
    from numba.cuda import libdevice

    return getattr(libdevice, name)


def vector_type(name):
    """The real target's vector type ``name`` (``float32x3``)."""
    from numba import cuda
    from numba.cuda import vector_types

    found = vector_types.vector_types.get(name)
    if found is not None:
        return found.user_facing_object
    return getattr(cuda, name)


def _in_its_file(fn):
    code = fn.__code__
    filename = _files.get((code.co_name, code.co_firstlineno))
    if filename is not None:
        fn.__code__ = code.replace(co_filename=filename)
    return fn


def _stated_device():
    return types.SimpleNamespace(compute_capability=_cc)


def state_the_target():
    """Answer the compiler's question for the current device's compute
    capability with the stated target (``_cc``): there is no driver."""
    from numba.cuda import compiler, dispatcher

    for module in (dispatcher, compiler):
        if hasattr(module, "get_current_device"):
            module.get_current_device = _stated_device


def _load_compiler():
    from numba import cuda
    from numba.cuda.cudadrv import nvvm

    nvvm.NVVM()
    state_the_target()
    return cuda


def _answer(cuda, request):
    global _cc, _files
    (payload, _files), cc, numba_settings = request
    _cc = cc
    for config in settings.numba_configs():
        for name, value in numba_settings.items():
            if hasattr(config, name):
                setattr(config, name, value)
    try:
        fn, signature = pickle.loads(payload)
        fn = _in_its_file(fn)
    except Exception as e:
        return "unchecked", "the compiler cannot rebuild it (%s: %s)" % (
            type(e).__name__,
            e,
        )
    try:
        cuda.compile_ptx(fn, signature, cc=cc)
    except Exception as e:
        text = "%s: %s" % (type(e).__name__, e)
        if type(e).__name__ == "CudaSupportError":
            # It asked for a GPU: that says nothing of the user's code.
            return "unchecked", "the compiler asked for a GPU (%s)" % text
        return "failed", text
    return "ok", None


if __name__ == "__main__":
    # The module by its name: the kernels' pickles call its
    # device_function, which reads this request's files and target.
    from cudasim_threadsafe.target import gpuworker
    from cudasim_threadsafe.target.childworker import serve

    serve(gpuworker._load_compiler, gpuworker._answer)
