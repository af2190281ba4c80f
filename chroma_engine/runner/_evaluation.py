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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from schemas import AlignmentRecord, CurationRecord

from ..colour import recombine, rgb_to_ycbcr
from ._context import ShotContext

#: Held-out frames scored against the reference/truth (spread over the shot) — the rest only for
#: luma/flicker.
MAX_HELD_OUT = 12


@dataclass(frozen=True)
class HeldOut:
    """The frames a shot is scored on, and how far they lie from what the model was trained on.

    Attributes:
        frames: the scored frames, in order.
        gap: the distance (frames) each must keep from every training frame: ``temporal_radius + 1``, so
            that no scored frame's temporal mean contains a training scan.
        min_distance: the smallest distance of a scored frame from a training frame; below ``gap`` only
            when the shot is too short to hold any frame that far (then the farthest frames are scored).
    """

    frames: tuple[int, ...]
    gap: int
    min_distance: int

    @property
    def honest(self) -> bool:
        """Every scored frame keeps ``gap`` from every training frame."""
        return self.min_distance >= self.gap


def held_out_frames(
    frames: Sequence[int], trained: Sequence[int], radius: int, limit: int = MAX_HELD_OUT
) -> HeldOut:
    """The frames to score: at least ``radius + 1`` frames from every training frame (so neither the frame
    nor its temporal mean's neighbours were trained on), at most ``limit`` of them, evenly spread over
    those candidates (so over the shot). A shot too short for any such frame scores its farthest frames.
    """
    taken = set(trained)
    gap = radius + 1
    distance = {f: min((abs(f - t) for t in taken), default=len(frames)) for f in frames if f not in taken}
    if not distance:
        return HeldOut((), gap, 0)
    need = min(gap, max(distance.values()))
    candidates = sorted(f for f, d in distance.items() if d >= need)
    picks = np.unique(np.round(np.linspace(0, len(candidates) - 1, min(limit, len(candidates)))).astype(int))
    chosen = tuple(candidates[i] for i in picks)
    return HeldOut(chosen, gap, min(distance[f] for f in chosen))


def evaluation_frames(ctx: ShotContext, curation: CurationRecord) -> tuple[set[int], set[int]]:
    """(trained frames, held-out frames to score): ``held_out_frames`` with the job's temporal radius."""
    return set(curation.training_frames), set(shot_held_out(ctx, curation).frames)


def shot_held_out(ctx: ShotContext, curation: CurationRecord) -> HeldOut:
    """``held_out_frames`` of a shot: its frames, its training frames, the job's temporal radius."""
    frames, radius = ctx.job.media.source.frames, ctx.job.training.temporal_radius
    return held_out_frames(frames, curation.training_frames, radius)


#: Held-out frames whose grain noise power is measured (the first ones, in frame order).
GRAIN_FRAMES = 3


class FrameScorer:
    """Accumulates per-frame metrics of one method (``ml``, ``lut`` or ``bal``).

    Frames may arrive from several threads in any order, or be scored in separate processes (farm
    chunks) and merged with ``state``/``absorb``: every value is kept per frame, and flicker pairs are
    computed as soon as both neighbours' thumbnails exist (thumbnails no longer needed are dropped).
    """

    def __init__(self, ctx: ShotContext, curation: CurationRecord, alignment: AlignmentRecord, name: str):
        self.ctx, self.curation, self.alignment, self.name = ctx, curation, alignment, name
        self.held = shot_held_out(ctx, curation)
        self.trained, self.held_out = set(curation.training_frames), set(self.held.frames)
        self.grain_frames = set(sorted(self.held_out)[:GRAIN_FRAMES])
        self.per_frame: dict[int, dict[str, float]] = {}
        self._thumbs: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def _record(self, frame: int, key: str, value: float) -> None:
        with self._lock:
            self.per_frame.setdefault(frame, {})[key] = float(value)

    def _thumb(self, frame: int, small: np.ndarray) -> None:
        """Keep ``frame``'s CbCr thumbnail; compute flicker with whichever neighbour is present."""
        with self._lock:
            self._thumbs[frame] = small
            self.per_frame.setdefault(frame, {})
            for a, b in ((frame - 1, frame), (frame, frame + 1)):
                ta, tb = self._thumbs.get(a), self._thumbs.get(b)
                if ta is not None and tb is not None and ta.shape == tb.shape:
                    self.per_frame.setdefault(b, {})["flicker"] = float(np.abs(tb - ta).mean())
            for g in (frame - 1, frame, frame + 1):  # drop thumbnails whose two pairs are done
                if g in self._thumbs and g - 1 in self.per_frame and g + 1 in self.per_frame:
                    if "flicker" in self.per_frame[g] and "flicker" in self.per_frame[g + 1]:
                        del self._thumbs[g]

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
        if check_luma:
            self._record(frame, "luma", float(luma_identity(scored, scan)))
        self._thumb(frame, rgb_to_ycbcr(scored[::4, ::4])[..., 1:])
        if frame not in self.trained and frame not in self.held_out:
            return
        mask = training_mask(self.alignment, frame, scan.shape)
        ref_frame = self.curation.reference_frame_for(frame)
        if self.ctx.reference.ref.first_frame <= ref_frame <= self.ctx.reference.ref.last_frame:
            warped = warp_reference(self.ctx.reference.read(ref_frame), self.alignment, scan.shape)
            self._record(frame, "chroma", float(chroma_distance(scored, warped, mask)))
        if frame in self.held_out and self.ctx.truth is not None:
            crop = self._crop_mask(frame, scan.shape)
            self._record(frame, "de_truth", float(delta_e00(scored, self.ctx.truth.read(frame), crop)))
        if frame in self.grain_frames and check_luma:
            self._record(frame, "grain", float(grain_noise_power_ratio(scored, scan)))

    def state(self) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
        """(per-frame values, remaining thumbnails), JSON/npz-ready, for merging elsewhere."""
        with self._lock:
            values = {str(f): dict(v) for f, v in self.per_frame.items()}
            thumbs = {str(f): t for f, t in self._thumbs.items()}
        return values, thumbs

    def absorb(self, values: dict[str, dict[str, float]], thumbs: dict[str, np.ndarray]) -> None:
        """Merge another scorer's ``state`` (e.g. a farm chunk) into this one."""
        for frame, record in values.items():
            for key, value in record.items():
                self._record(int(frame), key, value)
        for frame, thumb in sorted(thumbs.items(), key=lambda item: int(item[0])):
            self._thumb(int(frame), np.asarray(thumb))

    def _values(self, key: str, frames: set[int] | None = None) -> list[float]:
        return [
            v[key] for f, v in sorted(self.per_frame.items()) if key in v and (frames is None or f in frames)
        ]

    @property
    def luma_max(self) -> float:
        return max(self._values("luma"), default=0.0)

    @property
    def flicker(self) -> list[float]:
        """Mean |dCbCr| between consecutive frames (1/4 resolution), in frame order."""
        return self._values("flicker")

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
            ("chroma_dist_trained", self._values("chroma", self.trained)),
            ("chroma_dist_heldout", self._values("chroma", self.held_out)),
            ("de00_truth_heldout", self._values("de_truth")),
            ("chroma_flicker", self.flicker),
            ("grain_nps_ratio", self._values("grain")),
        ):
            if values:
                out[f"{n}_{key}"] = float(np.mean(values))
        out[f"{n}_heldout_frames_scored"] = float(len(self.held_out))
        out[f"{n}_heldout_min_distance"] = float(self.held.min_distance)
        return out
