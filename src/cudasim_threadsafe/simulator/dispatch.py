"""How a simulated kernel object behaves when called or configured.

These wrap the simulator's ``FakeCUDAKernel.__init__``, ``__call__`` and
``__getitem__``, as decorators.
"""

import functools
import sys
import types

from . import kernelinfo
from .context import thread_state

# package-only: hooks for a package that extends the simulator
# ``DEVICE_FUNCTION(fn)``: what calls of a device function run instead of
# its Python function ``fn``.
DEVICE_FUNCTION = None
# ``DEVICE_CALL(device, call)``: what calls of device function object
# ``device`` run instead of ``call`` (which runs its function).
DEVICE_CALL = None
# end package-only
# ``LAUNCH_ARGUMENTS(args)``: a host launch's arguments as
# ``FakeCUDAKernel.__call__`` takes them (``hostcalls`` sets it).
LAUNCH_ARGUMENTS = None


def device_call(kernel_call):
    """Any call from a simulated thread runs the function directly.

    Nothing is swapped: the callee reads ``numba.cuda`` through the
    calling thread's launch context, like the kernel itself. This returns
    a property: ``kernel(*args)`` first reads ``kernel.__call__``, which is
    the plain Python function for a call from a simulated thread and the
    kernel's launch otherwise, then calls it with the arguments as they
    are, without a wrapper that takes them apart and passes them on.
    """

    @functools.wraps(kernel_call)
    def launch(self, *args):
        if LAUNCH_ARGUMENTS is not None:
            args = LAUNCH_ARGUMENTS(args)
        # The kernel as compiled for these arguments' types: TypeError
        # where no declared signature matches.
        try:
            return kernel_call(kernelinfo.launched(self, args), *args)
        except BaseException as e:
            # Not a frame of the user's: an error a launch raises goes on
            # as it left the launch (the sanitizer's ends in the kernel).
            tb = e.__traceback__
            if tb is not None and tb.tb_frame is sys._getframe():
                e.__traceback__ = tb.tb_next
            raise

    def target(self):
        if self._device or thread_state.launch is not None:
            return self.fn
        return types.MethodType(launch, self)

    target.__doc__ = kernel_call.__doc__
    return property(target)


def direct_device_calls(kernel_init):
    """Each device function gets a class of its own whose ``__call__`` is
    the function itself.

    A device function is never launched, and it is called on every
    simulated thread, often in a loop: as a static method, ``fn`` is what
    calling the object runs, with nothing in between (a property returning
    ``fn`` cost 60 ns more a call).
    """

    @functools.wraps(kernel_init)
    def __init__(self, *args, **kwargs):
        kernel_init(self, *args, **kwargs)
        kernelinfo.new_info(self)
        if getattr(self, "_device", False):
            self.__class__ = device_class(self, self.fn)

    return __init__


def device_class(device, fn):
    """A class of its own for device function object ``device``, whose
    calls run ``fn``."""
    kernel_class = getattr(type(device), "_kernel_class", type(device))
    call = fn
    # package-only: what the package runs around device calls
    if DEVICE_FUNCTION is not None:
        call = DEVICE_FUNCTION(fn)
    if DEVICE_CALL is not None:
        call = DEVICE_CALL(device, call)
    # end package-only
    return type(
        kernel_class.__name__,
        (kernel_class,),
        {
            "__call__": staticmethod(call),
            "__module__": kernel_class.__module__,
            "__qualname__": kernel_class.__qualname__,
            "__doc__": kernel_class.__doc__,
            "_kernel_class": kernel_class,
        },
    )


def configured_copy(kernel_getitem):
    """``kernel[grid, block]`` returns a configured copy.

    Host threads launching one kernel with different configurations thus
    cannot overwrite each other's. The kernel itself is still configured,
    as before.
    """

    @functools.wraps(kernel_getitem)
    def __getitem__(self, configuration):
        if isinstance(configuration, tuple) and len(configuration) < 4:
            # No dynamic shared memory, not the last configuration's.
            self.dynshared_size = 0
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        configured = kernel_getitem(clone, configuration)
        kernel_getitem(self, configuration)
        return configured

    return __getitem__
