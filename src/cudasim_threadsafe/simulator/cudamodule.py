"""The ``numba.cuda`` module as seen from simulated threads.

The simulator gives kernels ``cuda.threadIdx``, ``cuda.local`` and friends
through a fake module. Rather than swapping that fake into the globals of
each running function, ``numba.cuda`` itself is given this module class: a
kernel-only name is a property that reads the calling thread's launch
context. Every way of reaching the module (a global, an alias, a closure
cell, the path ``numba.cuda.X``) therefore works in every thread at once.
"""

import operator
import types

from . import context, warp
from .simthread import SimulatedThread

# Formatted with the module's name (``numba.cuda``) and the name used.
OUTSIDE_KERNEL = (
    "{}.{} is only available inside a kernel running on the CUDA "
    "simulator (NUMBA_ENABLE_CUDASIM=1); it was used outside a kernel"
)


class SimulatedCudaModule(types.ModuleType):
    """Module class given to ``numba.cuda`` when the simulator is on.

    Each kernel-only name is a property whose getter is C code only
    (``operator.attrgetter`` on the thread-local state of ``context``), so a
    lookup in a kernel costs about as much as a plain attribute. No
    ``__getattr__`` is defined on the class, as that would slow every
    lookup; the lookups that fail go to the module's ``__getattr__``.
    """

    _state = context.thread_state


def _kernel_name(name, path):
    """The property for kernel-only ``name``.

    Setting it on the host stores into the module itself: importing a
    submodule such as ``numba.cuda.cg`` sets it on its package. A kernel
    cannot set it: that does not compile for the GPU, and here it would
    change ``numba.cuda`` for the host and every other launch.
    """

    def fset(module, value):
        _not_in_kernel(module, name, value)
        module.__dict__[name] = value

    def fdel(module):
        _not_in_kernel(module, name, None)
        try:
            del module.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    return property(operator.attrgetter(path), fset, fdel)


def _not_in_kernel(module, name, value):
    if context.thread_state.launch is not None and not isinstance(
        value, types.ModuleType
    ):
        raise AttributeError(
            "%s.%s cannot be assigned or deleted in a kernel"
            % (module.__name__, name)
        )


def _module_getattr(module, names, previous):
    """The module's ``__getattr__`` (PEP 562), run when a lookup failed.

    Outside a kernel a kernel-only name falls back to what the module
    itself holds under that name, else raises a message saying where the
    name works. A module raises its generic message for an
    ``AttributeError`` from a property, so the helpful one is raised here.
    """

    def __getattr__(name):
        if name in names:
            try:
                return module.__dict__[name]
            except KeyError:
                raise AttributeError(
                    OUTSIDE_KERNEL.format(module.__name__, name)
                ) from None
        if previous is not None:
            return previous(name)
        raise AttributeError(
            "module {!r} has no attribute {!r}".format(module.__name__, name)
        )

    return __getattr__


def kernel_names(fake_module, host_module):
    """Names that a kernel must see differently from the host.

    These are the public names of ``fake_module`` (a simulator
    ``FakeCUDAModule``) that ``host_module`` lacks or binds to another object,
    and those of the running simulated thread.
    """
    host = vars(host_module)
    own = vars(fake_module)
    missing = object()
    return sorted(
        {
            name
            for name in dir(fake_module)
            if not name.startswith("_")
            and (name not in host or own.get(name, missing) is not host[name])
        }.union(SimulatedThread.names)
    )


def install(cuda, fake_module):
    """Give ``cuda`` (``numba.cuda``) a module class of its own, a subclass
    of this one.

    ``fake_module`` is any simulator ``FakeCUDAModule`` (or a fake module
    of the same kind); it tells which names are kernel-only. Each module
    installed gets its own class, and the launches of each kind of fake
    module their own view (``context.shared_names``): two modules served
    in one process keep their kernel-only names apart. Installing twice is
    a no-op.
    """
    if isinstance(cuda, SimulatedCudaModule):
        return
    names = kernel_names(fake_module, cuda)
    per_thread = frozenset(SimulatedThread.names + warp.BUILTIN_TARGET_NAMES)
    members = {}
    for name in names:
        if name in per_thread:
            path = "_state.thread." + name
        else:
            path = "_state.view." + name
        members[name] = _kernel_name(name, path)
    members["__module__"] = __name__
    members["__qualname__"] = SimulatedCudaModule.__qualname__
    members["__doc__"] = SimulatedCudaModule.__doc__
    own_class = type(
        SimulatedCudaModule.__name__, (SimulatedCudaModule,), members
    )
    # Modules served by one kind of fake module share its view's names.
    kind = type(fake_module)
    shared = set(context.shared_names.get(kind, ()))
    shared.update(n for n in names if n not in per_thread)
    context.shared_names[kind] = tuple(sorted(shared))
    previous = vars(cuda).get("__getattr__")
    cuda.__getattr__ = _module_getattr(cuda, frozenset(names), previous)
    cuda.__class__ = own_class
