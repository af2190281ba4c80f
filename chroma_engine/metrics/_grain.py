"""Grain preservation: noise power spectra (NPS) of high-pass residuals, output vs scan.

Method (ISO 15739 / IEC 62220-1 style, simplified): the plane (Y', or Cb and Cr) minus its Gaussian
blur (``sigma`` px) is the high-pass residual that holds grain and fine detail; it is cut into
half-overlapping ``patch`` x ``patch`` tiles (Welch), each tile is de-meaned and Hann-windowed, the
|FFT|^2 of the tiles is averaged and radially binned in cycles/pixel (Nyquist = 0.5). The grain ratio is
the band-integrated NPS of the output over that of the scan: 1.0 = the scan's grain is kept,
< 1 = grain was smoothed away (a blurring model), > 1 = noise was added.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._errors import StageError
from ..colour import rgb_to_ycbcr
from ._colour_diff import check_pair

#: Default frequency band (cycles/pixel) where film grain dominates a 2K scan.
GRAIN_BAND = (0.15, 0.5)
#: Smallest Welch tile: small frames and small crops halve the tile down to this size.
MIN_PATCH = 8


class _NoTile(StageError):
    """No whole tile of this size fits the plane or lies inside the mask."""


def _residual(plane: np.ndarray, sigma: float) -> np.ndarray:
    plane = np.ascontiguousarray(plane, dtype=np.float32)
    return plane - cv2.GaussianBlur(plane, (0, 0), sigma)


def noise_power_spectrum(
    plane: np.ndarray, patch: int = 64, sigma: float = 3.0, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged NPS of the high-pass residual of one HxW plane.

    Args:
        plane: HxW float image plane.
        patch: Welch tile size in pixels (tiles overlap by half).
        sigma: Gaussian sigma of the low-pass that is subtracted.
        mask: optional HxW bool; only tiles lying entirely inside it are used.

    Returns:
        ``(frequencies, nps)``: bin centres in cycles/pixel (``patch // 2`` bins up to 0.5) and the mean
        power per bin (units: plane value^2 per cycle^2/pixel^2).
    """
    if plane.ndim != 2:
        raise StageError(f"noise_power_spectrum: expected an HxW plane, got shape {plane.shape}")
    if min(plane.shape) < patch:
        raise _NoTile(f"noise_power_spectrum: plane {plane.shape} smaller than patch {patch}")
    residual = _residual(plane, sigma)
    step = patch // 2
    tiles = np.lib.stride_tricks.sliding_window_view(residual, (patch, patch))[::step, ::step]
    tiles = tiles.reshape(-1, patch, patch)
    if mask is not None:
        inside = np.lib.stride_tricks.sliding_window_view(mask.astype(bool), (patch, patch))[::step, ::step]
        tiles = tiles[inside.reshape(-1, patch, patch).all(axis=(1, 2))]
    if len(tiles) == 0:
        raise _NoTile("noise_power_spectrum: no tile lies inside the mask", hint="use a smaller patch")
    window = np.outer(np.hanning(patch), np.hanning(patch)).astype(np.float32)
    tiles = (tiles - tiles.mean(axis=(1, 2), keepdims=True)) * window
    power = (np.abs(np.fft.rfft2(tiles)) ** 2).mean(axis=0) / float((window**2).sum())
    fy = np.fft.fftfreq(patch)[:, None]
    fx = np.fft.rfftfreq(patch)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    nbins = patch // 2
    index = np.minimum((radius * 2 * nbins).astype(int), nbins)  # bin width 1/patch
    sums = np.bincount(index.ravel(), weights=power.ravel(), minlength=nbins + 1)[:nbins]
    counts = np.bincount(index.ravel(), minlength=nbins + 1)[:nbins]
    freqs = (np.arange(nbins) + 0.5) / (2 * nbins)
    return freqs, sums / np.maximum(counts, 1)


def _band_power(planes: list[np.ndarray], band: tuple[float, float], **kw: object) -> float:
    total = 0.0
    for plane in planes:
        freqs, nps = noise_power_spectrum(plane, **kw)  # type: ignore[arg-type]
        total += float(nps[(freqs >= band[0]) & (freqs <= band[1])].sum())
    return total


def grain_noise_power_ratio(
    out: np.ndarray,
    scan: np.ndarray,
    band: tuple[float, float] = GRAIN_BAND,
    component: str = "luma",
    mask: np.ndarray | None = None,
    patch: int = 64,
    sigma: float = 3.0,
) -> float:
    """NPS_out / NPS_scan integrated over ``band`` (cycles/pixel) for Y' (``"luma"``) or CbCr (``"chroma"``).

    1.0 = grain preserved. Both images are display Rec.709 R'G'B' HxWx3. A scan without any
    high-frequency power gives ``inf`` (or 1.0 if the output has none either).
    """
    check_pair(out, scan, mask, "grain_noise_power_ratio")
    if component not in ("luma", "chroma"):
        raise StageError(f"grain_noise_power_ratio: unknown component {component!r}", hint="luma or chroma")
    channels = [0] if component == "luma" else [1, 2]
    ycc_out, ycc_scan = rgb_to_ycbcr(out), rgb_to_ycbcr(scan)
    # Small frames and small crops: the tile halves until whole tiles fit (both images use the same tile).
    size = patch
    while size > MIN_PATCH and size > min(out.shape[:2]):
        size //= 2
    while True:
        kw = {"mask": mask, "patch": size, "sigma": sigma}
        try:
            p_out = _band_power([ycc_out[..., c] for c in channels], band, **kw)
            p_scan = _band_power([ycc_scan[..., c] for c in channels], band, **kw)
            break
        except _NoTile:
            if size <= MIN_PATCH:
                raise
            size //= 2
    if p_scan <= 0.0:
        return 1.0 if p_out <= 0.0 else float("inf")
    return p_out / p_scan


def chroma_noise_power_ratio(
    out: np.ndarray, scan: np.ndarray, band: tuple[float, float] = GRAIN_BAND, mask: np.ndarray | None = None
) -> float:
    """CbCr version of :func:`grain_noise_power_ratio` (the scan's chroma grain vs the output's)."""
    return grain_noise_power_ratio(out, scan, band=band, component="chroma", mask=mask)


def rms_granularity(rgb: np.ndarray, sigma: float = 3.0) -> float:
    """RMS of the Y' high-pass residual (a single-number grain amplitude, display code values)."""
    residual = _residual(rgb_to_ycbcr(rgb)[..., 0], sigma)
    return float(np.sqrt(np.mean(residual.astype(np.float64) ** 2)))
