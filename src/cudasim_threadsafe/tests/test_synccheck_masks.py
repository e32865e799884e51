"""synccheck on warp collectives whose lanes came with different masks.

The simulator runs such lanes as one collective (``test_warp``'s
``TestMasksTakenApart``); synccheck reports it. Masks that differ only in
lanes that have exited (taken by ``activemask()`` before and after a lane
returned, as CuBIE's integration kernel does) give every lane the result
of equal masks: a warning, and the launch goes on. Masks that differ in
lanes that have not exited leave the results undefined: an error.
"""

import warnings

import numpy as np
from numba.cuda.testing import CUDATestCase, skip_unless_cudasim

import cudasim_threadsafe as cts

from . import warpkernels
from .modes import launcher
from .warpreferences import LAUNCHERS, Layout, low, ref_masks_taken_apart


@skip_unless_cudasim("Tests the CUDA simulator's sanitizer")
class TestMaskMismatch(CUDATestCase):
    def warnings_of(self, launch):
        """The texts of the ``SanitizerWarning``s that ``launch`` issues
        with synccheck on."""
        with (
            cts.sanitizer("synccheck"),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            launch()
        return [
            str(w.message)
            for w in caught
            if issubclass(w.category, cts.SanitizerWarning)
        ]

    def test_masks_differing_in_exited_lanes_warn(self):
        layout = Layout((2,), (64,))
        values = np.arange(layout.n, dtype=np.int32) % 5 - 1
        expected = ref_masks_taken_apart(layout, 10, values)
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                out = np.full((8, layout.n), -1, np.int64)
                found = self.warnings_of(
                    lambda: layout.launch(
                        warpkernels.masks_taken_apart, 10, values, out
                    )
                )
                np.testing.assert_array_equal(low(out), low(expected))
                self.assertEqual(len(found), 1)
                for part in (
                    "[synccheck] warp mask mismatch",
                    "with mask 0x0000ffff at ",
                    "which names lanes [10]; lanes [0-7] came with mask "
                    "0x0000fbff",
                    "they differ only in lanes [10], which had exited",
                ):
                    self.assertIn(part, found[0])

    def test_equal_masks_with_an_exited_lane_are_clean(self):
        # One mask taken before lane 3 left: no mismatch at all.
        layout = Layout((1,), (32,))
        values = np.arange(32, dtype=np.int64)
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                out = np.full(32, 0x5A5A, np.int64)
                found = self.warnings_of(
                    lambda: layout.launch(
                        warpkernels.one_lane_leaves, 0, 3, True, values, out
                    )
                )
                self.assertEqual(found, [])

    def test_masks_differing_in_live_lanes_are_errors(self):
        values = np.arange(32, dtype=np.int64) % 3
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                out = np.zeros((2, 32), np.int64)
                with (
                    cts.sanitizer("synccheck"),
                    self.assertRaises(cts.SanitizerError) as caught,
                ):
                    warpkernels.overlapping_masks[1, 32](values, out)
                message = str(caught.exception)
                for part in (
                    "[synccheck] warp mask mismatch",
                    "lanes [0-15] met at ballot_sync with mask 0xffffffff",
                    "which names lanes [1-15]; lanes [16-31] came with "
                    "mask 0xffff0001",
                    "they differ in lanes [1-15], which have not exited",
                ):
                    self.assertIn(part, message)

    def test_named_lane_that_left_with_a_mask_differing_in_exited_lanes(self):
        # Lane 31 synced with the full mask and returned; the others sync
        # with a mask naming it: the GPU may match the two, whose masks
        # differ only in lane 30, which had exited: a warning.
        for name in LAUNCHERS:
            with self.subTest(launcher=name), launcher(name):
                out = np.zeros(32, np.int64)
                found = self.warnings_of(
                    lambda: warpkernels.named_lane_left_with_another_mask[
                        1, 32
                    ](out)
                )
                np.testing.assert_array_equal(out[:30], 1)
                self.assertEqual(len(found), 1, found)
                for part in (
                    "[synccheck] warp mask mismatch",
                    "lanes [0-29] met at syncwarp with mask 0xbfffffff",
                    "which names lane 31; lane 31 executed syncwarp with "
                    "mask 0xffffffff",
                    "only in lanes [30], which have exited since",
                ):
                    self.assertIn(part, found[0])
