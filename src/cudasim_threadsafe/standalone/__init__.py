"""The simulator's own kernel object, kernel namespace and fake driver.

For a compiler that ships no simulator (numba-cuda-mlir): what upstream's
simulator supplies under numba-cuda (the jit'ed kernel, the module a
kernel sees, device arrays, streams and devices) is written here, on top
of the core in ``simulator/``. Imports only ``simulator/``, the standard
library, numpy and greenlet; a compiler's objects (exception classes,
dtype conversion) are handed in by its front.
"""
