"""A kernel factory, as in CuBIE: closes over a device function built in
another module."""

from numba import cuda


class EarlyReturnKernelFactory:
    """Threads past ``n_threads`` return at once; the others allocate a
    buffer through the allocator, write 1 to it and copy it out."""

    def __init__(self, n_threads, allocator_factory):
        self.n_threads = n_threads
        self.allocator_factory = allocator_factory

    def build(self):
        n_threads = self.n_threads
        allocate = self.allocator_factory.build()

        @cuda.jit
        def kernel(out):
            i = cuda.grid(1)
            if i >= n_threads:
                return
            buf = allocate()
            buf[0] = 1
            out[i] = buf[0]

        return kernel
