"""The QC verdict (PASS / CHECK in plain words), metric labels with units, and the wipe's markup rules."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from chroma_engine import StageError
from chroma_engine.metrics import LUMA_IDENTITY_LIMIT
from chroma_engine.qc import (
    MEASURES,
    ReportImage,
    ReportSection,
    ReportWipe,
    describe_metric,
    format_metric,
    html_report,
    labelled_metrics_table,
    metric_label,
    qc_verdict,
)

GOOD = {
    "ml_de00_truth_heldout": 1.44,
    "lut_de00_truth_heldout": 2.44,
    "ml_chroma_dist_heldout": 0.02,
    "lut_chroma_dist_heldout": 0.01,
    "ml_luma_max_abs_dY": 3.1e-7,
    "ml_heldout_frames_scored": 12.0,
    "ml_grain_nps_ratio": 0.98,
}


def test_every_recorded_measure_has_plain_words_and_a_unit() -> None:
    assert metric_label("ml_de00_truth_heldout") == (
        "ML restore: colour error against the true colours, held-out frames (ΔE00)"
    )
    assert metric_label("bal_chroma_dist_heldout").startswith(
        "Balanced scan: colour distance to the reference"
    )
    for measure in MEASURES.values():
        assert measure.label[0].isupper() and "_" not in measure.label
        assert measure.unit or measure.count
    # a key nobody described yet still reads as words, never raw
    assert metric_label("lut_some_new_score") == "MatchGrade LUT: some new score"
    assert metric_label("quality") == "Quality" and describe_metric("quality").method == ""


def test_values_print_as_a_person_reads_them() -> None:
    assert format_metric("ml_luma_max_abs_dY", 3.14e-7) == "3.1e-07"  # never rounded to 0
    assert format_metric("ml_luma_max_abs_dY", 0.0) == "0 (exact)"
    assert format_metric("ml_de00_truth_heldout", 1.4372) == "1.44"
    assert format_metric("ml_heldout_frames_scored", 12.0) == "12"
    assert format_metric("ml_chroma_flicker", 2e-6) == "2.0e-06"
    assert format_metric("ml_grain_nps_ratio", float("inf")) == "∞" and format_metric("x", None) == "–"


def test_ml_better_than_the_lut_with_luma_untouched_passes() -> None:
    verdict = qc_verdict(GOOD)
    assert verdict.passed and verdict.word == "PASS" and verdict.headline.startswith("PASS: ")
    assert (
        verdict.comparison is not None and verdict.comparison.measure == "de00_truth_heldout"
    )  # truth first
    assert verdict.checks[0] == (
        True,
        "ML is closer to the true colours than the LUT by 1.00 ΔE00 (41 % lower): 1.44 vs 2.44.",
    )
    assert verdict.checks[1] == (
        True,
        "The scan's luma is untouched: largest change 3.1e-07 (limit 1.0e-03).",
    )
    assert verdict.frames_scored == 12 and verdict.luma_limit == LUMA_IDENTITY_LIMIT == 1e-3


@pytest.mark.parametrize(
    "change,failing",
    [
        (
            {"ml_luma_max_abs_dY": 2.5e-3},
            "The scan's luma changed by up to 2.5e-03, over the limit of 1.0e-03.",
        ),
        (
            {"ml_de00_truth_heldout": 2.9},
            "The LUT is closer to the true colours than ML by 0.46 ΔE00 (16 % lower)",
        ),
        ({"ml_heldout_frames_scored": 0.0}, "No held-out frame was scored"),
        ({"ml_luma_max_abs_dY": None}, "Luma identity was not measured."),
    ],
)
def test_any_failed_check_asks_for_a_look(change: dict[str, float | None], failing: str) -> None:
    metrics = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    verdict = qc_verdict(metrics)
    assert not verdict.passed and verdict.word == "CHECK"
    assert verdict.headline == "CHECK: Look at this shot before delivery (1 of 3 checks did not pass)."
    assert [text for ok, text in verdict.checks if not ok][0].startswith(failing)


def test_real_shots_compare_against_the_reference_and_no_lut_is_said_plainly() -> None:
    real = {k: v for k, v in GOOD.items() if "truth" not in k}
    verdict = qc_verdict(real)
    assert verdict.comparison is not None and verdict.comparison.against == "the reference"
    assert not verdict.passed and "The LUT is closer to the reference than ML" in verdict.checks[0][1]
    alone = qc_verdict({k: v for k, v in GOOD.items() if not k.startswith("lut_")})
    assert alone.passed and alone.comparison is None and "No MatchGrade LUT" in alone.checks[0][1]


def test_measurements_table_has_methods_as_columns_and_no_raw_keys() -> None:
    table = labelled_metrics_table({**GOOD, "bal_de00_truth_heldout": 5.0, "fell_back": 0.0})
    assert list(table.columns) == ["measure", "ML restore", "MatchGrade LUT", "Balanced scan", "value"]
    first = list(table.rows[0])
    assert first == [
        "Colour error against the true colours, held-out frames (ΔE00)",
        "1.44",
        "2.44",
        "5.00",
        "",
    ]
    text = repr(table.rows)
    assert not re.search(r"\b(ml|lut|bal)_", text) and ["Fell back", "", "", "", "0.000"] in table.rows


def test_the_page_embeds_everything_and_forbids_other_sources(tmp_path: Path) -> None:
    flat = np.full((30, 40, 3), 0.5, np.float32)
    wipe = ReportWipe({"a": ReportImage("A <scan>", flat), "b": ReportImage("B", flat)}, left="a", right="b")
    text = html_report(
        tmp_path / "r.html", "t", [ReportSection("w", wipe=wipe, verdict=qc_verdict(GOOD))]
    ).read_text()
    assert "default-src 'none'; img-src data:;" in text and "<script>" in text
    assert not re.search(r"(src|href)=\"(?!data:)", text)  # every picture (and the icon) is inline
    assert not re.search(r"https?://", text)
    assert text.index('class="verdict') < text.index('class="wipe"') and "A &lt;scan&gt;" in text
    assert text.count("data:image/png;base64,") == 2  # each version embedded once


def test_a_wipe_needs_two_versions_of_one_size(tmp_path: Path) -> None:
    small, big = np.zeros((30, 40, 3), np.float32), np.zeros((60, 80, 3), np.float32)
    cases = [
        ReportWipe({"a": ReportImage("A", small)}, "a", "a"),
        ReportWipe({"a": ReportImage("A", small), "b": ReportImage("B", big)}, "a", "b"),
        ReportWipe({"a": ReportImage("A", small), "b": ReportImage("B", small)}, "a", "c"),
    ]
    for wipe in cases:
        with pytest.raises(StageError, match="wipe"):
            html_report(tmp_path / "r.html", "t", [ReportSection("w", wipe=wipe)])
