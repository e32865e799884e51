"""Simulator benchmarks: the fix off and on, side by side in one run.

    python benchmarks/run.py [--repeat N] [--json FILE]

Each workload (see ``workloads.py``) runs in fresh child processes: with the
CUDA simulator and the fix off (the installed numba's own simulator), with
the fix on, and as plain sequential Python (the floor). The runs are
interleaved and each is repeated; the table shows the best rate of each,
and the ratios between them. Rates, not seconds, so higher is better. A
run that fails (upstream's simulator can, at random) counts as no rate.
"""

import argparse
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ("device_calls", "reduction", "launches", "big_block")
MODES = ("floor", "off", "on")


def run_child(workload, mode, timeout=None):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["CUDASIM_THREADSAFE"] = "0" if mode == "off" else "1"
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
    for dist in ("numba", "numba-cuda", "cudasim-threadsafe"):
        try:
            found.append("%s %s" % (dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def measure(repeat, timeout=None):
    results = {}
    for workload in WORKLOADS:
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
        "| workload | unit | floor /s | fix off /s | fix on /s "
        "| on / off | on / floor |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for workload, best in results.items():
        floor, off, on = (best[m]["rate"] for m in MODES)
        lines.append(
            "| %s | %s | %s | %s | %s | %s | %s |"
            % (
                workload,
                best["on"].get("unit", ""),
                _rate(floor),
                _rate(off),
                _rate(on),
                "%.1fx" % (on / off) if off else "-",
                "%.2f" % (on / floor) if floor else "-",
            )
        )
    big = results.get("big_block")
    if big and big["off"]["rate"] and big["on"]["rate"]:
        lines.append("")
        lines.append(
            "1024-thread block: %.1f ms fix off, %.1f ms fix on; peak memory "
            "added %d KiB fix off, %d KiB fix on."
            % (
                1e3 / big["off"]["rate"],
                1e3 / big["on"]["rate"],
                big["off"]["peak_kib"],
                big["on"]["peak_kib"],
            )
        )
    launches = results.get("launches")
    if launches and launches["off"]["rate"] and launches["on"]["rate"]:
        lines.append(
            "Launch overhead (1 x 32 kernel): %.2f ms fix off, %.2f ms fix on."
            % (1e3 / launches["off"]["rate"], 1e3 / launches["on"]["rate"])
        )
    return "\n".join(lines)


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
    args = parser.parse_args(argv)
    print(
        "%s; Python %s; %s; %d CPUs"
        % (
            versions(),
            platform.python_version(),
            platform.machine(),
            os.cpu_count(),
        )
    )
    results = measure(args.repeat, args.timeout)
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
