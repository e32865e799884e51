"""How a simulated kernel object behaves when called or configured.

These wrap the simulator's ``FakeCUDAKernel.__call__`` and ``__getitem__``:
the overlay applies them at import time, and the upstream form applies them
as decorators.
"""

import contextlib
import functools

from .context import thread_state


def device_call(upstream_call):
    """Any call from a simulated thread runs the function directly.

    Nothing is swapped: the callee reads ``numba.cuda`` through the
    calling thread's launch context, like the kernel itself.
    """

    @functools.wraps(upstream_call)
    def __call__(self, *args):
        if thread_state.launch is not None:
            return self.fn(*args)
        return upstream_call(self, *args)

    return __call__


def configured_copy(upstream_getitem):
    """``kernel[grid, block]`` returns a configured copy.

    Host threads launching one kernel with different configurations thus
    cannot overwrite each other's. The kernel itself is still configured,
    as before.
    """

    @functools.wraps(upstream_getitem)
    def __getitem__(self, configuration):
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        configured = upstream_getitem(clone, configuration)
        upstream_getitem(self, configuration)
        return configured

    return __getitem__


def swapped_cuda_module(fn, fake_cuda_module):
    """Stands in for the simulator's swap: globals are never rewritten."""
    return contextlib.nullcontext()
