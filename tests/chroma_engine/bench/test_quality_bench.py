"""``bench quality``: the test protocol (seeds, held-out frames, methods, intervals) on a quick run."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

pytest.importorskip("torch")

from chroma_engine.bench import (  # noqa: E402
    CONDITIONS,
    ProtocolConfig,
    bench_quality,
    ratio_of_means,
)
from chroma_engine.bench import QUALITY_TEST_SEEDS as TEST_SEEDS  # noqa: E402
from chroma_engine.bench import QUALITY_TUNE_SEEDS as TUNE_SEEDS  # noqa: E402


def test_quick_protocol_scores_every_method_on_far_held_out_frames(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MPLBACKEND", "Agg")
    lines: list[str] = []
    record = bench_quality(tmp_path, ProtocolConfig.quick(), workers=0, log=lines.append)
    assert record["seeds_are_test_seeds"] and len(record["shots"]) == 2
    for shot in record["shots"]:
        assert shot["status"] == "ok", shot.get("traceback")
        assert set(shot["methods"]) == {"nuke_lut", "matched_lut", "start", "ml"}
        assert all(math.isfinite(m["de00"]) and m["de00"] > 0 for m in shot["methods"].values())
        held = shot["held_out"]
        assert held["frames"] and held["min_distance"] >= held["gap"] == 4
        assert not set(held["frames"]) & set(shot["training_frames"])
        assert shot["methods"]["ml"]["luma_max_abs_dY"] <= 1e-3
        assert shot["cpu_s"] > 0 and "synth" in shot["timing"]
    group = record["groups"]["severe"]
    # both restorations remove most of the fade; the LUT fitted like the model beats Nuke's
    assert group["mean_de00"]["ml"] < group["mean_de00"]["nuke_lut"]
    assert group["mean_de00"]["matched_lut"] < group["mean_de00"]["nuke_lut"]
    for ratio in group["ratios"]:
        assert ratio["low"] <= ratio["value"] <= ratio["high"] and ratio["n"] == 2
    assert record["targets"]["luma identity max |dY'| <= 1e-3"] is True
    written = json.loads((tmp_path / "quality.json").read_text())
    assert written["groups"]["severe"]["ratios"] == group["ratios"]
    markdown = (tmp_path / "quality.md").read_text()
    assert "ml / matched_lut" in markdown and "### severe" in markdown
    assert len(lines) == 4  # start, one line per shot, end


def test_protocol_plan_keeps_tune_and_test_seeds_apart() -> None:
    assert not set(TUNE_SEEDS) & set(TEST_SEEDS) and len(TEST_SEEDS) >= 10
    config = ProtocolConfig()
    shots = config.plan()
    severities = [s for s in shots if s.conditions is None and not s.reference]
    assert [s.group for s in severities[:10]] == ["severe"] * 10  # what matters most runs first
    assert len(severities) == 30 and {s.seed for s in severities} == set(TEST_SEEDS)
    conditions = [s for s in shots if s.conditions is not None]
    assert {s.group for s in conditions} == set(CONDITIONS) and all(
        s.severity == "severe" for s in conditions
    )
    severe = [m.name for m in config.methods(severities[0])]
    assert severe[:4] == ["nuke_lut", "matched_lut", "start", "ml"] and "oracle" in severe
    assert {"no_temporal", "no_positional_grid", "no_blur_refit"} <= set(severe)
    assert [m.name for m in config.methods(conditions[0])] == ["nuke_lut", "matched_lut", "start", "ml"]


def test_a_spent_budget_records_every_shot_as_not_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = dataclasses.replace(ProtocolConfig.quick(), seeds=TEST_SEEDS[:3])
    record = bench_quality(tmp_path, config, workers=0, budget_s=-1.0, log=lambda _line: None)
    assert [s["status"] for s in record["shots"]] == ["not run (budget)"] * 3
    assert json.loads((tmp_path / "quality.json").read_text())["groups"]["severe"]["ok"] == 0


def test_paired_bootstrap_interval_of_a_ratio_of_means() -> None:
    same = ratio_of_means([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.value, same.low, same.high) == (1.0, 1.0, 1.0)
    ratio = ratio_of_means([1.0, 1.2, 0.9, 1.1], [2.0, 2.1, 1.9, 2.3])
    assert ratio.value == pytest.approx(4.2 / 8.3) and ratio.low < ratio.value < ratio.high < 0.6
    assert ratio_of_means([1.0, 1.2, 0.9, 1.1], [2.0, 2.1, 1.9, 2.3]) == ratio  # fixed generator
