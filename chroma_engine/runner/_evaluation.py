"""Scoring a stage's output frame by frame, honestly: held-out frames kept apart from trained ones.

- Luma identity: max |dY'| between output and scan, on the output before any encoding.
- Chroma distance to the reference (warped into scan geometry, inside the training mask), separately
  on trained and held-out frames.
- Mean CIEDE2000 against TRUTH (scan luma + clean chroma, synthetic shots) on held-out frames only.
- Frame-to-frame chroma flicker (mean |dCbCr| between consecutive frames, 1/4 resolution).
Baselines that change luma (the LUT, the balanced scan) are scored on their chroma over the scan's
luma (``chroma_only``), exactly as the V4 composite shows them.
"""

from __future__ import annotations

import threading

import numpy as np

from schemas import AlignmentRecord, CurationRecord

from ..colour import recombine, rgb_to_ycbcr
from ._context import ShotContext

#: Held-out frames scored against the reference/truth (evenly spread) — the rest only for luma/flicker.
MAX_HELD_OUT = 12


def evaluation_frames(ctx: ShotContext, curation: CurationRecord) -> tuple[set[int], set[int]]:
    """(trained frames, held-out frames to score) — held-out always includes the preview frame."""
    trained = set(curation.training_frames)
    others = [f for f in ctx.job.media.source.frames if f not in trained]
    step = max(1, len(others) // MAX_HELD_OUT)
    held = set(others[::step][:MAX_HELD_OUT]) | {curation.preview_frame}
    return trained, held


class FrameScorer:
    """Accumulates per-frame metrics of one method (``ml``, ``lut`` or ``bal``)."""

    def __init__(self, ctx: ShotContext, curation: CurationRecord, alignment: AlignmentRecord, name: str):
        self.ctx, self.curation, self.alignment, self.name = ctx, curation, alignment, name
        self.trained, self.held_out = evaluation_frames(ctx, curation)
        self.luma_max = 0.0
        self.chroma_trained: list[float] = []
        self.chroma_held: list[float] = []
        self.de_truth: list[float] = []
        self.grain: list[float] = []
        self._thumbs: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def add(
        self,
        frame: int,
        scan: np.ndarray,
        out: np.ndarray,
        chroma_only: bool = False,
        check_luma: bool = True,
    ) -> None:
        from ..alignment import training_mask, warp_reference
        from ..metrics import chroma_distance, delta_e00, grain_noise_power_ratio, luma_identity

        scored = recombine(scan, out) if chroma_only else out
        small = rgb_to_ycbcr(scored[::4, ::4])[..., 1:]
        with self._lock:  # frames may arrive from several worker threads, in any order
            if check_luma:
                self.luma_max = max(self.luma_max, float(luma_identity(scored, scan)))
            self._thumbs[frame] = small
        if frame not in self.trained and frame not in self.held_out:
            return
        mask = training_mask(self.alignment, frame, scan.shape)
        ref_frame = self.curation.reference_frame_for(frame)
        if self.ctx.reference.ref.first_frame <= ref_frame <= self.ctx.reference.ref.last_frame:
            warped = warp_reference(self.ctx.reference.read(ref_frame), self.alignment, scan.shape)
            distance = float(chroma_distance(scored, warped, mask))
            with self._lock:
                (self.chroma_trained if frame in self.trained else self.chroma_held).append(distance)
        if frame in self.held_out and self.ctx.truth is not None:
            crop = self._crop_mask(frame, scan.shape)
            value = float(delta_e00(scored, self.ctx.truth.read(frame), crop))
            with self._lock:
                self.de_truth.append(value)
        if frame in self.held_out and len(self.grain) < 3 and check_luma:
            ratio = float(grain_noise_power_ratio(scored, scan))
            with self._lock:
                self.grain.append(ratio)

    @property
    def flicker(self) -> list[float]:
        """Mean |dCbCr| between consecutive frames (1/4 resolution), in frame order."""
        frames = sorted(self._thumbs)
        return [
            float(np.abs(self._thumbs[b] - self._thumbs[a]).mean())
            for a, b in zip(frames, frames[1:], strict=False)
            if b == a + 1 and self._thumbs[a].shape == self._thumbs[b].shape
        ]

    def _crop_mask(self, frame: int, shape: tuple[int, ...]) -> np.ndarray:
        box = self.alignment.crop_for_frame(frame)
        height = shape[0]
        mask = np.zeros(shape[:2], bool)
        mask[max(0, height - box.t) : height - box.y, box.x : box.r] = True
        return mask

    def summary(self) -> dict[str, float]:
        """Named means; empty lists are left out rather than reported as zero."""
        n = self.name
        out: dict[str, float] = {}
        if self.name != "bal":
            out[f"{n}_luma_max_abs_dY"] = self.luma_max
        for key, values in (
            ("chroma_dist_trained", self.chroma_trained),
            ("chroma_dist_heldout", self.chroma_held),
            ("de00_truth_heldout", self.de_truth),
            ("chroma_flicker", self.flicker),
            ("grain_nps_ratio", self.grain),
        ):
            if values:
                out[f"{n}_{key}"] = float(np.mean(values))
        out[f"{n}_heldout_frames_scored"] = float(len(self.held_out))
        return out
