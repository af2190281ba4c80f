"""Robust fits to patch shifts: the refinement over all training frames and the match quality.

**Fit.** Every found patch says "this reference point belongs at that source point". A weighted
least-squares fit of the motion model (similarity, affine or homography) is iterated with Tukey's
biweight on the residuals (scale from their median), starting from the candidate matrix, so moving
objects, subtitles and chance peaks drop out and the noise of the many good patches averages away.

**Refinement** (``refine``): measure the patches of every training pair under the current matrix, fit
one matrix to all of them, repeat until the picture corners move less than 0.02 px.

**Quality** (``check``): on one frame, fit the frame's own patches starting from the matrix and see
where that fit puts the corners of the picture area: ``error_px`` is the largest distance from where
the matrix puts them; ``spread_px`` is how uncertain the fit is there (patch noise through the
fit's covariance, raised by ``_OVERLAP`` because half-overlapping patches share pixels). The quality is
``coverage * exp(-(error^2 + spread^2) / 2^2)``: 0.98 for 0.3 px, 0.78 for 1 px, 0.57 for 1.5 px,
0.37 for 2 px, 0.1 for 3 px; ``coverage`` is the share of textured patches found, full from
``COVERAGE_FULL``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ._blocks import WORK_SIZE, PatchShifts, apply, measure

#: Error (source pixels) at which the quality is 1/e.
SCORE_PX = 2.0
#: Share of textured patches found that counts as full coverage.
COVERAGE_FULL = 0.3
_TUKEY = 4.685
_MIN_POINTS = 6
#: Half-overlapping patches are not independent: at the true matrix (tune seeds) a frame's own fit
#: strays from it by about 1.25x what independent patches would allow.
_OVERLAP = 1.25


@dataclass(frozen=True)
class RobustFit:
    """A Tukey-weighted fit of reference points onto source points.

    Attributes:
        matrix: reference -> source 3x3.
        weights: per point, 0 (rejected) to 1.
        sigma: robust residual spread per axis (source pixels).
    """

    matrix: np.ndarray
    weights: np.ndarray
    sigma: float


def _normaliser(points: np.ndarray) -> np.ndarray:
    centre = points.mean(axis=0)
    spread = float(points.std()) or 1.0
    return np.array([[1 / spread, 0, -centre[0] / spread], [0, 1 / spread, -centre[1] / spread], [0, 0, 1.0]])


def _solve(ref: np.ndarray, src: np.ndarray, weights: np.ndarray, motion: str) -> np.ndarray | None:
    """Weighted least squares of ``motion`` (reference -> source), 3x3, or None when degenerate."""
    use = weights > 0
    if use.sum() < _MIN_POINTS:
        return None
    if motion == "perspective":
        matrix, _ = cv2.findHomography(ref[use].astype(np.float32), src[use].astype(np.float32), 0)
        return None if matrix is None else matrix / matrix[2, 2]
    norm = _normaliser(ref)
    r = apply(norm, ref)
    root = np.sqrt(weights)[:, None]
    ones, zeros = np.ones(len(r)), np.zeros(len(r))
    if motion == "similarity":
        design = np.vstack(
            [
                np.column_stack([r[:, 0], -r[:, 1], ones, zeros]),
                np.column_stack([r[:, 1], r[:, 0], zeros, ones]),
            ]
        )
        target = np.concatenate([src[:, 0], src[:, 1]])
        w2 = np.concatenate([root, root])
        params, *_ = np.linalg.lstsq(design * w2, target * w2[:, 0], rcond=None)
        a, b, tx, ty = params
        linear = np.array([[a, -b, tx], [b, a, ty], [0, 0, 1.0]])
    else:
        design = np.column_stack([r, ones])
        rows = [np.linalg.lstsq(design * root, src[:, k] * root[:, 0], rcond=None)[0] for k in (0, 1)]
        linear = np.vstack([rows[0], rows[1], [0, 0, 1.0]])
    return linear @ norm


def robust_fit(
    ref: np.ndarray,
    src: np.ndarray,
    motion: str,
    start: np.ndarray,
    response: np.ndarray | None = None,
    rounds: int = 12,
) -> RobustFit | None:
    """Tukey-IRLS fit of ``motion`` mapping ``ref`` points onto ``src`` points, from ``start``."""
    if len(ref) < _MIN_POINTS:
        return None
    prior = np.ones(len(ref)) if response is None else np.clip(response, 0.0, 1.0)
    matrix = np.asarray(start, dtype=np.float64)
    weights, sigma = prior, 0.0
    for _ in range(rounds):
        residual = np.linalg.norm(apply(matrix, ref) - src, axis=1)
        sigma = max(float(np.median(residual)) / 1.1774, 0.02)  # per-axis sigma of a 2-D Gaussian
        u = residual / (_TUKEY * sigma)
        weights = prior * np.where(u < 1.0, (1.0 - u * u) ** 2, 0.0)
        fitted = _solve(ref, src, weights, motion)
        if fitted is None:
            return None
        moved = float(np.max(np.abs(apply(fitted, ref) - apply(matrix, ref))))
        matrix = fitted
        if moved < 1e-3:
            break
    return RobustFit(matrix, weights, sigma)


def corner_spread(fit: RobustFit, ref: np.ndarray, corners_ref: np.ndarray) -> float:
    """One-sigma uncertainty (source pixels) of where an affine fit of these points puts the corners."""
    use = fit.weights > 0
    if use.sum() < _MIN_POINTS:
        return math.inf
    norm = _normaliser(ref[use])
    design = np.column_stack([apply(norm, ref[use]), np.ones(int(use.sum()))])
    normal = design.T @ (design * fit.weights[use][:, None])
    try:
        inverse = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        return math.inf
    at = np.column_stack([apply(norm, corners_ref), np.ones(len(corners_ref))])
    leverage = np.einsum("ij,jk,ik->i", at, inverse, at)
    return float(_OVERLAP * math.sqrt(2.0) * fit.sigma * math.sqrt(max(float(leverage.max()), 0.0)))


@dataclass(frozen=True)
class MatchCheck:
    """How well a matrix fits one frame pair, from that pair's own patches.

    Attributes:
        quality: 0-1 (see the module).
        error_px: largest distance at the picture-area corners between the matrix and the fit of this
            frame's patches (source pixels).
        spread_px: uncertainty of that fit at the corners (source pixels).
        found, textured: patches found / patches with structure.
    """

    quality: float
    error_px: float
    spread_px: float
    found: int
    textured: int

    @property
    def estimated_px(self) -> float:
        """The likely misregistration at the corners: error and spread together."""
        return math.hypot(self.error_px, self.spread_px)


def _corners(area: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = area
    return np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], dtype=np.float64)


def check(shifts: PatchShifts, matrix: np.ndarray, motion: str) -> MatchCheck:
    """The match quality of ``matrix`` on one frame pair measured under it."""
    found = shifts.found
    count = int(found.sum())
    failed = MatchCheck(0.0, math.inf, math.inf, count, shifts.textured)
    if shifts.textured == 0 or count < _MIN_POINTS:
        return failed
    ref, src = shifts.reference_points[found], shifts.source_points[found]
    fit = robust_fit(ref, src, motion, matrix, shifts.response[found])
    if fit is None:
        return failed
    corners = _corners(shifts.area)
    corners_ref = apply(np.linalg.inv(matrix), corners)
    error = float(np.max(np.linalg.norm(apply(fit.matrix, corners_ref) - corners, axis=1)))
    spread = corner_spread(fit, ref, corners_ref)
    coverage = min(1.0, count / (COVERAGE_FULL * shifts.textured))
    quality = coverage * math.exp(-(error * error + spread * spread) / (SCORE_PX * SCORE_PX))
    return MatchCheck(quality, error, spread, count, shifts.textured)


@dataclass(frozen=True)
class Refined:
    """The refinement of one matrix over several frame pairs.

    Attributes:
        matrix: reference -> source after refinement (the start when nothing could be measured).
        checks: per frame pair, the match check of ``matrix``.
        rounds: measure-and-fit rounds run.
    """

    matrix: np.ndarray
    checks: tuple[MatchCheck, ...]
    rounds: int


def _corner_change(a: np.ndarray, b: np.ndarray, area: tuple[float, float, float, float]) -> float:
    corners = _corners(area)
    return float(np.max(np.linalg.norm(apply(a, corners) - apply(b, corners), axis=1)))


def refine(
    src_lumas: Sequence[np.ndarray],
    ref_lumas: Sequence[np.ndarray],
    matrix: np.ndarray,
    motion: str,
    src_valid: np.ndarray | None = None,
    ref_valid: np.ndarray | None = None,
    rounds: int = 6,
    work_size: int = WORK_SIZE,
) -> Refined:
    """Measure patches on every pair, fit one matrix to all of them, repeat until it stops moving.

    Args:
        src_lumas, ref_lumas: the training pairs' full-resolution luma.
        matrix: the starting reference -> source matrix (features + ECC, pooled).
        motion: ``similarity``, ``affine`` or ``perspective``.
        src_valid, ref_valid: picture masks shared by the pairs.
        rounds: most measure-and-fit rounds.
        work_size: longest source side the patches are measured at.
    """
    current = np.asarray(matrix, dtype=np.float64) / matrix[2, 2]
    h, w = src_lumas[0].shape
    area = (0.0, 0.0, float(w - 1), float(h - 1))
    pairs = list(zip(src_lumas, ref_lumas, strict=True))
    shifts = [measure(s, r, current, src_valid, ref_valid, work_size) for s, r in pairs]
    done = 0
    for step in range(1, rounds + 1):
        done = step
        found = [s.found for s in shifts]
        ref = np.concatenate([s.reference_points[f] for s, f in zip(shifts, found, strict=True)])
        src = np.concatenate([s.source_points[f] for s, f in zip(shifts, found, strict=True)])
        response = np.concatenate([s.response[f] for s, f in zip(shifts, found, strict=True)])
        fit = robust_fit(ref, src, motion, current, response)
        if fit is None:
            break
        moved = _corner_change(fit.matrix, current, area)
        current = fit.matrix
        shifts = [measure(s, r, current, src_valid, ref_valid, work_size) for s, r in pairs]
        if moved < 0.02:
            break
    return Refined(current, tuple(check(s, current, motion) for s in shifts), done)
