"""Applying an ``AlignmentRecord``: the warped reference, the training mask and the QC difference."""

from __future__ import annotations

import cv2
import numpy as np

from schemas import AlignmentRecord

from ._crop import warped_valid
from ._geometry import box_mask, scale_matrix


def record_matrix(record: AlignmentRecord) -> np.ndarray:
    """The record's 3x3 reference -> source matrix as a float64 array."""
    return np.array(record.matrix, dtype=np.float64)


def _linear_scale(matrix: np.ndarray) -> float:
    """Mean linear scale of a matrix's 2x2 part (area ratio square root)."""
    return float(np.sqrt(abs(np.linalg.det(matrix[:2, :2] / matrix[2, 2]))))


def warp_reference(ref_rgb: np.ndarray, record: AlignmentRecord, source_shape: tuple[int, ...]) -> np.ndarray:
    """The reference in source geometry (HxWx3 float32), black outside its frame.

    Uses ``cv2.warpPerspective`` with INTER_LINEAR; when the reference is shrunk by more than ~30 %
    it is first reduced with INTER_AREA (so fine detail averages instead of aliasing) and the matrix
    is adjusted to match.

    Args:
        ref_rgb: reference frame (HxWx3), any size; NaN/Inf are replaced by 0.
        record: the alignment (its ``matrix`` maps reference to source pixels).
        source_shape: (H, W, ...) of the source.
    """
    ref = np.nan_to_num(np.asarray(ref_rgb, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    matrix = record_matrix(record)
    scale = _linear_scale(matrix)
    if scale < 0.7:
        factor = max(scale, 1.0 / max(ref.shape[:2]))
        size = (max(1, round(ref.shape[1] * factor)), max(1, round(ref.shape[0] * factor)))
        ref = cv2.resize(ref, size, interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
        matrix = matrix @ np.linalg.inv(scale_matrix(size[0] / ref_rgb.shape[1], size[1] / ref_rgb.shape[0]))
    height, width = source_shape[0], source_shape[1]
    out = cv2.warpPerspective(
        ref, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    return out.astype(np.float32)


def training_mask(record: AlignmentRecord, frame: int, source_shape: tuple[int, ...]) -> np.ndarray:
    """Bool HxW mask of usable training pixels on ``frame``.

    True inside the frame's crop box (``record.crop_for_frame``: the linked crop, shrunk on frames
    with subtitles) and where the warped reference frame has pixels.
    """
    ref_w, ref_h = record.reference_size
    inside = box_mask(record.crop_for_frame(frame), source_shape)
    valid = warped_valid(record_matrix(record), (ref_h, ref_w), (source_shape[0], source_shape[1]))
    return inside & valid


def difference_image(src: np.ndarray, warped: np.ndarray, gain: float = 4.0) -> np.ndarray:
    """QC picture of misregistration: amplified difference of the two normalised lumas (grey RGB).

    Each luma is brought to zero mean and unit spread first (the two images have different tone
    curves), so a well-aligned pair is dark except for grading differences, and misalignment shows
    as bright double edges.
    """
    weights = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    ys = np.nan_to_num(np.asarray(src, np.float32)[..., :3]) @ weights
    yw = np.nan_to_num(np.asarray(warped, np.float32)[..., :3]) @ weights
    valid = yw > 0
    if valid.sum() < 16:
        valid = np.ones_like(yw, dtype=bool)
    ns = (ys - ys[valid].mean()) / max(float(ys[valid].std()), 1e-6)
    nw = (yw - yw[valid].mean()) / max(float(yw[valid].std()), 1e-6)
    diff = np.clip(np.abs(ns - nw) * gain / 8.0, 0.0, 1.0) * valid
    return np.repeat(diff[..., None], 3, axis=2).astype(np.float32)


def _edges(luma: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Gradient magnitude of the blurred luma, scaled so the picture's strong edges reach ~1."""
    blurred = cv2.GaussianBlur(luma, (0, 0), 1.0)
    grad = cv2.magnitude(cv2.Sobel(blurred, cv2.CV_32F, 1, 0), cv2.Sobel(blurred, cv2.CV_32F, 0, 1))
    top = float(np.percentile(grad[valid], 98)) if valid.any() else 0.0
    return np.clip(grad / max(top, 1e-6), 0.0, 1.0) * valid


def edge_overlay(src: np.ndarray, warped: np.ndarray) -> np.ndarray:
    """QC picture of misregistration that ignores the grade: scan edges green, reference edges magenta.

    Where the two agree the edges are white/grey; a misplaced reference shows green and magenta edges
    side by side (their distance is the error). Outside the warped reference only the scan's edges
    show.
    """
    weights = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    ys = np.nan_to_num(np.asarray(src, np.float32)[..., :3]) @ weights
    yw = np.nan_to_num(np.asarray(warped, np.float32)[..., :3]) @ weights
    valid = cv2.erode((yw > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    es = _edges(ys, np.ones_like(valid))
    ew = _edges(yw, valid)
    return np.stack([ew, es, ew], axis=-1).astype(np.float32)
