"""Array arguments inside simulated kernels: the fix makes indexing and
attribute reads cheaper, and they must give what they gave before."""

import numpy as np
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from .modes import no_sanitizer

RECORD = np.dtype([("x", np.int64), ("y", np.float64), ("v", np.float64, (3,))])


@skip_unless_cudasim("Tests the CUDA simulator")
class TestKernelArrays(CUDATestCase):
    def test_shape_size_ndim_len(self):
        @cuda.jit
        def kernel(grid, out):
            out[0] = grid.shape[0]
            out[1] = grid.shape[1]
            out[2] = grid.size
            out[3] = grid.ndim
            out[4] = len(grid)
            out[5] = grid[1].shape[0]
            out[6] = len(grid[1])
            out[7] = grid[1].ndim

        grid = np.zeros((3, 5))
        out = np.zeros(8, dtype=np.int64)
        kernel[1, 1](grid, out)
        np.testing.assert_equal(out, [3, 5, 15, 2, 3, 5, 5, 1])

    def test_indexing_and_sub_arrays(self):
        @cuda.jit
        def kernel(grid, out):
            i, j = cuda.grid(2)
            grid[i, j] = i * 10 + j
            row = grid[i]
            out[i, j] = row[j] + grid[i][j]
            row[j] += 1

        grid = np.zeros((3, 4))
        out = np.zeros((3, 4))
        kernel[1, (3, 4)](grid, out)
        expected = np.add.outer(np.arange(3) * 10, np.arange(4))
        np.testing.assert_equal(out, 2 * expected)
        np.testing.assert_equal(grid, expected + 1)

    def test_record_fields(self):
        @cuda.jit
        def kernel(recs, out):
            i = cuda.grid(1)
            r = recs[i]
            out[i] = r.x + recs.y[i] + r["y"] + r.v[1] + recs[i].v[2]
            r.y = 2 * r.x
            r.v[0] = r.v.shape[0]
            recs[i]["x"] = -r.x

        recs = np.zeros(4, dtype=RECORD)
        recs["x"] = np.arange(4)
        recs["y"] = 0.5
        recs["v"] = [[0.0, 1.0, 2.0]]
        out = np.zeros(4)
        kernel[1, 4](recs, out)
        np.testing.assert_equal(out, np.arange(4) + 1.0 + 1.0 + 2.0)
        np.testing.assert_equal(recs["y"], 2 * np.arange(4))
        np.testing.assert_equal(recs["x"], -np.arange(4))
        np.testing.assert_equal(recs["v"][:, 0], 3)

    def test_record_argument(self):
        @cuda.jit
        def kernel(rec, out):
            out[0] = rec.x + rec.y

        rec = np.zeros(1, dtype=RECORD)[0]
        rec["x"], rec["y"] = 3, 0.25
        out = np.zeros(1)
        kernel[1, 1](rec, out)
        self.assertEqual(out[0], 3.25)

    def test_ufuncs(self):
        @cuda.jit
        def kernel(x, out):
            i = cuda.grid(1)
            out[i] = np.sin(x[i]) + np.add(x, x)[i]

        x = np.linspace(0, 1, 8)
        out = np.zeros(8)
        kernel[1, 8](x, out)
        np.testing.assert_allclose(out, np.sin(x) + 2 * x)

    def test_types_returned(self):
        # Upstream's types; the sanitizer's arrays are its own.
        off = no_sanitizer()
        off.__enter__()
        self.addCleanup(off.__exit__, None, None, None)
        seen = {}

        @cuda.jit
        def kernel(grid, recs):
            seen["element"] = type(grid[0, 0])
            seen["row"] = type(grid[0]).__name__
            seen["record"] = type(recs[0]).__name__
            seen["field"] = type(recs.x).__name__
            seen["sub-array field"] = type(recs[0].v).__name__
            seen["shape"] = type(grid.shape)
            seen["dtype"] = grid.dtype

        kernel[1, 1](np.zeros((2, 2)), np.zeros(2, dtype=RECORD))
        wrapped = "FakeWithinKernelCUDAArray"
        self.assertIs(seen["element"], np.float64)
        for key in ("row", "record", "field", "sub-array field"):
            self.assertEqual(seen[key], wrapped, key)
        self.assertTrue(issubclass(seen["shape"], tuple))
        self.assertEqual(seen["dtype"], np.float64)

    def test_missing_field_is_an_error(self):
        @cuda.jit
        def kernel(recs):
            recs[0].nope = 1

        with self.assertRaisesRegex(Exception, "nope"):
            kernel[1, 1](np.zeros(1, dtype=RECORD))
