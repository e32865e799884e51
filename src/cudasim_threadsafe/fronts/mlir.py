"""The simulator's ``numba_cuda_mlir.cuda``: numba-cuda-mlir's names on
the ``standalone`` simulator.

``build()`` makes the module ``finder`` serves: numba-cuda-mlir's type
spellings (its copy of numba's types), the fake driver's host names
(``standalone.hostapi.HOST_NAMES``), the kernel-side names
(``standalone.kernelapi.NAMES``), ``jit``, the stubs numba-cuda-mlir's
module defines itself, and its submodules. Its class is
``simulator.cudamodule``'s: a kernel-only name (``threadIdx``,
``shared``...) reads the running simulated thread's launch. A name the
simulator lacks raises an ``AttributeError`` naming it (``__getattr__``).

Only numba-cuda-mlir's own pieces that need no GPU are used: its types,
its keyword validation (``numba_cuda_mlir.decorators``) and its signature
parsing. numba is never imported.
"""

import os
import sys
import types
import warnings

from .. import settings
from ..checks import sanitize, schedule
from ..simulator import context, cudamodule, hostcalls, launch
from ..standalone import devicearray, intrinsics, kernel, kernelapi, vectors
from . import finder

PACKAGE = finder.PACKAGE

# The submodules every import of the package makes (numba-cuda-mlir's
# lazy ones, ``intrin``, ``tensor_map``, ``experimental``, are not
# simulated: ``NOT_SIMULATED``).
SUBMODULES = (
    "cudadrv",
    "const",
    "local",
    "shared",
    "fp16",
    "libdevice",
    "libdevicefuncs",
    "vector",
    "vector_types",
    "cg",
    "random",
)

# Names of numba-cuda-mlir's module the simulator does not provide, and
# why (what ``__getattr__`` says). Any other missing name is named too.
NOT_SIMULATED = {
    "compile": "the simulator does not compile",
    "compile_ptx": "the simulator does not compile",
    "compile_all": "the simulator does not compile",
    "compile_mlir": "the simulator does not compile",
    "compile_for": "the simulator does not compile",
    "compile_cubin": "the simulator does not compile",
    "compile_for_current_device": "the simulator does not compile",
    "compile_ptx_for_current_device": "the simulator does not compile",
    "declare_device": "a linked external function cannot run on the simulator",
    "intrin": "numba-cuda-mlir's MLIR intrinsics are not simulated",
    "tensor_map": "tensor maps (TMA) are not simulated",
    "experimental": "numba-cuda-mlir's experimental AST transforms, "
    "structs and unions are not simulated",
}

NOT_SIMULATED_TEXT = (
    "module {module!r} has no attribute {name!r}: the CUDA simulator "
    "(cudasim-threadsafe, NUMBA_ENABLE_CUDASIM=1) does not provide it"
)

_warned_numba_only = []


def _missing(module_name, name):
    text = NOT_SIMULATED_TEXT.format(module=module_name, name=name)
    why = NOT_SIMULATED.get(name) if module_name == PACKAGE else None
    if why:
        text += " (%s)" % why
    return AttributeError(text)


def _module_getattr(module_name):
    def __getattr__(name):
        raise _missing(module_name, name)

    return __getattr__


def _module(name, doc, names=(), package=False):
    module = types.ModuleType(name, doc)
    module.__dict__.update(names)
    if package:
        module.__path__ = []
    module.__getattr__ = _module_getattr(name)
    return module


# -- jit -------------------------------------------------------------------


def _verify(func_or_sig, kws):
    """numba-cuda-mlir's own checks of ``jit``'s arguments, with the
    defaults its ``mlir_jit`` computes, and its two warnings: the same
    exceptions, raised when the decorator runs. Returns the validated
    options and the declared signatures (None: none declared)."""
    from numba_cuda_mlir import decorators
    from numba_cuda_mlir.numba_cuda.core import config
    from numba_cuda_mlir.numba_cuda.core.errors import (
        NumbaInvalidConfigWarning,
    )

    debug = kws.get("debug")
    if debug is None:
        debug = config.CUDA_DEBUGINFO_DEFAULT != 0
    opt = kws.get("opt")
    if opt is None:
        opt = config.OPT != 0
    if debug and kws.get("lineinfo", False):
        warnings.warn(
            NumbaInvalidConfigWarning(
                "debug and lineinfo are mutually exclusive. Use debug to get "
                "full debug info (this disables some optimizations), or "
                "lineinfo for line info only with code generation "
                "unaffected."
            ),
            stacklevel=3,
        )
    if debug and opt:
        warnings.warn(
            NumbaInvalidConfigWarning(
                "debug=True with opt=True is not supported by CUDA. This may "
                "result in a crash - set debug=False or opt=False."
            ),
            stacklevel=3,
        )
    signatures = decorators._get_signatures(func_or_sig)
    resolved = dict(kws)
    resolved.setdefault("debug", debug)
    if "opt_level" not in resolved:
        resolved.setdefault("opt", opt)
    options = decorators.verify_target_options(resolved)
    return options, signatures


def _annotated(fn):
    """The signature ``fn``'s annotations declare, or None (as
    numba-cuda-mlir reads them)."""
    from numba_cuda_mlir import decorators

    return decorators._extract_signature_from_annotations(fn)


def _normalized(signatures):
    from numba_cuda_mlir.numba_cuda.core import sigutils

    return [sigutils.normalize_signature(sig) for sig in signatures]


def jit(func_or_sig=None, **kws):
    """numba-cuda-mlir's ``cuda.jit`` on the simulator: the same keywords,
    rejected as numba-cuda-mlir rejects them when the decorator runs; the
    function runs in Python on simulated threads. The options are kept
    (``kernel.options``), the declared signatures too: their argument
    types as numba-cuda-mlir's dispatcher lists them
    (``kernel.signatures``), and whole (``kernel.declared``, each
    ``(argument types, return type)``)."""
    options, signatures = _verify(func_or_sig, kws)
    by_annotation = options.get("annotations_as_signatures", True)

    def decorate(fn):
        declared = signatures
        if declared is not None and by_annotation and _annotated(fn):
            raise TypeError(
                "Conflicting signature sources for %r: both an explicit "
                "signature and type annotations are provided. Use one or "
                "the other, or set annotations_as_signatures=False to "
                "ignore annotations." % fn.__name__
            )
        if declared is None and by_annotation:
            found = _annotated(fn)
            declared = None if found is None else [found]
        made = kernel.Kernel(fn, device=options.get("device"), options=options)
        made.declared = _normalized(declared or ())
        made.signatures = [args for args, _ in made.declared]
        return made

    if signatures is not None or func_or_sig is None:
        return decorate
    return decorate(func_or_sig)


# -- numba-cuda-mlir's own stubs -------------------------------------------


def inline_ptx(format_string, *args):
    """PTX cannot run on the simulator."""
    raise NotImplementedError(
        "cuda.inline_ptx: the CUDA simulator cannot run PTX (%r)"
        % (format_string,)
    )


def vectorize(*args, **kwargs):
    raise NotImplementedError("vectorize is not implemented")


def guvectorize(*args, **kwargs):
    raise NotImplementedError("guvectorize is not implemented")


class Reduce(hostcalls.Reduce):
    """``cuda.reduce(func)``: a left fold of a 1D array by ``func`` (a
    device function is folded with its Python function)."""

    def __init__(self, functor):
        super().__init__(getattr(functor, "py_func", functor))


def literal_unroll(container):
    """A loop over ``container`` runs as it is: nothing to unroll."""
    return container


# -- local, shared, const as modules ---------------------------------------

_state = context.thread_state


def _in_kernel(name):
    view = _state.view
    if view is None:
        raise RuntimeError(
            "numba_cuda_mlir.cuda.%s is only available inside a kernel "
            "running on the CUDA simulator" % name
        )
    return getattr(view, name.partition(".")[0])


def _local_array(shape, dtype, *args, **kwargs):
    """A new array for the calling thread."""
    return _in_kernel("local.array").array(shape, dtype, *args, **kwargs)


def _shared_array(shape, dtype, *args, **kwargs):
    """The launch's shared array made at the caller's line."""
    return _in_kernel("shared.array").array(shape, dtype, *args, **kwargs)


def _const_array_like(ary, *args, **kwargs):
    """``ary``, read-only in the kernel."""
    return _in_kernel("const.array_like").array_like(ary)


_local_array.__name__ = _shared_array.__name__ = "array"
_const_array_like.__name__ = "array_like"


# -- the module --------------------------------------------------------------


def _type_spellings():
    """numba-cuda-mlir's type names on its ``cuda`` module
    (``cuda.float32``...): its copy of numba's types, as it exports them."""
    from numba_cuda_mlir.numba_cuda import types as nbtypes

    names = {name: getattr(nbtypes, name) for name in nbtypes.__all__}
    names["types"] = nbtypes
    return names


def _dtype(value):
    """A numba-cuda-mlir type as a NumPy dtype (``local.array(4,
    cuda.float32)``)."""
    from numba_cuda_mlir.numba_cuda.np import numpy_support

    return numpy_support.as_dtype(value)


def _fill_launch_hooks():
    """The package's switches, sanitizer and schedule for every launch
    (the overlay sets the same under numba-cuda, and takes them off
    again when numba.cuda is reloaded: ``MlirLaunch`` puts them back)."""
    if launch.SETTINGS is None:
        launch.SETTINGS = settings.current
    if launch.SANITIZER is None:
        launch.SANITIZER = sanitize.for_launch
    if launch.SCHEDULE is None:
        launch.SCHEDULE = schedule.for_launch


NUMBA_ONLY = (
    "cudasim-threadsafe: numba-cuda-mlir kernels run without {}, which "
    "{} numba-cuda's compiler: only numba.cuda's kernels get {}"
)


def _gpu_typing_asked():
    """GPU typing is on by default under numba-cuda: asked for means set
    on here (the variable, or ``settings.gpu_typing()``)."""
    forced = settings._gpu_typing.get()
    if forced is not None:
        return forced
    value = os.environ.get("NUMBA_CUDASIM_GPU_TYPING", "").strip()
    return value not in ("", "0")


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _outside_package():
    """The ``stacklevel`` of the first caller outside this package (the
    launch in the user's code)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_ROOT):
        frame = frame.f_back
        level += 1
    return level


def numba_only_warning():
    """Warns once when an mlir launch is asked for the compile check or
    GPU typing, which need numba-cuda."""
    asked = []
    if settings.compile_check_on():
        asked.append("the compile check (NUMBA_CUDASIM_COMPILE_CHECK)")
    if _gpu_typing_asked():
        asked.append("GPU typing (NUMBA_CUDASIM_GPU_TYPING)")
    if asked and not _warned_numba_only:
        _warned_numba_only.append(True)
        warnings.warn(
            NUMBA_ONLY.format(
                " and ".join(asked),
                "need" if len(asked) > 1 else "needs",
                "them" if len(asked) > 1 else "it",
            ),
            RuntimeWarning,
            stacklevel=_outside_package(),
        )


class MlirLaunch:
    """Entered around each launch of an mlir kernel
    (``standalone.kernel.AROUND_LAUNCH``).

    GPU typing is numba-cuda's: with numba.cuda imported too, the
    overlay's typing hooks (``launch.FUNCTION``, its typing plugin, the
    typed intrinsics) serve every launch and read the launch's settings,
    so the launch starts with GPU typing forced off (a context variable:
    other host threads keep theirs). The package's launch hooks are put
    back if an overlay took them off."""

    __slots__ = ("_token",)

    def __enter__(self):
        if None in (launch.SETTINGS, launch.SANITIZER, launch.SCHEDULE):
            _fill_launch_hooks()
        if not _warned_numba_only:
            numba_only_warning()
        self._token = _forced_typing.set(False)
        return self

    def __exit__(self, *exc):
        _forced_typing.reset(self._token)
        return False


_forced_typing = settings._gpu_typing


def _submodules(top):
    """numba-cuda-mlir's submodules, as the simulator's."""
    from numba_cuda_mlir.numba_cuda import libdevice, libdevicefuncs
    from numba_cuda_mlir.numba_cuda.cudadrv import error

    from ..standalone import driver, random

    name = top.__name__
    names = kernelapi.NAMES
    made = {
        "const": _module(
            name + ".const",
            "Constant memory: ``array_like``.",
            {"array_like": _const_array_like},
        ),
        "local": _module(
            name + ".local",
            "Local memory: ``array``.",
            {"array": _local_array},
        ),
        "shared": _module(
            name + ".shared",
            "Shared memory: ``array``.",
            {"array": _shared_array},
        ),
        "fp16": _module(
            name + ".fp16",
            "Half-precision intrinsics.",
            _public(names["fp16"]),
        ),
        "libdevice": _module(
            name + ".libdevice",
            "libdevice, computing in Python.",
            _public(kernelapi.libdevice_namespace(libdevice)),
        ),
        "libdevicefuncs": libdevicefuncs,
        "vector": _module(
            name + ".vector",
            "Vector loads and stores.",
            _public(names["vector"]),
        ),
        "vector_types": _module(
            name + ".vector_types",
            "The vector types (``float32x4``, ``int2``...).",
            vectors.VECTOR_TYPES,
        ),
        "cg": _module(
            name + ".cg", "Cooperative groups.", _public(names["cg"])
        ),
        "random": random,
    }
    devices = _module(
        name + ".cudadrv.devices",
        "The simulated device and its context.",
        {
            key: getattr(driver, key)
            for key in ("gpus", "get_context", "require_context", "reset")
        },
    )
    runtime = _module(
        name + ".cudadrv.runtime",
        "The CUDA runtime's version, as the simulator answers it.",
        {
            "Runtime": driver.Runtime,
            "runtime": driver.runtime,
            "get_version": driver.runtime.get_version,
            "SUPPORTED_TOOLKIT_MAJOR_VERSIONS": (
                driver.SUPPORTED_TOOLKIT_MAJOR_VERSIONS
            ),
        },
    )
    drv = {
        "devicearray": devicearray,
        "devices": devices,
        "driver": driver,
        "error": error,
        "runtime": runtime,
    }
    cudadrv = _module(
        name + ".cudadrv", "The simulator's fake driver.", drv, package=True
    )
    made["cudadrv"] = cudadrv
    assert sorted(made) == sorted(SUBMODULES)
    for sub, module in made.items():
        sys.modules[name + "." + sub] = module
    for sub, module in drv.items():
        sys.modules[name + ".cudadrv." + sub] = module
    # Imported by path only (``from numba_cuda_mlir.cuda.types import
    # int32``): the module's ``types`` attribute stays numba's, as there.
    sys.modules[name + ".types"] = _types_module(name + ".types")
    return made


def _types_module(name):
    """numba-cuda-mlir's ``cuda.types`` package: numba's type names, then
    numba-cuda-mlir's MLIR spellings over them (there ``i8`` is int8), as
    its two star imports make it. Needs no GPU."""
    import numba_cuda_mlir.types as mlirtypes
    from numba_cuda_mlir.numba_cuda import types as nbtypes

    names = {}
    for source in (nbtypes, mlirtypes):
        public = getattr(source, "__all__", None)
        if public is None:
            public = [key for key in vars(source) if not key.startswith("_")]
        names.update((key, getattr(source, key)) for key in public)
    return _module(name, "Type names (numba's and MLIR's).", names)


def _public(namespace):
    return {
        key: value
        for key, value in vars(namespace).items()
        if not key.startswith("_")
    }


def _launch_errors(real_driver):
    """What a launch the device refuses raises (``simulator.launchlimits``
    makes ``CudaAPIError(text)``): numba-cuda-mlir's classes."""

    class CudaAPIError(real_driver.CudaAPIError):
        __qualname__ = real_driver.CudaAPIError.__qualname__
        __module__ = real_driver.CudaAPIError.__module__

        def __init__(self, text):
            super().__init__(1, text)

        def __str__(self):
            return self.msg

    return types.SimpleNamespace(
        CudaAPIError=CudaAPIError, LinkerError=real_driver.LinkerError
    )


def build():
    """The simulator's ``numba_cuda_mlir.cuda``, its submodules in
    ``sys.modules``."""
    from numba_cuda_mlir.numba_cuda import types as nbtypes
    from numba_cuda_mlir.numba_cuda.cudadrv import driver as real_driver
    from numba_cuda_mlir.numba_cuda.errors import KernelRuntimeError
    from numba_cuda_mlir.numba_cuda.np.numpy_support import from_dtype

    from ..standalone import hostapi, random

    def array_type(dtype, ndim, layout):
        return nbtypes.Array(from_dtype(dtype), ndim, layout)

    kernelapi.set_dtype_converter(_dtype)
    random.install_type(from_dtype(random.xoroshiro128p_dtype))
    kernel.set_errors(_launch_errors(real_driver))
    kernel.AROUND_LAUNCH = MlirLaunch
    # Device memory told to the sanitizer (initcheck), as numba-cuda's.
    devicearray.MADE = sanitize.device_memory_made
    devicearray.WROTE = sanitize.host_wrote
    hostapi.configure(
        CudaSupportError=real_driver.CudaSupportError,
        CudaAPIError=real_driver.CudaAPIError,
        CudaDriverError=real_driver.CudaDriverError,
        LinkerError=real_driver.LinkerError,
        array_type=array_type,
    )
    _fill_launch_hooks()

    module = _module(
        PACKAGE,
        "numba-cuda-mlir's ``cuda`` on the CUDA simulator "
        "(cudasim-threadsafe).",
        package=True,
    )
    names = vars(module)
    names.update(hostapi.HOST_NAMES)
    names.update(kernelapi.NAMES)
    names.update(_type_spellings())
    names.update(
        jit=jit,
        inline_ptx=inline_ptx,
        vectorize=vectorize,
        guvectorize=guvectorize,
        warpsize=32,
        HAS_NUMBA=False,
        KernelRuntimeError=KernelRuntimeError,
        Reduce=Reduce,
        reduce=Reduce,
        literal_unroll=literal_unroll,
    )
    names.update(_submodules(module))
    # numba-cuda-mlir's module holds these too (leaked from numba-cuda's).
    names["devicearray"] = names["cudadrv"].devicearray
    names["driver"] = names["cudadrv"].driver
    names["local_array"] = _local_array
    names["shared_array"] = _shared_array
    # Not the launch's object: so ``cuda.atomic`` in a kernel is the
    # launch's, which a sanitized launch wraps.
    names["atomic"] = intrinsics.Namespace("atomic", **_public(names["atomic"]))
    cudamodule.install(module, kernel.LaunchSpace((1, 1, 1), (1, 1, 1), 0))
    return module


def submodule(top, name):
    """``numba_cuda_mlir.cuda.<name>`` when it is not yet imported: the
    lazy ones the simulator lacks, and names numba-cuda-mlir has none of,
    raise ``ModuleNotFoundError`` naming them."""
    full = "%s.%s" % (top.__name__, name)
    why = NOT_SIMULATED.get(name.partition(".")[0])
    text = (
        "No module named %r: the CUDA simulator (cudasim-threadsafe, " % (full)
        + "NUMBA_ENABLE_CUDASIM=1) does not provide it"
    )
    if why:
        text += " (%s)" % why
    raise ModuleNotFoundError(text, name=full)
