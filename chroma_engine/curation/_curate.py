"""Stage 1: choose the training pairs and the held-out preview frame of a shot.

Candidates are spread over the shot in ``count`` segments (beginning, middles, end); each is scored
on sharpness (variance of the Laplacian, relative to the shot's sharpest candidate), exposure
(clipping and mean luma of source and reference), alignment confidence (gradient NCC after the
coarse registration) and distance from cuts, fades and dissolves. The best acceptable candidate of
each segment is trained on; every candidate is recorded with its scores and reasons.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from schemas import CurationRecord, PairDecision, ShotJob

from .._errors import StageError
from ..alignment import structure
from ..alignment._register import gradient_ncc
from ..io import ResolvedSequence
from ._signatures import FrameStats, detect_transitions, distance_to_transition, read_stats
from ._sync import detect_sync, map_frame

_WEIGHTS = {"sharpness": 0.25, "exposure": 0.2, "alignment": 0.35, "cut_distance": 0.2}
_PER_SEGMENT = 8
_SAFE_DISTANCE = 6.0


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
    src = read_stats(source, progress=progress)
    ref = read_stats(reference, progress=progress)
    s_frames = sorted(src.frames)
    if len(s_frames) < 2:
        raise StageError(
            f"{source.ref.path}: a {len(s_frames)}-frame shot cannot give training and held-out frames",
            hint="use chroma_engine.alignment.align_single_pair for a single frame",
        )
    sync, matrix_mid, registered = detect_sync(
        src, ref, source.ref.frame_rate, reference.ref.frame_rate, fixed_offset=spec.reference_offset
    )
    events = detect_transitions(src)
    usable = [f for f in s_frames if map_frame(f, sync.offset, sync.cadence) in ref.frames]
    if not usable:
        raise StageError(
            f"no source frame maps into the reference range (offset {sync.offset}, {sync.cadence})",
            hint="set curation.reference_offset in the job",
        )
    max_sharp = max(src.frames[f].sharpness for f in usable) or 1.0

    def decide(f: int) -> tuple[float, dict[str, float], list[str], bool]:
        s, r = src.frames[f], ref.frames[map_frame(f, sync.offset, sync.cadence)]
        dist = distance_to_transition(f, events)
        scores = {
            "sharpness": round(float(np.clip(s.sharpness / max_sharp, 0, 1)), 4),
            "exposure": round(min(_exposure(s), _exposure(r)), 4),
            "alignment": round(_alignment_score(s, r, matrix_mid), 4),
            "cut_distance": round(float(min(1.0, dist / _SAFE_DISTANCE)), 4),
        }
        total = float(np.clip(sum(_WEIGHTS[k] * v for k, v in scores.items()), 0, 1))
        reasons, hard = [], False
        if s.mean < 0.02 or r.mean < 0.02:
            reasons.append("black frame (source or reference)")
            hard = True
        if scores["sharpness"] < 0.25:
            reasons.append(f"blurry (sharpness {scores['sharpness']:.2f} of the sharpest)")
            hard = True
        if scores["exposure"] < 0.3:
            reasons.append("badly exposed or clipped")
            hard = True
        if scores["alignment"] < 0.2:
            reasons.append(f"low alignment confidence {scores['alignment']:.2f}")
            hard = True
        if dist < 2:
            kinds = sorted({e.kind for e in events if abs(e.frame - f) <= 2})
            reasons.append(f"at or next to a {'/'.join(kinds) or 'transition'}")
            hard = True
        if s.nonfinite or r.nonfinite:
            reasons.append("NaN/Inf pixels replaced by 0")
        return total, scores, reasons, hard

    decisions: dict[int, PairDecision] = {}
    if spec.frames:
        chosen = list(spec.frames)
        for f in chosen:
            if f not in usable:
                raise StageError(
                    f"curation.frames: frame {f} has no reference frame "
                    f"(maps to {map_frame(f, sync.offset, sync.cadence)})",
                    hint="check curation.reference_offset or pick other frames",
                )
        pool = [chosen, *_candidates(usable, 3)]
    else:
        pool = _candidates(usable, min(count, len(usable)))
        chosen = []
    results = {f: decide(f) for f in sorted({f for seg in pool for f in seg})}
    if not spec.frames:
        for seg in pool:
            ok = [f for f in seg if not results[f][3] and f != spec.preview_frame]
            if ok:
                chosen.append(max(ok, key=lambda f: results[f][0]))
        if len(chosen) < 3:
            spare = sorted(
                (f for f in results if not results[f][3] and f not in chosen and f != spec.preview_frame),
                key=lambda f: -results[f][0],
            )
            chosen += spare[: 3 - len(chosen)]
    if not chosen:
        raise StageError(
            f"no usable training frame in {source.ref.path} (all candidates rejected)",
            hint="set curation.frames explicitly or check the reference",
        )
    preview = spec.preview_frame
    if preview is None:
        lo, hi = s_frames[len(s_frames) // 3], s_frames[(2 * len(s_frames)) // 3]
        middle = [f for f in results if lo <= f <= hi and f not in chosen and not results[f][3]]
        others = [f for f in s_frames if f not in chosen]
        if middle:
            preview = max(middle, key=lambda f: results[f][0])
        elif others:
            preview = min(others, key=lambda f: abs(f - s_frames[len(s_frames) // 2]))
        else:
            chosen.remove(chosen[len(chosen) // 2])
            preview = s_frames[len(s_frames) // 2]
    for f, (total, scores, reasons, _hard) in results.items():
        accepted = f in chosen
        extra = list(reasons)
        if not accepted and not reasons:
            extra.append(
                "preview frame (held out)" if f == preview else "a better frame was chosen in its segment"
            )
        decisions[f] = PairDecision(
            source_frame=f,
            reference_frame=map_frame(f, sync.offset, sync.cadence),
            accepted=accepted,
            score=round(total, 4),
            scores=scores,
            reasons=tuple(extra),
        )
    if preview not in decisions:
        rf = map_frame(preview, sync.offset, sync.cadence)
        decisions[preview] = PairDecision(
            source_frame=preview,
            reference_frame=max(rf, 0),
            accepted=False,
            score=0.0,
            reasons=("preview frame (held out)",),
        )
    if not registered:
        first = min(decisions)
        decisions[first] = decisions[first].model_copy(
            update={
                "reasons": (*decisions[first].reasons, "coarse registration failed; sync used a plain resize")
            }
        )
    return CurationRecord(
        job_id=job.job_id,
        training_frames=tuple(sorted(chosen)),
        preview_frame=preview,
        reference_offset=sync.offset,
        cadence=sync.cadence,  # type: ignore[arg-type]
        offset_confidence=round(sync.confidence, 4),
        pairs=tuple(decisions[f] for f in sorted(decisions)),
    )
