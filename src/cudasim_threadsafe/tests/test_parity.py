"""The simulator against the real target's ``numba.cuda``: every name a
kernel can use is there, so that the next release's additions are seen."""

import functools
import unittest

from cudasim_threadsafe.cli import parity


@functools.lru_cache(maxsize=None)
def _report():
    # Once per process: numba's parallel runner calls no setUpClass.
    return parity.report()


class TestParity(unittest.TestCase):
    def setUp(self):
        self.rows = _report()
        self.by_name = {
            name: (kind, status) for name, kind, status in self.rows
        }

    def test_no_kernel_side_name_missing(self):
        self.assertEqual(
            parity.kernel_gaps(self.rows),
            [],
            "kernel-side names of the real target missing from the simulator",
        )

    def test_known_names(self):
        self.assertEqual(self.by_name["threadIdx"], ("kernel", "provided"))
        self.assertEqual(self.by_name["local"], ("kernel", "provided"))
        self.assertEqual(self.by_name["jit"], ("host", "provided"))
        self.assertEqual(self.by_name["as_cuda_array"], ("host", "provided"))
        self.assertEqual(self.by_name["os"], ("import", "n/a"))
        self.assertEqual(self.by_name["MemoryPointer"], ("driver", "n/a"))

    def test_warp_intrinsics(self):
        for name in ("shfl_sync", "ballot_sync", "syncwarp", "activemask"):
            self.assertEqual(self.by_name[name], ("kernel", "provided"))
        # numba's built-in target only: what its warp functions call.
        for name in ("shfl_sync_intrinsic", "vote_sync_intrinsic"):
            if name in self.by_name:
                self.assertEqual(self.by_name[name], ("kernel", "provided"))

    def test_a_new_kernel_name_is_seen(self):
        class Stub:
            pass

        class new_intrinsic(Stub):
            """What a release adds to numba.cuda.stubs."""

        kind = parity.category("new_intrinsic", new_intrinsic)
        rows = self.rows + [("new_intrinsic", kind, "missing")]
        self.assertEqual(parity.kernel_gaps(rows), ["new_intrinsic"])

    def test_every_category_has_a_reason(self):
        kinds = {kind for _, kind, _ in self.rows}
        self.assertLessEqual(
            kinds, {"kernel", "host"} | set(parity.NOT_APPLICABLE)
        )
        for name, kind, status in self.rows:
            if status == "n/a":
                self.assertIn(kind, parity.NOT_APPLICABLE, name)


if __name__ == "__main__":
    unittest.main()
