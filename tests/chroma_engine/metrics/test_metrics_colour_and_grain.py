"""Metrics: CIEDE2000 vs colour-science and Sharma 2005, luma identity, chroma, flicker, grain."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chroma_engine import StageError
from chroma_engine.colour import recombine, rgb_to_ycbcr
from chroma_engine.metrics import (
    chroma_distance,
    chroma_flicker,
    chroma_noise_power_ratio,
    chroma_psnr,
    delta_e00,
    delta_e00_map,
    delta_e00_stats,
    grain_noise_power_ratio,
    luma_identity,
    noise_power_spectrum,
    psnr_y,
    rec709_to_lab,
    rms_granularity,
)

# Sharma, Wu & Dalal (2005), CIEDE2000 supplementary test data: pairs 1, 2, 7, 16, 17, 25, 34.
SHARMA_LAB1 = [
    [50.0, 2.6772, -79.7751],
    [50.0, 3.1571, -77.2803],
    [50.0, 0.0, 0.0],
    [50.0, 2.5, 0.0],
    [50.0, 2.5, 0.0],
    [60.2574, -34.0099, 36.2677],
    [2.0776, 0.0795, -1.1350],
]
SHARMA_LAB2 = [
    [50.0, 0.0, -82.7485],
    [50.0, 0.0, -82.7485],
    [50.0, -1.0, 2.0],
    [73.0, 25.0, -18.0],
    [61.0, -5.0, 29.0],
    [60.4626, -34.1751, 39.4387],
    [0.9033, -0.0636, -0.5514],
]
SHARMA_DE = [2.0425, 2.8615, 2.3669, 27.1492, 22.8977, 1.2644, 0.9082]


def _noisy_image(seed: int = 0, size: int = 192) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.random((size, size, 3)).astype(np.float32), (0, 0), 12)
    base = (base - base.min()) / (base.max() - base.min()) * 0.6 + 0.2
    return np.clip(base + rng.normal(0, 0.03, base.shape).astype(np.float32), 0, 1)


def test_skimage_ciede2000_matches_sharma_data() -> None:
    from skimage.color import deltaE_ciede2000

    de = deltaE_ciede2000(np.array(SHARMA_LAB1), np.array(SHARMA_LAB2), channel_axis=-1)
    np.testing.assert_allclose(de, SHARMA_DE, atol=1e-4)


def test_delta_e00_matches_colour_science_on_random_pairs() -> None:
    colour = pytest.importorskip("colour")
    rng = np.random.default_rng(1)
    a = rng.random((500, 3))
    b = np.clip(a + rng.normal(0, 0.08, a.shape), 0, 1)

    def lab(v: np.ndarray) -> np.ndarray:
        xyz = colour.RGB_to_XYZ(v**2.4, colour.RGB_COLOURSPACES["ITU-R BT.709"], apply_cctf_decoding=False)
        return colour.XYZ_to_Lab(xyz)

    theirs = colour.delta_E(lab(a), lab(b), method="CIE 2000")
    np.testing.assert_allclose(delta_e00_map(a, b), theirs, atol=1e-2)
    assert delta_e00(a, b) == pytest.approx(float(np.mean(theirs)), abs=2e-3)
    np.testing.assert_allclose(rec709_to_lab(np.ones(3)), [100.0, 0.0, 0.0], atol=1e-2)


def test_delta_e00_mask_and_stats() -> None:
    a = np.full((10, 10, 3), 0.5, np.float32)
    b = a.copy()
    b[:, :5, 0] = 0.6
    mask = np.zeros((10, 10), bool)
    mask[:, 5:] = True
    assert delta_e00(a, b, mask) == 0.0
    stats = delta_e00_stats(a, b)
    assert stats["median"] == pytest.approx(stats["max"] / 2, rel=1e-6)  # half the pixels differ
    assert 0 < stats["mean"] < stats["max"] and stats["p95"] == pytest.approx(stats["max"], rel=1e-6)
    with pytest.raises(StageError, match="selects no pixel"):
        delta_e00(a, b, np.zeros((10, 10), bool))
    with pytest.raises(StageError, match="mask"):
        delta_e00(a, b, np.zeros((3, 3), bool))


def test_luma_identity_zero_for_recombine() -> None:
    scan = _noisy_image(2)
    other = _noisy_image(3)[..., ::-1].copy()
    out = recombine(scan, other)
    assert luma_identity(out, scan) < 1e-6
    assert psnr_y(out, scan) > 120 or psnr_y(out, scan) == float("inf")
    assert luma_identity(other, scan) > 0.05 and psnr_y(other, scan) < 40
    assert psnr_y(scan, scan) == float("inf")


def test_chroma_distance_and_psnr() -> None:
    a = np.full((8, 8, 3), 0.5, np.float32)
    ycc = rgb_to_ycbcr(a)
    ycc[..., 1] += 0.03
    ycc[..., 2] -= 0.04
    from chroma_engine.colour import ycbcr_to_rgb

    b = ycbcr_to_rgb(ycc)
    assert chroma_distance(a, b) == pytest.approx(0.05, abs=1e-5)
    assert chroma_psnr(a, b) == pytest.approx(10 * np.log10(1 / ((0.03**2 + 0.04**2) / 2)), abs=1e-3)
    assert chroma_distance(a, a) == 0.0 and chroma_psnr(a, a) == float("inf")


def test_chroma_flicker_detects_chroma_jumps_in_static_regions() -> None:
    frame = _noisy_image(4)
    steady = [frame, frame.copy(), frame.copy()]
    assert chroma_flicker(steady) == 0.0
    jumpy = [frame, recombine(frame, np.clip(frame * [1.1, 1.0, 0.9], 0, 1)), frame]
    de = chroma_flicker(jumpy)
    cbcr = chroma_flicker(jumpy, method="cbcr")
    assert de > 1.0 and 0.005 < cbcr < 0.1
    with pytest.raises(StageError, match="at least two"):
        chroma_flicker([frame])


def test_grain_ratio_one_for_same_image_and_lower_when_blurred() -> None:
    scan = _noisy_image(5)
    assert grain_noise_power_ratio(scan, scan) == pytest.approx(1.0)
    blurred = cv2.GaussianBlur(scan, (0, 0), 1.2)
    assert grain_noise_power_ratio(blurred, scan) < 0.3
    assert chroma_noise_power_ratio(blurred, scan) < 0.3
    # luma-preserving recombine keeps the luma grain exactly
    smooth_chroma = cv2.GaussianBlur(scan, (0, 0), 3)
    assert grain_noise_power_ratio(recombine(scan, smooth_chroma), scan) == pytest.approx(1.0, abs=1e-3)
    assert chroma_noise_power_ratio(recombine(scan, smooth_chroma), scan) < 0.3
    noisier = np.clip(scan + np.random.default_rng(6).normal(0, 0.03, scan.shape), 0, 1).astype(np.float32)
    assert grain_noise_power_ratio(noisier, scan) > 1.5
    assert rms_granularity(blurred) < rms_granularity(scan)


def test_nps_of_white_noise_is_flat() -> None:
    noise = np.random.default_rng(7).normal(0, 0.1, (256, 256)).astype(np.float32)
    freqs, nps = noise_power_spectrum(noise, patch=64, sigma=1e-3 + 50)
    assert freqs[0] > 0 and freqs[-1] < 0.5 and len(freqs) == 32
    high = nps[(freqs > 0.1)]
    assert high.std() / high.mean() < 0.2  # flat spectrum of white noise
    assert high.mean() == pytest.approx(0.01, rel=0.25)  # variance per unit frequency area
