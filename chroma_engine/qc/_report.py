"""A self-contained HTML QC report (images embedded as base64 PNG) and the project's experiment log."""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from .._errors import MediaError, StageError
from ..io import read_image, write_text_atomic

#: Images wider than this are downscaled before embedding (keeps the report a few MB).
MAX_EMBED_WIDTH = 1600

_CSS = """
body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1700px;color:#222;
background:#fafafa;padding:0 1em}h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;
padding-bottom:.2em;margin-top:2em}table{border-collapse:collapse;margin:1em 0;font-size:.95em}
th,td{border:1px solid #bbb;padding:.3em .7em;text-align:right}th{background:#eee}td:first-child,
th:first-child{text-align:left}figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #999}
figcaption{font-size:.9em;color:#555}.meta{color:#666;font-size:.9em}p{max-width:70em}
"""


@dataclass(frozen=True)
class ReportImage:
    """An image of a report section: an in-memory display R'G'B' array (0..1) or an image file."""

    caption: str
    image: np.ndarray | str | os.PathLike[str]


@dataclass(frozen=True)
class ReportTable:
    """A table: column names and rows (numbers are formatted to 4 significant digits)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[object]]


@dataclass(frozen=True)
class ReportSection:
    """One report section: heading, paragraph text, an optional table and images."""

    title: str
    text: str = ""
    table: ReportTable | None = None
    images: Sequence[ReportImage] = field(default_factory=tuple)


def metrics_table(metrics: Mapping[str, Mapping[str, float]], first_column: str = "method") -> ReportTable:
    """``{"ML": {"dE00": 1.2, ...}, "MatchGrade": {...}}`` -> a table with one row per method."""
    columns: list[str] = []
    for values in metrics.values():
        columns += [k for k in values if k not in columns]
    rows = [[name, *(values.get(k, "") for k in columns)] for name, values in metrics.items()]
    return ReportTable([first_column, *columns], rows)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "inf" if value == float("inf") else f"{value:.4g}"
    return html.escape(str(value))


def _png_data_uri(rgb: np.ndarray) -> str:
    image = np.clip(np.nan_to_num(np.asarray(rgb, dtype=np.float32)), 0.0, 1.0)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[1] > MAX_EMBED_WIDTH:
        height = round(image.shape[0] * MAX_EMBED_WIDTH / image.shape[1])
        image = np.asarray(cv2.resize(image, (MAX_EMBED_WIDTH, height), interpolation=cv2.INTER_AREA))
    data = (np.asarray(image)[:, :, :3] * 255.0 + 0.5).astype(np.uint8)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(data, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
        raise StageError("html_report: PNG encoding failed")
    return "data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def _image_src(item: ReportImage, report_dir: Path, embed: bool) -> str:
    if isinstance(item.image, np.ndarray):
        return _png_data_uri(item.image)
    path = Path(item.image)
    if not path.is_file():
        raise MediaError(f"{path}: report image not found", hint="write the QC picture before the report")
    if not embed:
        return html.escape(os.path.relpath(path, report_dir).replace(os.sep, "/"))
    if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        mime = "png" if path.suffix.lower() == ".png" else "jpeg"
        return f"data:image/{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return _png_data_uri(read_image(path))  # EXR, TIFF, DPX: decoded and re-encoded as PNG


def html_report(
    path: str | os.PathLike[str], title: str, sections: Sequence[ReportSection], embed: bool = True
) -> Path:
    """Write ONE readable HTML file: title, timestamp, then each section's text, table and figures.

    With ``embed`` (default) every image is inlined as a base64 PNG, so the file can be mailed or
    archived alone; with ``embed=False`` image files are linked by relative path instead. Atomic write.
    """
    target = Path(path)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">chroma-recovery QC report, generated {stamp}</p>',
    ]
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.text:
            parts += [f"<p>{html.escape(p)}</p>" for p in section.text.split("\n\n") if p.strip()]
        if section.table is not None:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in section.table.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in section.table.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        for item in section.images:
            src = _image_src(item, target.parent, embed)
            caption = html.escape(item.caption)
            parts.append(
                f'<figure><img src="{src}" alt="{caption}"><figcaption>{caption}</figcaption></figure>'
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return write_text_atomic(target, "\n".join(parts) + "\n")


def append_experiment_note(project_root: str | os.PathLike[str], line: str) -> Path:
    """Append ``- <UTC date time> <line>`` to ``<project_root>/notes/experiments.md`` (created if missing).

    The line is collapsed to one line; the file is rewritten atomically.
    """
    text = re.sub(r"\s+", " ", line).strip()
    if not text:
        raise StageError("append_experiment_note: empty note")
    notes = Path(project_root) / "notes" / "experiments.md"
    existing = notes.read_text(encoding="utf-8") if notes.is_file() else "# Experiments\n\n"
    if not existing.endswith("\n"):
        existing += "\n"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return write_text_atomic(notes, f"{existing}- {stamp} {text}\n")
