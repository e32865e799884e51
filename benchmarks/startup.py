"""What the startup hook adds to every Python start-up.

Run with the interpreter of an environment where the package is installed.
Reports, side by side in one run, the median wall time of ``python -c pass``
and the median import time of the hook (``-X importtime``), and their ratio.
The budget is 10%.
"""

import re
import statistics
import subprocess
import sys
import time

RUNS = 25


def wall():
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def hook_import():
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "pass"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    # The hook's top-level entry: cumulative microseconds, package included.
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s+(\S+)$", line)
        if m and m.group(2) == "cudasim_threadsafe._startup":
            return int(m.group(1)) * 1e-6
    raise SystemExit("the startup hook was not imported: is it installed?")


def main():
    walls, hooks = [], []
    for _ in range(RUNS):
        walls.append(wall())
        hooks.append(hook_import())
    w, h = statistics.median(walls), statistics.median(hooks)
    print("python -c pass      %6.2f ms (median of %d)" % (w * 1e3, RUNS))
    print("startup hook import %6.2f ms" % (h * 1e3))
    print("hook / start-up     %6.1f %%  (budget 10 %%)" % (100 * h / w))


if __name__ == "__main__":
    main()
