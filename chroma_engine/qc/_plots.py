"""Training loss plot from the trainer's CSV (matplotlib Agg, no pyplot global state)."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from .._errors import MediaError
from ..io import write_figure


def _read_columns(path: Path) -> dict[str, list[float]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise MediaError(f"{path}: cannot read loss CSV ({exc.strerror})", hint="did training run?") from exc
    if not rows:
        raise MediaError(f"{path}: loss CSV has no data rows", hint="train for at least one logging interval")
    columns: dict[str, list[float]] = {}
    for name in rows[0]:
        try:
            columns[name] = [float(row[name]) for row in rows if row.get(name) not in (None, "")]
        except ValueError:
            continue  # text column (device, timestamp, ...)
    return columns


def loss_plot(csv_path: str | os.PathLike[str], png_path: str | os.PathLike[str], title: str = "") -> Path:
    """Plot every numeric column of a loss CSV against ``step`` (or the first column); write a PNG.

    The y axis is logarithmic when all plotted values are positive. The PNG is written atomically.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    source = Path(csv_path)
    columns = _read_columns(source)
    x_name = "step" if "step" in columns else next(iter(columns), "")
    if not x_name or not columns.get(x_name):
        raise MediaError(f"{source}: no numeric step column", hint="expected a header like step,loss")
    series = {k: v for k, v in columns.items() if k != x_name and len(v) == len(columns[x_name]) and v}
    if not series:
        raise MediaError(f"{source}: no numeric loss column besides {x_name!r}")
    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, values in series.items():
        ax.plot(columns[x_name], values, label=name, linewidth=1.2)
    if all(v > 0 and math.isfinite(v) for values in series.values() for v in values):
        ax.set_yscale("log")
    ax.set_xlabel(x_name)
    ax.set_ylabel("loss")
    ax.set_title(title or source.stem)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return write_figure(png_path, fig)
