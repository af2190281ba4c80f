"""Registration on SD (DVD/telecine) references with known transforms; quality against error; fallback."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chroma_engine import StageError
from chroma_engine.alignment import (
    align_single_pair,
    alignment_sentence,
    describe_matrix,
    quality_word,
    solve_alignment,
)
from chroma_engine.alignment._blocks import measure
from chroma_engine.alignment._crop import picture_box
from chroma_engine.alignment._register import luma_of
from chroma_engine.alignment._robust import check
from chroma_engine.synth import (
    ReferenceOptions,
    fade_field,
    fade_frame,
    plan_camera,
    plan_telecine,
    render_telecine,
    sample_fade,
    sample_reference,
)
from schemas import Alignment, AlignmentRecord, Crop, CropBox, Transform2D

W, H = 320, 180


def _sd_pairs(options: ReferenceOptions, seed: int, photo: str, frames: int = 2):
    """(scans, references, true reference -> scan matrix): a faded grainy scan and its SD reference."""
    rng = np.random.default_rng(seed)
    fade = sample_fade("severe", rng, 1.0)
    params = sample_reference(W, H, frames, 1001, 0, rng, options)
    camera = plan_camera(
        photo, W, H, frames, rng, range(frames), reframes=(np.asarray(params.ref_to_source),)
    )
    geometry, params = plan_telecine(options, params, W, H)
    field = fade_field(fade, W, H, rng)
    scans = [
        fade_frame(camera.render(i), fade, field, np.random.default_rng([seed, i]), 1.0)
        for i in range(frames)
    ]
    refs = [
        render_telecine(
            camera, params, geometry, options, 1001 + i, 1001, np.random.default_rng([seed, i, 1])
        )
        for i in range(frames)
    ]
    return scans, refs, np.linalg.inv(np.asarray(geometry.scan_to_reference))


def _errors(estimate: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(mean, max) distance in scan pixels at the scan's corners between two reference -> scan maps."""
    corners = np.array([[0, 0, 1], [W - 1, 0, 1], [0, H - 1, 1], [W - 1, H - 1, 1]], dtype=np.float64).T
    back = np.linalg.inv(truth) @ corners  # the true reference points of the scan's corners
    moved = estimate @ back
    dist = np.linalg.norm(moved[:2] / moved[2] - corners[:2], axis=0)
    return float(dist.mean()), float(dist.max())


HARD = [
    ReferenceOptions(
        raster="pal", aspect="4:3", framing="wide", white_clip=0.88, levels="legal", quality=35, grain=0.03
    ),
    ReferenceOptions(raster="ntsc", aspect="16:9", framing="wide", black_lift=0.08, quality=40, softness=1.1),
]


@pytest.mark.parametrize(("options", "seed", "photo"), [(HARD[0], 11, "chelsea"), (HARD[1], 5, "rocket")])
def test_hard_sd_references_register_within_half_a_pixel(options, seed, photo) -> None:
    scans, refs, truth = _sd_pairs(options, seed, photo)
    spec = Alignment(mode="auto", motion="affine")
    record = solve_alignment("t", [1001, 1002], scans, refs, spec, Crop(exclude_subtitles=False))
    mean, worst = _errors(np.asarray(record.matrix), truth)
    assert mean < 0.5 and worst < 1.0, (mean, worst)
    assert record.quality > 0.75 and not record.fell_back
    assert record.estimated_error_px is not None and record.estimated_error_px < 1.0
    assert "wide x" in record.summary and "match quality" in record.summary  # the pixel-aspect error


def test_quality_falls_with_the_error() -> None:
    scans, refs, truth = _sd_pairs(HARD[1], 3, "coffee", frames=1)
    src, ref = luma_of(scans[0]), luma_of(refs[0])
    sb, rb = picture_box(src), picture_box(ref)
    assert sb is not None and rb is not None
    src_valid = np.zeros(src.shape, bool)
    src_valid[sb[0] : sb[1], sb[2] : sb[3]] = True
    ref_valid = np.zeros(ref.shape, bool)
    ref_valid[rb[0] : rb[1], rb[2] : rb[3]] = True
    qualities = []
    for shift, turn in ((0.0, 0.0), (1.0, 0.0), (0.0, 0.6), (3.0, 0.0), (6.0, 0.4)):
        angle = math.radians(turn)
        nudge = np.array(
            [[math.cos(angle), -math.sin(angle), shift], [math.sin(angle), math.cos(angle), 0], [0, 0, 1]]
        )
        matrix = nudge @ truth
        qualities.append(check(measure(src, ref, matrix, src_valid, ref_valid), matrix, "affine").quality)
    assert qualities[0] > 0.9
    assert qualities[0] > qualities[1] > qualities[3] > qualities[4]
    assert qualities[2] < 0.75  # 0.6 deg: ~1.7 px at the corners
    assert qualities[3] < 0.5 and qualities[4] < 0.1


def test_a_reference_of_another_picture_falls_back() -> None:
    scans, _, _ = _sd_pairs(HARD[1], 8, "coffee", frames=1)
    _, others, _ = _sd_pairs(HARD[1], 9, "astronaut", frames=1)
    manual = Transform2D(scale=1.0)
    record = align_single_pair(scans[0], others[0], fallback_threshold=0.5, manual_transform=manual)
    assert record.fell_back and record.method == "manual" and record.quality < 0.5
    assert "manual transform was used" in record.summary
    with pytest.raises(StageError, match="alignment failed"):
        align_single_pair(scans[0], others[0], fallback_threshold=0.5)


def test_transform_in_a_colorists_words() -> None:
    angle = math.radians(0.25)
    linear = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) @ np.diag(
        [1.026, 1.0]
    )
    centre = np.array([(720 - 1) / 2, (576 - 1) / 2])
    target = np.array([(640 - 1) / 2 + 3.1, (360 - 1) / 2 + 1.2])
    matrix = np.eye(3)
    matrix[:2, :2] = linear
    matrix[:2, 2] = target - linear @ centre
    words = describe_matrix(matrix, (720, 576), (640, 360))
    assert (words.scale_x, words.scale_y, words.rotate_deg) == pytest.approx((1.026, 1.0, 0.25))
    assert (
        words.words() == "scaled 102.6 % wide x 100.0 % high, rotated 0.25 deg clockwise, "
        "shifted 3.1 px right / 1.2 px down"
    )
    assert [quality_word(q) for q in (0.97, 0.8, 0.6, 0.2)] == ["good", "fair", "poor", "failed"]
    record = AlignmentRecord(
        job_id="t",
        method="auto",
        quality=0.97,
        matrix=tuple(tuple(float(v) for v in row) for row in matrix),  # type: ignore[arg-type]
        transform=Transform2D(),
        source_size=(640, 360),
        reference_size=(720, 576),
        crop=CropBox(x=0, y=0, r=10, t=10),
        estimated_error_px=0.21,
    )
    assert alignment_sentence(record) == (
        "reference scaled 102.6 % wide x 100.0 % high, rotated 0.25 deg clockwise, shifted 3.1 px right"
        " / 1.2 px down; match quality 0.97 (good, within about 0.2 px)"
    )
