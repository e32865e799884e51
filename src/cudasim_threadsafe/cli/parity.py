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


def report():
    """[(name, category, status)] for each public name of the real target.

    status: ``provided``; ``missing``; ``placeholder`` (the simulator
    binds it to None); or ``n/a`` where the category does not apply to a
    simulator.
    """
    real = _run(False)
    simulated = _run(True, real)
    rows = []
    for name, kind in sorted(real.items(), key=lambda i: i[0].lower()):
        status = simulated.get(name, "missing")
        if status != "provided" and kind in NOT_APPLICABLE:
            status = "n/a"
        rows.append((name, kind, status))
    return rows


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
        print(json.dumps(_probe_real()))
    elif argv == ["simulator"]:
        print(json.dumps(_probe_simulator(json.loads(sys.stdin.read()))))
    else:
        print_report(report())


if __name__ == "__main__":
    main(sys.argv[1:])
