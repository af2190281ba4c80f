"""The density-space fade model: exactness when unfaded, magenta cast and chroma loss by severity, grain."""

from __future__ import annotations

import numpy as np
import pytest

from chroma_engine.colour import LINEAR_REC709, REC709_DISPLAY, convert, rgb_to_ycbcr
from chroma_engine.synth import (
    PHOTOS,
    SEVERITIES,
    balance,
    fade_field,
    fade_frame,
    grey_world_gains,
    plan_camera,
    quantise,
    sample_fade,
    to_linear,
)

W, H = 192, 144


def _clean(photo: str = "astronaut", seed: int = 1) -> np.ndarray:
    camera = plan_camera(photo, W, H, 8, np.random.default_rng(seed), range(8))
    return camera.render(3)


def _faded(clean: np.ndarray, severity: str, grain: bool = True, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    params = sample_fade(severity, rng)  # type: ignore[arg-type]
    return fade_frame(clean, params, fade_field(params, W, H, rng), np.random.default_rng(99), grain=grain)


def _mean_rgb(rgb: np.ndarray) -> np.ndarray:
    return rgb.reshape(-1, 3).mean(axis=0)


def _magenta(rgb: np.ndarray) -> float:
    """(R + B) / 2 - G of the mean: positive = magenta."""
    r, g, b = _mean_rgb(rgb)
    return float((r + b) / 2 - g)


def _chroma_beyond_tone(rgb: np.ndarray, bins: int = 32) -> float:
    """Mean |CbCr| after removing the mean CbCr of each Y' bin: colour beyond the tone-dependent cast."""
    ycc = rgb_to_ycbcr(rgb).reshape(-1, 3)
    index = np.clip((ycc[:, 0] * bins).astype(int), 0, bins - 1)
    residual = np.zeros_like(ycc[:, 1:])
    for b in np.unique(index):
        sel = index == b
        residual[sel] = ycc[sel, 1:] - ycc[sel, 1:].mean(axis=0)
    return float(np.linalg.norm(residual, axis=1).mean())


def test_to_linear_matches_the_ocio_colour_space() -> None:
    ramp = np.linspace(0, 1, 64 * 3, dtype=np.float32).reshape(8, 8, 3)
    ocio = convert(ramp, REC709_DISPLAY, LINEAR_REC709)
    np.testing.assert_allclose(to_linear(ramp), ocio, atol=1e-4)


def test_unfaded_model_reproduces_the_clean_frame() -> None:
    clean = _clean()
    params = sample_fade("severe", np.random.default_rng(0)).model_copy(
        update={"kept": (1.0, 1.0, 1.0), "stain": (0.0, 0.0, 0.0), "spatial_amplitude": 0.0}
    )
    field = fade_field(params, W, H, np.random.default_rng(0))
    out = fade_frame(clean, params, field, np.random.default_rng(0), grain=False)
    above_dmax = clean.min(axis=-1) > 0.06  # below 10**-3 linear the film's D-max clips
    assert above_dmax.mean() > 0.5
    assert np.abs(out - quantise(clean))[above_dmax].max() <= 1.5 / 1023


def test_scan_is_quantised_to_10_bits() -> None:
    codes = _faded(_clean(), "severe") * 1023
    assert np.abs(codes - np.round(codes)).max() < 1e-3


@pytest.mark.parametrize("photo", PHOTOS)
def test_fade_shifts_towards_magenta_more_with_severity(photo: str) -> None:
    clean = _clean(photo)
    shifts = [_magenta(_faded(clean, s)) - _magenta(clean) for s in SEVERITIES]
    cr_rise = [
        float(rgb_to_ycbcr(_faded(clean, s))[..., 2].mean() - rgb_to_ycbcr(clean)[..., 2].mean())
        for s in SEVERITIES
    ]
    assert shifts[0] > 0.02, shifts  # G drops against (R+B)/2 even for a mild fade
    assert shifts[0] < shifts[1] < shifts[2], shifts
    assert cr_rise[0] > 0.0 and cr_rise[0] < cr_rise[1] < cr_rise[2], cr_rise


@pytest.mark.parametrize("photo", PHOTOS)
def test_fade_removes_chroma_more_with_severity(photo: str) -> None:
    """Fading compresses the scene's colours (grain off: its chroma noise would mask a mild fade);
    the cast alone would raise the raw |CbCr| (see the next test)."""
    clean = _clean(photo)
    ratios = [
        _chroma_beyond_tone(_faded(clean, s, grain=False)) / _chroma_beyond_tone(clean) for s in SEVERITIES
    ]
    assert ratios[0] < 0.99, ratios
    assert ratios[0] - ratios[1] > 0.1 and ratios[1] - ratios[2] > 0.1, ratios
    assert ratios[2] < 0.6, ratios


def test_raw_chroma_magnitude_is_dominated_by_the_cast() -> None:
    clean = _clean()
    magnitude = [
        float(np.hypot(*rgb_to_ycbcr(x)[..., 1:].transpose(2, 0, 1)).mean())
        for x in (clean, _faded(clean, "severe"))
    ]
    assert magnitude[1] > magnitude[0] + 0.02


def test_extreme_preset_nearly_removes_cyan() -> None:
    for seed in range(5):
        kept = sample_fade("extreme", np.random.default_rng(seed)).kept
        assert kept[0] < 0.12 and kept[1] > 0.7


def test_grain_differs_per_frame_and_grows_with_density() -> None:
    clean = _clean()
    rng = np.random.default_rng(3)
    params = sample_fade("mild", rng)
    field = fade_field(params, W, H, rng)
    smooth = fade_frame(clean, params, field, rng, grain=False)
    one = fade_frame(clean, params, field, np.random.default_rng(1))
    two = fade_frame(clean, params, field, np.random.default_rng(2))
    assert np.abs(one - two).mean() > 1e-3
    density = -np.log10(np.clip(to_linear(one), 1e-4, 1)) + np.log10(np.clip(to_linear(smooth), 1e-4, 1))
    base = -np.log10(np.clip(to_linear(smooth), 1e-4, 1))
    dense, thin = base > np.quantile(base, 0.8), base < np.quantile(base, 0.2)
    assert density[dense].std() > 1.3 * density[thin].std()


def test_balance_makes_the_mean_neutral_in_linear() -> None:
    faded = _faded(_clean("coffee"), "severe")
    before = _mean_rgb(to_linear(faded))
    after = _mean_rgb(to_linear(balance(faded, grey_world_gains(faded))))
    assert np.ptp(before) / before.mean() > 0.2
    assert np.ptp(after) / after.mean() < 0.01
