"""Break the core on purpose, one named mutation at a time, and see that a
test notices.

    python scripts/mutate.py [NAME ...]      (from the checkout)

Each mutation replaces one snippet of a module under ``src/`` (context,
dispatch, simthread, the launchers, warp, the sanitizer, GPU typing, typed
arithmetic, the compile check and its cache), runs the whole test package
with the simulator on, in the greenlet launcher and then the OS-thread one,
and puts the module back. A mutation that names test modules runs only
those, in one process each (the simulator's host-API modules have tests of
their own). A mutation that no run fails "survives": it names a missing
test. A run past TIMEOUT seconds counts as
caught (a hang). Runs with the interpreter running this script, with
``src/`` first on the path; it needs pytest and pytest-xdist. Not part of
CI: a pass takes a few minutes. Exits 1 if any mutation survives.
"""

import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src", "cudasim_threadsafe")
TIMEOUT = 180


def module_path(name):
    """The module file ``name`` (``launch.py``) in whichever layer's folder
    of the package holds it."""
    found = [
        os.path.join(folder, name)
        for folder, _, files in os.walk(SRC)
        if name in files and os.sep + "tests" not in folder
    ]
    if len(found) != 1:
        raise LookupError("%s: %d modules of that name" % (name, len(found)))
    return found[0]


# (name, module, snippet, replacement[, test modules]): the snippet
# occurs once; without test modules, the whole test package runs.
MUTATIONS = [
    (
        "memcheck lets indices below -n through",
        "checkedarrays.py",
        "        if -shape[dim] <= i < shape[dim]:",
        "        if i < shape[dim]:",
    ),
    (
        "memcheck reports negative indices",
        "checkedarrays.py",
        "        if -shape[dim] <= i < shape[dim]:",
        "        if 0 <= i < shape[dim]:",
    ),
    (
        "a negative index's key is unwrapped (one int)",
        "checkedarrays.py",
        "                return self._start + (index + n) * self._step[0]",
        "                return self._start + index * self._step[0]",
    ),
    (
        "a negative index's key is unwrapped (ints)",
        "checkedarrays.py",
        "                    address += (i + n) * step",
        "                    address += i * step",
    ),
    (
        "a negative index's key is unwrapped (NumPy ints)",
        "checkedarrays.py",
        "            address += (int(i) % n if n else 0) * self._step[dim]",
        "            address += int(i) * self._step[dim]",
    ),
    (
        "the store event is sent after the write",
        "checkedarrays.py",
        "        hearing = self.sanitizer.on_store\n",
        "        self.ndarray[index] = value\n"
        "        hearing = self.sanitizer.on_store\n",
    ),
    (
        "the store event is sent after the element counts as written",
        "checkedarrays.py",
        "        hearing = self.sanitizer.on_store\n",
        "        if self.written is not None:\n"
        "            self.written.add(address)\n"
        "        hearing = self.sanitizer.on_store\n",
    ),
    (
        "reports leave out where an array was made",
        "checkedarrays.py",
        "        if self.made is not None:",
        "        if False:",
    ),
    (
        "reports leave out the caller of the helper that made an array",
        "report.py",
        "    if caller is not None:",
        "    if False:",
    ),
    (
        "where the host made device memory is not kept",
        "memory.py",
        "    sites[key] = (weakref.ref(owner, forget), made)",
        "    pass",
    ),
    (
        "racecheck: a barrier orders nothing",
        "racecheck.py",
        "    if before[THREAD] is thread or before[EPOCH] != state.epoch:",
        "    if before[THREAD] is thread:",
    ),
    (
        "racecheck: barriers are not counted",
        "sanitize.py",
        "        self.epoch += 1",
        "        self.epoch += 0",
    ),
    (
        "racecheck: a read racing a same-value store is an error",
        "racecheck.py",
        "            level=report.WARNING if unchanged else report.ERROR,",
        "            level=report.ERROR,",
    ),
    (
        "racecheck: a store that changes the element counts as same-value",
        "racecheck.py",
        "unchanged = (written is None or address in written) and _same(",
        "unchanged = True or _same(",
    ),
    (
        "racecheck: a store over an element nothing wrote is no change",
        "racecheck.py",
        "unchanged = (written is None or address in written) and _same(",
        "unchanged = _same(",
    ),
    (
        "racecheck: warp collectives order nothing",
        "racecheck.py",
        "        lanes = meeting.arrived\n",
        "        lanes = 0\n",
    ),
    (
        "racecheck: threads of different blocks ordered",
        "racecheck.py",
        "    if before[BLOCK] != state.key:\n        return False",
        "    if before[BLOCK] != state.key:\n        return True",
    ),
    (
        "synccheck ignores masks of lanes that exited",
        "synccheck.py",
        "        name = meeting.name\n        masks = self.masks\n",
        "        return\n",
    ),
    (
        "synccheck ignores lanes that met with different masks",
        "synccheck.py",
        "        if meeting.masks is not None:\n"
        "            self._masks_differ(",
        "        if False:\n            self._masks_differ(",
    ),
    (
        "synccheck: masks met that differ in exited lanes are an error",
        "synccheck.py",
        "            key=(meeting.name, bool(live), site_a, site_b),\n"
        "            level=report.ERROR if live else report.WARNING,",
        "            key=(meeting.name, bool(live), site_a, site_b),\n"
        "            level=report.ERROR,",
    ),
    (
        "synccheck: an exited lane's other mask is an error",
        "synccheck.py",
        "                    key=(name, here, used[other], bool(live)),\n"
        "                    level=report.ERROR if live else report.WARNING,",
        "                    key=(name, here, used[other], bool(live)),\n"
        "                    level=report.ERROR,",
    ),
    (
        "synccheck sees no divergence",
        "synccheck.py",
        "    if len(sites) < 2:",
        "    if len(sites) < 99:",
    ),
    (
        "initcheck: shared arrays carry over between blocks",
        "sanitize.py",
        "        self.shared_written = {}",
        "        self.shared_written = sanitizer.__dict__.setdefault('w', {})",
    ),
    (
        "atomics are not marked atomic",
        "checkedarrays.py",
        "            thread.atomic = True",
        "            thread.atomic = False",
    ),
    (
        "schedule: reverse keeps the order",
        "schedule.py",
        "        return list(reversed(items))",
        "        return list(items)",
    ),
    (
        "a launch forgets the outer launch",
        "launch.py",
        "context.thread_state.starting = self._outer",
        "context.thread_state.starting = None",
    ),
    (
        "launch_context ignores the simulated thread's launch",
        "install.py",
        "    launch = state.launch\n",
        "    launch = None\n",
    ),
    (
        "configured_copy configures the kernel itself",
        "dispatch.py",
        "clone = object.__new__(type(self))",
        "clone = self",
    ),
    (
        "a call from a simulated thread launches",
        "dispatch.py",
        "if self._device or thread_state.launch is not None:",
        "if self._device:",
    ),
    (
        "grid(3) gives a wrong z",
        "simthread.py",
        "return x0 + t.x, y0 + t.y, z0 + t.z",
        "return x0 + t.x, y0 + t.y, z0 + t.y",
    ),
    (
        "laneid modulo 16",
        "simthread.py",
        "return self.thread_id & 31",
        "return self.thread_id & 15",
    ),
    (
        "syncthreads_count counts one",
        "simthread.py",
        "return int(self._vote(value, np.count_nonzero))",
        "return int(self._vote(value, np.any))",
    ),
    (
        "linear thread id with a wrong stride",
        "simthread.py",
        "(index(x, y, z), x + bx * (y + by * z))",
        "(index(x, y, z), x + bx * (y + bx * z))",
    ),
    (
        "index objects writable",
        "simthread.py",
        "        __delattr__ = __setattr__\n",
        "        __setattr__ = object.__setattr__\n",
    ),
    (
        "spinning threads never yield",
        "simthread.py",
        "SPINS_BEFORE_YIELD = 16",
        "SPINS_BEFORE_YIELD = 10**9",
    ),
    (
        "shared arrays keyed by file only",
        "arrays.py",
        "key = (caller.f_code.co_filename, caller.f_lineno)",
        "key = caller.f_code.co_filename",
    ),
    (
        "greenlet barrier passed one thread early",
        "greenlets.py",
        "if len(waiting) + 1 < self._unfinished:",
        "if len(waiting) + 2 < self._unfinished:",
    ),
    (
        "greenlet block keeps the last error, not the first",
        "greenlets.py",
        "                if self._error is None:\n"
        "                    exc = simthread.with_position(e, thread)",
        "                if True:\n"
        "                    exc = simthread.with_position(e, thread)",
    ),
    (
        "OS-thread barrier passed one thread early",
        "osthreads.py",
        "if len(self._waiting) + 1 < self._running:",
        "if len(self._waiting) + 2 < self._running:",
    ),
    (
        "OS-thread block ignores a thread's error",
        "osthreads.py",
        "            if error is not None:\n                if self._error",
        "            if False:\n                if self._error",
    ),
    (
        "meetings wait for exited lanes",
        "warp.py",
        "== meeting.mask & self.existing[warp] & ~self.exited[warp]\n",
        "== meeting.mask & self.existing[warp]\n",
    ),
    (
        "an exit completes no meeting",
        "warp.py",
        "if meeting.arrived == meeting.mask & active:",
        "if meeting.arrived == meeting.mask:",
    ),
    (
        "all_sync compares with the mask, not the lanes that came",
        "warp.py",
        "    came = meeting.arrived\n",
        "    came = meeting.mask\n",
    ),
    (
        "shfl_up_sync from lane 0 keeps its own value",
        "warp.py",
        "return _read(thread, meeting, source if source >= 0 else lane)",
        "return _read(thread, meeting, source if source > 0 else lane)",
    ),
    (
        "masks not sign-extended to int32",
        "warp.py",
        "return np.int32(bits - (1 << 32) if bits >> 31 else bits)",
        "return np.int64(bits)",
    ),
    (
        "no check of lanes waiting at different collectives",
        "warp.py",
        "                if other.mask & bit and other.arrived & mask:",
        "                if False:",
    ),
    (
        "a shuffle reads a lane that did not come",
        "warp.py",
        "    if meeting.arrived >> source & 1 and (",
        "    if True and (",
    ),
    (
        "a shuffle reads a lane outside its own mask",
        "warp.py",
        "        meeting.masks is None\n        or meeting.masks[",
        "        True\n        or meeting.masks[",
    ),
    (
        "masks that differ: votes count the lanes of every mask",
        "warp.py",
        "    return meeting.arrived & meeting.masks[thread.thread_id & 31]",
        "    return meeting.arrived",
    ),
    (
        "masks that differ: all_sync counts the lanes of every mask",
        "warp.py",
        "        came &= meeting.masks[thread.thread_id & 31]",
        "        pass",
    ),
    (
        "masks that differ: matches count the lanes of every mask",
        "warp.py",
        "        return self.arrived & self.masks[lane]",
        "        return self.arrived",
    ),
    (
        "masks that differ wait for the first mask only",
        "warp.py",
        "        self.mask |= mask",
        "        pass",
    ),
    (
        "matches compare the lanes that did not come",
        "warp.py",
        "if meeting.arrived >> i & 1:",
        "if meeting.mask >> i & 1:",
    ),
    (
        "lanemask_lt includes the caller",
        "warp.py",
        "return np.uint32((1 << (thread.thread_id & 31)) - 1)",
        "return np.uint32((1 << (thread.thread_id & 31 | 1)) - 1)",
    ),
    (
        "a kernel's print drops its end",
        "printing.py",
        "text = sep.join([str(arg) for arg in args]) + end",
        "text = sep.join([str(arg) for arg in args])",
    ),
    (
        "a failed install is not undone",
        "install.py",
        "        for patch in reversed(applied):\n            patch.undo()",
        "        for patch in reversed(applied):\n            pass",
    ),
    (
        "switched off, the simulator keeps the fix",
        "install.py",
        "        for patch in reversed(_patched.pop(kernel, ())):",
        "        for patch in ():",
    ),
    (
        "libdevice's stubs not put back",
        "libdevice.py",
        "        setattr(module, name, stub)",
        "        pass",
    ),
    (
        "the greenlet launcher does not report thread exits",
        "greenlets.py",
        "            exited(thread)",
        "            pass",
    ),
    (
        "GPU typing: lowering is not asked",
        "typingworker.py",
        "            self.lowering.get_function(function, signature)",
        "            pass",
    ),
    (
        "greenlets run under coverage's line tracer",
        "launcher.py",
        '    if mode() == "greenlet" and not _traces_per_os_thread():',
        '    if mode() == "greenlet":',
    ),
    (
        "pooled OS threads keep the tracer they started with",
        "osthreads.py",
        "        if block.trace_hook is not self._hook:",
        "        if False:",
    ),
    (
        "a forked child keeps its parent's worker pipes",
        "childworker.py",
        "    os.register_at_fork(after_in_child=_forget_after_fork)",
        "    pass",
    ),
    (
        "the compile check shares its worker with a forked child",
        "gpucheck.py",
        "    if _worker is None or _worker.worker.pid != os.getpid():",
        "    if _worker is None:",
    ),
    (
        "a kernel may assign numba.cuda's names",
        "cudamodule.py",
        "        _not_in_kernel(name, value)\n",
        "",
    ),
    (
        "GPU typing ignores the launch's setting",
        "gputyping.py",
        "        self.on = self.arithmetic and _broken is None",
        "        self.on = _broken is None",
    ),
    (
        "GPU typing: what the typing rejects runs",
        "gputyping.py",
        "        return _rejection(path, described, answer[1])",
        "        return untyped",
    ),
    (
        "GPU typing: arguments are not converted",
        "gputyping.py",
        "        None if _natural(d) == p else converter(p)",
        "        None",
    ),
    (
        "GPU typing: results are not converted",
        "gputyping.py",
        "    result_converter = converter(result)",
        "    result_converter = None",
    ),
    (
        "GPU typing: integers do not wrap around",
        "gputyping.py",
        "        return make(((int(value) + half) & mask) - half)",
        "        return make(int(value))",
    ),
    (
        "GPU typing: floats convert to integers rounding down",
        "gputyping.py",
        "max(math.trunc(value), info.min)",
        "max(math.floor(value), info.min)",
    ),
    (
        "typed arithmetic ignores the launch's setting",
        "arithmetic.py",
        "    if chosen is None or not chosen.gpu_typing:",
        "    if chosen is None:",
    ),
    (
        "typed arithmetic: operands not converted to numba's signature",
        "arithmetic.py",
        "        how = _operand(operands[i], c, t)",
        "        how = None",
    ),
    (
        "typed arithmetic: results not converted",
        "arithmetic.py",
        '        scope["_result"] = _result(result)\n'
        '        ret = "_result(r)"',
        '        ret = "r"',
    ),
    (
        "typed arithmetic: int64 results do not wrap",
        "arithmetic.py",
        '        ret = "r if -%d <= r < %d else _wrap64(r)" % (_INT64, _INT64)',
        '        ret = "r"',
    ),
    (
        "typed arithmetic: device functions run untyped",
        "arithmetic.py",
        "            typed_fn = typed(fn)",
        "            typed_fn = fn",
    ),
    (
        "typed arithmetic: a refused store is not converted",
        "arithmetic.py",
        "    converted = gputyping.converter(dtype.name)(value)",
        "    raise error",
    ),
    (
        "compile check: the worker's cuda.is_available() is the simulator's",
        "gpuworker.py",
        '        "is_available": _available,\n',
        "",
    ),
    (
        "compile check: the parent's sys.path is not sent",
        "gpucheck.py",
        "(payload, cc, numba_settings, sys.path)",
        "(payload, cc, numba_settings, None)",
    ),
    (
        "compile check: device functions rebuilt without their options",
        "gpuworker.py",
        "    dispatcher = cuda.jit(device=True, **options)(_in_its_file(fn))",
        "    dispatcher = cuda.jit(device=True)(_in_its_file(fn))",
    ),
    (
        "compile check: kernels compiled without their options",
        "gpuworker.py",
        "    dispatcher = cuda.jit(**options)(fn)",
        "    dispatcher = cuda.jit()(fn)",
    ),
    (
        "compile check: results kept by kernel, not argument types",
        "gpucheck.py",
        "    key = (fn, signature, settings.compile_cc(), declared.key)",
        "    key = (fn, (), settings.compile_cc(), declared.key)",
    ),
    (
        "compile cache: the name leaves out the argument types",
        "gpucheck.py",
        "        *_without_paths(payload), cc, sorted(numba_settings.items())",
        "        *_without_paths(dumps((_by_value(kernel.fn), (), "
        "declared.options))), cc, sorted(numba_settings.items())",
    ),
    (
        "compile cache: the name leaves out the options",
        "gpucheck.py",
        "        *_without_paths(payload), cc, sorted(numba_settings.items())",
        "        *_without_paths(dumps((_by_value(kernel.fn), signature, "
        "{}))), cc, sorted(numba_settings.items())",
    ),
    (
        "declared signatures convert nothing",
        "signatures.py",
        "            args = converted(declared, args)",
        "            pass",
    ),
    (
        "bit intrinsics count 64 bits whatever the type",
        "warp.py",
        "        width = value.dtype.itemsize * 8",
        "        width = 64",
    ),
    # The simulator's host API (issue 28): each runs its own test modules.
    (
        "cooperative limit: a block's threads not rounded to whole warps",
        "gridsync.py",
        "    rounded = -(-threads // warp) * warp",
        "    rounded = threads",
        ("test_gridsync",),
    ),
    (
        "a cooperative launch may have one block too many",
        "gridsync.py",
        "    if math.prod(grid_dim) > limit:",
        "    if math.prod(grid_dim) > limit + 1:",
        ("test_gridsync",),
    ),
    (
        "a grid group used in a device function is not seen",
        "gridsync.py",
        "    return any(_reaches_grid(_device_function(v), seen) for v in "
        "found)",
        "    return False",
        ("test_gridsync",),
    ),
    (
        "the blocks of a cooperative launch share shared memory",
        "gridsync.py",
        "                    block.view = _own_shared(view)",
        "                    block.view = view",
        ("test_gridsync",),
    ),
    (
        "a global array is read live, not frozen",
        "kernelinfo.py",
        "        made = value.copy()\n        made.setflags(write=False)",
        "        made = value",
        ("test_dispatcher",),
    ),
    (
        "several signatures: the first that converts, not the best",
        "kernelinfo.py",
        "if cost is not None and (best is None or cost < best[0]):",
        "if cost is not None and best is None:",
        ("test_dispatcher",),
    ),
    (
        "one signature: an integer array of another item size runs",
        "kernelinfo.py",
        "            and dtype.bitwidth == formal_dtype.bitwidth\n",
        "",
        ("test_dispatcher",),
    ),
    (
        "closure variables are read live",
        "kernelinfo.py",
        "                cells.append(types.CellType(frozen_value(contents, "
        "memo)))",
        "                cells.append(cell)",
        ("test_dispatcher",),
    ),
    (
        "device attributes: the drivers' other names unknown",
        "devicetable.py",
        "    return ATTRIBUTES[ALIASES.get(name, name)]",
        "    return ATTRIBUTES[name]",
        ("test_device",),
    ),
    (
        "each device object equal only to itself",
        "device.py",
        "    return type(other) is type(self) and other.id == self.id",
        "    return other is self",
        ("test_device",),
    ),
    (
        "equal device objects hash differently",
        "device.py",
        "    return hash(self.id)",
        "    return object.__hash__(self)",
        ("test_device",),
    ),
    (
        "a block of more threads than the device allows runs",
        "launchlimits.py",
        "    if threads > limit:",
        "    if False:",
        ("test_device",),
    ),
    (
        "static and dynamic shared memory not counted together",
        "launchlimits.py",
        "    if total + dynamic > limit:",
        "    if total > limit:",
        ("test_device",),
    ),
    (
        "a dynamic shared array has as many items as float64s",
        "launchlimits.py",
        "    count = _dynamic_size(shared) // dtype.itemsize",
        "    count = _dynamic_size(shared) // 8",
        ("test_device",),
    ),
    (
        "forall of no tasks launches a grid of no blocks",
        "launchlimits.py",
        "        if ntasks == 0:",
        "        if False:",
        ("test_device",),
    ),
    (
        "fma of float32, half, bfloat16 rounds twice",
        "numerics.py",
        "    if (p - (s - v)) + (z - v) == 0:",
        "    if True:",
        ("test_numerics",),
    ),
    (
        "float64 fma rounds twice (no math.fma)",
        "numerics.py",
        "                return _exact(x, y, z, fmt)",
        "                return x * y + z",
        ("test_numerics",),
    ),
    (
        "hfma computes in half, as upstream",
        "numerics.py",
        "    return np.float16(fused(_half(a), _half(b), _half(c), F16))",
        "    return np.float16(a) * np.float16(b) + np.float16(c)",
        ("test_numerics",),
    ),
    (
        "bfloat16 rounds toward zero",
        "numerics.py",
        '    return round_ratio(*x.as_integer_ratio(), "rn", BF16)',
        '    return round_ratio(*x.as_integer_ratio(), "rz", BF16)',
        ("test_numerics",),
    ),
    (
        "bfloat16 to an integer: NaN saturates",
        "numerics.py",
        "            return numpy_type(0)",
        "            return numpy_type(hi)",
        ("test_numerics",),
    ),
    (
        "an event made without timing can be timed",
        "hostcalls.py",
        "    self.timing = timing",
        "    self.timing = True",
        ("test_hostapi_more",),
    ),
    (
        "reduce: a step's result not kept at the array's type",
        "hostcalls.py",
        "            result = scalar(self._functor(result, value))",
        "            result = self._functor(result, value)",
        ("test_hostapi_more",),
    ),
    (
        "an array offering only the CUDA array interface reaches the "
        "kernel as it is",
        "hostcalls.py",
        "    if not any(_foreign_array(arg) for arg in args):",
        "    if True:",
        ("test_hostapi_more",),
    ),
    (
        "a ufunc's device array view keeps its memory's dtype",
        "hostcalls.py",
        "            if np.dtype(dtype) != gpu_data.dtype:",
        "            if False:",
        ("test_hostapi_more",),
    ),
]


def run_tests(launcher, tests=()):
    """True if the test package, or its modules ``tests``, pass in
    ``launcher``'s mode."""
    env = dict(
        os.environ,
        NUMBA_ENABLE_CUDASIM="1",
        NUMBA_CUDASIM_LAUNCHER=launcher,
        PYTHONPATH=os.path.join(ROOT, "src"),
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    if tests:
        command += ["-q", "-x", "-n", "0", "--pyargs"]
        command += ["cudasim_threadsafe.tests." + t for t in tests]
    else:
        command += ["-q", "-x", "-n", "2", "--pyargs"]
        command += ["cudasim_threadsafe.tests"]
    try:
        proc = subprocess.run(
            command, env=env, capture_output=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0


def mutate(module, snippet, replacement):
    """Apply one mutation; the original source, to put back."""
    path = module_path(module)
    with open(path) as f:
        source = f.read()
    if source.count(snippet) != 1:
        raise SystemExit("%s: snippet not found once: %r" % (module, snippet))
    with open(path, "w") as f:
        f.write(source.replace(snippet, replacement))
    return source


def passes(tests):
    return run_tests("greenlet", tests) and run_tests("threads", tests)


def main(names):
    chosen = [m for m in MUTATIONS if not names or m[0] in names]
    for tests in {tuple(m[4:5] and m[4]) for m in chosen}:
        if not passes(tests):
            raise SystemExit(
                "the tests fail without any mutation: %s"
                % (", ".join(tests) or "cudasim_threadsafe.tests")
            )
    survivors = []
    for name, module, snippet, replacement, *tests in chosen:
        start = time.perf_counter()
        original = mutate(module, snippet, replacement)
        try:
            caught = not passes(tuple(tests and tests[0]))
        finally:
            with open(module_path(module), "w") as f:
                f.write(original)
        seconds = time.perf_counter() - start
        print(
            "%-9s %-60s %5.1f s"
            % ("caught" if caught else "SURVIVED", name, seconds),
            flush=True,
        )
        if not caught:
            survivors.append(name)
    print("%d mutations, %d survived" % (len(chosen), len(survivors)))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
