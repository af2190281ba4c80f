"""QC: panel layout and labels, heat map, loss plot, self-contained HTML report, experiment notes."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from chroma_engine import MediaError, StageError
from chroma_engine.io import read_image, write_png
from chroma_engine.qc import (
    ReportImage,
    ReportSection,
    ReportTable,
    append_experiment_note,
    contact_sheet,
    delta_e_heatmap,
    four_way,
    html_report,
    loss_plot,
    metrics_table,
)


def _flat(value: tuple[float, float, float], h: int = 90, w: int = 160) -> np.ndarray:
    return np.broadcast_to(np.array(value, np.float32), (h, w, 3)).copy()


def test_four_way_layout_and_labels() -> None:
    panels = [_flat((1, 0, 0)), _flat((0, 1, 0)), _flat((0, 0, 1)), _flat((1, 1, 0)), _flat((0, 1, 1))]
    four = four_way(*panels[:4], thumb_width=160)
    five = four_way(*panels[:4], lut=panels[4], thumb_width=160)
    gap, bar = 6, 18
    assert four.shape == (90 + bar + 2 * gap, 4 * 160 + 5 * gap, 3)
    assert five.shape[1] == 5 * 160 + 6 * gap and four.dtype == np.float32
    # panel centres keep their colours, in order
    cy = gap + bar + 45
    for i, colour in enumerate([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1)]):
        np.testing.assert_allclose(five[cy, gap + i * (160 + gap) + 80], colour, atol=1e-6)
    # label bars hold white text pixels drawn by cv2.putText
    assert (five[gap : gap + bar, gap : gap + 160] > 0.9).any()
    with pytest.raises(StageError, match="labels"):
        four_way(*panels[:4], labels=["a", "b"])


def test_contact_sheet_grid_and_aspect() -> None:
    images = [_flat((0.2 * i, 0.5, 0.5), h=100, w=200) for i in range(5)] + [np.zeros((50, 50))]
    sheet = contact_sheet(images, [f"F{i}" for i in range(6)], columns=4, thumb_width=100, gap=4)
    bar = 18
    row1, row2 = 50 + bar, 100 + bar  # 200x100 -> 100x50; the 50x50 grey -> 100x100
    assert sheet.shape == (row1 + row2 + 3 * 4, 4 * 100 + 5 * 4, 3)
    unlabelled = contact_sheet(images[:2], None, columns=2, thumb_width=100, gap=0)
    assert unlabelled.shape == (50, 200, 3)
    with pytest.raises(StageError, match="labels"):
        contact_sheet(images, ["x"])


def test_delta_e_heatmap_is_monotonic_in_brightness() -> None:
    ramp = np.tile(np.linspace(0, 12, 300, dtype=np.float32), (100, 1))
    rgb = delta_e_heatmap(ramp, vmax=10, legend=False)
    assert rgb.shape == (100, 300, 3)
    brightness = rgb[50].sum(axis=1)
    assert brightness[0] < brightness[100] < brightness[200] and np.allclose(rgb[50, -1], rgb[50, -30])
    assert not np.array_equal(delta_e_heatmap(ramp, vmax=10), rgb)  # legend drawn


def test_loss_plot_writes_png(tmp_path: Path) -> None:
    csv_path = tmp_path / "loss.csv"
    rows = ["step,loss,val_loss,device"] + [
        f"{s},{1 / (s + 1):.5f},{1.2 / (s + 1):.5f},cpu" for s in range(50)
    ]
    csv_path.write_text("\n".join(rows) + "\n")
    png = loss_plot(csv_path, tmp_path / "plots" / "loss.png")
    image = read_image(png)
    assert image.shape == (450, 800, 3) and image.std() > 0.01
    (tmp_path / "empty.csv").write_text("step,loss\n")
    with pytest.raises(MediaError, match="no data rows"):
        loss_plot(tmp_path / "empty.csv", tmp_path / "x.png")


def test_html_report_embeds_images_and_table(tmp_path: Path) -> None:
    picture = _flat((0.25, 0.5, 0.75))
    on_disk = write_png(tmp_path / "qc" / "four_way.png", picture)
    table = metrics_table({"ML": {"dE00": 1.23456, "luma max": 0.0}, "MatchGrade": {"dE00": 3.5}})
    sections = [
        ReportSection("Metrics", "Held-out frames.\n\nLower is better.", table=table),
        ReportSection(
            "Pictures", images=[ReportImage("in memory <array>", picture), ReportImage("from disk", on_disk)]
        ),
    ]
    report = html_report(tmp_path / "report.html", "DEMO sh010 <v001>", sections)
    text = report.read_text()
    assert "<title>DEMO sh010 &lt;v001&gt;</title>" in text and "in memory &lt;array&gt;" in text
    assert "<th>method</th><th>dE00</th><th>luma max</th>" in text
    assert (
        '<td>ML</td><td class="num">1.235</td><td class="num">0</td>' in text
        and '<td>MatchGrade</td><td class="num">3.5</td><td class="num"></td>' in text
    )
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(uris) == 2
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(uris[0]), np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (90, 160, 3)
    np.testing.assert_allclose(decoded[45, 80][::-1] / 255.0, (0.25, 0.5, 0.75), atol=1 / 255)
    linked = html_report(tmp_path / "linked.html", "t", sections, embed=False).read_text()
    assert 'src="qc/four_way.png"' in linked
    with pytest.raises(MediaError, match="not found"):
        html_report(
            tmp_path / "r.html", "t", [ReportSection("x", images=[ReportImage("m", tmp_path / "no.png")])]
        )


def test_report_table_formats_numbers(tmp_path: Path) -> None:
    table = ReportTable(["metric", "value"], [["PSNR_Y", float("inf")], ["dE00", 0.000123456], ["n", 7]])
    text = html_report(tmp_path / "t.html", "t", [ReportSection("m", table=table)]).read_text()
    assert '<td class="num">inf</td>' in text and '<td class="num">0.0001235</td>' in text
    assert '<td class="num">7</td>' in text and "<td>PSNR_Y</td>" in text
    mixed = ReportTable(["decision", "value"], [["frames", "1001, 1003"], ["preview", 1005]])
    text = html_report(tmp_path / "d.html", "t", [ReportSection("d", table=mixed)]).read_text()
    assert "<td>1005</td>" in text  # a column of mixed text and numbers stays left-aligned


def test_append_experiment_note(tmp_path: Path) -> None:
    path = append_experiment_note(tmp_path, "sh010 v001: dE00 1.2\n(ML) vs 3.4 (LUT)")
    append_experiment_note(tmp_path, "second run")
    lines = path.read_text().splitlines()
    assert path == tmp_path / "notes" / "experiments.md" and lines[0] == "# Experiments"
    assert lines[2].endswith("sh010 v001: dE00 1.2 (ML) vs 3.4 (LUT)") and lines[3].endswith("second run")
    assert len(lines) == 4 and lines[2].startswith("- 20")
    with pytest.raises(StageError):
        append_experiment_note(tmp_path, "   ")
