"""Luma identity, chroma distance/PSNR and temporal chroma flicker, in BT.709 Y'CbCr of display R'G'B'.

All functions take display-referred Rec.709 R'G'B' float images (HxWx3) and use the engine's own
``chroma_engine.colour.rgb_to_ycbcr`` (Cb, Cr centred on 0, about -0.5..0.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from .._errors import StageError
from ..colour import luma, rgb_to_ycbcr
from ._colour_diff import check_pair, delta_e00_map


def _psnr(mse: float, peak: float = 1.0) -> float:
    return math.inf if mse <= 0.0 else 10.0 * math.log10(peak * peak / mse)


#: Largest |ΔY'| (0-1 scale) a restore may differ from the scan's luma and still count as identical:
#: well under one 10-bit code value (1/1023), so the scan's luma and grain come through untouched.
LUMA_IDENTITY_LIMIT = 1e-3


def luma_identity(out: np.ndarray, scan: np.ndarray) -> float:
    """Max |Y'out - Y'scan| (0.0 when the output is the scan's luma plus new chroma)."""
    check_pair(out, scan, None, "luma_identity")
    return float(np.abs(luma(out).astype(np.float64) - luma(scan)).max())


def psnr_y(out: np.ndarray, scan: np.ndarray) -> float:
    """PSNR of Y' (peak 1.0) in dB; ``inf`` when identical."""
    check_pair(out, scan, None, "psnr_y")
    diff = luma(out).astype(np.float64) - luma(scan)
    return _psnr(float(np.mean(diff * diff)))


def _cbcr(rgb: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    cc = rgb_to_ycbcr(rgb)[..., 1:].astype(np.float64)
    return cc[mask.astype(bool)] if mask is not None else cc.reshape(-1, 2)


def chroma_distance(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean Euclidean distance in the (Cb, Cr) plane over ``mask``."""
    check_pair(a, b, mask, "chroma_distance")
    d = _cbcr(a, mask) - _cbcr(b, mask)
    if d.size == 0:
        raise StageError("chroma_distance: the mask selects no pixel")
    return float(np.sqrt((d * d).sum(axis=1)).mean())


def chroma_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """PSNR over the Cb and Cr planes together (offset to 0..1, peak 1.0) in dB."""
    check_pair(a, b, mask, "chroma_psnr")
    d = _cbcr(a, mask) - _cbcr(b, mask)
    if d.size == 0:
        raise StageError("chroma_psnr: the mask selects no pixel")
    return _psnr(float(np.mean(d * d)))


def static_mask(prev: np.ndarray, cur: np.ndarray, threshold: float = 0.02, sigma: float = 2.0) -> np.ndarray:
    """True where the Gaussian-smoothed luma changes by less than ``threshold`` between two frames.

    Smoothing first keeps film grain (which changes every frame) from marking everything as moving.
    """
    y0 = cv2.GaussianBlur(luma(prev), (0, 0), sigma)
    y1 = cv2.GaussianBlur(luma(cur), (0, 0), sigma)
    return np.asarray(np.abs(y1 - y0) < threshold)


def chroma_flicker(
    frames: Sequence[np.ndarray],
    mask: np.ndarray | None = None,
    method: str = "de00",
    threshold: float = 0.02,
) -> float:
    """Mean frame-to-frame chroma change in static regions of a frame sequence.

    Args:
        frames: consecutive display Rec.709 frames (HxWx3), at least two.
        mask: optional HxW bool region of interest (True = counted).
        method: ``"de00"`` (mean CIEDE2000 between consecutive frames) or ``"cbcr"`` (mean CbCr distance).
        threshold: smoothed-luma change below which a pixel counts as static.

    Returns:
        The mean over consecutive pairs of the per-pair mean change in static pixels (0 = no flicker);
        pairs without static pixels are skipped, and 0.0 is returned if none has any.
    """
    if len(frames) < 2:
        raise StageError("chroma_flicker: needs at least two frames")
    if method not in ("de00", "cbcr"):
        raise StageError(f"chroma_flicker: unknown method {method!r}", hint="use 'de00' or 'cbcr'")
    values = []
    for prev, cur in zip(frames[:-1], frames[1:], strict=True):
        check_pair(prev, cur, mask, "chroma_flicker")
        keep = static_mask(prev, cur, threshold)
        if mask is not None:
            keep &= mask.astype(bool)
        if not keep.any():
            continue
        if method == "de00":
            values.append(float(delta_e00_map(prev[keep], cur[keep]).mean(dtype=np.float64)))
        else:
            d = _cbcr(prev, keep) - _cbcr(cur, keep)
            values.append(float(np.sqrt((d * d).sum(axis=1)).mean()))
    return float(np.mean(values)) if values else 0.0
