"""A library that picks its helper when imported, as stumpy does from
``cuda.is_available()``: without a GPU it gets a plain stand-in, which the
GPU's compiler cannot call. It also asks the device's capability then.
(``test_gpucheck``: the compile check's worker must import it as a
process with a GPU does.)"""

from numba import cuda

CC = cuda.get_current_device().compute_capability

if cuda.is_available():

    @cuda.jit(device=True)
    def bump(x):
        return x + 1

else:

    def bump(x):
        return x + 1
