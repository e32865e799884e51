"""Simulator benchmarks: every mode side by side in one run.

    python benchmarks/run.py [--repeat N] [--timeout S] [--json FILE]
        [WORKLOAD ...]

Each workload (see ``workloads.py``) runs in fresh child processes: as
plain sequential Python (the floor), on the CUDA simulator with the fix off
(the installed numba's own simulator, ``CUDASIM_THREADSAFE=0``), and with
the fix on in each launcher mode (``NUMBA_CUDASIM_LAUNCHER=threads``, then
``greenlet``), in the greenlet mode with every check of the sanitizer
on (``NUMBA_CUDASIM_SANITIZER=all``), and in the greenlet mode with GPU
typing off (``NUMBA_CUDASIM_GPU_TYPING=0``, what typing costs). The runs
are interleaved and each is repeated; the table shows the best rate of
each, and the ratios between them. Rates, not seconds, so higher is
better. A run that fails (upstream's simulator can, at random) counts as
no rate.
"""

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = (
    "many_threads",
    "device_calls",
    "reduction",
    "warp_sums",
    "launches",
    "big_block",
    "many_blocks",
    "first_shuffle",
)
MODES = ("floor", "off", "threads", "greenlet", "sanitizer", "untyped")
# The simulator modes, as the table names them.
SIMULATED = (
    ("off", "fix off"),
    ("threads", "threads"),
    ("greenlet", "greenlet"),
)


def run_child(workload, mode, timeout=None):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["CUDASIM_THREADSAFE"] = "0" if mode == "off" else "1"
    env.pop("NUMBA_CUDASIM_SANITIZER", None)
    env.pop("NUMBA_CUDASIM_GPU_TYPING", None)
    if mode in ("threads", "greenlet"):
        env["NUMBA_CUDASIM_LAUNCHER"] = mode
    elif mode == "untyped":
        env["NUMBA_CUDASIM_LAUNCHER"] = "greenlet"
        env["NUMBA_CUDASIM_GPU_TYPING"] = "0"
    elif mode == "sanitizer":
        env["NUMBA_CUDASIM_LAUNCHER"] = "greenlet"
        env["NUMBA_CUDASIM_SANITIZER"] = "all"
    else:
        env.pop("NUMBA_CUDASIM_LAUNCHER", None)
    try:
        proc = subprocess.run(
            [
                sys.executable,
                os.path.join(HERE, "workloads.py"),
                workload,
                mode,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s %s timed out" % (workload, mode)) from None
    if proc.returncode:
        raise RuntimeError(
            "%s %s failed:\n%s" % (workload, mode, proc.stderr[-3000:])
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def versions():
    from importlib import metadata

    found = []
    for dist in ("numba", "numba-cuda", "cudasim-threadsafe", "greenlet"):
        try:
            found.append("%s %s" % (dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def measure(repeat, timeout=None, workloads=WORKLOADS):
    results = {}
    for workload in workloads:
        best = {}
        for _ in range(repeat):
            for mode in MODES:
                try:
                    r = run_child(workload, mode, timeout)
                except RuntimeError as e:
                    # Upstream's simulator can fail at random (its race), or
                    # crawl under its per-module lock.
                    print(str(e).splitlines()[-1], file=sys.stderr)
                    best.setdefault(mode, {"rate": 0.0, "peak_kib": 0})
                    continue
                rate = r["count"] / r["seconds"]
                if mode not in best or rate > best[mode]["rate"]:
                    best[mode] = dict(r, rate=rate)
                # Memory is a peak: report the highest seen.
                best[mode]["peak_kib"] = max(
                    best[mode]["peak_kib"], r["peak_kib"]
                )
        results[workload] = best
    return results


def table(results):
    lines = [
        "| workload | unit | floor /s | fix off /s | threads /s "
        "| greenlet /s | greenlet / off | threads / off | greenlet / floor "
        "| sanitizer cost | typing cost |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for workload, best in results.items():
        rates = [best[m]["rate"] for m in MODES]
        floor, off, threads, green, sanitized, untyped = rates
        unit = next((best[m]["unit"] for m in MODES if "unit" in best[m]), "")
        lines.append(
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
            % (
                workload,
                unit,
                _rate(floor),
                _rate(off),
                _rate(threads),
                _rate(green),
                _ratio(green, off, "%.1fx"),
                _ratio(threads, off, "%.1fx"),
                _ratio(green, floor, "%.3f"),
                # How many times longer the sanitizer takes than greenlet.
                _ratio(green, sanitized, "%.1fx"),
                # How many times longer GPU typing (on by default) takes.
                _ratio(untyped, green, "%.2fx"),
            )
        )
    lines.append("")
    big = results.get("big_block")
    if big:
        lines.append(
            "1024-thread block: %s; peak memory added %s."
            % (
                ", ".join(
                    "%s %s" % (_ms(big[m]["rate"]), label)
                    for m, label in SIMULATED
                ),
                ", ".join(
                    "%s %s" % (_kib(big[m]), label) for m, label in SIMULATED
                ),
            )
        )
    launches = results.get("launches")
    if launches:
        lines.append(
            "Launch overhead (1 x 32 kernel): %s."
            % ", ".join(
                "%s %s" % (_ms(launches[m]["rate"], 2), label)
                for m, label in SIMULATED
            )
        )
    return "\n".join(lines)


def _ratio(a, b, fmt):
    return fmt % (a / b) if a and b else "-"


def _kib(result):
    return "%d KiB" % result["peak_kib"] if result["rate"] else "failed"


def _ms(rate, digits=1):
    return "%.*f ms" % (digits, 1e3 / rate) if rate else "failed"


def _rate(rate):
    if not rate:
        return "failed"
    return "{:,.0f}".format(rate) if rate >= 100 else "%.1f" % rate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument(
        "--timeout",
        type=float,
        help="seconds a run may take before it counts as failed (upstream's "
        "per-module lock can make the fix-off device calls take minutes)",
    )
    parser.add_argument(
        "workloads",
        nargs="*",
        metavar="WORKLOAD",
        help="run only these (default: all of %s)" % ", ".join(WORKLOADS),
    )
    args = parser.parse_args(argv)
    for name in args.workloads:
        if name not in WORKLOADS:
            parser.error("unknown workload %s" % name)
    print(
        "%s; Python %s; %s; %d CPUs"
        % (
            versions(),
            platform.python_version(),
            platform.machine(),
            os.cpu_count(),
        )
    )
    if importlib.util.find_spec("greenlet") is None:
        print(
            "greenlet is not installed: the greenlet runs fall back to threads"
        )
    results = measure(args.repeat, args.timeout, args.workloads or WORKLOADS)
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
