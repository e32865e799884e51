"""How a simulated kernel object behaves when called or configured.

These wrap the simulator's ``FakeCUDAKernel.__init__``, ``__call__`` and
``__getitem__``: the overlay applies them at import time, and the upstream
form applies them as decorators.
"""

import functools
import types

from .context import thread_state

# A hook for a package that extends the simulator; None here.
# ``DEVICE_FUNCTION(fn)``: what calls of a device function run instead of
# its Python function ``fn``.
DEVICE_FUNCTION = None
# ``LAUNCH_ARGUMENTS(args)``: a host launch's arguments as upstream's
# launch takes them (``hostcalls`` sets it).
LAUNCH_ARGUMENTS = None


def device_call(upstream_call):
    """Any call from a simulated thread runs the function directly.

    Nothing is swapped: the callee reads ``numba.cuda`` through the
    calling thread's launch context, like the kernel itself. This returns
    a property: ``kernel(*args)`` first reads ``kernel.__call__``, which is
    the plain Python function for a call from a simulated thread and the
    upstream launch otherwise, then calls it with the arguments as they
    are, without a wrapper that takes them apart and passes them on.
    """

    @functools.wraps(upstream_call)
    def launch(self, *args):
        if LAUNCH_ARGUMENTS is not None:
            args = LAUNCH_ARGUMENTS(args)
        return upstream_call(self, *args)

    def target(self):
        if self._device or thread_state.launch is not None:
            return self.fn
        return types.MethodType(launch, self)

    target.__doc__ = upstream_call.__doc__
    return property(target)


def direct_device_calls(upstream_init):
    """Each device function gets a class of its own whose ``__call__`` is
    the function itself.

    A device function is never launched, and it is called on every
    simulated thread, often in a loop: as a static method, ``fn`` is what
    calling the object runs, with nothing in between (a property returning
    ``fn`` cost 60 ns more a call).
    """

    @functools.wraps(upstream_init)
    def __init__(self, *args, **kwargs):
        upstream_init(self, *args, **kwargs)
        if getattr(self, "_device", False):
            self.__class__ = _device_class(type(self), self.fn)

    return __init__


def _device_class(kernel_class, fn):
    if DEVICE_FUNCTION is not None:
        fn = DEVICE_FUNCTION(fn)
    return type(
        kernel_class.__name__,
        (kernel_class,),
        {
            "__call__": staticmethod(fn),
            "__module__": kernel_class.__module__,
            "__qualname__": kernel_class.__qualname__,
            "__doc__": kernel_class.__doc__,
        },
    )


def configured_copy(upstream_getitem):
    """``kernel[grid, block]`` returns a configured copy.

    Host threads launching one kernel with different configurations thus
    cannot overwrite each other's. The kernel itself is still configured,
    as before.
    """

    @functools.wraps(upstream_getitem)
    def __getitem__(self, configuration):
        if isinstance(configuration, tuple) and len(configuration) < 4:
            # No dynamic shared memory, not the last configuration's.
            self.dynshared_size = 0
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        configured = upstream_getitem(clone, configuration)
        upstream_getitem(self, configuration)
        return configured

    return __getitem__
