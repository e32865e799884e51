"""Grid-wide barriers: ``cuda.cg.this_grid().sync()`` across the blocks
of a cooperative launch.

``FakeCUDAKernel`` runs a launch's blocks one after another, so a grid
barrier could only hold within a block. numba-cuda compiles a kernel that
uses grid groups as cooperative (its lowering marks the code library),
and launches it with every block resident at once, or not at all. Here a
launch is cooperative when the kernel's code, or that of a function it
reaches, names ``this_grid`` (``cooperative``): only such a launch pays
for keeping its blocks alive together (``Grid``). A false positive costs
speed only.

``Grid`` runs each block until every unfinished thread of it waits at
the grid barrier (the block is parked), block after block; when every
block is parked, all go on to the next grid barrier, block after block.
Between two grid barriers the blocks run one at a time, as other launches
run whole blocks, whichever launcher runs their threads.
"""

import math
import types
import weakref

from . import devicetable

# The name whose use makes a kernel cooperative (``numba.cuda.cg``).
GRID_NAME = "this_grid"

# Under the OS-thread launcher every thread of a cooperative launch holds
# an OS thread until the launch ends: a launch of 4096 threads took about
# a second (greenlets: a tenth), and the cost grows faster than the count.
# More than this many is refused, naming the greenlet launcher (which ran
# a cooperative launch of 49152 threads in about 3 s, in 0.5 GB).
MAX_OS_THREADS = 4096

_cooperative = weakref.WeakKeyDictionary()


def cooperative(fn):
    """Whether kernel function ``fn`` may use a grid group: its code, a
    code nested in it, or a device function it names (a global, a closure
    cell, an attribute of a module it names) names ``this_grid``.
    Remembered per function."""
    fn = getattr(fn, "py_func", fn)
    if not isinstance(fn, types.FunctionType):
        return False
    try:
        return _cooperative[fn]
    except (KeyError, TypeError):
        pass
    found = _reaches_grid(fn, set())
    try:
        _cooperative[fn] = found
    except TypeError:
        pass
    return found


def _device_function(value):
    """The Python function of device function ``value`` (the simulator's
    kernel object, a dispatcher), else None: a kernel calls no other
    Python code on a GPU."""
    if value is None or isinstance(value, (int, float, str, bytes)):
        return None
    try:
        fn = getattr(value, "py_func", None)
    except Exception:
        return None
    return fn if isinstance(fn, types.FunctionType) else None


def _names(code):
    """Every name that ``code`` and the code nested in it use."""
    names = set(code.co_names) | set(code.co_freevars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _reaches_grid(fn, seen):
    if fn is None or fn in seen:
        return False
    seen.add(fn)
    code = fn.__code__
    names = _names(code)
    if GRID_NAME in names:
        return True
    found = []
    scope = fn.__globals__
    for name in names:
        value = scope.get(name)
        if isinstance(value, types.ModuleType):
            found.extend(vars(value).get(n) for n in names)
        else:
            found.append(value)
    for cell in fn.__closure__ or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:
            pass
    return any(_reaches_grid(_device_function(v), seen) for v in found)


def max_active_blocks(threads, dynamic_shared=0):
    """Blocks of ``threads`` threads, each with ``dynamic_shared`` bytes of
    dynamic shared memory, that one multiprocessor holds at once, by the
    device table (registers and static shared memory not counted: the
    simulator knows neither before the kernel runs)."""
    table = devicetable.ATTRIBUTES
    if threads < 1 or threads > table["MAX_THREADS_PER_BLOCK"]:
        return 0
    if dynamic_shared > table["MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"]:
        return 0
    warp = table["WARP_SIZE"]
    rounded = -(-threads // warp) * warp
    fits = min(
        table["MAX_BLOCKS_PER_MULTIPROCESSOR"],
        table["MAX_THREADS_PER_MULTIPROCESSOR"] // rounded,
    )
    if dynamic_shared > 0:
        per_sm = table["MAX_SHARED_MEMORY_PER_MULTIPROCESSOR"]
        fits = min(fits, per_sm // dynamic_shared)
    return fits


def max_cooperative_grid_blocks(blockdim, dynsmemsize=0):
    """The most blocks of shape ``blockdim`` a cooperative launch may have
    (numba-cuda's ``_Kernel.max_cooperative_grid_blocks``)."""
    if isinstance(blockdim, tuple):
        blockdim = math.prod(blockdim)
    count = devicetable.ATTRIBUTES["MULTIPROCESSOR_COUNT"]
    return max_active_blocks(blockdim, dynsmemsize) * count


def _max_cooperative_grid_blocks(overload, blockdim, dynsmemsize=0):
    return max_cooperative_grid_blocks(blockdim, dynsmemsize)


_max_cooperative_grid_blocks.__doc__ = max_cooperative_grid_blocks.__doc__
_max_cooperative_grid_blocks.__name__ = "max_cooperative_grid_blocks"


def check_size(grid_dim, block_dim, dynamic_shared):
    """Refuse a cooperative launch whose blocks cannot all be resident at
    once, as numba-cuda's launch (cuda.core) does."""
    limit = max_cooperative_grid_blocks(tuple(block_dim), dynamic_shared)
    if math.prod(grid_dim) > limit:
        x, y, z = grid_dim
        raise ValueError(
            "The specified grid size (%d * %d * %d) exceeds the limit (%d)"
            % (x, y, z, limit)
        )


class Grid:
    """Runs the blocks of a cooperative launch, all resident at once.

    Given to the simulator as the runner of every block of the launch
    (``BlockManager(...).run(grid_point, *args)``): it keeps the grid
    points, and runs them all together when given the last one.
    """

    def __init__(self, launch, f, debug, blocks):
        self._launch = launch
        self._fn = f
        self._debug = debug
        self._count = blocks
        self._points = []

    def run(self, grid_point, *args):
        self._points.append(grid_point)
        if len(self._points) == self._count:
            points, self._points = self._points, []
            self._run(points, args)

    def _run(self, points, args):
        launch = self._launch
        view = launch.view
        # package-only: a sanitizer wraps the launch's view when its first
        # block starts: the blocks keep it (and share shared memory).
        if launch.sanitizer is not None:
            view = None
        # end package-only
        blocks = []
        parked = []
        error = None
        try:
            for point in points:
                block = launch.block_class(launch, self._fn, self._debug)
                block.cooperative = True
                blocks.append(block)
                if view is not None:
                    block.view = _own_shared(view)
                block.start(point, args)
                if block.advance():
                    parked.append(block)
                if block.failed():
                    break
            while parked and not any(b.failed() for b in blocks):
                if len(parked) < len(points):
                    error = _unreached(blocks, parked)
                    break
                for block in parked:
                    block.release_grid()
                parked = []
                for block in blocks:
                    if block.go_on():
                        parked.append(block)
                    if block.failed():
                        break
        finally:
            for block in blocks:
                block.close()
        for block in blocks:
            block.raise_error()
        if error is not None:
            raise error


def _own_shared(view):
    """A copy of the launch's ``view`` with shared memory of its own: the
    blocks of a cooperative launch are resident together, and a launch
    keeps one shared memory (``FakeCUDAShared``) for its blocks, which it
    runs one after another otherwise."""
    shared = getattr(view, "shared", None)
    size = getattr(shared, "_dynshared_size", None)
    if not isinstance(getattr(shared, "_allocations", None), dict):
        return view
    if not isinstance(size, int):
        return view
    own = types.SimpleNamespace(**vars(view))
    own.shared = type(shared)(size)
    return own


def simulator_changes():
    """``(owner, name, new)``: the simulator's overloads tell how many
    blocks a cooperative launch may have, by the device table (``FakeOverload``
    says 1)."""
    from numba.cuda.simulator import kernel

    overload = getattr(kernel, "FakeOverload", None)
    if overload is None:
        return []
    new = _max_cooperative_grid_blocks
    return [(overload, "max_cooperative_grid_blocks", new)]


def _unreached(blocks, parked):
    """The error for a grid barrier that blocks which ended never reach."""
    from .simthread import thread_list

    waiting = parked[0]
    ended = [list(b.blockIdx) for b in blocks if b not in parked]
    shown = ", ".join(str(e) for e in ended[:8])
    if len(ended) > 8:
        shown += ", ... (%d in all)" % len(ended)
    others = ""
    if len(parked) > 1:
        others = " (and those of %d other blocks)" % (len(parked) - 1)
    return waiting.failure(
        "deadlock in kernel %r: threads %s of block %s%s wait at grid "
        "sync, which blocks %s ended without reaching"
        % (
            waiting.kernel_name(),
            thread_list(waiting.grid_waiting),
            list(waiting.blockIdx),
            others,
            "[%s]" % shown,
        ),
        in_thread=False,
    )
