"""One read pass over a sequence: per-frame thumbnails and statistics, and shot transitions.

Every frame is read once and reduced to a 64-px-wide luma thumbnail (cuts), a 128-px one (temporal
sync), a 384-px luma (coarse registration, alignment confidence), the variance of the Laplacian at 512 px
(sharpness) and exposure statistics. Transitions come from the thumbnails: cuts are spikes of the
mean absolute frame difference, fades are ramps of mean luma towards black, dissolves are runs of
moderately raised difference.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..io import ResolvedSequence

log = logging.getLogger(__name__)

THUMB_WIDTH = 64
SIG_WIDTH = 128
MID_WIDTH = 384
SHARP_WIDTH = 512


@dataclass
class FrameStats:
    """What curation keeps of one frame.

    Attributes:
        frame: frame number.
        thumb: luma, 64 px wide (cuts, fades).
        sig: luma, 128 px wide (temporal sync: finer than the thumbnail for sub-frame motion).
        mid: luma, 384 px wide.
        sharpness: variance of the Laplacian of the 512-px luma.
        mean: mean luma.
        clipped: share of pixels at black (< 0.002) or white (> 0.998) in any channel.
        nonfinite: NaN/Inf pixels were found (and replaced by 0).
    """

    frame: int
    thumb: np.ndarray
    sig: np.ndarray
    mid: np.ndarray
    sharpness: float
    mean: float
    clipped: float
    nonfinite: bool = False


@dataclass
class SequenceStats:
    """``FrameStats`` of a whole sequence, by frame number."""

    frames: dict[int, FrameStats] = field(default_factory=dict)

    def ordered(self) -> list[FrameStats]:
        return [self.frames[f] for f in sorted(self.frames)]


def _resize_width(img: np.ndarray, width: int) -> np.ndarray:
    h, w = img.shape[:2]
    if w <= width:
        return img.astype(np.float32)
    height = max(1, round(h * width / w))
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)


def frame_stats(frame: int, rgb: np.ndarray) -> FrameStats:
    """Reduce one RGB frame to its ``FrameStats`` (NaN/Inf replaced by 0 and flagged)."""
    nonfinite = not bool(np.isfinite(rgb).all())
    if nonfinite:
        log.warning("frame %s: NaN/Inf pixels replaced by 0 before analysis", frame)
        rgb = np.nan_to_num(rgb, nan=0.0, posinf=1.0, neginf=0.0)
    rgb = rgb.astype(np.float32, copy=False)
    luma = 0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]
    sharp_src = _resize_width(luma, SHARP_WIDTH)
    sharpness = float(cv2.Laplacian(sharp_src, cv2.CV_32F, ksize=3).var())
    step = max(1, int(np.sqrt(luma.size / 250_000)))
    sub = rgb[::step, ::step]
    clipped = float(((sub < 0.002) | (sub > 0.998)).any(axis=2).mean())
    return FrameStats(
        frame=frame,
        thumb=_resize_width(luma, THUMB_WIDTH),
        sig=_resize_width(luma, SIG_WIDTH),
        mid=_resize_width(luma, MID_WIDTH),
        sharpness=sharpness,
        mean=float(luma.mean()),
        clipped=clipped,
        nonfinite=nonfinite,
    )


def read_stats(
    seq: ResolvedSequence, frames: list[int] | None = None, progress: Callable[[str], None] | None = None
) -> SequenceStats:
    """Read ``frames`` (default: the whole range) of a sequence once and keep their ``FrameStats``.

    Progress goes out as log lines (``chroma_engine.logs.ProgressLog``: every ~10 % or 30 s, ETA)."""
    from ..logs import ProgressLog

    out = SequenceStats()
    wanted = list(seq.ref.frames) if frames is None else frames
    name = seq.ref.path.replace("\\", "/").rsplit("/", 1)[-1]
    lines = ProgressLog(f"{name} frames read", len(wanted), label=f"read {name}")
    for i, frame in enumerate(wanted):
        out.frames[frame] = frame_stats(frame, seq.read(frame))
        lines.update(i + 1)
        if progress and (i + 1) % 24 == 0:
            progress(f"{seq.ref.path}: read {i + 1}/{len(wanted)} frames")
    return out


@dataclass(frozen=True)
class Transition:
    """A cut (between ``frame - 1`` and ``frame``), fade or dissolve frame."""

    frame: int
    kind: str


def detect_transitions(stats: SequenceStats) -> list[Transition]:
    """Cuts, fades and dissolves of a shot from its thumbnails.

    * cut: frame difference > 4x the median of its neighbours' (+-5 frames) and > 0.06 (a spike);
    * fade: mean luma under 35 % of the shot's median, or a run of >= 3 frames where the mean
      keeps moving one way by > 2 % a frame and the run ends dark;
    * dissolve: a run of >= 3 frames whose difference is > 2.5x the median (but not a cut) and
      whose middle frame is a mix of the frames before and after the run.
    """
    seq = stats.ordered()
    if len(seq) < 3:
        return []
    diffs = np.array([float(np.abs(b.thumb - a.thumb).mean()) for a, b in zip(seq, seq[1:], strict=False)])
    med = float(np.median(diffs))
    events: list[Transition] = []
    local = [
        float(np.median(np.delete(diffs[max(0, i - 5) : i + 6], min(i, 5)))) if len(diffs) > 1 else med
        for i in range(len(diffs))
    ]
    cut_idx = {i for i, d in enumerate(diffs) if d > 4 * local[i] + 1e-4 and d > 0.06}
    events += [Transition(seq[i + 1].frame, "cut") for i in sorted(cut_idx)]
    raised = [d > 2.5 * med + 1e-3 and i not in cut_idx for i, d in enumerate(diffs)]
    run: list[int] = []
    for i, flag in enumerate([*raised, False]):
        if flag:
            run.append(i)
        else:
            if len(run) >= 3 and _is_blend(
                seq[run[0]].thumb, seq[(run[0] + run[-1]) // 2 + 1].thumb, seq[run[-1] + 1].thumb
            ):
                events += [Transition(seq[j + 1].frame, "dissolve") for j in run]
            run = []
    means = np.array([s.mean for s in seq])
    median_mean = float(np.median(means))
    for s in seq:
        if s.mean < 0.35 * median_mean:
            events.append(Transition(s.frame, "fade"))
    steps = np.diff(means)
    for sign in (1.0, -1.0):
        run = []
        for i, st in enumerate([*steps, 0.0]):
            if sign * st > 0.02 * max(median_mean, 1e-3):
                run.append(i)
            else:
                if len(run) >= 3:
                    frames = range(run[0], run[-1] + 2)
                    if min(means[list(frames)]) < 0.6 * median_mean:
                        events += [Transition(seq[j].frame, "fade") for j in frames]
                run = []
    unique = {(e.frame, e.kind): e for e in events}
    return sorted(unique.values(), key=lambda e: (e.frame, e.kind))


def _is_blend(before: np.ndarray, middle: np.ndarray, after: np.ndarray) -> bool:
    """Whether ``middle`` looks like a mix of ``before`` and ``after`` (a dissolve, not motion)."""
    mix = float(np.abs(middle - 0.5 * (before + after)).mean())
    return mix < 0.6 * min(float(np.abs(middle - before).mean()), float(np.abs(middle - after).mean()))


def distance_to_transition(frame: int, events: list[Transition]) -> float:
    """Frames from ``frame`` to the nearest transition (a cut at f sits between f-1 and f); inf if none."""
    best = float("inf")
    for e in events:
        if e.kind == "cut":
            d = frame - e.frame if frame >= e.frame else e.frame - 1 - frame
        else:
            d = abs(frame - e.frame)
        best = min(best, float(d))
    return best
