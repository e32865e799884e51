"""GPU typing's worker: the real CUDA target's typing, simulator off.

    python -m cudasim_threadsafe.target.typingworker

``gputyping`` starts it and sends, as pickles on stdin, an intrinsic's
path in ``numba.cuda`` (``shfl_sync``, ``atomic.add``, ``libdevice.sinf``)
and its arguments described by ``describe`` (plain data: no numba type
crosses the pipe, as the two processes' type systems differ). Each answer
is ``("ok", (parameters, result))``, described the same way, or
``("rejected", the typing's error)``. The first answer says whether the
typing context could be built.

The target's lowering is asked too whether the typed signature has an
implementation. Neither needs a GPU, but the built-in target types its warp
functions by compiling them as device functions, which asks the driver for
the current device's compute capability: it is answered with sm_80, as
typing does not depend on it.
"""

import numpy as np


class Typing:
    """The real target's typing context, and how to ask it."""

    def __init__(self):
        from numba import cuda
        from numba.cuda.descriptor import cuda_target

        from cudasim_threadsafe.target import gpuworker

        try:
            from numba.cuda.core.target_extension import target_override
            from numba.cuda.typing.typeof import typeof
        except ImportError:
            from numba.core.target_extension import target_override
            from numba.core.typing.typeof import typeof

        # sm_80, the compile check's default target.
        gpuworker.state_the_target()
        self.cuda = cuda
        self.context = cuda_target.typing_context
        self.context.refresh()
        self.lowering = cuda_target.target_context
        self.lowering.refresh()
        self.target_override = target_override
        self.typeof = typeof

    def function(self, path):
        """The numba type of ``numba.cuda.<path>``."""
        first, _, rest = path.partition(".")
        if first == "operator":
            import operator

            return self.context.resolve_value_type(getattr(operator, rest))
        if first == "libdevice":
            from numba.cuda import libdevice

            return self.context.resolve_value_type(getattr(libdevice, rest))
        ty = self.context.resolve_value_type(self.cuda)
        for name in path.split("."):
            ty = self.context.resolve_getattr(ty, name)
        return ty

    def sample(self, description):
        """A value whose numba type ``description`` describes."""
        if isinstance(description, tuple):
            kind, inner = description[0], description[1:]
            if kind == "tuple":
                return tuple(self.sample(d) for d in inner[0])
            dtype, ndim = inner
            return np.zeros((1,) * ndim, dtype=dtype)
        if description == "int":
            return 0
        if description == "float":
            return 0.0
        if description == "complex":
            return 0j
        return np.zeros((), dtype=description)[()]

    def resolve(self, path, arguments):
        argtypes = tuple(self.typeof(self.sample(a)) for a in arguments)
        function = self.function(path)
        with self.target_override("cuda"):
            signature = self.context.resolve_function_type(
                function, argtypes, {}
            )
            if signature is None:
                raise TypeError("no signature matches")
            # What typing accepts may still have no implementation for the
            # GPU (ffs of an int8): the compiler rejects it when lowering.
            self.lowering.get_function(function, signature)
        return [describe(t) for t in signature.args], describe(
            signature.return_type
        )


def describe(ty):
    """Numba type ``ty`` as plain data: a dtype name, ``none``,
    ``("tuple", [...])``, ``("array", dtype name, ndim)`` or
    ``("other", text)``."""
    name = type(ty).__name__
    if name in ("UniTuple", "Tuple"):
        return ("tuple", [describe(t) for t in ty.types])
    if name == "Array":
        return ("array", str(ty.dtype), ty.ndim)
    if name == "NoneType" or str(ty) == "none":
        return "none"
    if name == "Boolean":
        return "bool"
    if name in ("Integer", "Float", "Complex"):
        return str(ty)
    return ("other", str(ty))


def _answer(typing, request):
    path, arguments = request
    try:
        return "ok", typing.resolve(path, arguments)
    except Exception as e:
        text = str(e).strip()
        if type(e).__name__ == "CudaSupportError":
            return "unknown", text
        return "rejected", "%s: %s" % (type(e).__name__, text)


if __name__ == "__main__":
    from cudasim_threadsafe.target.childworker import serve

    serve(Typing, _answer)
