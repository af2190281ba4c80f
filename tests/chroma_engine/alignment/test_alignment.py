"""Alignment on synthetic pairs with a known similarity transform, plus geometry conventions."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from skimage import data

from chroma_engine import StageError
from chroma_engine.alignment import (
    align_single_pair,
    box_mask,
    box_to_rows_cols,
    corner_error,
    difference_image,
    matrix_to_transform,
    rows_cols_to_box,
    solve_alignment,
    training_mask,
    transform_to_matrix,
    warp_reference,
)
from schemas import Alignment, Crop, CropBox, Transform2D

SRC_W, SRC_H = 600, 400
REF_W, REF_H = 720, 480
BORDER = 30


def _true_matrix() -> np.ndarray:
    """Reference -> source: scale 0.9, rotate 2 degrees, shift."""
    angle = math.radians(2.0)
    s = 0.9
    return np.array(
        [
            [s * math.cos(angle), -s * math.sin(angle), -40.0],
            [s * math.sin(angle), s * math.cos(angle), -30.0],
            [0, 0, 1],
        ]
    )


def _pair(subtitle: bool = False, shift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Source (coffee with black side borders) and a reference warped, re-toned, maybe subtitled."""
    scene = data.coffee().astype(np.float32) / 255.0
    scene = np.roll(scene, shift, axis=1)
    src = scene.copy()
    src[:, :BORDER] = 0.0
    src[:, -BORDER:] = 0.0
    ref = cv2.warpPerspective(scene, np.linalg.inv(_true_matrix()), (REF_W, REF_H), flags=cv2.INTER_LINEAR)
    inside = (
        cv2.warpPerspective(
            np.ones(scene.shape[:2], np.float32), np.linalg.inv(_true_matrix()), (REF_W, REF_H)
        )
        > 0.5
    )
    ref = np.clip(ref, 0, 1) ** 0.6 * np.array([0.9, 1.0, 0.8], np.float32)
    ref[~inside] = 0.0
    if subtitle:
        text = np.zeros((REF_H, REF_W), np.uint8)
        cv2.putText(
            text, "Everyone was relieved", (150, 395), cv2.FONT_HERSHEY_DUPLEX, 1.1, 255, 2, cv2.LINE_AA
        )
        alpha = (text.astype(np.float32) / 255.0)[..., None]
        ref = ref * (1 - alpha) + alpha
    return src.astype(np.float32), ref.astype(np.float32)


def test_transform_matrix_round_trip_and_nuke_convention() -> None:
    knobs = Transform2D(translate_x=12.5, translate_y=-7.0, rotate=3.0, scale=1.2, center_x=360, center_y=240)
    matrix = transform_to_matrix(knobs, (REF_W, REF_H), (SRC_W, SRC_H))
    back = matrix_to_transform(matrix, (REF_W, REF_H), (SRC_W, SRC_H))
    assert back.rotate == pytest.approx(3.0, abs=1e-6)
    assert back.scale == pytest.approx(1.2, abs=1e-9)
    np.testing.assert_allclose(transform_to_matrix(back, (REF_W, REF_H), (SRC_W, SRC_H)), matrix, atol=1e-9)
    # positive Nuke rotate is counter-clockwise on screen: in y-down pixels the +x axis turns upward.
    rot = transform_to_matrix(Transform2D(rotate=10.0), (100, 100), (100, 100))
    assert rot[1, 0] < 0
    # positive translate_y moves the picture up: smaller row index.
    up = transform_to_matrix(Transform2D(translate_y=5.0), (100, 100), (100, 100))
    assert up[1, 2] == pytest.approx(-5.0)
    # same-size identity keeps pixels; a taller source shifts rows because Nuke's origin is bottom-left.
    np.testing.assert_allclose(transform_to_matrix(Transform2D(), (50, 40), (50, 40)), np.eye(3), atol=1e-12)
    assert transform_to_matrix(Transform2D(), (50, 40), (50, 60))[1, 2] == pytest.approx(20.0)


def test_crop_box_y_up_conversion() -> None:
    box = rows_cols_to_box(10, 30, 5, 45, height=100)  # rows 10..29 from the top
    assert (box.x, box.y, box.r, box.t) == (5, 70, 45, 90)
    assert box_to_rows_cols(box, 100) == (10, 30, 5, 45)
    mask = box_mask(CropBox(x=0, y=0, r=4, t=2), (10, 8))
    assert mask[8:10, 0:4].all() and mask.sum() == 8  # y=0 is the bottom row


def test_recovers_known_similarity_within_a_pixel() -> None:
    src, ref = _pair()
    record = align_single_pair(src, ref, motion="similarity", exclude_subtitles=False)
    err = corner_error(np.array(record.matrix), _true_matrix(), (REF_W, REF_H))
    assert err < 1.0, f"corner error {err:.3f}px"
    assert record.quality > 0.8
    assert record.transform.rotate == pytest.approx(-2.0, abs=0.1)  # +2 deg in y-down = -2 deg in Nuke y-up
    assert record.transform.scale == pytest.approx(0.9, abs=0.005)
    affine = align_single_pair(src, ref, motion="affine", exclude_subtitles=False)
    assert corner_error(np.array(affine.matrix), _true_matrix(), (REF_W, REF_H)) < 1.0


def test_crop_inside_both_pictures_and_mask() -> None:
    src, ref = _pair()
    record = align_single_pair(src, ref, motion="similarity", exclude_subtitles=False)
    crop = record.crop
    assert crop.x >= BORDER and crop.r <= SRC_W - BORDER and crop.y >= 0 and crop.t <= SRC_H
    assert (crop.r - crop.x) > 0.6 * (SRC_W - 2 * BORDER) and (crop.t - crop.y) > 0.6 * SRC_H
    warped = warp_reference(ref, record, src.shape)
    mask = training_mask(record, 0, src.shape)
    assert mask.any() and (warped[mask].max(axis=1) > 0.0).mean() > 0.99
    assert not mask[:, :BORDER].any()
    diff = difference_image(src, warped)
    assert diff.shape == src.shape and float(diff[mask].mean()) < 0.3
    assert record.cleanup_box is not None and record.cleanup_box.x == BORDER


def test_subtitles_detected_on_exactly_the_frames_that_have_them() -> None:
    frames = [10, 11, 12, 13, 14, 15]
    with_sub = {12, 13}
    pairs = [_pair(subtitle=f in with_sub) for f in frames]
    record = solve_alignment(
        "t",
        frames[:2],
        [pairs[0][0], pairs[1][0]],
        [pairs[0][1], pairs[1][1]],
        Alignment(motion="similarity"),
        Crop(),
        subtitle_frames=[(f, p[1]) for f, p in zip(frames, pairs, strict=True)],
    )
    flagged = {f for f in frames if record.crop_for_frame(f) != record.crop}
    assert flagged == with_sub
    assert [k.frame for k in record.subtitle_keys] == [12, 14]
    shrunk = record.crop_for_frame(12)
    # subtitle baseline is at reference row ~395 -> source row ~ 0.9*395-30+... ; the box must end above it
    text_top_src = (_true_matrix() @ np.array([150, 370, 1.0]))[1]
    assert SRC_H - shrunk.y <= text_top_src + 2
    assert shrunk.t == record.crop.t


def test_noise_reference_falls_back_or_names_the_frame() -> None:
    src, _ = _pair()
    noise = np.random.default_rng(0).random((REF_H, REF_W, 3)).astype(np.float32)
    manual = Transform2D(scale=0.9, center_x=REF_W / 2, center_y=REF_H / 2)
    spec = Alignment(motion="similarity", manual_transform=manual, fallback_threshold=0.5)
    record = solve_alignment("t", [7], [src], [noise], spec, Crop(exclude_subtitles=False))
    assert record.fell_back and record.method == "manual" and record.transform == manual
    with pytest.raises(StageError, match="frame 7"):
        solve_alignment(
            "t", [7], [src], [noise], Alignment(fallback_threshold=0.5), Crop(exclude_subtitles=False)
        )


def test_bad_input_black_reference_and_nan() -> None:
    src, ref = _pair()
    with pytest.raises(StageError, match="frame 3 is entirely black"):
        solve_alignment("t", [3], [src], [np.zeros_like(ref)], Alignment(), Crop())
    ref_nan = ref.copy()
    ref_nan[5:9, 5:9] = np.nan
    record = align_single_pair(src, ref_nan, motion="similarity", exclude_subtitles=False)
    assert corner_error(np.array(record.matrix), _true_matrix(), (REF_W, REF_H)) < 1.0
    assert np.isfinite(warp_reference(ref_nan, record, src.shape)).all()


def test_box_mode_and_outside_box() -> None:
    src, ref = _pair()
    box = CropBox(x=100, y=50, r=400, t=300)
    record = solve_alignment(
        "t", [0], [src], [ref], Alignment(motion="similarity"), Crop(mode="box", box=box)
    )
    assert record.crop == box
    with pytest.raises(StageError, match="outside"):
        solve_alignment(
            "t", [0], [src], [ref], Alignment(), Crop(mode="box", box=CropBox(x=0, y=0, r=9000, t=10))
        )
