"""The simulator against the real target's ``numba.cuda``: every name a
kernel can use is there, so that the next release's additions are seen."""

import functools
import unittest

from cudasim_threadsafe.cli import parity


@functools.lru_cache(maxsize=None)
def _children():
    # Once per process: numba's parallel runner calls no setUpClass.
    return parity.run_children()


class TestParity(unittest.TestCase):
    def setUp(self):
        self.rows = parity.report(_children())
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


class TestAreas(unittest.TestCase):
    """The report's API areas: each listed with its state on this numba,
    a probe that fails reported, not raised."""

    def setUp(self):
        self.rows = parity.areas(_children())

    def test_every_area_listed_in_order(self):
        self.assertEqual(
            [key for key, _, _, _ in self.rows],
            [key for key, _, _ in parity.AREAS],
        )
        self.assertGreaterEqual(len(self.rows), 19)

    def test_states(self):
        for key, _, state, detail in self.rows:
            self.assertIn(state, ("works", "wrong", "fails", "lacks"), key)
            self.assertEqual(state == "works", not detail, key)

    def test_areas_done_here_work(self):
        by_key = {key: state for key, _, state, _ in self.rows}
        for key in ("reduce", "events", "cai-arguments", "vectorize"):
            self.assertIn(by_key[key], ("works", "lacks"), key)

    def test_a_failing_probe_is_reported(self):
        def raises():
            raise ValueError("no   such\nthing")

        self.assertEqual(
            parity.probe(raises), ("fails", "ValueError: no such thing")
        )
        self.assertEqual(parity.probe(lambda: "got 2"), ("wrong", "got 2"))
        self.assertEqual(parity.probe(lambda: None), ("works", ""))

    def test_what_the_real_target_lacks(self):
        import numba.cuda as cuda

        self.assertTrue(parity._has(cuda, "jit"))
        self.assertTrue(parity._has(cuda, "jit(device)"))
        self.assertFalse(parity._has(cuda, "jit(no_such_option)"))
        self.assertFalse(parity._has(cuda, "no_such_name"))

    def test_printed(self):
        import io

        out = io.StringIO()
        parity.print_areas(self.rows, out)
        for key, _, state, _ in self.rows:
            self.assertRegex(out.getvalue(), r"\b%s +%s\b" % (key, state))


if __name__ == "__main__":
    unittest.main()
