"""SD references (PAL/NTSC rasters delivered into the timeline), grade, levels, and the written truth."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from chroma_engine.colour import luma
from chroma_engine.io import read_image
from chroma_engine.synth import (
    TRANSFORM_NAME,
    ReferenceOptions,
    load_reference_transform,
    load_truth,
    plan_telecine,
    sample_reference,
    synthesize_shot,
)

W, H = 320, 180


def _shot(folder: Path, options: ReferenceOptions, seed: int = 4) -> Path:
    synthesize_shot(folder, frames=2, width=W, height=H, seed=seed, progress=False, reference=options)
    return folder


def _read(folder: Path, kind: str, frame: int = 1001) -> np.ndarray:
    return read_image(folder / "media" / kind / f"DEMO_{kind}_{frame}.exr")[..., :3]


def _band(y: np.ndarray) -> np.ndarray:
    blurred = cv2.GaussianBlur(y, (0, 0), 1.0)
    return blurred - cv2.GaussianBlur(y, (0, 0), 4.0)


def _residual_shift(ref: np.ndarray, warped: np.ndarray, picture: tuple[float, ...]) -> float:
    """Median phase-correlation shift (px) of 64 px patches of two lumas inside ``picture``."""
    a, b = _band(luma(ref)), _band(luma(warped))
    x0, y0, x1, y1 = picture
    window = cv2.createHanningWindow((64, 64), cv2.CV_32F)
    shifts = []
    for cy in np.linspace(y0 + 40, y1 - 40, 3):
        for cx in np.linspace(x0 + 40, x1 - 40, 4):
            pa = cv2.getRectSubPix(a, (64, 64), (float(cx), float(cy)))
            pb = cv2.getRectSubPix(b, (64, 64), (float(cx), float(cy)))
            (dx, dy), _ = cv2.phaseCorrelate(pa, pb, window)
            shifts.append(np.hypot(dx, dy))
    return float(np.median(shifts))


@pytest.mark.parametrize(
    ("options", "aspect_error"),
    [
        (
            ReferenceOptions(raster="pal", aspect="16:9", framing="wide", black_lift=0.05, levels="legal"),
            0.975,
        ),
        (ReferenceOptions(raster="ntsc", aspect="4:3", framing="wide", white_clip=0.9, grain=0.02), 0.9875),
    ],
)
def test_true_transform_maps_the_scan_onto_the_reference(tmp_path: Path, options, aspect_error) -> None:
    folder = _shot(tmp_path / "shot", options)
    geometry = load_reference_transform(folder)
    assert geometry.raster == options.raster and geometry.pixel_aspect_error == pytest.approx(aspect_error)
    forward, back = np.asarray(geometry.scan_to_reference), np.asarray(geometry.reference_to_scan)
    np.testing.assert_allclose(forward @ back, np.eye(3), atol=1e-9)
    # TRUTH has the scan's geometry and the clean chroma: warped by the true transform it lies on REF.
    truth, ref = _read(folder, "TRUTH"), _read(folder, "REF")
    warped = cv2.warpPerspective(truth, forward, (W, H), flags=cv2.INTER_LINEAR)
    unwarped = _residual_shift(ref, truth, geometry.reference_picture)
    assert _residual_shift(ref, warped, geometry.reference_picture) < 0.35 < 2.0 < unwarped
    # the delivered picture is squeezed horizontally by the pixel-aspect error (plus the framing)
    sx = np.hypot(forward[0, 0], forward[1, 0])
    sy = np.hypot(forward[0, 1], forward[1, 1])
    assert sx / sy == pytest.approx(aspect_error, abs=2e-3)


def test_pal_4x3_windowbox_bars_levels_and_grade(tmp_path: Path) -> None:
    options = ReferenceOptions(raster="pal", aspect="4:3", black_lift=0.06, white_clip=0.9, levels="legal")
    folder = _shot(tmp_path / "shot", options, seed=1)
    truth = load_truth(folder)
    assert truth.telecine is not None and truth.reference_options == options
    ox, oy, fw, fh = truth.telecine.delivered
    assert (ox, oy, fw, fh) == (40, 0, 240, 180)  # 4:3 raster pillarboxed in the 16:9 timeline
    x0, y0, x1, y1 = load_reference_transform(folder).reference_picture
    assert x1 - x0 == pytest.approx(240 * 702 / 720, abs=0.01) and y1 - y0 == pytest.approx(180 * 0.75)
    ref = _read(folder, "REF")
    assert ref[:, :ox].max() == 0.0 and ref[:, ox + fw :].max() == 0.0  # the timeline's own black
    letterbox = ref[2 : int(y0) - 2, ox + 20 : ox + fw - 20]
    assert np.abs(letterbox - 16 / 255).max() < 0.01  # legal black, not expanded
    inside = ref[int(y0) + 6 : int(y1) - 6, int(x0) + 6 : int(x1) - 6]
    assert inside.max() <= 235 / 255 + 0.02 and inside.min() >= 0.06  # (+ DWAA ringing)
    assert (inside >= 235 / 255 - 0.02).mean() > 0.01  # clipped highlights sit flat at legal white


def test_plan_telecine_geometry_pal_anamorphic() -> None:
    rng = np.random.default_rng(0)
    params = sample_reference(640, 360, 4, 1001, 0, rng, ReferenceOptions(framing="wide"))
    geometry, delivered = plan_telecine(ReferenceOptions(raster="pal"), params, 640, 360)
    assert geometry.delivered == (0, 0, 640, 360) and geometry.raster_size == (720, 576)
    assert geometry.picture == pytest.approx((8.5, -0.5, 710.5, 575.5))
    assert geometry.pixel_aspect_itu == pytest.approx(
        1024 / 702
    ) and geometry.pixel_aspect_read == pytest.approx(1024 / 720)
    assert delivered.border_left == 8 and delivered.border_right == 8 and delivered.border_top == 0
    assert 0.95 <= params.scale <= 1.05 and abs(params.rotate_deg) <= 1.0
    assert np.hypot(params.translate_x, params.translate_y) <= 20.0


def test_default_shot_keeps_its_documents_and_writes_the_transform(tmp_path: Path) -> None:
    folder = tmp_path / "shot"
    synthesize_shot(folder, frames=1, width=96, height=64, seed=2, progress=False)
    data = json.loads((folder / "synth_truth.json").read_text())
    assert "reference_options" not in data and "telecine" not in data
    geometry = load_reference_transform(folder / TRANSFORM_NAME)
    truth = load_truth(folder)
    s2r = np.vstack([np.asarray(truth.reference.source_to_ref), [0, 0, 1]])
    np.testing.assert_allclose(np.asarray(geometry.scan_to_reference), s2r, atol=1e-9)
    assert geometry.raster == "scan" and geometry.aspect == "3:2" and ReferenceOptions().is_default


def test_cli_reference_options(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chroma_recovery.cli._app import app

    args = ["synth", str(tmp_path / "cli"), "--frames", "1", "--size", "160x90", "--seed", "3"]
    args += ["--ref-raster", "ntsc", "--ref-aspect", "4:3", "--ref-framing", "wide", "--ref-levels", "legal"]
    args += ["--ref-lift", "0.05", "--ref-clip", "0.9", "--ref-quality", "0", "--ref-grain", "0.02"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    truth = load_truth(tmp_path / "cli")
    assert truth.reference_options == ReferenceOptions(
        raster="ntsc",
        aspect="4:3",
        framing="wide",
        levels="legal",
        black_lift=0.05,
        white_clip=0.9,
        quality=None,
        grain=0.02,
    )
    assert load_reference_transform(tmp_path / "cli").raster == "ntsc"
    assert "geometry" in result.output
