"""Registration of the reference onto the source on luma structure (OpenCV).

The reference has another tone curve (and is often softer), so nothing here compares raw
intensities: features are found on contrast-equalised luma (SIFT; AKAZE/ORB as fallbacks) and matched
with a ratio test; RANSAC fits the motion model; ECC (``cv2.findTransformECC``) refines it on
blurred gradient-magnitude images; quality is the normalised cross-correlation of gradient
magnitude inside the overlap. All matrices map reference pixels to source pixels (OpenCV
coordinates, y down).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ._geometry import scale_matrix

#: Longest side the registration works at (features, ECC, quality).
WORK_SIZE = 1024
_MIN_INLIERS = 8


@dataclass(frozen=True)
class Registration:
    """One frame pair's registration.

    Attributes:
        matrix: 3x3 reference -> source (full-resolution OpenCV pixels), or None when it failed.
        quality: gradient NCC 0-1 inside the overlap (0 when it failed).
        inliers: RANSAC inliers.
        message: why it failed, or a note.
    """

    matrix: np.ndarray | None
    quality: float
    inliers: int
    message: str = ""


def clean(rgb: np.ndarray) -> tuple[np.ndarray, bool]:
    """``rgb`` with NaN/Inf replaced by 0 (and the flag saying whether any were found)."""
    if np.isfinite(rgb).all():
        return rgb, False
    return np.nan_to_num(rgb, nan=0.0, posinf=1.0, neginf=0.0), True


def luma_of(rgb: np.ndarray) -> np.ndarray:
    """BT.709 luma of R'G'B' as float32 (NaN/Inf-safe); grey input passes through."""
    if rgb.ndim == 2:
        return np.nan_to_num(rgb.astype(np.float32))
    rgb, _ = clean(rgb)
    return (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]).astype(np.float32)


def shrink(image: np.ndarray, longest: int = WORK_SIZE) -> tuple[np.ndarray, float]:
    """Downscale (INTER_AREA) so the longest side is at most ``longest``; returns (image, factor)."""
    factor = min(1.0, longest / max(image.shape[:2]))
    if factor >= 1.0:
        return image, 1.0
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def structure(luma: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Gradient magnitude of the blurred luma: tone-curve-robust structure image (float32)."""
    blurred = cv2.GaussianBlur(luma.astype(np.float32), (0, 0), sigma)
    gx = cv2.Sobel(blurred, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(blurred, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def _equalised(luma: np.ndarray) -> np.ndarray:
    """8-bit CLAHE luma for feature detection."""
    lo, hi = np.percentile(luma, [0.5, 99.5])
    scaled = np.clip((luma - lo) / max(hi - lo, 1e-6), 0, 1)
    img8 = (scaled * 255).astype(np.uint8)
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(img8)


def _detectors() -> list[tuple[object, int]]:
    """Feature detectors to try, best first, with their descriptor norm.

    OpenCV 5's main package has SIFT and ORB (AKAZE moved to contrib); AKAZE is used when present.
    """
    found: list[tuple[object, int]] = [(cv2.SIFT_create(nfeatures=6000, contrastThreshold=0.02), cv2.NORM_L2)]  # type: ignore[attr-defined]
    if hasattr(cv2, "AKAZE_create"):
        found.append((cv2.AKAZE_create(threshold=0.0005), cv2.NORM_HAMMING))
    found.append((cv2.ORB_create(nfeatures=4000), cv2.NORM_HAMMING))  # type: ignore[attr-defined]
    return found


def _match(src8: np.ndarray, ref8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ratio-tested matches (SIFT, then AKAZE/ORB when too few): (ref points, src points)."""
    best = (np.empty((0, 2), np.float32), np.empty((0, 2), np.float32))
    for detector, norm in _detectors():
        kp_s, des_s = detector.detectAndCompute(src8, None)  # type: ignore[attr-defined]
        kp_r, des_r = detector.detectAndCompute(ref8, None)  # type: ignore[attr-defined]
        if des_s is None or des_r is None or len(kp_s) < 2 or len(kp_r) < 2:
            continue
        knn = cv2.BFMatcher(norm).knnMatch(des_r, des_s, k=2)
        good = [p[0] for p in knn if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
        if len(good) > len(best[0]):
            best = (
                np.array([kp_r[m.queryIdx].pt for m in good], np.float32),
                np.array([kp_s[m.trainIdx].pt for m in good], np.float32),
            )
        if len(best[0]) >= 60:
            break
    return best


def _fit(
    ref_pts: np.ndarray, src_pts: np.ndarray, motion: str, threshold: float
) -> tuple[np.ndarray | None, int]:
    """RANSAC fit of ``motion`` (similarity / affine / perspective) -> (3x3 or None, inliers)."""
    if len(ref_pts) < 4:
        return None, 0
    if motion == "perspective":
        matrix, inl = cv2.findHomography(ref_pts, src_pts, cv2.RANSAC, threshold, maxIters=5000)
    elif motion == "similarity":
        matrix, inl = cv2.estimateAffinePartial2D(
            ref_pts, src_pts, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=5000
        )
    else:
        matrix, inl = cv2.estimateAffine2D(
            ref_pts, src_pts, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=5000
        )
    if matrix is None or inl is None:
        return None, 0
    full = matrix if matrix.shape == (3, 3) else np.vstack([matrix, [0.0, 0.0, 1.0]])
    return full.astype(np.float64), int(inl.sum())


def _nearest_similarity(matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Least-squares similarity through the images of a grid of points of an image of ``size``."""
    w, h = size
    grid = np.array([[x, y] for x in np.linspace(0, w - 1, 5) for y in np.linspace(0, h - 1, 5)], np.float32)
    mapped = cv2.perspectiveTransform(grid[None], matrix.astype(np.float64))[0].astype(np.float32)
    sim, _ = cv2.estimateAffinePartial2D(grid, mapped, method=cv2.LMEDS)
    return np.vstack([sim, [0.0, 0.0, 1.0]]) if sim is not None else matrix


def gradient_ncc(src_struct: np.ndarray, warped_struct: np.ndarray, valid: np.ndarray) -> float:
    """Normalised cross-correlation of two structure images inside ``valid``, clipped to 0-1."""
    if valid.sum() < 64:
        return 0.0
    a = src_struct[valid].astype(np.float64)
    b = warped_struct[valid].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float(np.clip((a * b).sum() / denom, 0.0, 1.0)) if denom > 1e-12 else 0.0


def overlap_mask(
    matrix: np.ndarray,
    ref_shape: tuple[int, int],
    src_shape: tuple[int, int],
    erode: int = 3,
    ref_valid: np.ndarray | None = None,
) -> np.ndarray:
    """Source pixels the warped reference covers (bool), shrunk by ``erode`` px to drop its edge."""
    base = np.full(ref_shape, 255, np.uint8) if ref_valid is None else ref_valid.astype(np.uint8) * 255
    warped = cv2.warpPerspective(base, matrix, (src_shape[1], src_shape[0]), flags=cv2.INTER_NEAREST)
    if erode > 0:
        warped = cv2.erode(warped, np.ones((2 * erode + 1, 2 * erode + 1), np.uint8))
    return warped > 0


def registration_quality(
    src_luma: np.ndarray,
    ref_luma: np.ndarray,
    matrix: np.ndarray,
    src_valid: np.ndarray | None = None,
    ref_valid: np.ndarray | None = None,
) -> float:
    """Gradient-magnitude NCC of source and warped reference inside their overlap (work scale).

    Args:
        src_luma, ref_luma: full-resolution luma.
        matrix: reference -> source (full resolution).
        src_valid, ref_valid: optional bool masks of picture (excluding borders, subtitles).
    """
    src_s, fs = shrink(src_luma, 768)
    ref_s, fr = shrink(ref_luma, 768)
    m = scale_matrix(fs) @ matrix @ np.linalg.inv(scale_matrix(fr))
    rv = (
        None
        if ref_valid is None
        else cv2.resize(ref_valid.astype(np.uint8), ref_s.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
    )
    valid = overlap_mask(m, ref_s.shape, src_s.shape, erode=4, ref_valid=rv)
    if src_valid is not None:
        valid &= (
            cv2.resize(src_valid.astype(np.uint8), src_s.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
        )
    warped = cv2.warpPerspective(
        structure(ref_s), m, (src_s.shape[1], src_s.shape[0]), flags=cv2.INTER_LINEAR
    )
    return gradient_ncc(structure(src_s), warped, valid)


def _ecc(
    src_s: np.ndarray, ref_s: np.ndarray, matrix: np.ndarray, motion: str, mask: np.ndarray
) -> np.ndarray | None:
    """ECC refinement on gradient images at work scale; returns ref -> src 3x3 or None."""
    template = structure(src_s, 2.0)
    moving = structure(ref_s, 2.0)
    inverse = np.linalg.inv(matrix)
    inverse /= inverse[2, 2]
    if motion == "perspective":
        mode, warp = cv2.MOTION_HOMOGRAPHY, inverse.astype(np.float32)
    else:
        mode, warp = cv2.MOTION_AFFINE, inverse[:2].astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 80, 1e-6)
    try:
        _, warp = cv2.findTransformECC(template, moving, warp, mode, criteria, mask.astype(np.uint8), 5)  # type: ignore[assignment]
    except cv2.error:
        return None
    full = warp.astype(np.float64) if warp.shape == (3, 3) else np.vstack([warp, [0.0, 0.0, 1.0]])
    refined = np.linalg.inv(full)
    return refined / refined[2, 2]


def register_pair(
    src_luma: np.ndarray,
    ref_luma: np.ndarray,
    motion: str = "affine",
    *,
    refine: bool = True,
    src_valid: np.ndarray | None = None,
    ref_valid: np.ndarray | None = None,
    work_size: int = WORK_SIZE,
) -> Registration:
    """Register one reference frame onto its source frame.

    Args:
        src_luma, ref_luma: full-resolution luma (float32, any tone curves).
        motion: ``similarity``, ``affine`` or ``perspective``.
        refine: run ECC after RANSAC (kept only when it raises the quality).
        src_valid, ref_valid: optional picture masks (black borders False) for ECC and quality.
        work_size: longest side used for features and ECC.

    Returns:
        A ``Registration``; ``matrix`` None with a message when no model could be fitted.
    """
    src_s, fs = shrink(src_luma, work_size)
    ref_s, fr = shrink(ref_luma, work_size)
    ref_pts, src_pts = _match(_equalised(src_s), _equalised(ref_s))
    threshold = max(2.0, 0.003 * max(src_s.shape))
    matrix, inliers = _fit(ref_pts, src_pts, motion, threshold)
    if matrix is None or inliers < _MIN_INLIERS:
        return Registration(
            None, 0.0, inliers, f"only {inliers} consistent feature matches ({len(ref_pts)} matches)"
        )
    to_full = np.linalg.inv(scale_matrix(fs)) @ matrix @ scale_matrix(fr)
    quality = registration_quality(src_luma, ref_luma, to_full, src_valid, ref_valid)
    if refine:
        rv = (
            None
            if ref_valid is None
            else cv2.resize(ref_valid.astype(np.uint8), ref_s.shape[::-1], interpolation=cv2.INTER_NEAREST)
            > 0
        )
        mask = overlap_mask(matrix, ref_s.shape, src_s.shape, erode=6, ref_valid=rv)
        if src_valid is not None:
            mask &= (
                cv2.resize(src_valid.astype(np.uint8), src_s.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
            )
        refined = _ecc(src_s, ref_s, matrix, motion, mask) if mask.sum() > 256 else None
        if refined is not None and motion == "similarity":
            refined = _nearest_similarity(refined, ref_s.shape[::-1])
        if refined is not None:
            refined_full = np.linalg.inv(scale_matrix(fs)) @ refined @ scale_matrix(fr)
            q2 = registration_quality(src_luma, ref_luma, refined_full, src_valid, ref_valid)
            if q2 >= quality:
                to_full, quality = refined_full, q2
    return Registration(to_full / to_full[2, 2], quality, inliers)
