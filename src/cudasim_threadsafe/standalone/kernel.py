"""The jit'ed function of the standalone simulator, and one launch's
kernel namespace.

For fronts: ``Kernel(fn, device=False, options=None)`` is what ``jit``
returns for ``fn``, once the front has validated the keywords
(``options``, kept as ``kernel.options``; ``debug`` and ``extensions``
are read here). ``set_errors(errors)`` names the compiler's
``CudaAPIError`` and ``LinkerError`` (attributes of ``errors``), which a
launch the device refuses raises. ``LaunchSpace((1, 1, 1), (1, 1, 1), 0)``
is the fake module that ``simulator.cudamodule.install`` reads the
kernel-only names from.

A launch runs as the overlay runs upstream's: a ``simulator.launch.Launch``
of the launch's ``LaunchSpace``, then each block by the runner the launch
gives (greenlets or OS threads, or the grid of a cooperative launch).
"""

import functools
import numbers
import sys

import numpy as np

from ..simulator import context, gridsync, kernelinfo, launch
from . import kernelapi
from .devicearray import kernel_argument

NOT_CONFIGURED = "launch configuration was not specified"

# ``AROUND_LAUNCH()``: a context manager that a front enters around each
# launch (set by the front; None: nothing around launches).
AROUND_LAUNCH = None

_state = context.thread_state


def set_errors(errors):
    """What a launch the device refuses raises: ``errors.CudaAPIError``
    and ``errors.LinkerError`` (``simulator.launchlimits``)."""
    LaunchSpace._errors = errors


class LaunchSpace:
    """What the threads of one launch share: ``gridDim``, ``blockDim``, the
    launch's shared memory, and the namespaces a sanitized launch wraps
    (``local``, ``const``, ``atomic``). Every public attribute is a
    kernel-only name of the front's module (``cudamodule.install``)."""

    # The launch's errors (``set_errors``); None: upstream's simulator's.
    _errors = None

    def __init__(self, grid_dim, block_dim, dynamic_bytes):
        self.gridDim = kernelapi.Dim3(*grid_dim)
        self.blockDim = kernelapi.Dim3(*block_dim)
        # ``_shared``: what the simulator core reads (``launchlimits``).
        self.shared = self._shared = kernelapi.Shared(dynamic_bytes)

    # The same objects in every launch, yet names of the launch, not of
    # the module: the sanitizer wraps them per launch (``checks``), and
    # properties keep them out of ``vars``, where ``cudamodule`` would
    # find them the host's and no kernel-only name.
    local = property(lambda self: kernelapi.NAMES["local"])
    const = property(lambda self: kernelapi.NAMES["const"])
    atomic = property(lambda self: kernelapi.NAMES["atomic"])

    def gridsize(self, ndim):
        """The launch's threads along each of ``ndim`` axes."""
        g, b = self.gridDim, self.blockDim
        if ndim == 1:
            return g.x * b.x
        if ndim == 2:
            return g.x * b.x, g.y * b.y
        if ndim == 3:
            return g.x * b.x, g.y * b.y, g.z * b.z
        raise RuntimeError(
            "cuda.gridsize takes 1, 2 or 3 dimensions, not %r" % ndim
        )


def dimensions(value, name):
    """A grid or block shape as three ints; the errors numba's launch
    configuration raises."""
    dims = list(value) if isinstance(value, (tuple, list)) else [value]
    if len(dims) > 3:
        raise ValueError(
            "%s must be a sequence of 1, 2 or 3 integers, got %r" % (name, dims)
        )
    if not all(isinstance(d, numbers.Integral) for d in dims):
        raise TypeError(
            "%s must be a sequence of integers, got %r" % (name, dims)
        )
    return tuple(int(d) for d in dims) + (1,) * (3 - len(dims))


class Kernel:
    """A function compiled by the simulated ``jit``: a device function,
    called from simulated threads, or a kernel, configured and launched
    from the host (``kernel[grid, block, stream, shared_bytes](*args)``),
    from any number of host threads at once."""

    def __init__(self, fn, device=False, options=None):
        self.py_func = fn
        self.device = bool(device)
        self.options = dict(options or {})
        self.debug = bool(self.options.get("debug"))
        self.extensions = list(self.options.get("extensions") or ())
        functools.update_wrapper(self, fn)
        # What a launch runs, by its arguments' types: the function as a
        # compilation sees it (``compiled``).
        self._compiled = {}
        if self.device:
            # Called on every simulated thread, often in a loop: a class
            # of its own, whose ``__call__`` is one check and the call.
            self.__class__ = _device_class(fn)

    @functools.cached_property
    def targetoptions(self):
        """The options as numba-cuda-mlir's dispatcher keeps them: with
        ``device``."""
        return {"device": self.device, **self.options}

    def __call__(self, *args, **kwargs):
        if _state.launch is not None:
            # A kernel called from a kernel runs as a device function.
            return self.py_func(*args, **kwargs)
        raise ValueError(NOT_CONFIGURED)

    def __getitem__(self, configuration):
        if not isinstance(configuration, tuple) or not (
            2 <= len(configuration) <= 5
        ):
            raise ValueError(
                "a launch is configured with [grid, block], [grid, block, "
                "stream] or [grid, block, stream, shared memory bytes], "
                "not %r" % (configuration,)
            )
        return self.configure(*configuration)

    def configure(
        self, griddim, blockdim, stream=None, sharedmem=None, cluster=None
    ):
        """The kernel configured for one launch: ``Configured``, of its
        own, so host threads configuring it at once never mix."""
        if griddim is None or blockdim is None:
            raise ValueError(NOT_CONFIGURED)
        grid = dimensions(griddim, "griddim")
        block = dimensions(blockdim, "blockdim")
        if cluster is not None:
            dimensions(cluster, "cluster")
        return Configured(self, grid, block, stream, sharedmem or 0)

    def forall(self, ntasks, tpb=0, stream=0, sharedmem=0):
        """The kernel launched over ``ntasks`` threads, ``tpb`` a block
        (128 when 0: what numba-cuda-mlir picks without a GPU)."""
        if ntasks < 0:
            raise ValueError(
                "Can't create ForAll with negative task count: %s" % ntasks
            )
        if ntasks == 0:
            return _no_work
        block = tpb or 128
        return self[-(-ntasks // block), block, stream, sharedmem]

    def specialize(self, *args):
        return self

    @functools.cached_property
    def overloads(self):
        """The compilations, by argument types: any asked for answers the
        simulated device's cooperative limits (``Overloads``)."""
        return Overloads()

    def compiled(self, args):
        """The function a launch with ``args`` (as the kernel sees them)
        runs: ``py_func`` with the globals it reads frozen when a launch
        first had these arguments' types, as a compilation freezes them
        (``simulator.kernelinfo``), and ``print`` writing whole lines."""
        key = tuple(_type_key(value) for value in args)
        found = self._compiled.get(key)
        if found is None:
            made = kernelinfo.frozen_function(self.py_func, {})
            found = self._compiled.setdefault(key, made)
        return found

    def frozen(self, memo):
        """A copy whose function runs with the globals it reads frozen
        now: a device function that a kernel being compiled calls."""
        clone = object.__new__(Kernel)
        clone.__dict__.update(self.__dict__)
        clone._compiled = {}
        # Before its function: a device function may call itself.
        memo[id(self)] = (self, clone)
        clone.py_func = kernelinfo.frozen_function(self.py_func, memo)
        if clone.device:
            clone.__class__ = _device_class(clone.py_func)
        return clone

    def __repr__(self):
        kind = "device function" if self.device else "kernel"
        return "<simulated %s %s>" % (kind, self.__qualname__)


class Overload:
    """A compilation of a kernel, as far as the simulator has one: how
    many blocks a cooperative launch of it may have."""

    __slots__ = ()

    def max_cooperative_grid_blocks(self, blockdim, dynsmemsize=0):
        return gridsync.max_cooperative_grid_blocks(blockdim, dynsmemsize)


class Overloads(dict):
    """``kernel.overloads``: every signature gives an ``Overload``."""

    def __missing__(self, key):
        return Overload()


def _type_key(value):
    """What a compiler's type of launch argument ``value`` depends on."""
    if isinstance(value, np.ndarray):
        return type(value), value.dtype, value.ndim, value.flags.c_contiguous
    if type(value) is tuple:
        return tuple, tuple(_type_key(v) for v in value)
    return type(value)


def _no_work(*args, **kwargs):
    """A launch of no tasks: nothing runs."""


def _device_class(fn):
    """A subclass of ``Kernel`` for device function ``fn``: a call runs
    ``fn`` from a simulated thread, and raises on the host, as a device
    function called from the host does on numba-cuda-mlir."""
    state = _state

    def call(*args, **kwargs):
        if state.launch is None:
            raise ValueError(NOT_CONFIGURED)
        return fn(*args, **kwargs)

    return type(
        Kernel.__name__,
        (Kernel,),
        {
            "__call__": staticmethod(call),
            "__module__": Kernel.__module__,
            "__qualname__": Kernel.__qualname__,
            "__doc__": Kernel.__doc__,
        },
    )


class Configured:
    """A kernel with its launch configuration: calling it launches."""

    __slots__ = ("kernel", "grid", "block", "stream", "sharedmem")

    def __init__(self, kernel, grid, block, stream, sharedmem):
        self.kernel = kernel
        self.grid = grid
        self.block = block
        self.stream = stream
        self.sharedmem = sharedmem

    def __call__(self, *args):
        try:
            run_launch(self.kernel, self.grid, self.block, self.sharedmem, args)
        except BaseException as e:
            # Not a frame of the user's: the error goes on as it left the
            # launch.
            tb = e.__traceback__
            if tb is not None and tb.tb_frame is sys._getframe():
                e.__traceback__ = tb.tb_next
            raise


def _prepared(kernel, args, after):
    """The launch's arguments as its threads see them; what to run once
    the launch ends goes to ``after``."""
    prepared = []
    for value in args:
        for extension in kernel.extensions:
            _, value = extension.prepare_args(None, value, stream=0, retr=after)
        value, then = kernel_argument(value)
        if then is not None:
            after.append(then)
        prepared.append(value)
    return prepared


def run_launch(kernel, grid, block, sharedmem, args):
    """Launch ``kernel`` over ``grid`` blocks of ``block`` threads, with
    ``sharedmem`` bytes of dynamic shared memory, on the calling host
    thread, as the overlay runs upstream's launches."""
    around = AROUND_LAUNCH
    if around is None:
        _run_launch(kernel, grid, block, sharedmem, args)
    else:
        with around():
            _run_launch(kernel, grid, block, sharedmem, args)


def _run_launch(kernel, grid, block, sharedmem, args):
    space = LaunchSpace(grid, block, sharedmem)
    after = []
    with launch.Launch(space) as run:
        # Inside the launch: its copies of host arrays are the launch's.
        prepared = _prepared(kernel, args, after)
        fn = kernel.compiled(prepared)
        debug = kernel.debug
        for grid_point in np.ndindex(*grid):
            run.block(fn, block, debug).run(grid_point, *prepared)
    for then in after:
        then()


# A kernel being compiled freezes the standalone device functions it
# calls, as it freezes numba-cuda's.
if Kernel not in kernelinfo.OTHER_DEVICE_FUNCTIONS:
    kernelinfo.OTHER_DEVICE_FUNCTIONS += (Kernel,)
