"""The reproducers: regression tests that fail on the upstream simulator.

``python -m cudasim_threadsafe.cli.reproduce`` runs them in this process and
prints one JSON object, test id to outcome; ``__main__`` runs that twice,
with the fix off and on.
"""

import json
import sys
import unittest

T = "cudasim_threadsafe.tests."

# (test id, what it shows, which upstream simulators it fails on)
# "all": every upstream simulator; "unlocked": those without numba-cuda
# 0.25's per-module lock (numba's built-in one, numba-cuda < 0.25);
# None: a check that upstream passes too, kept for comparison.
REPRODUCERS = [
    (
        T + "test_race.TestSharedGlobalsRace"
        ".test_thread_leaving_module_does_not_break_other",
        "one thread leaves a device module another is in",
        "unlocked",
    ),
    (
        T + "test_access.TestAccessPaths.test_closure_captured_cuda",
        "`cuda` captured in a closure",
        "all",
    ),
    (
        T + "test_access.TestAccessPaths.test_attribute_path",
        "`numba.cuda.threadIdx` in a device function",
        "all",
    ),
    (
        T + "test_access.TestAccessPaths.test_attribute_path_in_kernel",
        "`numba.cuda.threadIdx` in a kernel",
        "all",
    ),
    (
        T + "test_access.TestHostThreads.test_concurrent_launches",
        "4 host threads launch kernels at once",
        "all",
    ),
    (
        T + "test_access.TestHostThreads.test_host_uses_cuda_while_kernel_runs",
        "host thread uses `cuda` while a kernel runs",
        "all",
    ),
    (
        T + "test_access.TestHostThreads.test_message_outside_kernel",
        "`cuda.local` outside a kernel says why",
        "all",
    ),
    (
        T + "test_access.TestHostThreads.test_no_thread_alive_after_exception",
        "no simulated thread alive after an exception",
        "all",
    ),
    (
        T + "test_hostapi.TestArrayInterface.test_round_trip_shares_memory",
        "host interop names (`cuda.as_cuda_array`, ...)",
        "all",
    ),
    (
        T + "test_libdevice.TestLibdevice.test_functions_compute_in_a_kernel",
        "`numba.cuda.libdevice` functions compute in a kernel",
        "all",
    ),
    (
        T + "test_warp.TestWarpIntrinsics.test_shuffles",
        "warp shuffles (`cuda.shfl_down_sync`, ...)",
        "all",
    ),
    (
        T + "test_warp.TestWarpIntrinsics.test_votes",
        "warp votes (`cuda.ballot_sync`, ...)",
        "all",
    ),
    (
        T + "test_warp.TestWarpIntrinsics.test_matches",
        "warp matches (`cuda.match_any_sync`, ...)",
        "all",
    ),
    (
        T + "test_warp.TestWarpIntrinsics.test_activemask_and_lanemask_lt",
        "`cuda.activemask`, `cuda.lanemask_lt`",
        "all",
    ),
    (
        T + "test_warp.TestExitedLanes.test_votes_from_two_call_sites_meet",
        "warp votes wait only for lanes not exited (PTX)",
        "all",
    ),
    (
        T + "test_reload.TestReload.test_switched_on",
        "simulator switched on by `importlib.reload(numba.cuda)`",
        "all",
    ),
    (
        T + "test_access.TestAccessPaths.test_alias",
        "`from numba import cuda as gpu` (upstream handles it)",
        None,
    ),
    (
        T + "test_stress.TestStress.test_early_return_many_launches",
        "early-return kernel, 300 launches, switch interval 1us",
        None,
    ),
]


def upstream_has_lock(numba_cuda_version):
    """Whether numba-cuda serializes its global swap (0.25 and later)."""
    if not numba_cuda_version:
        return False
    major, minor = (int(p) for p in numba_cuda_version.split(".")[:2])
    return (major, minor) >= (0, 25)


def expected_to_fail(kind, numba_cuda_version):
    """Whether a reproducer of ``kind`` must fail on this upstream."""
    if kind == "all":
        return True
    if kind == "unlocked":
        return not upstream_has_lock(numba_cuda_version)
    return False


def run(ids):
    """Run tests by id; return {id: "pass" | "FAIL" | "skip"}."""
    outcome = {}
    for test_id in ids:
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromName(test_id).run(result)
        if result.failures or result.errors:
            outcome[test_id] = "FAIL"
        elif result.skipped:
            outcome[test_id] = "skip"
        else:
            outcome[test_id] = "pass"
    return outcome


def main():
    ids = sys.argv[1:] or [r[0] for r in REPRODUCERS]
    print(json.dumps(run(ids)))


if __name__ == "__main__":
    main()
