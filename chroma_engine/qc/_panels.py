"""QC pictures: labelled side-by-side panels, contact sheets and dE00 heat maps (OpenCV + matplotlib).

Inputs are display-referred Rec.709 R'G'B' float images (HxWx3, or HxW grey); outputs are float32
HxWx3 in 0..1, ready for ``chroma_engine.io.write_png`` or :func:`chroma_engine.qc.html_report`.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .._errors import StageError

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _as_rgb(image: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] < 3:
        raise StageError(f"{name}: expected an HxWx3 or HxW image, got shape {array.shape}")
    return np.clip(np.nan_to_num(array[:, :, :3]), 0.0, 1.0)


def _thumbnail(image: np.ndarray, width: int) -> np.ndarray:
    h, w = image.shape[:2]
    height = max(1, round(h * width / w))
    interp = cv2.INTER_AREA if width < w else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interp)


def _draw_text(rgb: np.ndarray, text: str, origin: tuple[int, int], scale: float, thickness: int = 1) -> None:
    """Draw anti-aliased white text into a float image in place (OpenCV 5 ``putText`` needs 8-bit)."""
    alpha = np.zeros(rgb.shape[:2], np.uint8)
    cv2.putText(alpha, text, origin, _FONT, scale, 255, thickness, cv2.LINE_AA)
    a = (alpha.astype(np.float32) / 255.0)[:, :, None]
    rgb *= 1.0 - a
    rgb += a


def _label_bar(text: str, width: int, height: int) -> np.ndarray:
    """A dark bar with white text (cv2.putText, anti-aliased), float32 HxWx3."""
    bar = np.full((height, width, 3), 0.05, np.float32)
    scale = height / 32.0
    thickness = max(1, round(height / 18))
    (tw, th), _ = cv2.getTextSize(text, _FONT, scale, thickness)
    while tw > width - 8 and scale > 0.25:  # shrink long labels to fit
        scale *= 0.9
        (tw, th), _ = cv2.getTextSize(text, _FONT, scale, thickness)
    origin = (max(4, (width - tw) // 2), (height + th) // 2)
    _draw_text(bar, text, origin, scale, thickness)
    return bar


def contact_sheet(
    images: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    columns: int = 4,
    thumb_width: int = 480,
    gap: int = 6,
    background: float = 0.12,
) -> np.ndarray:
    """Tile images into a grid of ``columns`` thumbnails, each with its label in a bar above it.

    Args:
        images: display R'G'B' (HxWx3) or grey (HxW) images, any sizes (each scaled to ``thumb_width``).
        labels: one text per image (None = no label bars).
        columns: thumbnails per row.
        thumb_width: thumbnail width in pixels (aspect kept; a row is as tall as its tallest thumbnail).
        gap: pixels between and around thumbnails.
        background: grey level of the gaps.

    Returns:
        Float32 HxWx3 sheet in 0..1.
    """
    if not images:
        raise StageError("contact_sheet: no images")
    if labels is not None and len(labels) != len(images):
        raise StageError(f"contact_sheet: {len(images)} images but {len(labels)} labels")
    columns = max(1, min(columns, len(images)))
    bar = max(18, thumb_width // 16) if labels is not None else 0
    thumbs = [
        _thumbnail(_as_rgb(img, f"contact_sheet image {i}"), thumb_width) for i, img in enumerate(images)
    ]
    rows = [thumbs[i : i + columns] for i in range(0, len(thumbs), columns)]
    heights = [max(t.shape[0] for t in row) + bar for row in rows]
    sheet = np.full(
        (sum(heights) + gap * (len(rows) + 1), columns * thumb_width + gap * (columns + 1), 3),
        background,
        np.float32,
    )
    y = gap
    for r, row in enumerate(rows):
        for c, thumb in enumerate(row):
            x = gap + c * (thumb_width + gap)
            if labels is not None:
                sheet[y : y + bar, x : x + thumb_width] = _label_bar(
                    str(labels[r * columns + c]), thumb_width, bar
                )
            sheet[y + bar : y + bar + thumb.shape[0], x : x + thumb_width] = thumb
        y += heights[r] + gap
    return sheet


def four_way(
    original: np.ndarray,
    balanced: np.ndarray,
    reference: np.ndarray,
    ml: np.ndarray,
    lut: np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    thumb_width: int | None = None,
) -> np.ndarray:
    """Side-by-side QC row: original scan | balanced | reference (warped) | ML [| MatchGrade LUT].

    ``labels`` overrides the default panel names; ``thumb_width`` defaults to the source width capped
    at 960 px per panel.
    """
    panels = [original, balanced, reference, ml] + ([lut] if lut is not None else [])
    names = ["ORIGINAL SCAN", "BALANCED", "REFERENCE", "ML RESTORED", "MATCHGRADE LUT"][: len(panels)]
    if labels is not None:
        if len(labels) != len(panels):
            raise StageError(f"four_way: {len(panels)} panels but {len(labels)} labels")
        names = list(labels)
    width = thumb_width or min(int(np.asarray(original).shape[1]), 960)
    return contact_sheet(panels, names, columns=len(panels), thumb_width=width)


def delta_e_heatmap(de_map: np.ndarray, vmax: float = 10.0, legend: bool = True) -> np.ndarray:
    """Colour a CIEDE2000 map (HxW) with matplotlib's ``inferno`` from 0 to ``vmax``; float32 HxWx3.

    With ``legend`` a scale bar (0 .. vmax) and its numbers are drawn in the bottom-left corner.
    """
    from matplotlib import colormaps

    values = np.asarray(de_map, dtype=np.float32)
    if values.ndim != 2:
        raise StageError(f"delta_e_heatmap: expected an HxW map, got shape {values.shape}")
    rgb = colormaps["inferno"](np.clip(np.nan_to_num(values) / vmax, 0.0, 1.0))[..., :3].astype(np.float32)
    h, w = values.shape
    if legend and w >= 120 and h >= 40:
        bw, bh = min(200, w // 3), max(8, h // 40)
        ramp = colormaps["inferno"](np.linspace(0.0, 1.0, bw))[None, :, :3].astype(np.float32)
        y0 = h - bh - max(14, h // 30) - 4
        if y0 < 20:
            return rgb
        rgb[y0 : y0 + bh, 4 : 4 + bw] = np.repeat(ramp, bh, axis=0)
        scale = max(0.35, bh / 20)
        _draw_text(rgb, "dE00", (4, y0 - 4), scale)
        _draw_text(rgb, "0", (4, h - 4), scale)
        _draw_text(rgb, f"{vmax:g}", (4 + bw - 20, h - 4), scale)
    return rgb
