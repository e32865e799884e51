"""An allocator factory, as in CuBIE: builds an inlined device function
that allocates a thread-local buffer."""

import numpy as np
from numba import cuda


class AllocatorFactory:
    def __init__(self, buffer_size, dtype=np.float64):
        self.buffer_size = buffer_size
        self.dtype = dtype

    def build(self):
        buffer_size = self.buffer_size
        dtype = self.dtype

        @cuda.jit(device=True, inline=True)
        def allocate():
            return cuda.local.array(buffer_size, dtype)

        return allocate
