"""Which public names of ``numba.cuda`` the simulator provides.

The real target's names are read from the installed numba / numba-cuda in
a child process with the simulator off (importing it needs no GPU); the
simulator's in another, with it on. Each real name is then provided,
missing, bound to None, or does not apply to a simulator, for a reason
given by its category. ``python -m cudasim_threadsafe --api`` prints the
table.
"""

import json
import os
import subprocess
import sys
import types

PROBE = "cudasim_threadsafe.cli.parity"

# Categories of real-target names that a simulator has no use for.
NOT_APPLICABLE = {
    "driver": "CUDA driver objects (memory managers, device pointers, IPC "
    "handles): the simulator has no driver and no device memory",
    "internal": "a module of the real target's compiler, driver or "
    "lowering, bound on numba.cuda by its own imports",
    "import": "a module outside numba that the real target imports for its "
    "own use",
    "leftover": "left behind by the real target's __init__ (a loop "
    "variable, a constant of its own set-up)",
    "compiler": "compiles to PTX or LTO-IR with NVVM: the simulator runs "
    "Python functions and compiles nothing (upstream binds these to None)",
}

# Names whose category their object does not tell.
NAMED = {
    "alias": "leftover",
    "HAS_NUMBA": "leftover",
    "config_default_cc": "leftover",
    "numba_cuda_default_ptx_cc": "leftover",
    "set_memory_manager": "driver",
    "open_ipc_array": "driver",
    "prepare_shape_strides_dtype": "internal",
    "stubs": "internal",
    "runtests": "internal",
    "compile": "compiler",
    "compile_all": "compiler",
    "compile_for_current_device": "compiler",
    "compile_ptx": "compiler",
    "compile_ptx_for_current_device": "compiler",
}

# Modules holding what kernels use.
KERNEL_MODULES = ("cg", "libdevice", "fp16")
KERNEL_FUNCTION_MODULES = (
    "numba.cuda.cache_hints",
    "numba.cuda.misc.special",
    "numba.misc.special",
)


def category(name, value):
    """``kernel``, ``host`` or a key of NOT_APPLICABLE, for a real-target
    name and its object."""
    if name in NAMED:
        return NAMED[name]
    if isinstance(value, types.ModuleType):
        if not value.__name__.startswith("numba"):
            return "import"
        if name in KERNEL_MODULES:
            return "kernel"
        return "internal"
    if isinstance(value, type) and any(
        base.__name__ == "Stub" for base in value.__mro__
    ):
        return "kernel"
    if type(value).__name__ in ("_Intrinsic", "CUDADispatcher"):
        return "kernel"
    module = getattr(value, "__module__", None) or ""
    if module in KERNEL_FUNCTION_MODULES:
        return "kernel"
    if isinstance(value, type) and module == "numba.cuda.cudadrv.driver":
        return "driver"
    return "host"


def _public(module):
    return sorted(n for n in dir(module) if not n.startswith("_"))


def _probe_real():
    import numba.cuda as cuda

    return {name: category(name, getattr(cuda, name)) for name in _public(cuda)}


def _probe_simulator(names):
    """The names a simulated kernel or its host code finds: on
    ``numba.cuda`` or its module class (kernel-only names), on the
    simulator's fake module, or as a kernel module that imports."""
    import importlib

    import numba.cuda as cuda
    from numba.cuda.simulator import kernelapi

    fake = kernelapi.FakeCUDAModule((1, 1, 1), (1, 1, 1), 0)
    found = {}
    for name, kind in names.items():
        value = vars(cuda).get(name, getattr(cuda, name, fake))
        if value is fake and (
            name in vars(fake)
            or hasattr(type(fake), name)
            or hasattr(type(cuda), name)
        ):
            value = name  # some need a simulated thread to be read
        if value is fake and kind == "kernel" and name in KERNEL_MODULES:
            try:
                value = importlib.import_module(cuda.__name__ + "." + name)
            except ImportError:
                pass
        if value is None:
            found[name] = "placeholder"
        elif value is not fake:
            found[name] = "provided"
    return found


# The API areas of issue 28, in the report's order: (key, what is
# probed, what the real target must have for the area to apply). A
# requirement is a dotted name under ``numba.cuda`` or ``jit(keyword)``.
AREAS = (
    ("grid-sync", "cg.this_grid().sync() across blocks", ("cg.this_grid",)),
    ("fma", "cuda.fma rounds once (float32, float64)", ("fma",)),
    (
        "fp16",
        "fp16.hfma rounds once, fp16.hfloor",
        ("fp16.hfma", "fp16.hfloor"),
    ),
    ("frozen-globals", "a global read by a kernel is frozen at compile", ()),
    ("eager-dispatch", "a kernel compiled eagerly refuses other types", ()),
    ("overloads", "kernel.overloads and kernel.signatures", ()),
    ("detect", "cuda.detect() returns a bool", ("detect",)),
    ("memory-info", "get_memory_info() gives integers", ("current_context",)),
    ("launch-limits", "launches a GPU refuses are refused", ()),
    ("dynamic-shared", "shared.array(0) with kernel[g, b, s, nbytes]", ()),
    (
        "vectorize",
        "@vectorize / @guvectorize(target='cuda')",
        ("vectorizers.CUDAVectorize",),
    ),
    ("reduce", "cuda.reduce(f)(a, size=, res=, init=, stream=)", ("reduce",)),
    (
        "events",
        "event(timing=True), query(), elapsed_time()",
        ("event", "event_elapsed_time"),
    ),
    ("cai-arguments", "a __cuda_array_interface__ object as argument", ()),
    ("inspect", "inspect_types(); inspect_asm() or a clear error", ()),
    (
        "device",
        "get_current_device() attributes; select_device(0)",
        ("get_current_device", "select_device"),
    ),
    (
        "bf16",
        "numba.cuda.bf16 functions in kernels",
        ("bf16.float32_to_bfloat16",),
    ),
    (
        "declare-device",
        "declare_device: a function, or a clear error",
        ("declare_device",),
    ),
    (
        "jit-options",
        "jit(lineinfo, max_registers, launch_bounds, forceinline)",
        ("jit(lineinfo)", "jit(launch_bounds)", "jit(forceinline)"),
    ),
)


def _has(cuda, requirement):
    """Whether the real target ``cuda`` has ``requirement`` (see AREAS)."""
    import importlib
    import inspect

    if requirement.startswith("jit("):
        keyword = requirement[4:-1]
        try:
            parameters = inspect.signature(cuda.jit).parameters
        except (TypeError, ValueError):
            return False
        return keyword in parameters
    value = cuda
    path = cuda.__name__
    for part in requirement.split("."):
        path += "." + part
        if hasattr(value, part):
            value = getattr(value, part)
            continue
        try:
            value = importlib.import_module(path)
        except ImportError:
            return False
    return value is not None


def _real_lacks():
    """{area: the requirements the real target lacks}, for areas lacking
    any."""
    import numba.cuda as cuda

    lacks = {}
    for key, _, requires in AREAS:
        missing = [r for r in requires if not _has(cuda, r)]
        if missing:
            lacks[key] = missing
    return lacks


def probe(check):
    """``(state, detail)`` of running ``check``: ``works`` if it returns
    None, ``wrong`` with the message it returns, or ``fails`` with the
    exception it raised (which is reported, not raised)."""
    import contextlib
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            wrong = check()
    except Exception as e:
        message = " ".join(str(e).split())
        if len(message) > 160:
            message = message[:157] + "..."
        return "fails", "%s: %s" % (type(e).__name__, message)
    if wrong:
        return "wrong", wrong
    return "works", ""


def _probe_areas():
    """{area: [state, detail]} in the simulator, each area probed by a
    tiny call (``parityprobes``)."""
    from . import parityprobes

    return {
        key: list(probe(getattr(parityprobes, key.replace("-", "_"))))
        for key, _, _ in AREAS
    }


def _run(simulator, names=None):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1" if simulator else "0")
    if not simulator:
        env["CUDASIM_THREADSAFE"] = "0"
    proc = subprocess.run(
        [sys.executable, "-m", PROBE, "simulator" if simulator else "real"],
        input=json.dumps(names or {}),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode:
        raise RuntimeError(
            "reading numba.cuda failed:\n" + proc.stdout + proc.stderr
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_children():
    """What the two child processes read: the real target's names and the
    areas it lacks; the simulator's names and area probes."""
    real = _run(False)
    simulated = _run(True, real["names"])
    return real, simulated


def report(children=None):
    """[(name, category, status)] for each public name of the real target.

    status: ``provided``; ``missing``; ``placeholder`` (the simulator
    binds it to None); or ``n/a`` where the category does not apply to a
    simulator.
    """
    real, simulated = children or run_children()
    real, simulated = real["names"], simulated["names"]
    rows = []
    for name, kind in sorted(real.items(), key=lambda i: i[0].lower()):
        status = simulated.get(name, "missing")
        if status != "provided" and kind in NOT_APPLICABLE:
            status = "n/a"
        rows.append((name, kind, status))
    return rows


def areas(children=None):
    """[(area, what, state, detail)] for each API area (``AREAS``).

    state: ``works``; ``wrong`` (an answer the GPU would not give);
    ``fails`` (the call raised; detail the exception); ``lacks`` (the
    real target of this numba lacks the API; detail what it lacks).
    """
    real, simulated = children or run_children()
    rows = []
    for key, what, _ in AREAS:
        if key in real["lacks"]:
            state = "lacks", "upstream lacks " + ", ".join(real["lacks"][key])
        else:
            state = tuple(simulated["areas"].get(key, ("fails", "not probed")))
        rows.append((key, what) + tuple(state))
    return rows


def print_areas(rows, out=sys.stdout):
    out.write("\nAPI areas (probed in the simulator):\n")
    width = max(len(key) for key, _, _, _ in rows)
    for key, what, state, detail in rows:
        out.write("  %-*s  %-6s  %s\n" % (width, key, state, what))
        if detail:
            out.write("  %-*s          %s\n" % (width, "", detail))
    total = {}
    for _, _, state, _ in rows:
        total[state] = total.get(state, 0) + 1
    out.write(
        "%d areas: %s\n"
        % (len(rows), ", ".join("%s %d" % i for i in sorted(total.items())))
    )


def counts(rows):
    """{status: number of names}."""
    found = {}
    for _, _, status in rows:
        found[status] = found.get(status, 0) + 1
    return found


def kernel_gaps(rows):
    """Kernel-side names the simulator lacks or binds to None."""
    return [
        name
        for name, kind, status in rows
        if kind == "kernel" and status in ("missing", "placeholder")
    ]


def print_report(rows, out=sys.stdout):
    width = max(len(name) for name, _, _ in rows)
    out.write("%-*s  %-8s  %s\n" % (width, "name", "kind", "simulator"))
    for name, kind, status in rows:
        out.write("%-*s  %-8s  %s\n" % (width, name, kind, status))
    out.write("\nNot applicable, by kind:\n")
    for kind, reason in NOT_APPLICABLE.items():
        out.write("  %-8s  %s\n" % (kind, reason))
    total = counts(rows)
    out.write(
        "\n%d names: %s\n"
        % (
            len(rows),
            ", ".join("%s %d" % item for item in sorted(total.items())),
        )
    )
    gaps = kernel_gaps(rows)
    if gaps:
        out.write("kernel-side names missing: %s\n" % ", ".join(gaps))


def main(argv):
    if argv == ["real"]:
        print(json.dumps({"names": _probe_real(), "lacks": _real_lacks()}))
    elif argv == ["simulator"]:
        names = _probe_simulator(json.loads(sys.stdin.read()))
        print(json.dumps({"names": names, "areas": _probe_areas()}))
    else:
        children = run_children()
        print_report(report(children))
        print_areas(areas(children))


if __name__ == "__main__":
    main(sys.argv[1:])
