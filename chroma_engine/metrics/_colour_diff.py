"""CIEDE2000 between display-referred Rec.709 images (the engine's working encoding).

Conversion (documented because ``skimage.color.rgb2lab`` alone would assume the sRGB curve):

1. BT.1886 decode with Lw = 1, Lb = 0: ``lin = clip(v, 0, None) ** 2.4`` (Resolve's Gamma 2.4 Rec.709);
2. linear Rec.709 -> CIE XYZ (D65) with the Rec.709/sRGB primaries matrix
   (``skimage.color.colorconv.xyz_from_rgb``; Rec.709 and sRGB share primaries and white);
3. XYZ -> CIE L*a*b* with the D65 / 2 degree white (``skimage.color.xyz2lab``), Y = 1 at display white;
4. ``skimage.color.deltaE_ciede2000(kL=kC=kH=1)``.

``colour.delta_E(..., method="CIE 2000")`` on ``colour.RGB_to_XYZ(lin, "ITU-R BT.709")`` agrees within
0.01 dE00 (tested; the residue is the rounding of skimage's matrix and D65 white).
"""

from __future__ import annotations

import numpy as np
from skimage import color as skcolor
from skimage.color.colorconv import xyz_from_rgb

from .._errors import StageError

#: Display gamma of the BT.1886 decode.
DISPLAY_GAMMA = 2.4
_XYZ_FROM_RGB = np.asarray(xyz_from_rgb, dtype=np.float64)


def check_pair(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None, name: str) -> None:
    """Raise ``StageError`` unless ``a``/``b`` are equal-shaped (..., 3) and ``mask`` matches (...)."""
    if a.shape != b.shape or a.shape[-1:] != (3,):
        raise StageError(f"{name}: images must be equal (..., 3) arrays, got {a.shape} and {b.shape}")
    if mask is not None and mask.shape != a.shape[:-1]:
        raise StageError(f"{name}: mask {mask.shape} does not match image {a.shape[:-1]}")


def _select(rgb: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return rgb[mask.astype(bool)] if mask is not None else rgb


def rec709_to_lab(rgb: np.ndarray) -> np.ndarray:
    """Display-referred Rec.709 R'G'B' (..., 3) -> CIE Lab D65 (..., 3), float64."""
    lin = np.power(np.clip(np.asarray(rgb, dtype=np.float64), 0.0, None), DISPLAY_GAMMA)
    xyz = lin @ _XYZ_FROM_RGB.T
    return np.asarray(skcolor.xyz2lab(xyz, illuminant="D65", observer="2", channel_axis=-1))


def delta_e00_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel CIEDE2000 between two display Rec.709 images (..., 3) -> (...), float32."""
    check_pair(a, b, None, "delta_e00_map")
    de = skcolor.deltaE_ciede2000(rec709_to_lab(a), rec709_to_lab(b), kL=1, kC=1, kH=1, channel_axis=-1)
    return np.asarray(de, dtype=np.float32)


def delta_e00(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean CIEDE2000 of two display Rec.709 images over ``mask`` (True = counted; None = all)."""
    check_pair(a, b, mask, "delta_e00")
    values = delta_e00_map(_select(a, mask), _select(b, mask))
    if values.size == 0:
        raise StageError("delta_e00: the mask selects no pixel", hint="check the evaluation mask")
    return float(values.mean(dtype=np.float64))


def delta_e00_stats(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """CIEDE2000 summary ``{"mean", "median", "p95", "max"}`` over ``mask``."""
    check_pair(a, b, mask, "delta_e00_stats")
    values = delta_e00_map(_select(a, mask), _select(b, mask)).astype(np.float64)
    if values.size == 0:
        raise StageError("delta_e00_stats: the mask selects no pixel", hint="check the evaluation mask")
    median, p95 = np.percentile(values, [50, 95])
    return {
        "mean": float(values.mean()),
        "median": float(median),
        "p95": float(p95),
        "max": float(values.max()),
    }
