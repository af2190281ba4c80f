"""A self-contained HTML QC report (images embedded as base64 PNG) and the project's experiment log.

The page is built for a colorist: a neutral dark surround (nothing coloured next to the pictures but
the verdict badge), the verdict first, then the A/B wipe, then the details. It fetches nothing: every
picture is a ``data:`` URI, styles and the wipe's script are inline, and a Content-Security-Policy
forbids any other source, so the file can be mailed or archived alone and opened offline.
"""

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
from ._labels import MEASURES, METHODS, describe_metric, format_value
from ._verdict import Verdict
from ._wipe import WIPE_CSS, WIPE_JS, WipeLayer, wipe_html

#: Images wider than this are downscaled before embedding (keeps the report a few MB).
MAX_EMBED_WIDTH = 1600

_CSS = """
:root{color-scheme:dark}
body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1700px;color:#ddd;
background:#1e1e1e;padding:1em 1.5em 3em;line-height:1.45}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.2em;border-bottom:1px solid #444;padding-bottom:.2em;
margin-top:2em}table{border-collapse:collapse;margin:1em 0;font-size:.95em}
th,td{border:1px solid #444;padding:.3em .7em;text-align:left}th{background:#2a2a2a;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pictures{display:flex;flex-wrap:wrap;gap:0 1.5em;align-items:flex-start}figure{margin:1em 0}
figure img{max-width:100%;min-width:min(100%,480px);height:auto;border:1px solid #444}
figcaption,.caption{font-size:.9em;color:#aaa}
.meta{color:#999;font-size:.9em;margin:0}p{max-width:75em}a{color:#9cf}
.verdict{border:1px solid #555;border-radius:6px;padding:1em 1.2em;margin:1.2em 0;background:#262626}
.verdict .badge{display:inline-block;font-weight:700;font-size:1.4em;padding:.1em .6em;border-radius:4px;
margin-right:.6em;color:#fff}.verdict.pass .badge{background:#2e7d32}.verdict.check .badge{background:#b26a00}
.verdict .headline{font-size:1.15em}.verdict ul{list-style:none;padding:0;margin:.8em 0 0}
.verdict li{margin:.3em 0}.verdict li::before{display:inline-block;width:1.6em;font-weight:700}
.verdict li.ok::before{content:"✓";color:#6c6}.verdict li.no::before{content:"✗";color:#f93}
.figures{display:flex;flex-wrap:wrap;gap:.8em;margin-top:1em}
.figure{background:#1e1e1e;border:1px solid #444;border-radius:4px;padding:.5em .8em;min-width:12em}
.figure .value{font-size:1.35em;font-weight:600;font-variant-numeric:tabular-nums}
.figure .name{color:#aaa;font-size:.85em}
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
class ReportWipe:
    """An A/B wipe between versions of one frame: ``versions`` maps a short key (``ml``) to the
    picture and its label (the ReportImage caption); ``left`` / ``right`` are the keys shown first."""

    versions: Mapping[str, ReportImage]
    left: str
    right: str
    caption: str = ""


@dataclass(frozen=True)
class ReportSection:
    """One report section: heading, paragraph text, then (each optional) a verdict, a wipe, a table
    and images, in that order."""

    title: str
    text: str = ""
    table: ReportTable | None = None
    images: Sequence[ReportImage] = field(default_factory=tuple)
    verdict: Verdict | None = None
    wipe: ReportWipe | None = None


def metrics_table(metrics: Mapping[str, Mapping[str, float]], first_column: str = "method") -> ReportTable:
    """``{"ML": {"dE00": 1.2, ...}, "MatchGrade": {...}}`` -> a table with one row per method."""
    columns: list[str] = []
    for values in metrics.values():
        columns += [k for k in values if k not in columns]
    rows = [[name, *(values.get(k, "") for k in columns)] for name, values in metrics.items()]
    return ReportTable([first_column, *columns], rows)


_NUMBER = re.compile(r"^[-+]?(\d[\d,]*\.?\d*(e[-+]?\d+)?|∞|–|inf)( \(exact\))?$")


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return "inf" if value == float("inf") else f"{value:.4g}"
    return str(value)


def _numeric(value: object) -> bool:
    return isinstance(value, (int, float)) or bool(_NUMBER.match(_cell_text(value)))


def _encode_png(rgb: np.ndarray) -> tuple[str, int, int]:
    """(data URI, width, height) of a display R'G'B' image, downscaled to ``MAX_EMBED_WIDTH``."""
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
    uri = "data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")
    return uri, data.shape[1], data.shape[0]


def _image_file(item: ReportImage) -> Path:
    path = Path(item.image)  # type: ignore[arg-type]
    if not path.is_file():
        raise MediaError(f"{path}: report image not found", hint="write the QC picture before the report")
    return path


def _image_src(item: ReportImage, report_dir: Path, embed: bool) -> str:
    if isinstance(item.image, np.ndarray):
        return _encode_png(item.image)[0]
    path = _image_file(item)
    if not embed:
        return html.escape(os.path.relpath(path, report_dir).replace(os.sep, "/"))
    if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        mime = "png" if path.suffix.lower() == ".png" else "jpeg"
        return f"data:image/{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return _encode_png(read_image(path))[0]  # EXR, TIFF, DPX: decoded and re-encoded as PNG


def _wipe_layer(key: str, item: ReportImage) -> WipeLayer:
    """A wipe version, always embedded (its size must be known and equal to the others')."""
    image = item.image if isinstance(item.image, np.ndarray) else read_image(_image_file(item))
    uri, width, height = _encode_png(image)
    return WipeLayer(key, item.caption, uri, width, height)


def _verdict_html(verdict: Verdict) -> str:
    e = html.escape
    checks = "".join(f'<li class="{"ok" if ok else "no"}">{e(text)}</li>' for ok, text in verdict.checks)
    figures = []
    if verdict.comparison is not None:
        c = verdict.comparison
        measure = MEASURES[c.measure]
        figures += [
            (f"{format_value(c.ml, measure)} {c.unit}", f"ML restore vs {c.against}, held-out"),
            (f"{format_value(c.lut, measure)} {c.unit}", f"MatchGrade LUT vs {c.against}, held-out"),
        ]
    if verdict.luma is not None:
        luma = format_value(verdict.luma, MEASURES["luma_max_abs_dY"])
        figures.append((luma, f"largest luma change |ΔY'| (limit {verdict.luma_limit:.1e})"))
    figures.append((str(verdict.frames_scored), "held-out frames scored"))
    if verdict.grain is not None:
        figures.append((f"{verdict.grain:.2f} ×", "grain kept (1.00 = untouched)"))
    tiles = "".join(
        f'<div class="figure"><div class="value">{e(v)}</div><div class="name">{e(n)}</div></div>'
        for v, n in figures
    )
    return (
        f'<div class="verdict {verdict.word.lower()}"><span class="badge">{verdict.word}</span>'
        f'<span class="headline">{e(verdict.summary)}</span>'
        f'<ul>{checks}</ul><div class="figures">{tiles}</div></div>'
    )


def labelled_metrics_table(metrics: Mapping[str, float]) -> ReportTable:
    """Metrics keyed ``<method>_<measure>`` as a table a person reads: one row per measure (plain words
    and unit), one column per method (ML restore, MatchGrade LUT, ...); unknown keys are kept, readable."""
    known, methods = list(MEASURES.values()), list(METHODS.values())
    columns: list[str] = []
    rows: dict[str, dict[str, str]] = {}
    rank: dict[str, int] = {}
    for key, value in metrics.items():
        description = describe_metric(key)
        measure, method = description.measure, description.method or "value"
        name = f"{measure.label} ({measure.unit})" if measure.unit else measure.label
        rows.setdefault(name, {})[method] = format_value(value, measure)
        rank.setdefault(name, known.index(measure) if measure in known else len(known) + len(rank))
        if method not in columns:
            columns.append(method)
    columns.sort(key=lambda m: methods.index(m) if m in methods else len(methods))
    names = sorted(rows, key=rank.__getitem__)
    return ReportTable(["measure", *columns], [[n, *(rows[n].get(m, "") for m in columns)] for n in names])


def _table_html(table: ReportTable) -> str:
    """The table; a column whose filled cells are all numbers is right-aligned (figures line up)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    opening = ["<td>"] + [
        '<td class="num">' if all(_numeric(r[i]) for r in table.rows if i < len(r) and r[i] != "") else "<td>"
        for i in range(1, len(table.columns))
    ]
    body = "".join(
        "<tr>"
        + "".join(
            f"{opening[min(i, len(opening) - 1)]}{html.escape(_cell_text(v))}</td>" for i, v in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section_html(section: ReportSection, report_dir: Path, embed: bool) -> str:
    parts = [f"<section><h2>{html.escape(section.title)}</h2>"]
    if section.text:
        parts += [f"<p>{html.escape(p)}</p>" for p in section.text.split("\n\n") if p.strip()]
    if section.verdict is not None:
        parts.append(_verdict_html(section.verdict))
    if section.wipe is not None:
        w = section.wipe
        layers = [_wipe_layer(key, item) for key, item in w.versions.items()]
        parts.append(wipe_html(layers, w.left, w.right, w.caption))
    if section.table is not None:
        parts.append(_table_html(section.table))
    figures = []
    for item in section.images:
        src, caption = _image_src(item, report_dir, embed), html.escape(item.caption)
        figures.append(
            f'<figure><img src="{src}" alt="{caption}"><figcaption>{caption}</figcaption></figure>'
        )
    if figures:
        parts.append(f'<div class="pictures">{"".join(figures)}</div>')
    parts.append("</section>")
    return "".join(parts)


def html_report(
    path: str | os.PathLike[str],
    title: str,
    sections: Sequence[ReportSection],
    embed: bool = True,
    subtitle: str = "",
) -> Path:
    """Write ONE readable HTML file: title, timestamp, then each section.

    With ``embed`` (default) every image is inlined as a base64 PNG and the page's policy allows no
    other source, so the file can be mailed or archived alone; with ``embed=False`` image files are
    linked by relative path instead (wipes are always embedded). Atomic write.
    """
    target = Path(path)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    images = "data:" if embed else "data: file: 'self'"
    policy = f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{html.escape(title)}</title><style>{_CSS}{WIPE_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(subtitle) + " · " if subtitle else ""}'
        f"chroma-recovery QC report, generated {stamp}</p>",
    ]
    parts += [_section_html(section, target.parent, embed) for section in sections]
    if any(section.wipe is not None for section in sections):
        parts.append(f"<script>{WIPE_JS}</script>")
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
