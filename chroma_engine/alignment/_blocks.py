"""Local phase correlation: where the warped reference really sits, patch by patch.

The reference is warped into source geometry with a candidate matrix; both pictures are band-passed
(difference of Gaussians: the structure a grade, a lift or a clip leaves in place, without the grain's
finest scale or the slow shading) and cut into overlapping square patches inside both pictures.
Phase correlation (``cv2.phaseCorrelate``, Hann window) measures each patch's remaining shift and
how clearly it was found (the peak's height; unrelated pictures peak under ~0.25, so the robust
fits in ``_robust`` still expect outliers among the patches counted as found).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ._geometry import scale_matrix

#: Largest patch side at work scale (pixels); patches overlap by half.
PATCH = 64
#: Longest side of the source at which patches are measured.
WORK_SIZE = 1024
#: Phase-correlation peak height from which a patch counts as found (unrelated patches: median
#: ~0.07, 90th percentile ~0.2-0.26).
MIN_RESPONSE = 0.2
_MAX_PATCHES = 600


@dataclass(frozen=True)
class PatchShifts:
    """Patch measurements of one frame pair under one matrix (source pixels, OpenCV coordinates).

    Attributes:
        source_points: Nx2 patch centres where they really are in the source (measured).
        reference_points: Nx2 the same points in the reference, as the matrix had them.
        shift: N remaining shift of each patch (source pixels).
        response: N phase-correlation peak heights.
        textured: patches with enough structure to be measured (found or not).
        area: ``(x0, y0, x1, y1)`` source pixels where both pictures are (the patches' domain).
    """

    source_points: np.ndarray
    reference_points: np.ndarray
    shift: np.ndarray
    response: np.ndarray
    textured: int
    area: tuple[float, float, float, float]

    @property
    def found(self) -> np.ndarray:
        """Bool N: the patches whose correlation peak is clear."""
        return self.response >= MIN_RESPONSE


def patch_side(height: int, width: int) -> int:
    """Patch side for a work-scale frame: 64 px from 360 px up, 32 from 150, else 16."""
    short = min(height, width)
    return PATCH if short >= 360 else 32 if short >= 150 else 16


def band_pass(luma: np.ndarray) -> np.ndarray:
    """Difference of Gaussians (sigma 1 and 4 px): edges and texture, not grain or shading."""
    fine = cv2.GaussianBlur(luma, (0, 0), 1.0)
    return (fine - cv2.GaussianBlur(luma, (0, 0), 4.0)).astype(np.float32)


def _warp(ref: np.ndarray, matrix: np.ndarray, shape: tuple[int, int], flags: int) -> np.ndarray:
    return cv2.warpPerspective(ref, matrix, (shape[1], shape[0]), flags=flags, borderValue=0)


def _to_work(
    ref: np.ndarray, ref_valid: np.ndarray | None, matrix: np.ndarray, factor: float, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The reference (and its valid area) warped into the work-scale source frame.

    A reference shrunk by more than ~30 % is first reduced with INTER_AREA so detail averages."""
    m = scale_matrix(factor) @ matrix
    linear = float(np.sqrt(abs(np.linalg.det(m[:2, :2] / m[2, 2]))))
    valid = np.full(ref.shape, 255, np.uint8) if ref_valid is None else ref_valid.astype(np.uint8) * 255
    if linear < 0.7:
        size = (max(1, round(ref.shape[1] * linear)), max(1, round(ref.shape[0] * linear)))
        back = np.linalg.inv(scale_matrix(size[0] / ref.shape[1], size[1] / ref.shape[0]))
        ref = np.asarray(cv2.resize(ref, size, interpolation=cv2.INTER_AREA), dtype=np.float32)
        valid = np.asarray(cv2.resize(valid, size, interpolation=cv2.INTER_NEAREST), dtype=np.uint8)
        m = m @ back
    warped = _warp(ref, m, shape, cv2.INTER_LINEAR)
    inside = _warp(valid, m, shape, cv2.INTER_NEAREST)
    return warped, inside > 0


def measure(
    src_luma: np.ndarray,
    ref_luma: np.ndarray,
    matrix: np.ndarray,
    src_valid: np.ndarray | None = None,
    ref_valid: np.ndarray | None = None,
    work_size: int = WORK_SIZE,
) -> PatchShifts:
    """Phase-correlate patches of the source and the reference warped by ``matrix`` (ref -> source).

    Args:
        src_luma, ref_luma: full-resolution luma.
        matrix: reference -> source, full resolution.
        src_valid, ref_valid: bool masks of picture (bars, borders False).
        work_size: longest source side the patches are measured at.
    """
    factor = min(1.0, work_size / max(src_luma.shape))
    src = src_luma.astype(np.float32)
    valid = np.ones(src.shape, bool) if src_valid is None else src_valid
    if factor < 1.0:
        size = (max(1, round(src.shape[1] * factor)), max(1, round(src.shape[0] * factor)))
        src = np.asarray(cv2.resize(src, size, interpolation=cv2.INTER_AREA), dtype=np.float32)
        valid = cv2.resize(valid.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    warped, inside = _to_work(ref_luma.astype(np.float32), ref_valid, matrix, factor, src.shape)
    both = cv2.erode((valid & inside).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    a, b = band_pass(src), band_pass(warped)
    h, w = src.shape
    side = patch_side(h, w)
    ys = np.arange(0, h - side + 1, side // 2)
    xs = np.arange(0, w - side + 1, side // 2)
    usable = _box_sums(both.astype(np.float64), ys, xs, side)
    power = _box_sums((a * a).astype(np.float64), ys, xs, side)
    whole = usable >= side * side - 0.5
    cells = [(int(ys[i]), int(xs[j]), float(power[i, j])) for i, j in zip(*np.nonzero(whole), strict=True)]
    to_full = np.linalg.inv(scale_matrix(factor))
    rows, cols = np.nonzero(both)
    area = (0.0, 0.0, 0.0, 0.0)
    if len(rows):
        (x0, y0), (x1, y1) = apply(
            to_full, np.array([[cols.min(), rows.min()], [cols.max(), rows.max()]], float)
        )
        area = (float(x0), float(y0), float(x1), float(y1))
    empty = np.empty((0, 2))
    if not cells:
        return PatchShifts(empty, empty, np.empty(0), np.empty(0), 0, area)
    power = np.array([c[2] for c in cells])
    keep = power >= max(0.2 * float(np.median(power)), 1e-6 * side * side)
    cells = [c for c, k in zip(cells, keep, strict=True) if k]
    if len(cells) > _MAX_PATCHES:
        cells = [cells[i] for i in np.linspace(0, len(cells) - 1, _MAX_PATCHES).round().astype(int)]
    window = cv2.createHanningWindow((side, side), cv2.CV_32F)
    centres, shifts, responses = [], [], []
    for y, x, _ in cells:
        (dx, dy), response = cv2.phaseCorrelate(
            a[y : y + side, x : x + side], b[y : y + side, x : x + side], window
        )
        centres.append((x + (side - 1) / 2.0, y + (side - 1) / 2.0))
        shifts.append((dx, dy))
        responses.append(response)
    work_points = np.array(centres, dtype=np.float64)
    # warped(x) = source(x - d): the source point under the warped reference's patch is x - d.
    seen = apply(to_full, work_points)
    source_points = apply(to_full, work_points - np.array(shifts))
    reference_points = apply(np.linalg.inv(matrix), seen)
    moved = np.linalg.norm(np.array(shifts), axis=1) / factor
    return PatchShifts(source_points, reference_points, moved, np.array(responses), len(cells), area)


def _box_sums(image: np.ndarray, ys: np.ndarray, xs: np.ndarray, side: int) -> np.ndarray:
    """Sums of ``image`` over the side x side boxes at rows ``ys`` and columns ``xs`` (len(ys) x len(xs))."""
    table = cv2.integral(image.astype(np.float64))
    y0, x0 = ys[:, None], xs[None, :]
    return table[y0 + side, x0 + side] - table[y0, x0 + side] - table[y0 + side, x0] + table[y0, x0]


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    if len(points) == 0:
        return points
    return cv2.perspectiveTransform(points[None].astype(np.float64), matrix.astype(np.float64))[0]
