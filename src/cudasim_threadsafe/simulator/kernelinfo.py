"""What a simulated kernel knows of its compilations, as numba-cuda's
dispatcher does.

On a GPU, ``cuda.jit("void(float32[:])")`` compiles once, at decoration,
and a launch with other argument types raises ``TypeError`` ("No matching
definition"); a lazy kernel compiles once per argument types. Each
compilation freezes the module globals and closure variables the function
reads (an array becomes a read-only constant copy), and those of the device
functions it calls. ``overloads`` and ``signatures`` list the
compilations. The simulator kept none of this: it ran any arguments and
read globals live.

Here a kernel keeps a ``KernelInfo``: per argument types, the function
that runs, built once from the same code with a snapshot of its globals
and fresh closure cells (no function's ``__globals__`` or cells are
written), its device functions replaced by frozen copies. A launch picks
the entry for its arguments' types and runs it.
"""

import builtins
import functools
import inspect
import sys
import types

import numpy as np

from . import printing

ATTRIBUTE = "_cudasim_info"
# On the copy of a kernel that a launch runs: the argument types chosen.
CHOSEN = "_cudasim_chosen"
# On that copy: the kernel's own function.
SOURCE = "_cudasim_source"


class Overload:
    """One compilation: its ``signature`` and the function it runs."""

    __slots__ = ("signature", "fn")

    def __init__(self, signature, fn):
        self.signature = signature
        self.fn = fn

    def max_cooperative_grid_blocks(self, blockdim, dynsmemsize=0):
        fake = _fake_overload()
        return fake.max_cooperative_grid_blocks(blockdim, dynsmemsize)

    def __repr__(self):
        return "<simulated overload %s>" % (self.signature,)


def _fake_overload():
    from numba.cuda.simulator import kernel

    return kernel.FakeOverload()


class Overloads(dict):
    """``overloads``: keyed by argument-type tuples, as numba-cuda's. A
    signature not compiled gives the simulator's ``FakeOverload``, as
    before, so code asking it for cooperative limits keeps working."""

    def __missing__(self, key):
        return _fake_overload()


class KernelInfo:
    """A kernel's or device function's compilations: ``declared`` (the
    argument types of an eager signature list, or None) and ``overloads``."""

    __slots__ = ("declared", "overloads")

    def __init__(self):
        self.declared = None
        self.overloads = Overloads()


def info(kernel):
    return vars(kernel).get(ATTRIBUTE)


def new_info(kernel):
    vars(kernel)[ATTRIBUTE] = KernelInfo()


# -- types of arguments -------------------------------------------------------


_loaded = None


def _numba():
    global _loaded
    if _loaded is None:
        from numba import typeof
        from numba.core import types as nbtypes
        from numba.core.registry import cpu_target
        from numba.core.typing.typeof import Purpose

        _loaded = typeof, Purpose, nbtypes, cpu_target.typing_context
    return _loaded


# typeof of an array costs ~13 us: by what its type depends on.
_array_types = {}
# Scalars whose numba type is their class's: by class.
_scalar_types = {}
_BY_CLASS = (float, bool, complex, np.number, np.bool_)


def argument_type(value):
    """numba's type of ``value`` as a kernel argument, or None where numba
    cannot type it (the simulator runs it anyway)."""
    cls = type(value)
    found = _scalar_types.get(cls)
    if found is not None:
        return found
    if cls is int and -(2**63) <= value < 2**63:
        cls = None
        found = _scalar_types.get(None)
        if found is not None:
            return found
    typeof, Purpose, nbtypes, _ = _numba()
    if type(value).__name__ in ("In", "Out", "InOut"):
        value = getattr(value, "value", value)
    declared = getattr(type(value), "numba_type", None)
    if declared is not None:
        value = np.dtype(declared).type(value)
    ary = getattr(value, "_ary", value)
    key = None
    if isinstance(ary, np.ndarray):
        flags = ary.flags
        key = (
            type(value),
            ary.dtype,
            ary.ndim,
            flags.c_contiguous,
            flags.f_contiguous,
            flags.writeable,
            flags.aligned,
        )
        found = _array_types.get(key)
        if found is not None:
            return found
    try:
        ty = typeof(value, Purpose.argument)
    except Exception:
        return None
    if ty is None or ty == nbtypes.pyobject:
        return None
    if key is not None:
        _array_types[key] = ty
    elif cls is None or (
        issubclass(cls, _BY_CLASS) and not hasattr(cls, "numba_type")
    ):
        _scalar_types[cls] = ty
    return ty


def _match(declared, actual):
    """The conversion cost of ``actual`` to ``declared`` (lower is better),
    or None where one cannot convert, as numba's dispatcher rates it for
    a kernel that cannot compile anew (unsafe conversions allowed)."""
    if len(declared) != len(actual):
        return None
    _, _, nbtypes, typing = _numba()
    counts = [0, 0, 0]
    for formal, ty in zip(declared, actual):
        if ty is None or ty == formal:
            continue
        conversion = typing.can_convert(ty, formal)
        if conversion is None or conversion.name == "nil":
            return None
        kind = {"unsafe": 0, "safe": 1, "promote": 2}.get(conversion.name)
        if kind is not None:
            counts[kind] += 1
    return tuple(counts)


def chosen_types(kernel_info, args):
    """The argument types the launch with ``args`` runs: a declared
    signature's, or the arguments' own for a lazy kernel."""
    actual = tuple(argument_type(a) for a in args)
    declared = kernel_info.declared
    if declared is None:
        return actual
    best = None
    for argtypes in declared:
        cost = _match(argtypes, actual)
        if cost is not None and (best is None or cost < best[0]):
            best = cost, argtypes
    if best is None and len(declared) == 1:
        # numba-cuda's kernel of one signature is specialized: it launches
        # without a check, and the GPU reads the bytes as the declared
        # types. Where that reading keeps the values' bits (integers of
        # one size), run it; elsewhere the GPU's answer is wrong or it
        # faults, which the simulator says instead of answering.
        wrong = _misread(declared[0], actual)
        if wrong is None:
            return declared[0]
        raise TypeError(
            "No matching definition for argument type(s) %s: numba-cuda "
            "launches a kernel of one signature unchecked, and on a GPU it "
            "would read %s as %s (a wrong answer or a misaligned-address "
            "fault)" % (", ".join(str(t) for t in actual), *wrong)
        )
    if best is None:
        # numba-cuda's dispatcher's error, word for word.
        raise TypeError(
            "No matching definition for argument type(s) %s"
            % ", ".join(str(t) for t in actual)
        )
    return best[1]


def _misread(declared, actual):
    """The first ``(actual, declared)`` pair a GPU would misread, or None
    where every argument converts or is an integer array read as another
    integer array of its item size and dimensions."""
    if len(declared) != len(actual):
        return (actual, declared)
    for formal, ty in zip(declared, actual):
        if ty is None or _match((formal,), (ty,)) is not None:
            continue
        dtype, formal_dtype = (
            getattr(ty, "dtype", None),
            getattr(formal, "dtype", None),
        )
        same_bits = (
            getattr(ty, "ndim", None) == getattr(formal, "ndim", 0)
            and isinstance(dtype, _numba()[2].Integer)
            and isinstance(formal_dtype, _numba()[2].Integer)
            and dtype.bitwidth == formal_dtype.bitwidth
        )
        if not same_bits:
            return (ty, formal)
    return None


# -- freezing ------------------------------------------------------------------


def _global_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


# package-only: classes of device function objects of the package's
# standalone simulator, whose ``frozen(memo)`` is their frozen copy.
OTHER_DEVICE_FUNCTIONS = ()
# end package-only

_PLAIN = (
    int,
    float,
    complex,
    bool,
    str,
    type(None),
    types.ModuleType,
    types.BuiltinFunctionType,
    type,
)


def frozen_value(value, memo):
    """``value`` as a compilation sees it: an array a read-only copy, a
    device function a copy that runs with its globals frozen now."""
    if isinstance(value, _PLAIN):
        return value
    done = memo.get(id(value))
    if done is not None:
        return done[1]
    if isinstance(value, np.ndarray):
        made = value.copy()
        made.setflags(write=False)
    elif type(value) is tuple:
        made = tuple(frozen_value(v, memo) for v in value)
    elif _is_device_function(value):
        made = frozen_device_function(value, memo)
    # package-only: device functions of the standalone simulator
    elif isinstance(value, OTHER_DEVICE_FUNCTIONS):
        made = value.frozen(memo)
    # end package-only
    else:
        return value
    # The value is kept too: its id stays its own while the memo lives.
    memo[id(value)] = (value, made)
    return made


def _is_device_function(value):
    try:
        own = vars(value)
    except TypeError:
        return False
    return ATTRIBUTE in own and own.get("_device") is True


def frozen_function(fn, memo):
    """A function with ``fn``'s code whose globals are a snapshot of those
    it reads and whose closure cells are fresh ones holding the values
    now; its ``print`` is the kernel's (``printing.kernel_print``). ``fn``
    itself is left as it is."""
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or code is None:
        return fn
    live = fn.__globals__
    snapshot = {
        "__builtins__": live.get("__builtins__", builtins),
        "__name__": live.get("__name__"),
    }
    names = _global_names(code)
    for name in names:
        if name in live:
            snapshot[name] = frozen_value(live[name], memo)
    if "print" in names and "print" not in live:
        # Compiled, print is one vprintf call: its line comes out whole.
        snapshot["print"] = printing.kernel_print
    closure = None
    if fn.__closure__:
        cells = []
        for cell in fn.__closure__:
            try:
                contents = cell.cell_contents
            except ValueError:
                cells.append(types.CellType())
            else:
                cells.append(types.CellType(frozen_value(contents, memo)))
        closure = tuple(cells)
    made = types.FunctionType(
        code, snapshot, fn.__name__, fn.__defaults__, closure
    )
    made.__kwdefaults__ = fn.__kwdefaults__
    made.__dict__.update(fn.__dict__)
    # Not ``functools.wraps``: its ``__wrapped__`` would hide the code's
    # own source from ``inspect``.
    made.__qualname__ = fn.__qualname__
    made.__doc__ = fn.__doc__
    made.__module__ = fn.__module__
    return made


def frozen_device_function(device, memo):
    from . import dispatch

    clone = object.__new__(type(device))
    clone.__dict__.update(device.__dict__)
    # Before its function: a device function may call itself.
    memo[id(device)] = (device, clone)
    clone.fn = frozen_function(device.fn, memo)
    clone.__class__ = dispatch.device_class(clone, clone.fn)
    return clone


def compiled(kernel, kernel_info, argtypes):
    """The overload for ``argtypes``, made (frozen) on first use."""
    found = kernel_info.overloads.get(argtypes)
    if found is None:
        fn = frozen_function(kernel.fn, {})
        made = Overload(_signature(kernel, argtypes), fn)
        found = kernel_info.overloads.setdefault(argtypes, made)
    return found


def _signature(kernel, argtypes):
    from numba.core import types as nbtypes
    from numba.core.typing import signature

    if any(t is None for t in argtypes):
        return argtypes
    restype = nbtypes.void if not kernel._device else nbtypes.none
    return signature(restype, *argtypes)


def launched(kernel, args):
    """The copy of ``kernel`` that a host launch with ``args`` runs: its
    function frozen for the chosen argument types."""
    kernel_info = info(kernel)
    if kernel_info is None:
        return kernel
    argtypes = chosen_types(kernel_info, args)
    overload = compiled(kernel, kernel_info, argtypes)
    run = object.__new__(type(kernel))
    run.__dict__.update(kernel.__dict__)
    run.fn = overload.fn
    run.__dict__[CHOSEN] = argtypes
    run.__dict__[SOURCE] = kernel.fn
    return run


def source_function(kernel):
    """The user's function of ``kernel``, or of the kernel a launch runs
    a copy of (its ``fn`` then is the frozen one)."""
    return vars(kernel).get(SOURCE, kernel.fn)


def declare(kernel, signatures):
    """``cuda.jit(signatures)``: a kernel compiles now, for each."""
    from numba.core import sigutils

    if not isinstance(signatures, list):
        signatures = [signatures]
    declared = []
    returns = {}  # a device function's declared return types
    for sig in signatures:
        try:
            argtypes, restype = sigutils.normalize_signature(sig)
        except Exception:
            return
        declared.append(tuple(argtypes))
        returns[tuple(argtypes)] = restype
    kernel_info = info(kernel)
    if kernel_info is None or not declared:
        return
    kernel_info.declared = tuple(declared)
    if not kernel._device:
        for argtypes in declared:
            compiled(kernel, kernel_info, argtypes)
        return
    # A device function is compiled with the kernel that calls it: its
    # globals are frozen then (``frozen_device_function``). It may name
    # itself, which at its declaration is not bound yet.
    for argtypes in declared:
        sig = _signature(kernel, argtypes)
        if returns[argtypes] is not None:
            sig = sig.replace(return_type=returns[argtypes])
        kernel_info.overloads[argtypes] = Overload(sig, kernel.fn)


def declaring(jit):
    """Wraps the simulator's ``jit``: a kernel given signatures keeps them
    (``declare``)."""

    @functools.wraps(jit)
    def wrapper(func_or_sig=None, *args, **kwargs):
        made = jit(func_or_sig, *args, **kwargs)
        if func_or_sig is None or callable(func_or_sig):
            return made

        @functools.wraps(made)
        def making(fn):
            kernel = made(fn)
            declare(kernel, func_or_sig)
            return kernel

        return making

    return wrapper


# -- introspection -------------------------------------------------------------

NO_CODE = (
    "%s: the CUDA simulator runs kernels as Python and has no %s; "
    "compile with the simulator off (numba.cuda.compile_ptx needs no GPU)"
)


def _no_code(what):
    def method(self, signature=None, *args, **kwargs):
        raise NotImplementedError(NO_CODE % (self.__name__, what))

    method.__name__ = "inspect_" + what.split()[0].lower()
    method.__doc__ = "The simulator has no %s: NotImplementedError." % what
    return method


def _overloads(self):
    kernel_info = info(self)
    if kernel_info is not None:
        return kernel_info.overloads
    if _fake_overloads is not None:
        return _fake_overloads(self)
    return Overloads()


_fake_overloads = None


def _signatures(self):
    """The argument-type tuples compiled, as numba-cuda's ``signatures``."""
    return list(_overloads(self))


def inspect_types(self, file=None):
    """What numba-cuda prints per signature is typed IR, which the
    simulator does not make: each signature compiled, then the source."""
    if file is None:
        file = sys.stdout
    try:
        source = inspect.getsource(self.fn)
    except (OSError, TypeError):
        source = "(source unavailable)\n"
    for argtypes in _overloads(self):
        print(
            "%s (%s)" % (self.__name__, ", ".join(str(t) for t in argtypes)),
            file=file,
        )
        print("-" * 80, file=file)
        print(
            "# The CUDA simulator runs this as Python: no typed IR.", file=file
        )
        print(source, file=file)
        print("=" * 80, file=file)


# -- declare_device ------------------------------------------------------------


class ExternalFunction:
    """What ``cuda.declare_device`` gives: a function of CUDA C or PTX the
    GPU links in. The simulator can run Python only: a call says so."""

    def __init__(self, name, sig, link, use_cooperative):
        self.name = name
        self.sig = sig
        self.link = link
        self.use_cooperative = use_cooperative

    def __call__(self, *args):
        raise NotImplementedError(
            "%s is declared with cuda.declare_device: the CUDA simulator "
            "cannot link external CUDA C or PTX code%s"
            % (
                self.name,
                " (%s)" % ", ".join(map(str, self.link)) if self.link else "",
            )
        )

    def __repr__(self):
        return "<external device function %s %s>" % (self.name, self.sig)


def declare_device(name, sig, link=None, use_cooperative=False, abi="numba"):
    """The signature of a foreign function, as numba-cuda 0.30.4 checks it;
    calling what it returns in a simulated kernel raises."""
    from numba.core import sigutils
    from numba.core.typing import signature

    if abi not in ("numba", "c"):
        raise NotImplementedError(f"Unsupported ABI: {abi}")
    if link is None:
        link = ()
    elif not isinstance(link, (list, tuple, set)):
        link = (link,)
    argtypes, restype = sigutils.normalize_signature(sig)
    if restype is None:
        raise TypeError("Return type must be provided for device declarations")
    return ExternalFunction(
        name, signature(restype, *argtypes), tuple(link), use_cooperative
    )


# -- installed ---------------------------------------------------------------


def _namespaces(api):
    """The modules that bind ``api``'s functions: it, its package and
    ``numba.cuda`` (once imported)."""
    package = api.__name__.rpartition(".")[0]
    cuda = package.rpartition(".")[0]
    return [
        m
        for m in (api, sys.modules.get(package), sys.modules.get(cuda))
        if m is not None
    ]


def simulator_changes():
    """``(owner, name, new)``: the kernel class gets ``overloads``,
    ``signatures`` and the ``inspect_*`` methods; ``jit`` keeps declared
    signatures; ``declare_device`` declares."""
    global _fake_overloads
    from numba.cuda.simulator import api, kernel

    cls = kernel.FakeCUDAKernel
    fake = vars(cls).get("overloads")
    if isinstance(fake, property) and _fake_overloads is None:
        _fake_overloads = fake.fget
    changes = [
        (cls, "overloads", property(_overloads)),
        (cls, "signatures", property(_signatures)),
        (cls, "inspect_types", inspect_types),
        (cls, "inspect_asm", _no_code("PTX")),
        (cls, "inspect_llvm", _no_code("LLVM IR")),
        (cls, "inspect_lto_ptx", _no_code("LTO PTX")),
        (cls, "inspect_sass", _no_code("SASS")),
        (cls, "inspect_sass_cfg", _no_code("SASS CFG")),
    ]
    for name, new in (
        ("jit", declaring(vars(api)["jit"])),
        ("declare_device", declare_device),
    ):
        old = vars(api).get(name)
        for namespace in _namespaces(api):
            if old is not None and vars(namespace).get(name) is old:
                changes.append((namespace, name, new))
    return changes
