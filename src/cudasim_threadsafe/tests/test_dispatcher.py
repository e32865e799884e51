"""The dispatcher as numba-cuda's: declared signatures, compiled
overloads, frozen globals, introspection, ``declare_device``."""

import io

import numpy as np
import pytest
from numba import cuda
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

from cudasim_threadsafe import settings

SCALE = 2.0
TABLE = np.array([1.0, 2.0, 3.0])


def read_globals(out):
    out[0] = SCALE + TABLE[1]


def write_global(out):
    TABLE[0] = 5.0
    out[0] = TABLE[0]


def make_closure_kernel(value):
    def kernel(out):
        out[0] = value

    return kernel


@skip_unless_cudasim("Tests the CUDA simulator")
class TestSignatures(CUDATestCase):
    def test_eager_kernel_refuses_other_array_type(self):
        # One signature: numba-cuda's kernel is specialized and launches
        # unchecked. Two: its dispatcher matches, and raises.
        kernel = cuda.jit(["void(float32[:])", "void(int32[:])"])(_store_one)
        kernel[1, 1](np.zeros(2, np.float32))
        with self.assertRaises(TypeError) as raised:
            kernel[1, 1](np.zeros(2))
        self.assertIn(
            "No matching definition for argument type(s) array(float64, 1d, C)",
            str(raised.exception),
        )

    def test_one_signature_refuses_what_a_gpu_misreads(self):
        # numba-cuda launches a kernel of one signature unchecked: on a GPU
        # a float64 array is read as float32 (measured on an H200: garbage),
        # so the simulator refuses it; an integer array of the same item
        # size keeps its bits and runs, as upstream's test_atomic_sub3 does.
        kernel = cuda.jit("void(float32[:])")(_store_one)
        with self.assertRaises(TypeError) as raised:
            kernel[1, 1](np.zeros(2))
        self.assertIn("array(float64, 1d, C)", str(raised.exception))
        self.assertIn("on a GPU", str(raised.exception))
        ints = cuda.jit("void(int32[:])")(_store_one)
        out = np.zeros(2, np.uint32)
        ints[1, 1](out)
        self.assertEqual(out[0], 1)
        with self.assertRaises(TypeError):
            ints[1, 1](np.zeros((2, 2), np.int32))
        # int64 read as int32: half the bits of each element.
        with self.assertRaises(TypeError):
            ints[1, 1](np.zeros(2, np.int64))

    def test_eager_kernel_converts_scalars(self):
        kernel = cuda.jit("void(float32[:], int32)")(_store_scalar)
        out = np.zeros(2, np.float32)
        kernel[1, 1](out, 3.0)
        self.assertEqual(out[0], 3.0)
        self.assertEqual(len(kernel.overloads), 1)

    def test_best_of_several_signatures(self):
        kernel = cuda.jit(["void(float32[:])", "void(float64[:])"])(_store_one)
        kernel[1, 1](np.zeros(2))
        kernel[1, 1](np.zeros(2, np.float32))
        self.assertEqual(len(kernel.signatures), 2)
        with self.assertRaises(TypeError):
            kernel[1, 1](np.zeros(2, np.int32))
        # A float argument converts to either; float64 is the exact match,
        # though float32 comes first.
        kernel = cuda.jit(
            ["void(float64[:], float32)", "void(float64[:], float64)"]
        )(_store_scalar)
        out = np.zeros(2)
        kernel[1, 1](out, 1 + 2**-30)
        self.assertEqual(out[0], 1 + 2**-30)

    def test_overloads_and_signatures_of_lazy_kernel(self):
        kernel = cuda.jit(_store_scalar)
        out = np.zeros(2, np.float32)
        kernel[1, 1](out, 1)
        kernel[1, 1](out, 2.5)
        kernel[1, 1](out, 3)
        names = [tuple(str(t) for t in sig) for sig in kernel.signatures]
        self.assertEqual(
            names,
            [
                ("array(float32, 1d, C)", "int64"),
                ("array(float32, 1d, C)", "float64"),
            ],
        )
        self.assertEqual(list(kernel.overloads), kernel.signatures)
        overload = kernel.overloads[kernel.signatures[0]]
        self.assertEqual(tuple(overload.signature.args), kernel.signatures[0])

    def test_inspect_types_lists_each_signature(self):
        kernel = cuda.jit(_store_one)
        kernel[1, 1](np.zeros(2))
        text = io.StringIO()
        kernel.inspect_types(file=text)
        self.assertIn("_store_one (array(float64, 1d, C))", text.getvalue())
        self.assertIn("a[0] = 1", text.getvalue())

    def test_no_ptx_in_the_simulator(self):
        kernel = cuda.jit(_store_one)
        kernel[1, 1](np.zeros(2))
        for method in ("inspect_asm", "inspect_llvm", "inspect_sass"):
            with self.assertRaises(NotImplementedError) as raised:
                getattr(kernel, method)()
            self.assertIn("_store_one", str(raised.exception))
            self.assertIn("simulator", str(raised.exception))


def _store_one(a):
    a[0] = 1


def _store_scalar(a, x):
    a[0] = x


@skip_unless_cudasim("Tests the CUDA simulator")
class TestFrozenGlobals(CUDATestCase):
    def tearDown(self):
        global SCALE
        SCALE = 2.0
        TABLE[:] = [1.0, 2.0, 3.0]
        super().tearDown()

    def test_global_scalar_and_array_frozen_at_first_launch(self):
        global SCALE
        kernel = cuda.jit(read_globals)
        out = np.zeros(1)
        kernel[1, 1](out)
        self.assertEqual(out[0], 4.0)
        SCALE = 10.0
        TABLE[1] = 20.0
        kernel[1, 1](out)
        self.assertEqual(out[0], 4.0)
        # Other argument types compile anew, with the values now.
        out32 = np.zeros(1, np.float32)
        kernel[1, 1](out32)
        self.assertEqual(out32[0], 30.0)
        # Nothing of the user's function was rewritten.
        self.assertIs(kernel.py_func, read_globals)
        self.assertIs(read_globals.__globals__, globals())

    def test_eager_kernel_frozen_at_decoration(self):
        global SCALE
        kernel = cuda.jit("void(float64[:])")(read_globals)
        SCALE = 10.0
        out = np.zeros(1)
        kernel[1, 1](out)
        self.assertEqual(out[0], 4.0)

    def test_global_array_is_read_only(self):
        kernel = cuda.jit(write_global)
        with self.assertRaises(ValueError):
            kernel[1, 1](np.zeros(1))
        self.assertEqual(TABLE[0], 1.0)

    def test_device_function_globals_frozen_with_kernel(self):
        global SCALE
        kernel = cuda.jit(_calls_device)
        out = np.zeros(1)
        kernel[1, 1](out)
        SCALE = 7.0
        kernel[1, 1](out)
        self.assertEqual(out[0], 2.0)
        # A kernel compiled now sees the value now.
        again = cuda.jit(_calls_device)
        again[1, 1](out)
        self.assertEqual(out[0], 7.0)

    def test_declared_device_function_frozen_with_kernel(self):
        global SCALE
        scale = cuda.jit("float64()", device=True)(_scale.py_func)
        fib = _make_fib()

        @cuda.jit
        def kernel(out):
            out[0] = scale() + fib(5)

        out = np.zeros(1)
        kernel[1, 1](out)
        SCALE = 3.0
        kernel[1, 1](out)
        self.assertEqual(out[0], 7.0)
        self.assertEqual(len(scale.overloads), 1)

    def test_closure_variable_frozen(self):
        fn = make_closure_kernel(1.0)
        kernel = cuda.jit(fn)
        out = np.zeros(1)
        kernel[1, 1](out)
        fn.__closure__[0].cell_contents = 9.0
        kernel[1, 1](out)
        self.assertEqual(out[0], 1.0)


@cuda.jit(device=True)
def _scale():
    return SCALE


def _make_fib():
    # Eager: made in the test, not at import (no GPU to compile for).
    @cuda.jit("int64(int64)", device=True)
    def fib(n):
        # Names itself, which its declaration runs before binding.
        if n < 2:
            return n
        return fib(n - 1) + fib(n - 2)

    return fib


def _calls_device(out):
    out[0] = _scale()


@skip_unless_cudasim("Tests the CUDA simulator")
@pytest.mark.parametrize("typed", [True, False])
def test_frozen_with_typed_arithmetic_on_and_off(typed):
    global SCALE
    try:
        with settings.gpu_typing(typed):
            kernel = cuda.jit(_calls_device_twice)
            out = np.zeros(1)
            kernel[1, 1](out)
            SCALE = 5.0
            kernel[1, 1](out)
        assert out[0] == 4.0
    finally:
        SCALE = 2.0


def _calls_device_twice(out):
    out[0] = _scale() + _scale()


@skip_unless_cudasim("Tests the CUDA simulator")
class TestDeclareDevice(CUDATestCase):
    def test_declaration(self):
        ext = cuda.declare_device("ext", "float32(float32)")
        self.assertIsNotNone(ext)
        self.assertEqual(ext.name, "ext")
        self.assertEqual(str(ext.sig), "(float32,) -> float32")

    def test_return_type_required(self):
        with self.assertRaises(TypeError):
            cuda.declare_device("ext", "(float32,)")

    def test_call_in_kernel_says_what_is_missing(self):
        ext = cuda.declare_device("ext", "float32(float32)", link="ext.cu")

        @cuda.jit
        def kernel(a):
            a[0] = ext(a[0])

        with self.assertRaises(NotImplementedError) as raised:
            kernel[1, 1](np.zeros(1, np.float32))
        text = str(raised.exception)
        self.assertIn("ext", text)
        self.assertIn("cannot link external CUDA C or PTX", text)
