"""``bench quality`` on a tiny shot: the record holds every column, scored on held-out frames."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("torch")

from chroma_engine.bench import bench_quality  # noqa: E402


def test_quality_record_with_the_truth_trained_ceiling(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MPLBACKEND", "Agg")
    data = bench_quality(tmp_path, ("severe",), frames=10, size=(128, 96), steps=15, oracle=True, pairs=5)
    severe = data["results"]["severe"]  # type: ignore[index]
    for key in ("balanced_de00", "lut_de00", "ml_de00", "oracle_trained_on_truth_de00"):
        assert math.isfinite(severe[key]) and severe[key] > 0, key
    # the fade is visible, and both restorations remove most of it
    assert severe["lut_de00"] < severe["balanced_de00"] and severe["ml_de00"] < severe["balanced_de00"]
    assert severe["luma_max_abs_dY"] <= 1e-3
    # five pairs asked for: the job that ran says so, and every other frame is scored
    (job_file,) = tmp_path.glob("shot_severe_*/job.json")
    assert json.loads(job_file.read_text())["curation"]["auto_count"] == 5
    assert severe["heldout_frames_scored"] == 10 - 5
    assert data["pairs"] == 5
    assert set(severe["targets_met"]) == {"ml_le_0.6_lut", "ml_le_2.0", "luma_le_1e-3", "grain_within_10pct"}
    written = json.loads((tmp_path / "quality.json").read_text())
    assert written["results"]["severe"]["oracle_over_lut"] == pytest.approx(
        severe["oracle_trained_on_truth_de00"] / severe["lut_de00"]
    )
    assert "ML trained on TRUTH dE00" in (tmp_path / "quality.md").read_text()
