"""``cuda.cg.this_grid().sync()`` waits for every thread of the launch,
across blocks, under both launchers and the sanitizer; a cooperative
launch larger than the device holds at once is refused as numba-cuda
refuses it; a grid sync that cannot complete is an error, not a hang."""

import unittest

import numpy as np
from numba import cuda, float32
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts

from .modes import launcher, no_sanitizer
from .test_launchers import LAUNCHERS, run_with_timeout


@cuda.jit
def rotate(out, tmp):
    # Each thread reads what a thread of another block wrote before the
    # grid sync.
    g = cuda.cg.this_grid()
    i = cuda.grid(1)
    tmp[i] = i + 1
    g.sync()
    out[i] = tmp[(i + 4) % tmp.size]


@cuda.jit(device=True)
def grid_barrier():
    cuda.cg.this_grid().sync()


@cuda.jit
def block_sums(x, partial, out):
    # Sums per block in shared memory, then the grid total by thread 0
    # after a grid sync (in a device function); each block's shared
    # memory is its own and outlives the grid syncs.
    s = cuda.shared.array(4, float32)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    s[t] = x[i]
    cuda.syncthreads()
    if t == 0:
        partial[cuda.blockIdx.x] = s[0] + s[1] + s[2] + s[3]
    grid_barrier()
    if i == 0:
        total = 0.0
        for k in range(partial.size):
            total += partial[k]
        out[0] = total
    grid_barrier()
    out[1 + i] = s[t] + out[0]


@cuda.jit
def phases(out, n):
    # n rounds of grid syncs, each reading the neighbour block's value of
    # the round before.
    g = cuda.cg.this_grid()
    i = cuda.grid(1)
    size = out.shape[1]
    for r in range(n):
        out[r + 1, i] = out[r, (i + cuda.blockDim.x) % size] + 1
        g.sync()


@cuda.jit
def block_leaves(out):
    g = cuda.cg.this_grid()
    if cuda.blockIdx.x == 1:
        return
    g.sync()
    out[cuda.grid(1)] = 1


@cuda.jit
def counts_differ(out):
    g = cuda.cg.this_grid()
    g.sync()
    if cuda.blockIdx.x == 0:
        g.sync()
    out[cuda.grid(1)] = 1


@cuda.jit
def raises_after_sync(out):
    g = cuda.cg.this_grid()
    g.sync()
    if cuda.grid(1) == 5:
        raise ValueError("after the grid sync")
    g.sync()
    out[cuda.grid(1)] = 1


@cuda.jit
def racy(out, tmp):
    g = cuda.cg.this_grid()
    i = cuda.grid(1)
    tmp[i] = i
    out[i] = tmp[(i + 4) % tmp.size]
    g.sync()


@cuda.jit
def plain(out):
    out[cuda.grid(1)] = cuda.blockIdx.x


def reference_rotate(n):
    return (np.arange(n) + 4) % n + 1


@skip_unless_cudasim("Tests the CUDA simulator")
class TestGridSync(CUDATestCase):
    def each_launcher(self):
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                yield name

    def test_reads_other_blocks_writes(self):
        for _ in self.each_launcher():
            out = np.zeros(8, np.int64)
            tmp = np.zeros(8, np.int64)
            rotate[2, 4](out, tmp)
            np.testing.assert_array_equal(out, [5, 6, 7, 8, 1, 2, 3, 4])

    def test_shared_memory_per_block_and_device_function(self):
        x = np.arange(12, dtype=np.float32)
        for _ in self.each_launcher():
            partial = np.zeros(3, np.float32)
            out = np.zeros(13, np.float32)
            block_sums[3, 4](x, partial, out)
            self.assertEqual(out[0], x.sum())
            np.testing.assert_array_equal(out[1:], x + x.sum())

    def test_many_rounds_2d_grid(self):
        for _ in self.each_launcher():
            out = np.zeros((6, 12), np.int64)
            out[0] = np.arange(12)
            phases[3, 4](out, 5)
            expect = np.arange(12)
            for r in range(1, 6):
                expect = np.roll(expect, -4) + 1
                np.testing.assert_array_equal(out[r], expect)

    def test_launch_too_large_is_refused(self):
        # Blocks of 1024 threads: 2 a multiprocessor, so 2 x the SMs.
        table = _devicetable().ATTRIBUTES
        per_sm = table["MAX_THREADS_PER_MULTIPROCESSOR"] // 1024
        blocks = per_sm * table["MULTIPROCESSOR_COUNT"]
        out = np.zeros((blocks + 1) * 1024, np.int64)
        tmp = np.zeros_like(out)
        with self.assertRaises(ValueError) as caught:
            rotate[blocks + 1, 1024](out, tmp)
        self.assertEqual(
            str(caught.exception),
            "The specified grid size (%d * 1 * 1) exceeds the limit (%d)"
            % (blocks + 1, blocks),
        )
        self.assertFalse(out.any())
        # A kernel without a grid group is not cooperative: as many
        # blocks as it likes.
        out = np.zeros(2 * blocks + 1, np.int64)
        plain[2 * blocks + 1, 1](out)
        np.testing.assert_array_equal(out, np.arange(2 * blocks + 1))

    def test_os_threads_launcher_refuses_a_huge_grid(self):
        # Each thread of a cooperative launch would hold an OS thread.
        out = np.zeros(8 * 1024, np.int64)
        with launcher("threads"):
            with self.assertRaisesRegex(
                RuntimeError, "NUMBA_CUDASIM_LAUNCHER=greenlet"
            ):
                rotate[8, 1024](out, np.zeros_like(out))
        self.assertFalse(out.any())

    def test_max_cooperative_grid_blocks(self):
        table = _devicetable().ATTRIBUTES
        sms = table["MULTIPROCESSOR_COUNT"]
        per_sm = table["MAX_THREADS_PER_MULTIPROCESSOR"] // 256
        overload = rotate.overloads[None]
        self.assertEqual(
            overload.max_cooperative_grid_blocks(256), per_sm * sms
        )
        self.assertEqual(
            overload.max_cooperative_grid_blocks((16, 4, 4)), per_sm * sms
        )
        # A block of 97 threads takes 4 whole warps (128 threads' room).
        self.assertEqual(
            overload.max_cooperative_grid_blocks(97),
            table["MAX_THREADS_PER_MULTIPROCESSOR"] // 128 * sms,
        )
        # An eager kernel's overload, with dynamic shared memory: a block
        # of 32 threads taking half an SM's shared memory fits twice.
        eager = cuda.jit("void(int64[:], int64[:])")(rotate.py_func)
        (overload,) = eager.overloads.values()
        half = table["MAX_SHARED_MEMORY_PER_MULTIPROCESSOR"] // 2
        self.assertEqual(
            overload.max_cooperative_grid_blocks(32, half), 2 * sms
        )

    def test_block_that_ends_first_is_an_error(self):
        for _ in self.each_launcher():
            with no_sanitizer():
                with self.assertRaises(RuntimeError) as caught:
                    run_with_timeout(block_leaves[2, 4], (np.zeros(8),))
            msg = str(caught.exception)
            self.assertIn("deadlock in kernel 'block_leaves'", msg)
            self.assertIn("wait at grid sync", msg)
            self.assertIn("[1, 0, 0]", msg)

    def test_different_counts_are_an_error(self):
        for _ in self.each_launcher():
            with no_sanitizer():
                with self.assertRaises(RuntimeError) as caught:
                    run_with_timeout(counts_differ[2, 4], (np.zeros(8),))
            msg = str(caught.exception)
            self.assertIn("deadlock in kernel 'counts_differ'", msg)
            self.assertIn("threads [[0, 0, 0], [1, 0, 0]", msg)

    def test_error_after_sync_ends_every_block(self):
        for _ in self.each_launcher():
            with no_sanitizer():
                with self.assertRaisesRegex(
                    ValueError, r"tid=\[1, 0, 0\] ctaid=\[1, 0, 0\]"
                ):
                    run_with_timeout(raises_after_sync[2, 4], (np.zeros(8),))
            # The next launch runs as usual.
            out = np.zeros(8, np.int64)
            rotate[2, 4](out, np.zeros(8, np.int64))
            np.testing.assert_array_equal(out, reference_rotate(8))


@skip_unless_cudasim("Tests the CUDA simulator")
class TestGridSyncSanitizer(CUDATestCase):
    def test_grid_sync_orders_blocks(self):
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                with cts.sanitizer("all"):
                    out = np.zeros(8, np.int64)
                    rotate[2, 4](out, np.zeros(8, np.int64))
                np.testing.assert_array_equal(out, reference_rotate(8))
                x = np.arange(12, dtype=np.float32)
                out = np.zeros(13, np.float32)
                with cts.sanitizer("all"):
                    block_sums[3, 4](x, np.zeros(3, np.float32), out)
                np.testing.assert_array_equal(out[1:], x + x.sum())
        # Blocks are not ordered but by the grid sync.
        with cts.sanitizer("racecheck"):
            with self.assertRaises(cts.SanitizerError) as caught:
                racy[2, 4](np.zeros(8), np.zeros(8))
        self.assertIn("[racecheck]", str(caught.exception))

    def test_divergent_grid_sync_is_a_finding(self):
        with cts.sanitizer("synccheck"):
            with self.assertRaises(cts.SanitizerError) as caught:
                counts_differ[2, 4](np.zeros(8))
        self.assertIn(
            "deadlock in kernel 'counts_differ'", str(caught.exception)
        )


def _devicetable():
    from cudasim_threadsafe.simulator import devicetable

    return devicetable


if __name__ == "__main__":
    unittest.main()
