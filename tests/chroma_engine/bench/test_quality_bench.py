"""``bench quality``: the test protocol (seeds, held-out frames, methods, intervals) on a quick run."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

pytest.importorskip("torch")

from chroma_engine.bench import (  # noqa: E402
    CONDITIONS,
    REFERENCE_CONDITIONS,
    ProtocolConfig,
    bench_quality,
    ratio_of_means,
)
from chroma_engine.bench import QUALITY_TEST_SEEDS as TEST_SEEDS  # noqa: E402
from chroma_engine.bench import QUALITY_TUNE_SEEDS as TUNE_SEEDS  # noqa: E402


def test_quick_protocol_scores_every_method_on_far_held_out_frames(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MPLBACKEND", "Agg")
    lines: list[str] = []
    config = dataclasses.replace(ProtocolConfig.quick(), seeds=TEST_SEEDS[:1])
    record = bench_quality(tmp_path, config, workers=0, log=lines.append)
    assert record["seeds_are_test_seeds"] and len(record["shots"]) == 1
    (shot,) = record["shots"]
    assert shot["status"] == "ok", shot.get("traceback")
    assert set(shot["methods"]) == {"nuke_lut", "matched_lut", "start", "ml"}
    assert all(math.isfinite(m["de00"]) and m["de00"] > 0 for m in shot["methods"].values())
    held = shot["held_out"]
    assert held["frames"] and held["min_distance"] >= held["gap"] == 4
    assert min(abs(f - t) for f in held["frames"] for t in shot["training_frames"]) == held["min_distance"]
    assert shot["methods"]["ml"]["luma_max_abs_dY"] <= 1e-3
    assert shot["cpu_s"] > 0 and "synth" in shot["timing"]
    # the fade is visible and the LUT fitted like the model (temporal mean, input range) beats Nuke's
    group = record["groups"]["severe"]
    assert group["mean_de00"]["matched_lut"] < group["mean_de00"]["nuke_lut"]
    assert record["targets"]["luma identity max |dY'| <= 1e-3"] is True
    written = json.loads((tmp_path / "quality.json").read_text())
    assert written["groups"]["severe"]["ratios"] == group["ratios"]
    assert "ml / matched_lut" in (tmp_path / "quality.md").read_text()
    assert len(lines) == 3  # start, one line per shot, end


def _fake_shot(spec, config, work):  # type: ignore[no-untyped-def]
    """A shot record shaped as ``evaluate_shot`` writes it, its held-out frames chosen by the runner's
    rule, its dE00 made up from the seed and the method (what it ran with is recorded)."""
    from chroma_engine.runner import held_out_frames

    trained = (1004, 1012, 1017, 1030)
    held = held_out_frames(range(1000, 1000 + config.frames), trained, 3)
    methods = {}
    for index, method in enumerate(config.methods(spec)):
        rate = method.learning_rate or config.learning_rate
        de00 = 1.0 + (spec.seed % 7) * 0.05 + 0.1 * index + (0.02 if rate == 3e-4 else 0.0)
        if method.name.startswith("matched_lut@"):
            de00 = 2.0 + abs(float(method.name.split("@")[1]) - 30.0) / 1000.0  # lowest at 30
        methods[method.name] = {"de00": de00, "luma_max_abs_dY": 1e-7, "grain_nps_ratio": 1.01}
        methods[method.name]["config"] = {"smoothness": config.matched_smoothness, "learning_rate": rate}
    return {
        "shot": spec.name,
        "group": spec.group,
        "severity": spec.severity,
        "seed": spec.seed,
        "training_frames": list(trained),
        "held_out": {"frames": list(held.frames), "gap": held.gap, "min_distance": held.min_distance},
        "methods": methods,
        "status": "ok",
        "timing": {},
        "cpu_s": 0.0,
        "wall_s": 0.0,
    }


def test_tune_first_chooses_on_tune_seeds_and_reports_test_seeds_with_intervals(
    tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from chroma_engine.bench import _quality, bench_protocol

    monkeypatch.setattr(_quality, "evaluate_shot", _fake_shot)
    config = dataclasses.replace(ProtocolConfig(), seeds=TEST_SEEDS[:3])
    record = bench_protocol(tmp_path, config, workers=0, budget_s=600.0, log=lambda _line: None)
    tuned = json.loads((tmp_path / "quality_tune.json").read_text())
    # choices are made on tune seeds only, and every tune seed is a tune seed
    assert {s["seed"] for s in tuned["shots"]} == set(TUNE_SEEDS) and not tuned["targets"]
    assert tuned["chosen_smoothness"] == 30.0 and tuned["chosen_learning_rate"] == 5e-5
    assert set(tuned["learning_rate_means"]) == {"5e-05", "0.0003", "0.0015", "0.005"}
    # the test run used the choices, on test seeds only, far from every training frame
    assert not {s["seed"] for s in record["shots"]} & set(TUNE_SEEDS)
    assert {s["seed"] for s in record["shots"]} == set(TEST_SEEDS[:3])
    for shot in record["shots"]:
        assert shot["held_out"]["min_distance"] >= shot["held_out"]["gap"] == 4
        assert shot["methods"]["ml"]["config"] == {"smoothness": 30.0, "learning_rate": 5e-5}
    groups = record["groups"]
    assert set(groups) == {"severe", "extreme", "mild", *CONDITIONS, *REFERENCE_CONDITIONS}
    for name, group in groups.items():
        ratios = {r["name"]: r for r in group["ratios"]}
        for key in ("ml / nuke_lut", "ml / matched_lut", "matched_lut / nuke_lut", "ml / start (network)"):
            assert set(ratios[key]) == {"name", "value", "low", "high", "n"}, (name, key)
            assert ratios[key]["low"] <= ratios[key]["value"] <= ratios[key]["high"] and ratios[key]["n"] == 3
    assert {"no_temporal / ml", "no_positional_grid / ml", "no_blur_refit / ml", "oracle / ml"} <= {
        r["name"] for r in groups["severe"]["ratios"]
    }
    assert set(record["targets"]) and record["targets"]["luma identity max |dY'| <= 1e-3"] is True
    markdown = (tmp_path / "quality.md").read_text()
    assert "### sd_pal_reference" in markdown and "[" in markdown  # per-seed tables, intervals


def test_protocol_plan_keeps_tune_and_test_seeds_apart() -> None:
    assert not set(TUNE_SEEDS) & set(TEST_SEEDS) and len(TEST_SEEDS) >= 10
    config = ProtocolConfig()
    shots = config.plan()
    severities = [s for s in shots if s.conditions is None and not s.reference]
    assert [s.group for s in severities[:10]] == ["severe"] * 10  # what matters most runs first
    assert len(severities) == 30 and {s.seed for s in severities} == set(TEST_SEEDS)
    assert [s.group for s in shots[10:20]] == ["extreme"] * 10 and shots[-1].group == "mild"
    conditions = [s for s in shots if s.conditions is not None or s.reference]
    assert {s.group for s in conditions} == {*CONDITIONS, *REFERENCE_CONDITIONS}
    assert all(s.severity == "severe" for s in conditions)
    for name in (*CONDITIONS, *REFERENCE_CONDITIONS):  # each condition on 10 test seeds
        assert sorted(s.seed for s in conditions if s.group == name) == list(TEST_SEEDS)
    severe = [m.name for m in config.methods(severities[0])]
    assert severe[:4] == ["nuke_lut", "matched_lut", "start", "ml"] and "oracle" in severe
    assert {"no_temporal", "no_positional_grid", "no_blur_refit"} <= set(severe)
    assert [m.name for m in config.methods(conditions[0])] == ["nuke_lut", "matched_lut", "start", "ml"]
    assert [m.name for m in config.methods(shots[10])] == ["nuke_lut", "matched_lut", "start", "ml"]


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


def test_conditions_only_plans_the_conditions_shots_alone() -> None:
    from chroma_engine.bench.quality_protocol import config_from, parse_args

    config = config_from(parse_args(["--conditions-only", "--condition-seeds", "2"]))
    shots = config.plan()
    assert config.severities == () and len(shots) == 2 * len({*CONDITIONS, *REFERENCE_CONDITIONS})
    assert all(s.group in {*CONDITIONS, *REFERENCE_CONDITIONS} and s.severity == "severe" for s in shots)
    assert {s.seed for s in shots} == set(TEST_SEEDS[:2])
