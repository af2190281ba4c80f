"""Temporal sync of reference and source: frame offset and 24/25 cadence by thumbnail correlation.

A coarse registration of a middle frame pair (384 px, features + RANSAC) brings the reference
thumbnails into the source's geometry (framing and scale usually differ). For every cadence
mapping (``same``, plus the one the two frame rates imply) and offset in ``-K..K`` the mean
normalised cross-correlation of source and mapped reference signatures (128-px luma plus its
gradient) is computed (NCC ignores the different tone curves to first order); the best pair wins.
Confidence is how far the winner stands above the typical score: a static shot, where every offset
looks alike, gets a low confidence and keeps offset 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..alignment import register_pair, structure
from ..alignment._geometry import scale_matrix
from ._signatures import SequenceStats

#: Under this confidence the detected offset is not trusted (offset 0 / the job's offset is kept).
MIN_CONFIDENCE = 0.3
#: Exports from Resolve share frame numbers, so offset 0 is the prior: another offset must beat its
#: score by at least this much NCC to be taken.
ZERO_MARGIN = 0.02


def map_frame(source_frame: int, offset: int, cadence: str) -> int:
    """Reference frame for a source frame (same formula as ``CurationRecord.reference_frame_for``)."""
    if cadence == "24to25":
        return round(source_frame * 25 / 24) + offset
    if cadence == "25to24":
        return round(source_frame * 24 / 25) + offset
    return source_frame + offset


def implied_cadence(source_fps: float, reference_fps: float) -> str:
    """``24to25`` / ``25to24`` when the frame rates are about 24 and 25, else ``same``."""
    if abs(source_fps - reference_fps) < 0.5:
        return "same"
    if round(source_fps) in (23, 24) and round(reference_fps) == 25:
        return "24to25"
    if round(source_fps) == 25 and round(reference_fps) in (23, 24):
        return "25to24"
    return "same"


@dataclass(frozen=True)
class CoarseGeometry:
    """Reference-mid -> source-mid geometry (384 px) from one frame pair.

    Attributes:
        matrix: 3x3 reference -> source matrix.
        registered: features registered (False: the reference is only stretched over the source).
    """

    matrix: np.ndarray
    registered: bool


def coarse_matrix(
    src: SequenceStats, ref: SequenceStats, pair: tuple[int, int] | None = None
) -> CoarseGeometry:
    """Reference-mid -> source-mid geometry from one frame pair.

    ``pair`` is (source frame, reference frame); default the middle frame of each sequence. Falls
    back to stretching the reference over the source when features do not register.
    """
    s_frames, r_frames = sorted(src.frames), sorted(ref.frames)
    if pair is None:
        pair = (s_frames[len(s_frames) // 2], r_frames[len(r_frames) // 2])
    s_mid = src.frames[pair[0]].mid
    r_mid = ref.frames[pair[1]].mid
    reg = register_pair(s_mid, r_mid, "similarity", refine=False, work_size=max(s_mid.shape + r_mid.shape))
    if reg.matrix is not None and reg.quality > 0.2:
        return CoarseGeometry(reg.matrix, True)
    sx = s_mid.shape[1] / r_mid.shape[1]
    sy = s_mid.shape[0] / r_mid.shape[0]
    return CoarseGeometry(np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]]), False)


def to_scale(
    matrix_mid: np.ndarray,
    src_mid: np.ndarray,
    src_small: np.ndarray,
    ref_mid: np.ndarray,
    ref_small: np.ndarray,
) -> np.ndarray:
    """Re-express a mid-scale matrix between two other scales of the same images."""
    fs = src_small.shape[1] / src_mid.shape[1]
    fr = ref_small.shape[1] / ref_mid.shape[1]
    return scale_matrix(fs) @ matrix_mid @ np.linalg.inv(scale_matrix(fr))


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 1e-12 else 0.0


@dataclass(frozen=True)
class SyncResult:
    """Detected mapping: ``offset``, ``cadence``, ``confidence`` 0-1 and the score table."""

    offset: int
    cadence: str
    confidence: float
    scores: dict[tuple[str, int], float]


@dataclass(frozen=True)
class SyncDetection:
    """What :func:`detect_sync` found: the mapping and the winner's coarse geometry."""

    sync: SyncResult
    geometry: CoarseGeometry


def _score(
    src: SequenceStats, ref: SequenceStats, matrix_mid: np.ndarray, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], float]:
    """Mean signature NCC over the source frames for each (cadence, offset) with this geometry."""
    s_frames = sorted(src.frames)
    first = src.frames[s_frames[0]]
    r_first = ref.frames[sorted(ref.frames)[0]]
    m_sig = to_scale(matrix_mid, first.mid, first.sig, r_first.mid, r_first.sig)
    th, tw = first.sig.shape
    cover = cv2.warpPerspective(
        np.ones(r_first.sig.shape, np.uint8), m_sig, (tw, th), flags=cv2.INTER_NEAREST
    )
    valid = cv2.erode(cover, np.ones((3, 3), np.uint8)) > 0
    if valid.sum() < 32:
        valid = np.ones((th, tw), bool)

    def signature(img: np.ndarray) -> np.ndarray:
        return structure(img, 0.7)[valid] + 0.5 * img[valid]

    src_sig = {f: signature(src.frames[f].sig) for f in s_frames}
    ref_sig: dict[int, np.ndarray] = {}
    need = min(max(3, len(s_frames) // 2), len(s_frames))
    scores: dict[tuple[str, int], float] = {}
    for cadence, off in keys:
        vals = []
        for f in s_frames:
            rf = map_frame(f, off, cadence)
            if rf in ref.frames:
                if rf not in ref_sig:
                    warped = cv2.warpPerspective(ref.frames[rf].sig, m_sig, (tw, th), flags=cv2.INTER_LINEAR)
                    ref_sig[rf] = signature(warped)
                vals.append(_ncc(src_sig[f], ref_sig[rf]))
        if len(vals) >= need:
            scores[(cadence, off)] = float(np.mean(vals))
    return scores


def detect_sync(
    src: SequenceStats,
    ref: SequenceStats,
    source_fps: float,
    reference_fps: float,
    fixed_offset: int | None = None,
    max_offset: int | None = None,
    shortlist: int = 5,
) -> SyncDetection:
    """Find offset and cadence by mean signature NCC over the source frames.

    A coarse registration of the middle frames scores every candidate; it absorbs whatever motion
    lies between those two frames, so the ``shortlist`` best candidates are scored again, each with
    the geometry registered on the middle pair that candidate itself maps. (A constant-speed pan is
    ambiguous by nature: an offset then looks like a shift; non-uniform motion settles it.)

    Args:
        src, ref: per-frame stats of both sequences (whole ranges).
        source_fps, reference_fps: the SequenceRefs' frame rates.
        fixed_offset: the job's offset; only the cadence is tested then.
        max_offset: K; default ``clip(n // 3, 3, 12)``.
        shortlist: candidates re-scored with their own registration.

    Returns:
        the mapping and the coarse geometry registered for the winner.
    """
    s_frames = sorted(src.frames)
    k = max_offset if max_offset is not None else int(np.clip(len(s_frames) // 3, 3, 12))
    implied = implied_cadence(source_fps, reference_fps)
    cadences = ["same"] if implied == "same" else ["same", implied]
    offsets = [fixed_offset] if fixed_offset is not None else list(range(-k, k + 1))
    keys = [(c, o) for c in cadences for o in offsets]
    coarse = coarse_matrix(src, ref)
    scores = _score(src, ref, coarse.matrix, keys)
    if not scores:
        return SyncDetection(SyncResult(fixed_offset or 0, implied, 0.0, {}), coarse)
    mid = s_frames[len(s_frames) // 2]
    geometry = {key: coarse for key in scores}
    for key in sorted(scores, key=lambda kk: -scores[kk])[:shortlist]:
        rf = map_frame(mid, key[1], key[0])
        if rf in ref.frames:
            own = coarse_matrix(src, ref, (mid, rf))
            if own.registered:
                scores.update(_score(src, ref, own.matrix, [key]))
                geometry[key] = own
    best = max(scores, key=lambda key: scores[key])
    values = np.array(list(scores.values()))
    typical = float(np.median(values))
    confidence = float(np.clip(2.0 * (scores[best] - typical) / max(1.0 - typical, 1e-3), 0.0, 1.0))
    if len(values) == 1:
        confidence = float(np.clip(scores[best], 0.0, 1.0))
    zero = ("same", 0)
    if fixed_offset is None and zero in scores and scores[best] - scores[zero] < ZERO_MARGIN:
        best = zero
    if confidence < MIN_CONFIDENCE and fixed_offset is None:
        fallback = ("same", 0) if ("same", 0) in geometry else best
        return SyncDetection(SyncResult(0, implied, confidence, scores), geometry[fallback])
    return SyncDetection(SyncResult(best[1], best[0], confidence, scores), geometry[best])
