"""Every ``numba.cuda.libdevice`` function computes in a simulated kernel.

Each function is called in a kernel of a few threads, one argument set a
thread, with arrays of the types its numba signature gives. Results are
stored in float64 or int64 arrays, so that a float32 result must already be
a float32 value and an int32 result already wrapped around. References:
exact values for exact functions; exact rational arithmetic (``fractions``)
for the rounding variants ``_rn``, ``_rz``, ``_ru``, ``_rd``, on arguments
where the modes differ; ``math`` or an integral for the others, within an
error bound stated per family (CUDA's bounds, or tighter).
"""

import math
import re
import unittest

import numpy as np
from numba.cuda import libdevice
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from . import libdevicekernels
from .libdevicecases import CASES
from .libdevicerefs import F32, F64, INF, MODES

# -- signatures, read from the docstrings -----------------------------------


def signature(name):
    """([parameter dtypes], [result dtypes]) of libdevice's ``name``."""
    doc = getattr(libdevice, name).__doc__
    params = re.findall(r":type \w+: (\w+)", doc)
    rtype = re.search(r":rtype: (.+)", doc).group(1)
    pair = re.match(r"UniTuple\((\w+) x 2\)|Tuple\((\w+), (\w+)\)", rtype)
    if pair is None:
        results = [rtype.strip()]
    elif pair.group(1):
        results = [pair.group(1)] * 2
    else:
        results = [pair.group(2), pair.group(3)]
    return [np.dtype(p) for p in params], [np.dtype(r) for r in results]


def stub_names():
    return sorted(
        name
        for name, value in vars(libdevice).items()
        if callable(value) and not name.startswith("_") and value.__doc__
    )


def launch(name, rows):
    """Call ``name`` on each row of arguments, one thread each; return the
    results as Python values, one tuple per row."""
    params, results = signature(name)
    n = len(rows)
    args = [
        np.array([row[k] for row in rows], dtype=p)
        for k, p in enumerate(params)
    ]
    while len(args) < 3:
        args.append(np.zeros(n, dtype=np.int32))
    outs = [
        np.zeros(n, dtype=np.float64 if r.kind == "f" else np.int64)
        for r in results
    ]
    while len(outs) < 2:
        outs.append(np.zeros(n, dtype=np.int64))
    kernel = libdevicekernels.caller(
        getattr(libdevice, name), len(params), len(results)
    )
    kernel[1, n](*args, *outs)
    return [
        tuple(outs[k][i].item() for k in range(len(results))) for i in range(n)
    ]


# -- checking ---------------------------------------------------------------


def ulp(x, dtype):
    x = abs(float(x))
    return float(np.spacing(dtype(x))) if math.isfinite(x) else 0.0


def agrees(got, expected, bound, dtype):
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(got)
    if bound == "exact" or not math.isfinite(expected):
        same = got == expected
        if same and isinstance(expected, float) and expected == 0:
            return math.copysign(1, got) == math.copysign(1, expected)
        return same
    kind, size = bound
    error = abs(got - expected)
    if kind == "ulp":
        return error <= size * ulp(expected, dtype)
    if kind == "abs":
        return error <= size
    return error <= size * abs(expected)


@skip_unless_cudasim("Tests the CUDA simulator")
class TestLibdevice(CUDATestCase):
    def test_every_function_has_a_case(self):
        self.assertEqual(len(stub_names()), len(CASES))
        self.assertEqual(stub_names(), sorted(CASES))

    def test_functions_compute_in_a_kernel(self):
        for name in sorted(CASES):
            rows, ref, bound = CASES[name]
            with self.subTest(name):
                params, results = signature(name)
                got = launch(name, rows)
                for i, (row, values) in enumerate(zip(rows, got)):
                    row = tuple(
                        np.array(v, dtype=p).item() for v, p in zip(row, params)
                    )
                    expected = ref[i] if isinstance(ref, list) else ref(*row)
                    if expected is None:
                        continue
                    if not isinstance(expected, tuple):
                        expected = (expected,)
                    for value, want, dtype in zip(values, expected, results):
                        dtype = dtype.type
                        if dtype in (F32, F64) and not math.isnan(value):
                            # Already rounded to the result type.
                            self.assertEqual(value, float(dtype(value)))
                        msg = "%s%r = %r, expected %r" % (
                            name,
                            row,
                            value,
                            want,
                        )
                        self.assertTrue(agrees(value, want, bound, dtype), msg)

    def test_rounding_modes_differ_on_these_arguments(self):
        families = {}
        for name in CASES:
            stem, _, mode = name.rpartition("_")
            if mode in MODES:
                families.setdefault(stem, []).append(name)
        families = {k: v for k, v in families.items() if len(v) == 4}
        self.assertEqual(len(families), 28)
        for stem, names in sorted(families.items()):
            with self.subTest(stem):
                results = {str(launch(n, CASES[n][0])) for n in names}
                self.assertGreater(len(results), 2)

    def test_signed_zeros_of_directed_sums(self):
        for mode in MODES:
            with self.subTest(mode):
                (r,), (s,) = launch("dadd_" + mode, [(1.0, -1.0), (-0.0, -0.0)])
                expected = -0.0 if mode == "rd" else 0.0
                self.assertEqual(
                    math.copysign(1, r), math.copysign(1, expected)
                )
                self.assertEqual(math.copysign(1, s), -1.0)

    def test_overflow_by_mode(self):
        big = float(np.finfo(np.float32).max)
        expected = {"rn": INF, "rz": big, "ru": INF, "rd": big}
        for mode in MODES:
            with self.subTest(mode):
                ((r,),) = launch("fmul_" + mode, [(big, 2.0)])
                self.assertEqual(r, expected[mode])


if __name__ == "__main__":
    unittest.main()
