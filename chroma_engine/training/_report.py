"""Training reports: held-out preview metrics, contact sheets, loss CSV and loss plot.

CIEDE2000 comes from ``chroma_engine.metrics.delta_e00`` when that module provides it; otherwise
from a local fallback (Rec.709 gamma 2.4 display decode -> XYZ D65 -> CIELAB -> scikit-image's
``deltaE_ciede2000``), the same definition.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..colour import rgb_to_ycbcr
from ..io import write_figure, write_png, write_text_atomic

_REC709_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)


def _fallback_delta_e00(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    from skimage.color import deltaE_ciede2000, xyz2lab

    def lab(rgb: np.ndarray) -> np.ndarray:
        lin = np.clip(rgb[..., :3].astype(np.float64), 0.0, 1.0) ** 2.4
        return xyz2lab(lin @ _REC709_TO_XYZ.T, illuminant="D65", observer="2")

    de = deltaE_ciede2000(lab(a), lab(b), channel_axis=-1)
    return float(de[mask].mean() if mask is not None and mask.any() else de.mean())


def delta_e00(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean CIEDE2000 of two Rec.709 display-referred images (metrics helper's, else the fallback)."""
    try:
        from ..metrics import delta_e00 as metric  # type: ignore[attr-defined]
    except Exception:  # absent or broken metrics module: same definition, computed here
        return _fallback_delta_e00(a, b, mask)
    return float(metric(a, b, mask=mask))


def cbcr_l1(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean absolute CbCr difference of two R'G'B' images over ``mask``."""
    diff = np.abs(rgb_to_ycbcr(a[..., :3])[..., 1:] - rgb_to_ycbcr(b[..., :3])[..., 1:]).mean(axis=-1)
    return float(diff[mask].mean() if mask is not None and mask.any() else diff.mean())


def preview_crop(shape: tuple[int, ...], size: int = 384) -> tuple[slice, slice]:
    """A centred crop (multiple of 4) of at most ``size`` pixels for contact sheets."""
    height, width = shape[:2]
    ch, cw = min(size, height), min(size, width)
    ch, cw = max(4, ch - ch % 4), max(4, cw - cw % 4)
    y0, x0 = (height - ch) // 2, (width - cw) // 2
    y0, x0 = y0 - y0 % 4, x0 - x0 % 4
    return slice(y0, y0 + ch), slice(x0, x0 + cw)


def write_contact_sheet(path: Path, panels: Sequence[np.ndarray], gutter: int = 4) -> Path:
    """Panels side by side (input | prediction | ground truth) with white gutters, as 8-bit PNG."""
    height = max(p.shape[0] for p in panels)
    parts: list[np.ndarray] = []
    for index, panel in enumerate(panels):
        if index:
            parts.append(np.ones((height, gutter, 3), np.float32))
        padded = np.zeros((height, panel.shape[1], 3), np.float32)
        padded[: panel.shape[0]] = panel[..., :3]
        parts.append(padded)
    return write_png(path, np.concatenate(parts, axis=1))


def write_loss_csv(path: Path, history: Sequence[dict[str, float]]) -> Path:
    """``step,loss,lr,seconds,preview_l1`` rows (preview_l1 empty where not evaluated), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["step", "loss", "lr", "seconds", "preview_l1"])
    for row in history:
        prev = row.get("preview_l1")
        writer.writerow(
            [
                int(row["step"]),
                f"{row['loss']:.6g}",
                f"{row['lr']:.6g}",
                f"{row['seconds']:.3f}",
                "" if prev is None or prev != prev else f"{prev:.6g}",
            ]
        )
    return write_text_atomic(path, buffer.getvalue())


def write_loss_png(path: Path, history: Sequence[dict[str, float]], title: str = "") -> Path:
    """Loss curve (raw and smoothed, log scale) plus the preview CbCr L1 points, matplotlib Agg."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.array([row["step"] for row in history], dtype=np.float64)
    loss = np.array([row["loss"] for row in history], dtype=np.float64)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if len(loss):
        ax.plot(steps, loss, color="0.75", linewidth=0.6, label="train CbCr L1")
        window = max(1, len(loss) // 50)
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1 :], smooth, color="C0", label=f"smoothed ({window})")
    prev = [(row["step"], row["preview_l1"]) for row in history if row.get("preview_l1") is not None]
    if prev:
        ax.plot(*zip(*prev, strict=True), "o-", color="C3", markersize=3, label="held-out preview CbCr L1")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("CbCr L1")
    ax.set_title(title or "training loss")
    ax.grid(True, alpha=0.3)
    if len(loss) or prev:  # a model made without training steps has no curve
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    try:
        return write_figure(path, fig)
    finally:
        plt.close(fig)
