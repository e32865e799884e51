"""The thread-safety cases the package exists for, on numba-cuda-mlir:
device functions of other modules and of factories, ``cuda`` reached by
its full path, kernels launched from many host threads at once, and host
code reading ``cuda`` while a kernel runs."""

import threading

import numba_cuda_mlir
import numpy as np
import pytest
from numba_cuda_mlir import cuda

from ..modes import launcher, os_threads
from .devicefuncs import (
    AllocatorFactory,
    alloc_after_other_left,
    hold,
    make_thread_index,
    thread_index_by_alias,
    thread_index_by_path,
)

try:
    import greenlet  # noqa: F401

    LAUNCHERS = ("greenlet", "threads")
except ImportError:
    LAUNCHERS = ("threads",)


@pytest.fixture(params=LAUNCHERS)
def mode(request):
    with launcher(request.param):
        yield request.param


def index_kernel(index):
    """A kernel writing ``index()`` (a device function) at each thread's
    global index, after a barrier, as a kernel factory makes it."""

    @cuda.jit
    def kernel(out):
        i = cuda.grid(1)
        v = index()
        cuda.syncthreads()
        if i < out.size:
            out[i] = v

    return kernel


def test_device_function_from_a_factory(mode):
    kernels = [index_kernel(make_thread_index(s)) for s in (1, 3)]
    for scale, kernel in zip((1, 3), kernels):
        out = np.full(64, -1, np.int64)
        kernel[4, 16](out)
        np.testing.assert_equal(out, np.arange(64) * scale)


def test_device_functions_of_another_module(mode):
    expected = np.arange(16) % 8 + np.arange(16) // 8 * 100
    for index in (thread_index_by_alias, thread_index_by_path):
        out = np.full(16, -1, np.int64)
        index_kernel(index)[2, 8](out)
        np.testing.assert_equal(out, expected)


def test_full_path_in_the_kernel(mode):
    @cuda.jit
    def kernel(out):
        buf = numba_cuda_mlir.cuda.shared.array(8, numba_cuda_mlir.cuda.int32)
        t = numba_cuda_mlir.cuda.threadIdx.x
        buf[t] = t * 10
        numba_cuda_mlir.cuda.syncthreads()
        out[numba_cuda_mlir.cuda.blockIdx.x, t] = buf[7 - t]

    out = np.zeros((3, 8), np.int32)
    kernel[3, 8](out)
    np.testing.assert_equal(out, np.tile(np.arange(7, -1, -1) * 10, (3, 1)))


def test_early_return_before_a_device_function(mode):
    allocate = AllocatorFactory(4, np.float64).build()
    n = 37

    @cuda.jit
    def kernel(out):
        i = cuda.grid(1)
        if i >= n:
            return
        buf = allocate()
        for j in range(4):
            buf[j] = i + j
        out[i] = buf[0] + buf[3]

    out = np.full(64, -1.0)
    kernel[2, 32](out)
    expected = np.where(np.arange(64) < n, 2 * np.arange(64) + 3, -1.0)
    np.testing.assert_equal(out, expected)


def run_on_host_threads(work, n):
    """Run ``work(k)`` for k in range(n) on n host threads started
    together; re-raise the first error."""
    start = threading.Barrier(n)
    errors = []

    def run(k):
        try:
            start.wait(10)
            work(k)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a launch hung"
    if errors:
        raise errors[0]


def test_eight_host_threads_launch_at_once(mode):
    """Each host thread launches its own grid shape several times, with
    shared memory, a barrier and a device function of another module."""

    @cuda.jit
    def kernel(out, k):
        buf = cuda.shared.array(64, cuda.int64)
        t = cuda.threadIdx.x
        buf[t] = thread_index_by_path() + k * 10000
        cuda.syncthreads()
        i = cuda.grid(1)
        out[i] = buf[cuda.blockDim.x - 1 - t]

    results = {}

    def work(k):
        blocks, threads = k % 3 + 1, 8 * (k % 4 + 1)
        for _ in range(3):
            out = np.full(blocks * threads, -1, np.int64)
            kernel[blocks, threads](out, k)
            results[k] = (blocks, threads, out)

    run_on_host_threads(work, 8)
    for k, (blocks, threads, out) in sorted(results.items()):
        t = threads - 1 - np.tile(np.arange(threads), blocks)
        b = np.repeat(np.arange(blocks), threads)
        np.testing.assert_equal(out, t + b * 100 + k * 10000, err_msg=str(k))
    assert len(results) == 8


def test_host_threads_share_device_arrays_and_streams(mode):
    @cuda.jit
    def scale(a, factor):
        i = cuda.grid(1)
        if i < a.size:
            a[i] = a[i] * factor

    outs = {}

    def work(k):
        stream = cuda.stream()
        d = cuda.to_device(np.arange(40, dtype=np.float64), stream=stream)
        scale[5, 8, stream](d, k + 1)
        outs[k] = d.copy_to_host(stream=stream)
        stream.synchronize()

    run_on_host_threads(work, 8)
    for k in range(8):
        np.testing.assert_equal(outs[k], np.arange(40) * (k + 1))


HOST_NAMES = ("jit", "to_device", "device_array", "synchronize", "stream")


def test_host_reads_cuda_while_a_kernel_runs(mode):
    """While a kernel waits inside a launch on another host thread, the
    host sees the module's own host names, launches another kernel, and
    the waiting kernel then finishes with the right answers."""
    entered, release = threading.Event(), threading.Event()

    @cuda.jit
    def hold(out, entered, release):
        i = cuda.grid(1)
        if i == 0:
            entered.set()
            release.wait(10)
        cuda.syncthreads()
        out[i] = cuda.threadIdx.x + 100 * cuda.blockIdx.x

    @cuda.jit
    def other(out):
        out[cuda.threadIdx.x] = cuda.laneid + 1

    before = {name: getattr(cuda, name) for name in HOST_NAMES}
    held = np.full(8, -1, np.int64)
    errors = []

    def launch():
        try:
            hold[1, 8](held, entered, release)
        except BaseException as e:
            errors.append(e)

    worker = threading.Thread(target=launch)
    worker.start()
    try:
        assert entered.wait(10), "the kernel did not start"
        during = {name: getattr(cuda, name) for name in HOST_NAMES}
        out = np.zeros(4, np.int64)
        other[1, 4](out)
        d = cuda.to_device(np.arange(3))
        host = d.copy_to_host()
    finally:
        release.set()
        worker.join(30)
    assert not errors, errors
    assert during == before
    np.testing.assert_equal(out, [1, 2, 3, 4])
    np.testing.assert_equal(host, [0, 1, 2])
    np.testing.assert_equal(held, np.arange(8))


def test_kernel_side_names_outside_a_kernel_are_not_a_launch():
    """After launches from several host threads, ``cuda.threadIdx`` on
    the host is not some launch's thread index left behind."""

    @cuda.jit
    def kernel(out):
        out[cuda.threadIdx.x] = cuda.threadIdx.x

    out = np.zeros(4, np.int64)
    run_on_host_threads(lambda k: kernel[1, 4](out), 4)
    np.testing.assert_equal(out, np.arange(4))
    try:
        x = cuda.threadIdx.x
    except AttributeError:
        return
    assert not isinstance(x, int), x


@cuda.jit
def ordered(out, entered, release, left):
    i = cuda.threadIdx.x
    if i == 1:
        # Enter devicefuncs first, and leave while thread 0 is inside.
        out[1] = hold(entered, release)
        left.set()
    else:
        entered.wait(10)
        out[0] = alloc_after_other_left(release, left)


def test_thread_leaving_a_module_does_not_break_another():
    """One simulated thread leaves a device function's module while
    another is inside one and then allocates local memory (the race of
    ``tests/test_race.py``), on OS threads as waiting on events needs."""
    out = np.zeros(2, dtype=np.int32)
    events = [threading.Event() for _ in range(3)]
    with os_threads():
        ordered[1, 2](out, *events)
    np.testing.assert_equal(out, [2, 1])


@cuda.jit
def rows_by_grid_sync(m, k):
    col = cuda.grid(1)
    g = cuda.cg.this_grid()
    for row in range(1, m.shape[0]):
        m[row, col] = m[row - 1, m.shape[1] - col - 1] + k
        g.sync()


def test_grid_syncs_of_launches_from_eight_host_threads(mode):
    """Each launch's grid barrier holds its own blocks only."""
    results = {}

    def work(k):
        blocks = k % 4 + 1
        m = np.zeros((5, 16 * blocks), np.int32)
        rows_by_grid_sync[blocks, 16](m, k + 1)
        results[k] = m

    run_on_host_threads(work, 8)
    for k, m in sorted(results.items()):
        expected = np.tile(np.arange(5) * (k + 1), (m.shape[1], 1)).T
        np.testing.assert_equal(m, expected, err_msg=str(k))


def test_first_launches_at_once_with_different_argument_types(mode):
    """One kernel and its device function, new, first launched from 8
    host threads at once with arrays of four dtypes: each launch runs
    the function as compiled for its own argument types."""
    offset = make_thread_index(1)

    @cuda.jit(device=True)
    def shifted(x):
        return x + offset()

    @cuda.jit
    def kernel(a):
        i = cuda.grid(1)
        a[i] = shifted(a[i]) / 2

    dtypes = (np.int32, np.int64, np.float32, np.float64)
    outs = {}

    def work(k):
        a = np.full(32, 8, dtypes[k % 4])
        kernel[2, 16](a)
        outs[k] = a

    run_on_host_threads(work, 8)
    for k, a in outs.items():
        assert a.dtype == dtypes[k % 4]
        # Integer arrays keep the quotient's floor, as a store truncates.
        np.testing.assert_equal(a, ((8 + np.arange(32)) / 2).astype(a.dtype))


def test_decorating_while_a_kernel_runs(mode):
    entered, release = threading.Event(), threading.Event()

    @cuda.jit
    def wait(entered, release):
        entered.set()
        release.wait(10)

    worker = threading.Thread(target=lambda: wait[1, 1](entered, release))
    worker.start()
    try:
        assert entered.wait(10)

        @cuda.jit
        def late(a):
            a[cuda.threadIdx.x] = cuda.blockDim.x

        a = np.zeros(3, np.int32)
        late[1, 3](a)
    finally:
        release.set()
        worker.join(30)
    np.testing.assert_equal(a, 3)
