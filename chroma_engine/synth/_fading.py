"""Density-space dye fading of clean Rec.709 frames: the faded-scan simulator (restoration science §2-3).

Model, per pixel and frame (all densities base 10):

1. display-referred R'G'B' -> linear T = V ** 2.4 (the OCIO ``Gamma 2.4 Encoded Rec.709`` decoding),
   clipped to ``[10**-D_MAX, 1]``; channel densities ``D = -log10(T)``.
2. dye amounts ``a = M^-1 D`` with a diagonal-dominant crosstalk matrix ``M`` (scanner R sees mostly
   cyan, G magenta, B yellow).
3. fade ``a' = k(x, y) * a``: per-dye kept fractions, optionally varying slowly across the frame.
4. grain per dye layer, in density units, after the fade; its strength rises with the dye density.
5. ``D' = M a' + stain`` (D-min rise, mostly blue), exposure flicker, back to display values and
   quantised to 10 bits like a scanner.

With ``k = 1``, no grain, stain or flicker the model reproduces the clean frame (up to quantisation).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from schemas import SchemaModel

Severity = Literal["mild", "severe", "extreme"]
SEVERITIES: tuple[Severity, ...] = ("mild", "severe", "extreme")

D_MAX = 3.0
GAMMA = 2.4
SCAN_BITS = 10

#: Rows R, G, B; columns cyan, magenta, yellow dye (restoration science §2).
CROSSTALK: tuple[tuple[float, float, float], ...] = ((1.0, 0.10, 0.02), (0.20, 1.0, 0.08), (0.05, 0.30, 1.0))

#: Kept dye fractions (cyan, magenta, yellow), D-min stain (R, G, B) and spatial variation per severity.
_PRESETS: dict[str, dict[str, tuple[float, ...] | float]] = {
    "mild": {"kept": (0.70, 0.95, 0.75), "stain": (0.005, 0.010, 0.030), "spatial": 0.03},
    "severe": {"kept": (0.30, 0.85, 0.40), "stain": (0.010, 0.020, 0.050), "spatial": 0.06},
    "extreme": {"kept": (0.08, 0.80, 0.25), "stain": (0.015, 0.030, 0.080), "spatial": 0.08},
}


class FadeParams(SchemaModel):
    """One shot's fade.

    Attributes:
        severity: preset the parameters were drawn from.
        kept: kept dye fractions (cyan, magenta, yellow), 0-1; 1 = unfaded.
        stain: D-min rise per channel (R, G, B) in density units.
        spatial_amplitude: relative amplitude of the slow spatial variation of ``kept`` (0 = uniform).
        crosstalk: 3x3 matrix, rows R, G, B, columns C, M, Y: channel density = M @ dye amounts.
        grain_density: grain RMS in density units at dye amount 1.0.
        grain_sigma: Gaussian clump size of the grain in pixels.
        flicker: maximum relative exposure change per frame (0.01 = +-1 %).
        drift: the fade's drift over the shot (``ShotConditions.fade_drift``; 0 = the same fade on every
            frame, left out of ``synth_truth.json`` then).
    """

    severity: Severity
    kept: tuple[float, float, float]
    stain: tuple[float, float, float]
    spatial_amplitude: float
    crosstalk: tuple[tuple[float, float, float], ...] = CROSSTALK
    grain_density: float = 0.012
    grain_sigma: float = 0.6
    flicker: float = 0.01
    drift: float = 0.0


def sample_fade(severity: Severity, rng: np.random.Generator, grain: float = 1.0) -> FadeParams:
    """Draw a shot's fade from a severity preset, jittering the kept fractions by up to +-0.03.

    Raises:
        ValueError: unknown severity (the CLI restricts the choice; the API names the valid ones).
    """
    if severity not in _PRESETS:
        raise ValueError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    preset = _PRESETS[severity]
    base = np.asarray(preset["kept"], dtype=np.float64)
    kept = np.clip(base + rng.uniform(-0.03, 0.03, 3), 0.03, 1.0)
    stain = tuple(float(s) for s in preset["stain"])  # type: ignore[union-attr]
    return FadeParams(
        severity=severity,
        kept=(round(float(kept[0]), 4), round(float(kept[1]), 4), round(float(kept[2]), 4)),
        stain=(stain[0], stain[1], stain[2]),
        spatial_amplitude=float(preset["spatial"]),  # type: ignore[arg-type]
        grain_density=0.012 * grain,
    )


def to_linear(display: np.ndarray) -> np.ndarray:
    """Gamma 2.4 display-referred values -> linear (negative values clipped to 0)."""
    return np.power(np.clip(display, 0.0, None, dtype=np.float32), np.float32(GAMMA))


def to_display(linear: np.ndarray) -> np.ndarray:
    """Linear -> gamma 2.4 display-referred values (negative values clipped to 0)."""
    return np.power(np.clip(linear, 0.0, None, dtype=np.float32), np.float32(1.0 / GAMMA))


def quantise(display: np.ndarray, bits: int = SCAN_BITS) -> np.ndarray:
    """Clip to 0-1 and round to ``bits`` integer code values, like a scanner's DPX output."""
    top = float(2**bits - 1)
    return (np.round(np.clip(display, 0.0, 1.0) * top) / top).astype(np.float32)


def fade_field(params: FadeParams, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Per-pixel kept fractions HxWx3 (C, M, Y): the preset scaled by a slow random field.

    The field is a 4x3 random grid per dye, upsampled bicubically, so it varies over about a third
    of the frame; amplitude ``params.spatial_amplitude`` relative to the kept fraction.
    """
    coarse = rng.uniform(-1.0, 1.0, (3, 4, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    kept = np.asarray(params.kept, dtype=np.float32)
    field = kept * (1.0 + params.spatial_amplitude * np.clip(smooth, -1.0, 1.0))
    return np.clip(field, 0.01, 1.0).astype(np.float32)


def _unit_grain(shape: tuple[int, int, int], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian white noise blurred to ``sigma`` px clumps, rescaled to unit standard deviation."""
    noise = rng.standard_normal(shape, dtype=np.float32)
    if sigma <= 0:
        return noise
    kernel = cv2.getGaussianKernel(int(2 * np.ceil(3 * sigma) + 1), sigma).astype(np.float64)
    gain = 1.0 / float(np.sum(kernel**2))  # 2-D kernel = outer(k, k): output std = sum(k^2)
    blurred = cv2.sepFilter2D(noise, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT)
    return (blurred * np.float32(gain)).astype(np.float32)


def fade_frame(
    clean: np.ndarray,
    params: FadeParams,
    field: np.ndarray,
    rng: np.random.Generator,
    exposure: float = 1.0,
    grain: bool = True,
) -> np.ndarray:
    """Fade one clean display-referred frame into a 10-bit "scan" (float32 HxWx3, 0-1).

    Args:
        clean: clean Rec.709 display-referred frame, HxWx3 float.
        params: the shot's fade.
        field: per-pixel kept fractions from ``fade_field`` (HxWx3, dyes C, M, Y).
        rng: the frame's generator (grain); a different stream per frame.
        exposure: scan exposure multiplier in linear light (flicker), e.g. 1.007.
        grain: add density-space grain (off for tests of the deterministic model).
    """
    matrix = np.asarray(params.crosstalk, dtype=np.float32)
    inverse = np.linalg.inv(matrix.astype(np.float64)).astype(np.float32)
    linear = np.clip(to_linear(clean), np.float32(10.0**-D_MAX), np.float32(1.0))
    density = np.log10(linear)
    np.negative(density, out=density)
    dyes = cv2.transform(density, inverse)  # per-pixel 3x3 matrix product (OpenCV: fast, float32)
    dyes *= field
    if grain and params.grain_density > 0:
        strength = np.sqrt(np.clip(dyes, 0.0, D_MAX))
        strength *= np.float32(0.65 * params.grain_density)
        strength += np.float32(0.35 * params.grain_density)
        strength *= _unit_grain(dyes.shape, params.grain_sigma, rng)
        dyes += strength
    stain = np.asarray(params.stain, dtype=np.float32)
    faded = np.asarray(cv2.transform(dyes, np.hstack([matrix, stain[:, None]])), dtype=np.float32)
    faded *= np.float32(-np.log(10.0))
    scan_linear = np.exp(faded) * np.float32(exposure)
    return quantise(to_display(scan_linear))


def grey_world_gains(source: np.ndarray) -> tuple[float, float, float]:
    """Per-channel linear gains that make the frame's mean neutral while keeping its mean luminance."""
    means = to_linear(source).reshape(-1, 3).mean(axis=0).astype(np.float64)
    target = float(means @ np.array([0.2126, 0.7152, 0.0722]))
    gains = target / np.maximum(means, 1e-6)
    return (float(gains[0]), float(gains[1]), float(gains[2]))


def balance(source: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """A colorist's simple balance: linear per-channel gains, display-referred.

    It removes the global cast but not the tone-dependent, per-dye fading. Values are not clipped
    at 1 (a float export keeps them), so the mean stays exactly neutral.
    """
    linear = to_linear(source) * np.asarray(gains, dtype=np.float32)
    return to_display(linear)
