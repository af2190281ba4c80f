"""median_clean accuracy (not speed) and ground_truth's luma identity / range / chroma source."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

from chroma_engine import StageError
from chroma_engine.colour import luma, rgb_to_ycbcr
from chroma_engine.training import (
    TrainingPair,
    blown_highlights,
    gamut_fit_chroma,
    ground_truth,
    median_accuracy,
    median_clean,
    reference_pair,
)
from chroma_engine.training._median import film_like_frame, oiio_median


def test_median_odd_matches_exact_median_within_quantisation():
    img = film_like_frame(60, 70, seed=1)
    ours = median_clean(img, 5)
    exact = median_filter(img, size=(5, 5, 1), mode="nearest")
    span = float((img.max(axis=(0, 1)) - img.min(axis=(0, 1))).max())
    assert np.abs(ours - exact).max() <= span / 510 + 1e-6
    assert ours.dtype == np.float32 and ours.shape == img.shape


def test_median_even_size_close_to_oiio_and_removes_noise():
    stats = median_accuracy(10, height=64, width=80)
    assert stats["window"] == 11.0
    assert stats["max_err_same_window"] <= stats["bound"] + 1e-6
    assert stats["mean_err_vs_oiio"] < 0.01
    img = film_like_frame(64, 80)
    clean = median_clean(img, 10)
    ref = oiio_median(img, 10)
    inner = (slice(12, -12), slice(12, -12))
    # the filter does its job: far less high-frequency energy than the input, like OIIO's
    assert np.std(np.diff(clean[inner], axis=1)) < 0.5 * np.std(np.diff(img[inner], axis=1))
    assert abs(np.std(np.diff(clean[inner], axis=1)) - np.std(np.diff(ref[inner], axis=1))) < 0.01


def test_median_size_off_and_bad_shape():
    img = film_like_frame(8, 9)
    np.testing.assert_array_equal(median_clean(img, 0), img)
    with pytest.raises(StageError):
        median_clean(img[..., 0], 5)


def test_ground_truth_keeps_source_luma_and_reference_chroma():
    rng = np.random.default_rng(0)
    src = rng.random((40, 48, 3), dtype=np.float32)
    ref = np.clip(src[..., [2, 0, 1]] * 0.8 + 0.1, 0, 1).astype(np.float32)
    gt = ground_truth(src, ref, median_size=0)
    assert gt.shape == (40, 48, 3) and gt.dtype == np.float32
    assert gt.min() >= 0.0 and gt.max() <= 1.0
    np.testing.assert_allclose(luma(gt), luma(src), atol=2e-6)
    # where no gamut fitting was needed, CbCr is the reference's exactly
    cbcr_gt, cbcr_ref = rgb_to_ycbcr(gt)[..., 1:], rgb_to_ycbcr(ref)[..., 1:]
    inside = np.abs(cbcr_gt - cbcr_ref).max(axis=-1) < 1e-5
    assert inside.mean() > 0.3
    # elsewhere the chroma is the reference's, desaturated (same hue direction, smaller)
    ratio = np.linalg.norm(cbcr_gt, axis=-1) / np.maximum(np.linalg.norm(cbcr_ref, axis=-1), 1e-9)
    assert ratio.max() <= 1.0 + 1e-4
    cos = (cbcr_gt * cbcr_ref).sum(-1) / np.maximum(
        np.linalg.norm(cbcr_gt, axis=-1) * np.linalg.norm(cbcr_ref, axis=-1), 1e-9
    )
    assert cos[ratio > 0.05].min() > 0.999


def test_ground_truth_median_cleans_reference_and_rejects_other_geometry():
    rng = np.random.default_rng(1)
    src = np.full((48, 48, 3), 0.5, np.float32)
    ref = np.clip(0.5 + rng.normal(0, 0.1, (48, 48, 3)), 0, 1).astype(np.float32)
    noisy = rgb_to_ycbcr(ground_truth(src, ref, 0))[..., 1:].std()
    clean = rgb_to_ycbcr(ground_truth(src, ref, 10))[..., 1:].std()
    assert clean < 0.35 * noisy
    with pytest.raises(StageError, match="source geometry"):
        ground_truth(src, ref[:40], 10)


def test_gamut_fit_keeps_in_gamut_untouched():
    y = np.array([0.5, 0.05, 0.95], np.float32)
    cbcr = np.array([[0.01, -0.02], [0.3, 0.3], [-0.3, 0.2]], np.float32)
    out = gamut_fit_chroma(y, cbcr)
    np.testing.assert_allclose(out[0], cbcr[0], atol=1e-7)
    assert np.all(np.linalg.norm(out[1:], axis=-1) < np.linalg.norm(cbcr[1:], axis=-1))


def test_training_pair_validates_shapes():
    src = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(StageError, match="frame 7"):
        TrainingPair(7, src, np.zeros((8, 9, 3), np.float32))
    with pytest.raises(StageError):
        TrainingPair(7, src, src, mask=np.ones((4, 4), bool))
    with pytest.raises(StageError, match="blown"):
        TrainingPair(7, src, src, blown=np.ones((8, 4), bool))


def test_blown_highlights_are_where_the_reference_clips_white():
    ref = np.full((6, 8, 3), 0.5, np.float32)
    ref[0, 0] = (1.0, 0.99, 0.97)  # clipped white, a little colour left
    ref[1, 1] = (0.99, 0.6, 0.4)  # a saturated highlight with one channel clipped
    ref[2, 2] = (0.95, 0.95, 0.95)  # bright, not clipped
    ref[3, 3] = (np.nan, 0.2, 0.2)  # unreadable: not evidence of a clip
    blown = blown_highlights(ref)
    assert blown.dtype == bool and blown.shape == (6, 8)
    assert sorted(zip(*np.nonzero(blown), strict=True)) == [(0, 0), (1, 1)]


def test_reference_pair_builds_the_target_and_marks_the_blown_highlights():
    rng = np.random.default_rng(3)
    scan = rng.uniform(0.1, 0.8, (16, 20, 3)).astype(np.float32)
    ref = rng.uniform(0.1, 0.9, (16, 20, 3)).astype(np.float32)
    ref[:4] = 1.0
    mean = scan * 0.9  # a model input other than the scan (the temporal mean)
    pair = reference_pair(5, mean, scan, ref, 0, np.ones((16, 20), bool))
    assert pair.frame == 5 and pair.source is mean
    np.testing.assert_array_equal(pair.target, ground_truth(scan, ref, 0))
    assert pair.blown is not None and pair.blown[:4].all() and not pair.blown[4:].any()
