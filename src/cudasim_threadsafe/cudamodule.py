"""The ``numba.cuda`` module as seen from simulated threads.

The simulator gives kernels ``cuda.threadIdx``, ``cuda.local`` and friends
through a fake module. Rather than swapping that fake into the globals of
each running function, ``numba.cuda`` itself is given this module class: a
kernel-only name is a property that reads the calling thread's launch
context. Every way of reaching the module (a global, an alias, a closure
cell, the path ``numba.cuda.X``) therefore works in every thread at once.
"""

import types

from .context import thread_state

OUTSIDE_KERNEL = (
    "numba.cuda.{} is only available inside a kernel running on the CUDA "
    "simulator (NUMBA_ENABLE_CUDASIM=1); it was used outside a kernel"
)


class KernelName:
    """Data descriptor for one kernel-only name of ``numba.cuda``.

    Inside a simulated thread it returns the launch's attribute. Outside, it
    falls back to whatever the module itself holds under that name (a
    submodule such as ``numba.cuda.cg`` may be set there by an import),
    else it raises ``AttributeError``.
    """

    def __init__(self, name):
        self.name = name

    def __get__(self, module, owner=None):
        if module is None:
            return self
        launch = thread_state.launch
        if launch is not None:
            return getattr(launch, self.name)
        try:
            return module.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, module, value):
        module.__dict__[self.name] = value

    def __delete__(self, module):
        try:
            del module.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None


class SimulatedCudaModule(types.ModuleType):
    """Module class given to ``numba.cuda`` when the simulator is on."""

    def __getattr__(self, name):
        # Reached only when normal lookup failed. A module replaces any
        # AttributeError from a descriptor with a generic message, so the
        # helpful one is raised here.
        if isinstance(vars(type(self)).get(name), KernelName):
            raise AttributeError(OUTSIDE_KERNEL.format(name))
        raise AttributeError(
            "module {!r} has no attribute {!r}".format(self.__name__, name)
        )


def add_kernel_names(names):
    """Make each of ``names`` resolve through the launch context."""
    for name in names:
        setattr(SimulatedCudaModule, name, KernelName(name))


def kernel_names(fake_module, host_module):
    """Names that a kernel must see differently from the host.

    These are the public names of ``fake_module`` (a simulator
    ``FakeCUDAModule``) that ``host_module`` lacks or binds to another object.
    Class-level names are not read, as some only work in a simulated thread.
    """
    host = vars(host_module)
    own = vars(fake_module)
    missing = object()
    return sorted(
        name
        for name in dir(fake_module)
        if not name.startswith("_")
        and (name not in host or own.get(name, missing) is not host[name])
    )


def install(cuda, fake_module):
    """Give ``cuda`` (``numba.cuda``) this module class.

    ``fake_module`` is any simulator ``FakeCUDAModule``; it tells which names
    are kernel-only. Installing twice is a no-op.
    """
    if isinstance(cuda, SimulatedCudaModule):
        return
    add_kernel_names(kernel_names(fake_module, cuda))
    cuda.__class__ = SimulatedCudaModule
