"""BT.709 Y'CbCr on display-referred (gamma-encoded) R'G'B', the space the model learns in.

Cb and Cr are centred on 0 (range about -0.5..0.5). ``ycbcr_to_rgb(rgb_to_ycbcr(x)) == x`` to float
precision, so recombining the scan's Y' with new CbCr leaves the scan's luma exactly untouched.
"""

from __future__ import annotations

import numpy as np

KR, KB = 0.2126, 0.0722
KG = 1.0 - KR - KB

_TO_YCC = np.array(
    [
        [KR, KG, KB],
        [-KR / (2 * (1 - KB)), -KG / (2 * (1 - KB)), 0.5],
        [0.5, -KG / (2 * (1 - KR)), -KB / (2 * (1 - KR))],
    ],
    dtype=np.float64,
)
_FROM_YCC = np.linalg.inv(_TO_YCC)


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """R'G'B' (..., 3) -> Y'CbCr (..., 3), float32."""
    return np.einsum("...c,dc->...d", rgb.astype(np.float64), _TO_YCC).astype(np.float32)


def ycbcr_to_rgb(ycc: np.ndarray) -> np.ndarray:
    """Y'CbCr (..., 3) -> R'G'B' (..., 3), float32."""
    return np.einsum("...c,dc->...d", ycc.astype(np.float64), _FROM_YCC).astype(np.float32)


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.709 Y' of R'G'B' (..., 3) -> (...), float32."""
    return (rgb[..., 0] * KR + rgb[..., 1] * KG + rgb[..., 2] * KB).astype(np.float32)


def recombine(scan_rgb: np.ndarray, chroma_from: np.ndarray) -> np.ndarray:
    """The scan's Y' with the CbCr of ``chroma_from`` (both R'G'B'), as R'G'B'."""
    ycc = rgb_to_ycbcr(chroma_from)
    ycc[..., 0] = luma(scan_rgb)
    return ycbcr_to_rgb(ycc)


def matrices() -> tuple[np.ndarray, np.ndarray]:
    """(RGB->YCbCr, YCbCr->RGB) 3x3 matrices, for torch models that need the same transform."""
    return _TO_YCC.astype(np.float32), _FROM_YCC.astype(np.float32)
