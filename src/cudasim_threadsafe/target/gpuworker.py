"""The compile check's worker: numba-cuda's real compiler, simulator off.

    python -m cudasim_threadsafe.target.gpuworker

``gpucheck`` starts it and sends, as pickles on stdin, requests: the
kernel, its argument types and options (pickled by cloudpickle), the
target ``cc``, numba settings and the parent's ``sys.path``. Each answer on
stdout is ``("ok", None)``, ``("failed", compiler's error)`` or
``("unchecked", why)``. The first answer says whether the compiler could
be loaded.

The user's modules are imported here as a process with a GPU imports them:
libraries pick their functions at import time from ``cuda.is_available()``
or ``NUMBA_ENABLE_CUDASIM`` (unset here), and what they pick without a GPU
is code the GPU never sees. So ``cuda.is_available()`` is True, and the
device questions a compiler or a library asks (the current device, its
compute capability) are answered from the stated target (``cc``). Nothing
is run: kernels are compiled to PTX, never linked or loaded.
"""

import copy
import importlib
import pickle
import sys

from .. import settings

# The target compiled for, the files of the functions' code, and the
# device functions declared with signatures (compiled with the kernel),
# set per request.
_cc = (8, 0)
_files = {}
_declared = []

# Options that change no code: a disk cache the compiler would write into
# the user's folders.
NOT_COMPILED = ("cache",)


def device_function(fn, options=None, signatures=None):
    """A device function of the kernel, as the real target makes it: with
    the options it was declared with. Its declared signatures are
    compiled with the kernel (``_compile_declared``), where a failure is
    the kernel's."""
    from numba import cuda

    options = _compiled_options(options)
    dispatcher = cuda.jit(device=True, **options)(_in_its_file(fn))
    if signatures:
        _declared.append((dispatcher, signatures))
    return dispatcher


def _compiled_options(options):
    return {n: v for n, v in (options or {}).items() if n not in NOT_COMPILED}


def _compile_declared():
    """Compile the device functions declared with signatures, as the real
    ``cuda.jit`` does when it is given one."""
    from numba.core import sigutils

    try:
        from numba.cuda.core import typeinfer
    except ImportError:
        from numba.core import typeinfer

    while _declared:
        dispatcher, signatures = _declared.pop()
        for sig in signatures:
            argtypes, restype = sigutils.normalize_signature(sig)
            with typeinfer.register_dispatcher(dispatcher):
                dispatcher.compile_device(argtypes, restype)
        dispatcher._specialized = len(signatures) == 1
        dispatcher.disable_compile()


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


class StatedDevice:
    """The device of a process with a GPU, as far as compiling asks: the
    stated target's compute capability."""

    id = 0

    @property
    def compute_capability(self):
        return _cc

    @property
    def name(self):
        return b"sm_%d%d (stated by the compile check)" % _cc

    @property
    def supports_float16(self):
        return _cc >= (5, 3)

    @property
    def supports_bfloat16(self):
        return _cc >= (8, 0)


class StatedContext:
    """The current context: its device is the stated one."""

    device = StatedDevice()


def _stated_device():
    return StatedContext.device


def _stated_context(devnum=None):
    return StatedContext()


def _available():
    return True


def state_the_target():
    """Answer the compiler's question for the current device's compute
    capability with the stated target (``_cc``): there is no driver."""
    from numba.cuda import compiler, dispatcher

    for module in (dispatcher, compiler):
        if hasattr(module, "get_current_device"):
            module.get_current_device = _stated_device


def as_a_gpu_process():
    """Make this process look, to the user's modules and the compiler, like
    one with a GPU of the stated target: ``cuda.is_available()`` is True
    and the current device and context are the stated ones."""
    state_the_target()
    answers = {
        "is_available": _available,
        "get_current_device": _stated_device,
        "current_context": _stated_context,
        "get_context": _stated_context,
    }
    for name in (
        "numba.cuda",
        "numba.cuda.api",
        "numba.cuda.device_init",
        "numba.cuda.cudadrv.devices",
    ):
        module = sys.modules.get(name)
        for attr, answer in answers.items():
            if module is not None and hasattr(module, attr):
                setattr(module, attr, answer)


def copy_scopes_quickly():
    """numba's IR inliner deep-copies each block of a callee, each with a
    copy of the whole scope, so an ``inline="always"`` call costs blocks
    times variables copies of ``Var`` through ``copy.deepcopy`` (three
    quarters of compiling CuBIE's kernels). ``Scope.__deepcopy__`` here
    makes the same copies (each variable a new ``Var`` of the new scope,
    its name and location shared, remembered in ``memo``) without the
    generic machinery: the IR, and the PTX, are the same."""
    try:
        from numba.cuda.core import ir
    except ImportError:
        return
    scope, var, varmap = ir.Scope, ir.Var, ir.VarMap
    if "__deepcopy__" in vars(scope) or "__deepcopy__" not in vars(var):
        return
    copy_var = vars(var)["__deepcopy__"]

    def __deepcopy__(self, memo):
        new = scope.__new__(scope)
        memo[id(self)] = new
        for name, value in vars(self).items():
            if name == "localvars" and type(value) is varmap:
                value = _copy_varmap(value, new, memo)
            else:
                value = copy.deepcopy(value, memo)
            setattr(new, name, value)
        return new

    def _copy_varmap(old, new_scope, memo):
        new = varmap.__new__(varmap)
        memo[id(old)] = new
        for name, value in vars(old).items():
            if name != "_con":
                setattr(new, name, copy.deepcopy(value, memo))
                continue
            con = memo[id(value)] = {}
            for key, v in value.items():
                copied = memo.get(id(v))
                if copied is None:
                    if type(v).__deepcopy__ is copy_var:
                        copied = var.__new__(var)
                        copied.scope = new_scope
                        copied.name = v.name
                        copied.loc = v.loc
                        memo[id(v)] = copied
                    else:
                        copied = copy.deepcopy(v, memo)
                con[key] = copied
            setattr(new, name, con)
        return new

    if type(scope) is type:
        scope.__deepcopy__ = __deepcopy__


def _load_compiler():
    from numba import cuda
    from numba.cuda.cudadrv import nvvm

    nvvm.NVVM()
    as_a_gpu_process()
    copy_scopes_quickly()
    return cuda


def _use_path(path):
    """The parent's ``sys.path`` first: its modules are the ones the
    kernels were made from (pytest puts test folders there)."""
    if path is None or sys.path[: len(path)] == path:
        return
    sys.path[:] = list(path) + [p for p in sys.path if p not in path]
    importlib.invalidate_caches()


def compile_kernel(cuda, fn, signature, options, cc):
    """Compile kernel ``fn`` for ``signature`` as the real target's
    dispatcher does (``cuda.jit`` with ``options``, then one kernel for
    these types), to PTX: nothing is linked or loaded."""
    options = _compiled_options(options)
    dispatcher = cuda.jit(**options)(fn)
    try:
        from numba.cuda.dispatcher import _Kernel
    except ImportError:
        _Kernel = None
    targetoptions = getattr(dispatcher, "targetoptions", None)
    if _Kernel is None or targetoptions is None:
        cuda.compile_ptx(fn, signature, cc=cc)
        return
    _Kernel(fn, tuple(signature), **targetoptions)


def _answer(cuda, request):
    global _cc, _files
    (payload, _files), cc, numba_settings, path = request
    _cc = cc
    _use_path(path)
    for config in settings.numba_configs():
        for name, value in numba_settings.items():
            if hasattr(config, name):
                setattr(config, name, value)
    del _declared[:]
    try:
        fn, signature, options = pickle.loads(payload)
        fn = _in_its_file(fn)
    except Exception as e:
        return "unchecked", "the compiler cannot rebuild it (%s: %s)" % (
            type(e).__name__,
            e,
        )
    try:
        _compile_declared()
        compile_kernel(cuda, fn, signature, options, cc)
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
