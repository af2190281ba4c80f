"""The QC page in a real headless Chromium: the A/B wipe moves under the mouse, its side buttons
switch versions, and the page asks the network for nothing but itself.

Skips when no Chromium is installed (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from chroma_engine.qc import (
    ReportImage,
    ReportSection,
    ReportWipe,
    html_report,
    labelled_metrics_table,
    qc_verdict,
)
from tests.chroma_engine.qc.headless_chromium import Chromium, chromium_executable

COLOURS = {  # display R'G'B' of each flat test picture
    "original": (0.8, 0.3, 0.5),
    "ml": (0.2, 0.6, 0.3),
    "lut": (0.2, 0.3, 0.8),
    "reference": (0.9, 0.9, 0.2),
}
METRICS = {
    "ml_de00_truth_heldout": 1.44,
    "lut_de00_truth_heldout": 2.44,
    "ml_luma_max_abs_dY": 3.1e-7,
    "ml_heldout_frames_scored": 12.0,
    "bal_chroma_dist_heldout": 0.05,
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    with Chromium(executable) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def flat(rgb: tuple[float, float, float]) -> np.ndarray:
        return np.broadcast_to(np.array(rgb, np.float32), (120, 160, 3)).copy()

    labels = {
        "original": "Original scan",
        "ml": "ML restore",
        "lut": "MatchGrade LUT",
        "reference": "Reference",
    }
    versions = {key: ReportImage(labels[key], flat(rgb)) for key, rgb in COLOURS.items()}
    sections = [
        ReportSection("Verdict", verdict=qc_verdict(METRICS)),
        ReportSection("Compare", wipe=ReportWipe(versions, left="original", right="ml", caption="drag")),
        ReportSection("Measurements", table=labelled_metrics_table(METRICS)),
        ReportSection("Pictures", images=[ReportImage("a flat picture", flat((0.5, 0.5, 0.5)))]),
    ]
    return html_report(tmp_path_factory.mktemp("qc") / "report.html", "QC DEMO sh010", sections)


def _colour_at(picture: np.ndarray, fraction: float) -> np.ndarray:
    """Mean RGB (0..1) of a small patch at ``fraction`` of the width, mid-height."""
    h, w = picture.shape[:2]
    x, y = int(fraction * w), h // 2
    return picture[y - 4 : y + 4, x - 2 : x + 3].reshape(-1, 3).mean(axis=0) / 255.0


def _assert_shows(picture: np.ndarray, fraction: float, key: str) -> None:
    np.testing.assert_allclose(_colour_at(picture, fraction), COLOURS[key], atol=3 / 255, err_msg=key)


def test_dragging_the_slider_moves_the_wipe(browser: Chromium, report: Path) -> None:
    url = browser.open(report)
    browser.scroll_into_view(".wipe-stage")
    stage = browser.box(".wipe-stage")
    assert stage["width"] == 720 and stage["height"] == 540  # a small frame is drawn 720 px wide
    before = browser.screenshot(stage)
    _assert_shows(before, 0.25, "original")
    _assert_shows(before, 0.75, "ml")

    # Drag the slider's thumb from the middle to a fifth of the way, with the mouse.
    track = browser.viewport_box(".wipe-range")
    y = track["y"] + track["height"] / 2
    at = lambda f: track["x"] + 8 + f * (track["width"] - 16)  # noqa: E731 - thumb centre at fraction f
    browser.drag((at(0.5), y), (at(0.2), y))
    assert abs(browser.evaluate("+document.querySelector('.wipe-range').value") - 20) < 2
    after = browser.screenshot(stage)
    x0, x1 = int(0.22 * stage["width"]), int(0.48 * stage["width"])
    changed = np.abs(after[:, x0:x1].astype(int) - before[:, x0:x1].astype(int)).max(axis=2) > 40
    assert changed.mean() > 0.95, "the wiped region did not change"
    np.testing.assert_array_equal(
        after[:, int(0.55 * stage["width"]) :], before[:, int(0.55 * stage["width"]) :]
    )
    _assert_shows(after, 0.1, "original")
    _assert_shows(after, 0.35, "ml")

    # Dragging on the picture itself moves the split too (through the same slider).
    picture = browser.viewport_box(".wipe-stage")
    mid = picture["y"] + picture["height"] / 2
    browser.drag((picture["x"] + 0.6 * picture["width"], mid), (picture["x"] + 0.8 * picture["width"], mid))
    assert abs(browser.evaluate("+document.querySelector('.wipe-range').value") - 80) < 1
    dragged = browser.screenshot(stage)
    _assert_shows(dragged, 0.7, "original")
    _assert_shows(dragged, 0.9, "ml")

    assert browser.problems() == [] and browser.blocked_urls() == {}
    assert [u for u in browser.requested_urls() if not u.startswith("data:")] == [url]


def test_side_buttons_choose_what_each_side_shows(browser: Chromium, report: Path) -> None:
    browser.open(report)
    stage = browser.box(".wipe-stage")
    browser.click('button[data-side="right"][data-key="lut"]')
    browser.click('button[data-side="left"][data-key="reference"]')
    picture = browser.screenshot(stage)
    _assert_shows(picture, 0.25, "reference")
    _assert_shows(picture, 0.75, "lut")
    tags = browser.evaluate("[...document.querySelectorAll('.wipe-tag')].map(t => t.textContent)")
    assert tags == ["Reference", "MatchGrade LUT"]
    pressed = browser.evaluate(
        "[...document.querySelectorAll('button[aria-pressed=true]')].map(b => b.textContent)"
    )
    assert pressed == ["Reference", "MatchGrade LUT"]


def test_the_verdict_comes_first_and_reads_plainly(browser: Chromium, report: Path) -> None:
    browser.open(report)
    headings = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent)")
    assert headings[:3] == ["Verdict", "Compare", "Measurements"]
    verdict = browser.evaluate("document.querySelector('.verdict').innerText")
    assert verdict.startswith("PASS") and "1.00 ΔE00" in verdict and "3.1e-07" in verdict
    table = browser.evaluate("document.querySelector('table').innerText")
    assert "bal_" not in table and "Balanced scan" in table and "held-out frames" in table
    assert browser.evaluate("document.images.length") == 5 and all(
        browser.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
    )


def test_the_page_refuses_any_outside_source(browser: Chromium, tmp_path: Path, report: Path) -> None:
    """The page's policy blocks a network picture even if one were added (nothing leaves the machine)."""
    page = report.read_text().replace("</body>", '<img id="outside" src="http://192.0.2.1/x.png"></body>')
    tampered = tmp_path / "tampered.html"
    tampered.write_text(page)
    url = browser.open(tampered)
    assert [u for u in browser.requested_urls() if not u.startswith("data:")] == [url]
    assert browser.blocked_urls() == {"http://192.0.2.1/x.png": "csp"}
    assert any("Content Security Policy" in p for p in browser.problems())
