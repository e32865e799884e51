"""What numba-cuda's API does on a GPU for the calls of issue 28, one JSON
line per probe: the answer, or the exception's type and text.

    python scripts/gpu_api.py            # on a GPU, simulator off
    NUMBA_ENABLE_CUDASIM=1 python scripts/gpu_api.py

The simulator's lines should match the GPU's (values, exception types).
"""

import json
import sys
import time

import numpy as np
from numba import cuda, float32, void

RESULTS = []


def probe(name):
    def run(fn):
        start = time.perf_counter()
        try:
            value = fn()
            line = {"probe": name, "value": value}
        except Exception as e:  # noqa: BLE001 - the answer is the point
            line = {
                "probe": name,
                "raised": "%s.%s" % (type(e).__module__, type(e).__name__),
                "text": str(e)[:300],
                "mro": [c.__name__ for c in type(e).__mro__],
            }
        line["s"] = round(time.perf_counter() - start, 2)
        print(json.dumps(line, default=repr), flush=True)
        return fn

    return run


def plain(x):
    return np.asarray(x).tolist()


@cuda.jit
def grid_sync(out, tmp):
    g = cuda.cg.this_grid()
    i = cuda.grid(1)
    tmp[i] = i + 1
    g.sync()
    out[i] = tmp[(i + 4) % tmp.size]


@probe("grid_sync")
def _():
    out = np.zeros(8)
    grid_sync[2, 4](out, np.zeros(8))
    return plain(out)


@probe("max_cooperative_grid_blocks")
def _():
    return [grid_sync.max_cooperative_grid_blocks(b) for b in (32, 1024)]


@probe("cooperative_too_large")
def _():
    n = 1024 * 5000
    grid_sync[5000, 1024](np.zeros(n), np.zeros(n))
    return "ran"


@cuda.jit
def fma_err(a, b, out):
    out[0] = cuda.fma(a[0], b[0], -a[0] * b[0])


@probe("fma")
def _():
    a = np.array([1.0 + 2.0**-30])
    o = np.zeros(1)
    fma_err[1, 1](a, a, o)
    a32 = np.array([1.0 + 2.0**-13], np.float32)
    o32 = np.zeros(1, np.float32)
    fma_err[1, 1](a32, a32, o32)
    return [float(o[0]), float(o32[0])]


@cuda.jit
def half_ops(a, out):
    out[0] = cuda.fp16.hfloor(a[0])
    out[1] = cuda.fp16.hfloor(a[1])
    out[2] = cuda.fp16.hceil(a[0])
    out[3] = cuda.fp16.hfma(a[2], a[2], a[3])
    out[4] = cuda.fp16.hmax(a[4], a[5])
    out[5] = cuda.fp16.hmin(a[4], a[5])
    out[6] = cuda.fp16.hrint(a[6])
    out[7] = cuda.fp16.htrunc(a[1])


@probe("fp16")
def _():
    a = np.array(
        [1.5, -1.5, 1.0 + 2.0**-10, -1.0 - 2.0**-9, np.nan, 1.0, 2.5, 0],
        np.float16,
    )
    out = np.zeros(8, np.float16)
    half_ops[1, 1](a, out)
    return [float(x) for x in out]


G = 1.0
GA = np.arange(3.0)


@cuda.jit
def read_global(out):
    out[0] = G
    out[1] = GA[1]


@probe("frozen_global")
def _():
    global G
    out = np.zeros(2)
    read_global[1, 1](out)
    G = 2.0
    GA[1] = 7.0
    read_global[1, 1](out)
    return plain(out)


@probe("write_global_array")
def _():
    @cuda.jit
    def k(out):
        GA[0] = 5.0
        out[0] = GA[0]

    out = np.zeros(1)
    k[1, 1](out)
    return plain(out)


@probe("eager_mismatch")
def _():
    @cuda.jit(void(float32[:]))
    def k(a):
        a[0] = 1

    k[1, 1](np.zeros(2))
    return "ran"


@probe("eager_scalar_convert")
def _():
    @cuda.jit(void(float32[:], float32))
    def k(a, x):
        a[0] = x

    a = np.zeros(1, np.float32)
    k[1, 1](a, 3)
    return plain(a)


@probe("overloads_signatures")
def _():
    @cuda.jit
    def k(a):
        a[0] = 1

    k[1, 1](np.zeros(2))
    k[1, 1](np.zeros(2, np.int32))
    return [
        [str(x) for x in k.overloads],
        [str(x) for x in k.signatures],
        type(k.overloads).__name__,
        type(next(iter(k.overloads.values()))).__name__,
        len(k.inspect_types.__doc__ or ""),
    ]


@probe("detect_meminfo")
def _():
    d = cuda.detect()
    m = cuda.current_context().get_memory_info()
    return [repr(d), type(m[0]).__name__, type(m).__name__]


def launch_limit(name, griddim, blockdim, shared=0, big_static=False):
    @probe(name)
    def _():
        if big_static:

            @cuda.jit
            def k(a):
                s = cuda.shared.array(40000, np.float32)
                s[0] = 1
                a[0] = s[0]

        else:

            @cuda.jit
            def k(a):
                a[0] = 1

        k[griddim, blockdim, 0, shared](np.zeros(2))
        return "ran"


launch_limit("block_2048", 1, 2048)
launch_limit("block_z_128", 1, (1, 1, 128))
launch_limit("grid_0", 0, 1)
launch_limit("block_0", 1, 0)
launch_limit("grid_y_70000", (1, 70000), 1)
launch_limit("static_shared_160k", 1, 1, big_static=True)
launch_limit("dynamic_shared_64k", 1, 1, shared=65536)


@probe("dynamic_shared_alias")
def _():
    @cuda.jit
    def k(out):
        f = cuda.shared.array(0, dtype=np.float32)
        i = cuda.shared.array(0, dtype=np.int32)
        t = cuda.threadIdx.x
        f[t] = 1.0
        cuda.syncthreads()
        out[t] = i[3 - t]

    out = np.zeros(4, np.int64)
    k[1, 4, 0, 16](out)
    return plain(out)


@probe("device_attributes")
def _():
    d = cuda.get_current_device()
    names = (
        "MAX_THREADS_PER_BLOCK",
        "MAX_BLOCK_DIM_Z",
        "MULTIPROCESSOR_COUNT",
        "WARP_SIZE",
        "MAX_SHARED_MEMORY_PER_BLOCK",
        "MAX_SHARED_MEMORY_PER_BLOCK_OPTIN",
        "MAX_THREADS_PER_MULTIPROCESSOR",
        "COOPERATIVE_LAUNCH",
    )
    got = {n: getattr(d, n) for n in names}
    got["id"] = d.id
    got["name"] = d.name
    got["cc"] = d.compute_capability
    try:
        d.NO_SUCH_ATTRIBUTE
    except Exception as e:  # noqa: BLE001
        got["unknown"] = type(e).__name__ + ": " + str(e)[:120]
    cuda.select_device(0)
    got["after_select"] = cuda.get_current_device().WARP_SIZE
    return got


@probe("vectorize")
def _():
    from numba import vectorize

    @vectorize(["float32(float32, float32)"], target="cuda")
    def add(x, y):
        return x + y

    return plain(add(np.ones(3, np.float32), np.ones(3, np.float32)))


@probe("reduce")
def _():
    r = cuda.reduce(lambda a, b: a + b)
    return float(r(np.arange(10.0), size=5, stream=cuda.stream()))


@probe("events")
def _():
    e1 = cuda.event(timing=True)
    e2 = cuda.event(timing=True)
    e1.record()
    e2.record()
    e2.synchronize()
    return [e1.query(), type(e1.elapsed_time(e2)).__name__]


class OnlyCAI:
    def __init__(self, d):
        self.d = d
        self.__cuda_array_interface__ = d.__cuda_array_interface__


@probe("cai_argument")
def _():
    @cuda.jit
    def k(a):
        a[0] = 5

    d = cuda.to_device(np.zeros(3))
    k[1, 1](OnlyCAI(d))
    return plain(d.copy_to_host())


@probe("declare_device_call")
def _():
    ext = cuda.declare_device("ext_fn", "float32(float32)")

    @cuda.jit
    def k(a):
        a[0] = ext(a[0])

    k[1, 1](np.zeros(1, np.float32))
    return repr(ext)


@probe("bf16")
def _():
    from numba.cuda import bf16

    @cuda.jit
    def k(a, out):
        out[0] = bf16.bfloat16_to_float32(bf16.float32_to_bfloat16(a[0]))

    a = np.array([1.00390625 + 2.0**-12], np.float32)
    out = np.zeros(1, np.float32)
    k[1, 1](a, out)
    return [float(out[0]), sorted(n for n in dir(bf16) if not n[0] == "_")]


if __name__ == "__main__":
    sys.exit(0)
