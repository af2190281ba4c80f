"""ShotConditions: a graded reference, fast non-rigid motion, a drifting fade; the default changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from chroma_engine.colour import rgb_to_ycbcr
from chroma_engine.io import read_image
from chroma_engine.synth import ShotConditions, grade_chroma, load_truth, synthesize_shot

FRAMES, W, H = 6, 96, 72


def _make(folder: Path, conditions: ShotConditions | None = None) -> Path:
    synthesize_shot(folder, frames=FRAMES, width=W, height=H, seed=7, progress=False, conditions=conditions)
    return folder


def _read(shot: Path, kind: str, frame: int) -> np.ndarray:
    return read_image(shot / "media" / kind / f"DEMO_{kind}_{frame:04d}.exr")


def _digests(shot: Path) -> dict[str, str]:
    files = [p for p in sorted(shot.rglob("*")) if p.is_file() and p.name != "job.json"]
    return {str(p.relative_to(shot)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_default_conditions_change_no_byte(tmp_path: Path) -> None:
    plain = _make(tmp_path / "plain")
    default = _make(tmp_path / "default", ShotConditions())
    assert _digests(plain) == _digests(default)
    text = (plain / "synth_truth.json").read_text()
    assert "conditions" not in text and "wobble_px" not in text and "drift" not in text


def test_graded_reference_moves_reference_and_truth_chroma_alike(tmp_path: Path) -> None:
    plain = _make(tmp_path / "plain")
    graded = _make(tmp_path / "graded", ShotConditions(reference_hue_deg=20.0, reference_saturation=1.2))
    assert load_truth(graded).conditions == ShotConditions(reference_hue_deg=20.0, reference_saturation=1.2)
    np.testing.assert_array_equal(_read(plain, "SOURCE", 1003), _read(graded, "SOURCE", 1003))
    truth, truth0 = rgb_to_ycbcr(_read(graded, "TRUTH", 1003)), rgb_to_ycbcr(_read(plain, "TRUTH", 1003))
    # the truth's chroma turned the reference's way: compare with the grade of the plain truth's chroma
    expected = rgb_to_ycbcr(grade_chroma(_read(plain, "TRUTH", 1003), 20.0, 0.0, 1.2))
    assert np.abs(truth[..., 1:] - truth0[..., 1:]).mean() > 0.01
    assert (
        np.abs(truth[..., 1:] - expected[..., 1:]).mean()
        < 0.35 * np.abs(truth[..., 1:] - truth0[..., 1:]).mean()
    )
    ref, ref0 = rgb_to_ycbcr(_read(graded, "REF", 1003)), rgb_to_ycbcr(_read(plain, "REF", 1003))
    assert np.abs(ref[..., 1:] - ref0[..., 1:]).mean() > 0.01


def test_fast_non_rigid_motion_moves_the_picture_more(tmp_path: Path) -> None:
    plain = _make(tmp_path / "plain")
    moving = _make(tmp_path / "moving", ShotConditions(motion_speed=5.0, nonrigid_px=3.0))
    truth = load_truth(moving)
    assert truth.camera.wobble_px == 3.0 * W / 512 and abs(truth.camera.pan_x) > abs(
        load_truth(plain).camera.pan_x
    )

    def change(shot: Path) -> float:
        a, b = _read(shot, "TRUTH", 1001), _read(shot, "TRUTH", 1000 + FRAMES)
        return float(np.abs(a - b).mean())

    assert change(moving) > 1.5 * change(plain)


def test_drifting_fade_starts_less_faded_and_ends_more_faded(tmp_path: Path) -> None:
    plain = _make(tmp_path / "plain")
    drifting = _make(tmp_path / "drift", ShotConditions(fade_drift=0.4))
    assert load_truth(drifting).fade.drift == 0.4
    first, last = 1001, 1000 + FRAMES
    # more cyan dye kept at the start absorbs more red; less at the end
    assert _read(drifting, "SOURCE", first)[..., 0].mean() < _read(plain, "SOURCE", first)[..., 0].mean()
    assert _read(drifting, "SOURCE", last)[..., 0].mean() > _read(plain, "SOURCE", last)[..., 0].mean()
    np.testing.assert_array_equal(_read(plain, "REF", first), _read(drifting, "REF", first))
