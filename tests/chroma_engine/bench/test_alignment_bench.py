"""``bench alignment`` in quick mode, and its error measure against a known displacement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chroma_engine.bench import TEST_SEEDS, TUNE_SEEDS, bench_alignment, registration_error
from chroma_engine.bench._alignment_shots import perturbed, picture_vertices, sd_condition
from chroma_engine.synth import ReferenceTransform


def _transform() -> ReferenceTransform:
    forward = np.array([[1.02, 0.0, -4.0], [0.0, 1.0, 3.0], [0.0, 0.0, 1.0]])
    eye = tuple(tuple(float(v) for v in row) for row in forward)
    back = tuple(tuple(float(v) for v in row) for row in np.linalg.inv(forward))
    return ReferenceTransform(
        scan_size=(200, 100),
        reference_size=(200, 100),
        scan_to_reference=eye,  # type: ignore[arg-type]
        reference_to_scan=back,  # type: ignore[arg-type]
        reference_picture=(9.5, -0.5, 189.5, 99.5),
        raster="pal",
        aspect="16:9",
        framing_scale=1.0,
        framing_rotate_deg=0.0,
        framing_translate_x=0.0,
        framing_translate_y=0.0,
        pixel_aspect_error=0.975,
    )


def test_error_is_measured_over_the_picture_area() -> None:
    truth = _transform()
    vertices = picture_vertices(truth)
    # the scan frame clipped by the reference picture mapped back (x 13.2-189.7, y down to 99.5 - 3)
    assert vertices[:, 0].min() == pytest.approx((9.5 + 4.0) / 1.02, abs=1e-4)
    assert vertices[:, 1].max() == pytest.approx(96.5, abs=1e-4) and vertices[:, 0].max() == pytest.approx(
        193.5 / 1.02, abs=1e-4
    )
    assert registration_error(truth.matrix(), truth) == pytest.approx((0.0, 0.0), abs=1e-9)
    shifted = np.array([[1.0, 0.0, 0.3], [0.0, 1.0, -0.4], [0.0, 0.0, 1.0]]) @ truth.matrix()
    assert registration_error(shifted, truth) == pytest.approx((0.5, 0.5))
    moved = perturbed(truth, 2.0, np.random.default_rng(1))
    assert registration_error(moved, truth)[1] == pytest.approx(2.0)
    assert not set(TUNE_SEEDS) & set(TEST_SEEDS)
    assert {(sd_condition(s).raster, sd_condition(s).aspect) for s in TEST_SEEDS[:4]} == {
        ("pal", "16:9"),
        ("pal", "4:3"),
        ("ntsc", "16:9"),
        ("ntsc", "4:3"),
    }


def test_quick_bench_record(tmp_path: Path) -> None:
    lines: list[str] = []
    data = bench_alignment(tmp_path, quick=True, progress=lines.append)
    record = json.loads((tmp_path / "alignment.json").read_text())
    assert record["seed_set"] == "test" and record["machine"]["cores"]
    assert len(record["shots"]) == 3 and len(lines) == 3
    for shot in record["shots"]:
        assert shot["max_px"] is not None and shot["max_px"] < 1.5, shot
        probes = shot["quality_at_px"]
        assert probes["0"] > probes["1"] > probes["5"] and probes["5"] < 0.5
    assert data["summary"]["sd"]["shots"] == 2  # type: ignore[index]
    table = (tmp_path / "alignment.md").read_text()
    assert "Quality against a known error" in table and "scan raster (default)" in table
    assert not (tmp_path / "_alignment_shots").exists()  # scratch shots removed
