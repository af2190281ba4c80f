"""Stage 1: choose the training pairs and the held-out preview frame of a shot.

Candidates are spread over the shot in ``count`` segments (beginning, middles, end); each is scored
on sharpness (variance of the Laplacian, relative to the shot's sharpest candidate), exposure
(clipping and mean luma of source and reference), alignment confidence (gradient NCC after the
coarse registration) and distance from cuts, fades and dissolves. The best acceptable candidate of
each segment is trained on; every candidate is recorded with its scores and reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from schemas import Curation, CurationRecord, PairDecision, ShotJob

from .._errors import StageError
from ..alignment import structure
from ..alignment._register import gradient_ncc
from ..io import ResolvedSequence
from ._signatures import (
    FrameStats,
    SequenceStats,
    Transition,
    detect_transitions,
    distance_to_transition,
    read_stats,
)
from ._sync import CoarseGeometry, SyncResult, detect_sync, map_frame

_WEIGHTS = {"sharpness": 0.25, "exposure": 0.2, "alignment": 0.35, "cut_distance": 0.2}
_PER_SEGMENT = 8
_SAFE_DISTANCE = 6.0
_PREVIEW_REASON = "preview frame (held out)"
_BEATEN_REASON = "a better frame was chosen in its segment"


@dataclass(frozen=True)
class ShotAnalysis:
    """What every candidate is scored against.

    Attributes:
        src, ref: per-frame stats of the source and reference sequences.
        frames: the source frames, ascending.
        sync: reference offset and cadence.
        geometry: the coarse reference -> source registration at 384 px.
        events: cuts, fades and dissolves of the source.
        usable: source frames whose mapped reference frame exists.
        max_sharp: the sharpest usable frame's sharpness (scores are relative to it).
    """

    src: SequenceStats
    ref: SequenceStats
    frames: list[int]
    sync: SyncResult
    geometry: CoarseGeometry
    events: list[Transition]
    usable: list[int]
    max_sharp: float

    def reference_frame(self, frame: int) -> int:
        return map_frame(frame, self.sync.offset, self.sync.cadence)


@dataclass(frozen=True)
class Candidate:
    """One scored source frame.

    Attributes:
        total: weighted score in 0..1.
        scores: sharpness, exposure, alignment, cut_distance (rounded to 4 places).
        reasons: why it is rejected (or what to know about it).
        rejected: a hard reason rules it out as a training frame.
    """

    total: float
    scores: dict[str, float]
    reasons: tuple[str, ...]
    rejected: bool


@dataclass(frozen=True)
class Selection:
    """The training frames and the held-out preview frame."""

    training: list[int]
    preview: int


def _exposure(stats: FrameStats) -> float:
    """1 for a mid-toned, unclipped frame; falls with clipping and with mean far from 0.45."""
    return float(np.clip(1.0 - 2.0 * stats.clipped - 0.8 * max(0.0, abs(stats.mean - 0.45) - 0.2), 0.0, 1.0))


def _alignment_score(src: FrameStats, ref: FrameStats, matrix_mid: np.ndarray) -> float:
    """Gradient NCC of the 384-px source and coarsely warped reference inside their overlap."""
    h, w = src.mid.shape
    warped = cv2.warpPerspective(structure(ref.mid), matrix_mid, (w, h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones(ref.mid.shape, np.uint8), matrix_mid, (w, h), flags=cv2.INTER_NEAREST)
    valid = cv2.erode(cover, np.ones((9, 9), np.uint8)) > 0
    valid &= (src.mid > 0.02) & (cv2.warpPerspective(ref.mid, matrix_mid, (w, h)) > 0.02)
    return gradient_ncc(structure(src.mid), warped, valid)


def _candidates(frames: list[int], count: int) -> list[list[int]]:
    """``count`` consecutive segments of ``frames``, each thinned to at most 8 evenly spaced frames."""
    segments = [list(a) for a in np.array_split(np.array(frames), count) if len(a)]
    out = []
    for seg in segments:
        idx = np.unique(np.round(np.linspace(0, len(seg) - 1, min(_PER_SEGMENT, len(seg)))).astype(int))
        out.append([int(seg[i]) for i in idx])
    return out


def analyse_shot(
    job: ShotJob,
    source: ResolvedSequence,
    reference: ResolvedSequence,
    progress: Callable[[str], None] | None = None,
) -> ShotAnalysis:
    """Read both sequences, sync them and find the transitions and the usable frames.

    Raises:
        StageError: fewer than two source frames, or no source frame maps into the reference.
    """
    src = read_stats(source, progress=progress)
    ref = read_stats(reference, progress=progress)
    frames = sorted(src.frames)
    if len(frames) < 2:
        raise StageError(
            f"{source.ref.path}: a {len(frames)}-frame shot cannot give training and held-out frames",
            hint="use chroma_engine.alignment.align_single_pair for a single frame",
        )
    found = detect_sync(
        src, ref, source.ref.frame_rate, reference.ref.frame_rate, fixed_offset=job.curation.reference_offset
    )
    sync = found.sync
    usable = [f for f in frames if map_frame(f, sync.offset, sync.cadence) in ref.frames]
    if not usable:
        raise StageError(
            f"no source frame maps into the reference range (offset {sync.offset}, {sync.cadence})",
            hint="set curation.reference_offset in the job",
        )
    return ShotAnalysis(
        src=src,
        ref=ref,
        frames=frames,
        sync=sync,
        geometry=found.geometry,
        events=detect_transitions(src),
        usable=usable,
        max_sharp=max(src.frames[f].sharpness for f in usable) or 1.0,
    )


def score_frame(shot: ShotAnalysis, frame: int) -> Candidate:
    """Scores of one usable source frame and the reasons to reject it."""
    s, r = shot.src.frames[frame], shot.ref.frames[shot.reference_frame(frame)]
    dist = distance_to_transition(frame, shot.events)
    scores = {
        "sharpness": round(float(np.clip(s.sharpness / shot.max_sharp, 0, 1)), 4),
        "exposure": round(min(_exposure(s), _exposure(r)), 4),
        "alignment": round(_alignment_score(s, r, shot.geometry.matrix), 4),
        "cut_distance": round(float(min(1.0, dist / _SAFE_DISTANCE)), 4),
    }
    total = float(np.clip(sum(_WEIGHTS[k] * v for k, v in scores.items()), 0, 1))
    hard: list[str] = []
    if s.mean < 0.02 or r.mean < 0.02:
        hard.append("black frame (source or reference)")
    if scores["sharpness"] < 0.25:
        hard.append(f"blurry (sharpness {scores['sharpness']:.2f} of the sharpest)")
    if scores["exposure"] < 0.3:
        hard.append("badly exposed or clipped")
    if scores["alignment"] < 0.2:
        hard.append(f"low alignment confidence {scores['alignment']:.2f}")
    if dist < 2:
        kinds = sorted({e.kind for e in shot.events if abs(e.frame - frame) <= 2})
        hard.append(f"at or next to a {'/'.join(kinds) or 'transition'}")
    soft = ["NaN/Inf pixels replaced by 0"] if s.nonfinite or r.nonfinite else []
    return Candidate(total=total, scores=scores, reasons=(*hard, *soft), rejected=bool(hard))


def _check_explicit(spec: Curation, shot: ShotAnalysis) -> None:
    for f in spec.frames or ():
        if f not in shot.usable:
            raise StageError(
                f"curation.frames: frame {f} has no reference frame (maps to {shot.reference_frame(f)})",
                hint="check curation.reference_offset or pick other frames",
            )


def _auto_training(segments: list[list[int]], scored: dict[int, Candidate], preview: int | None) -> list[int]:
    """The best acceptable frame of each segment; topped up to three from the best of the rest."""
    chosen: list[int] = []
    for seg in segments:
        ok = [f for f in seg if not scored[f].rejected and f != preview]
        if ok:
            chosen.append(max(ok, key=lambda f: scored[f].total))
    if len(chosen) < 3:
        spare = sorted(
            (f for f in scored if not scored[f].rejected and f not in chosen and f != preview),
            key=lambda f: -scored[f].total,
        )
        chosen += spare[: 3 - len(chosen)]
    return chosen


def _with_preview(
    spec: Curation, shot: ShotAnalysis, scored: dict[int, Candidate], training: list[int]
) -> Selection:
    """The preview frame: the job's, else the best acceptable untrained frame of the middle third,
    else the untrained frame nearest the middle (else the middle training frame is given up)."""
    if spec.preview_frame is not None:
        return Selection(training, spec.preview_frame)
    frames = shot.frames
    centre = frames[len(frames) // 2]
    lo, hi = frames[len(frames) // 3], frames[(2 * len(frames)) // 3]
    middle = [f for f in scored if lo <= f <= hi and f not in training and not scored[f].rejected]
    if middle:
        return Selection(training, max(middle, key=lambda f: scored[f].total))
    others = [f for f in frames if f not in training]
    if others:
        return Selection(training, min(others, key=lambda f: abs(f - centre)))
    kept = [f for i, f in enumerate(training) if i != len(training) // 2]
    return Selection(kept, centre)


def _decisions(shot: ShotAnalysis, scored: dict[int, Candidate], selection: Selection) -> list[PairDecision]:
    """One decision per scored candidate (plus the preview frame), ascending by source frame."""
    decisions: dict[int, PairDecision] = {}
    for f, candidate in scored.items():
        accepted = f in selection.training
        reasons = candidate.reasons
        if not accepted and not reasons:
            reasons = (_PREVIEW_REASON if f == selection.preview else _BEATEN_REASON,)
        decisions[f] = PairDecision(
            source_frame=f,
            reference_frame=shot.reference_frame(f),
            accepted=accepted,
            score=round(candidate.total, 4),
            scores=candidate.scores,
            reasons=reasons,
        )
    preview = selection.preview
    if preview not in decisions:
        decisions[preview] = PairDecision(
            source_frame=preview,
            reference_frame=max(shot.reference_frame(preview), 0),
            accepted=False,
            score=0.0,
            reasons=(_PREVIEW_REASON,),
        )
    if not shot.geometry.registered:
        first = min(decisions)
        note = "coarse registration failed; sync used a plain resize"
        decisions[first] = decisions[first].model_copy(update={"reasons": (*decisions[first].reasons, note)})
    return [decisions[f] for f in sorted(decisions)]


def curate(
    job: ShotJob,
    source: ResolvedSequence,
    reference: ResolvedSequence,
    count: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CurationRecord:
    """Choose training pairs, the preview frame and the temporal mapping of a shot.

    Args:
        job: the shot job (``curation`` settings).
        source, reference: the resolved SOURCE and REF sequences (every frame is read once).
        count: pairs to pick automatically (default ``job.curation.auto_count``; 7 or 11 to escalate).
        progress: optional callback for one-line progress messages.

    Raises:
        StageError: no usable training frame, too short a shot, explicit frames without reference.
    """
    spec = job.curation
    count = max(3, count if count is not None else spec.auto_count)
    shot = analyse_shot(job, source, reference, progress)
    _check_explicit(spec, shot)
    if spec.frames:
        segments = [list(spec.frames), *_candidates(shot.usable, 3)]
    else:
        segments = _candidates(shot.usable, min(count, len(shot.usable)))
    scored = {f: score_frame(shot, f) for f in sorted({f for seg in segments for f in seg})}
    training = list(spec.frames) if spec.frames else _auto_training(segments, scored, spec.preview_frame)
    if not training:
        raise StageError(
            f"no usable training frame in {source.ref.path} (all candidates rejected)",
            hint="set curation.frames explicitly or check the reference",
        )
    selection = _with_preview(spec, shot, scored, training)
    return CurationRecord(
        job_id=job.job_id,
        training_frames=tuple(sorted(selection.training)),
        preview_frame=selection.preview,
        reference_offset=shot.sync.offset,
        cadence=shot.sync.cadence,  # type: ignore[arg-type]
        offset_confidence=round(shot.sync.confidence, 4),
        pairs=tuple(_decisions(shot, scored, selection)),
    )
