"""Where both images have picture: black borders, film edge, the warped reference's valid area and
burned-in subtitles.

Picture areas are found on row/column profiles of "not dark" pixels: the picture is the longest run
of columns (then rows, iterated) that are mostly not dark, which skips black borders, frame lines,
labels printed on the border and the film edge (perforations and soundtrack sit beyond a dark frame
line). Subtitles are near-white, low-saturation, thin strokes (white top-hat) merged into wide text
lines by a horizontal closing; connected components that look like text lines in the lower part of
the reference picture are subtitles.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ._geometry import map_points

Box = tuple[int, int, int, int]  # numpy rows [r0, r1), cols [c0, c1)


def dark_threshold(luma: np.ndarray) -> float:
    """Luma under which a pixel counts as border black (relative to the image's brightness)."""
    return float(np.clip(0.25 * np.percentile(luma, 75), 0.03, 0.12))


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    """[start, end) of the longest run of True (0, 0 when none)."""
    best, start = (0, 0), None
    for i, flag in enumerate(np.append(flags, False)):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def picture_box(luma: np.ndarray, fraction: float = 0.5, threshold: float | None = None) -> Box | None:
    """Rows/columns of the main picture: the longest runs of mostly-not-dark columns and rows.

    Args:
        luma: HxW luma (use the per-pixel maximum over several frames for dark shots).
        fraction: share of not-dark pixels a row/column needs.
        threshold: dark level; default ``dark_threshold(luma)``.

    Returns:
        ``(r0, r1, c0, c1)`` or None when the image is entirely dark.
    """
    thr = dark_threshold(luma) if threshold is None else threshold
    lit = luma > thr
    h, w = lit.shape
    r0, r1, c0, c1 = 0, h, 0, w
    for _ in range(3):
        c0, c1 = _longest_run(lit[r0:r1].mean(axis=0) > fraction)
        if c1 <= c0:
            return None
        r0, r1 = _longest_run(lit[:, c0:c1].mean(axis=1) > fraction)
        if r1 <= r0:
            return None
    return r0, r1, c0, c1


def film_edge_side(luma: np.ndarray, box: Box) -> str | None:
    """``left``/``right`` when a strip beyond the picture holds bright, structured columns.

    Perforations and an optical soundtrack are very bright (near white) and strongly varying along
    the film; a plain black border is neither.
    """
    r0, r1, c0, c1 = box
    w = luma.shape[1]
    for side, strip in (("left", luma[r0:r1, :c0]), ("right", luma[r0:r1, c1:])):
        if strip.shape[1] < max(4, w // 100):
            continue
        bright = (strip > 0.6).mean(axis=0)
        if (bright > 0.1).sum() >= max(2, strip.shape[1] // 20) and strip.std() > 0.1:
            return side
    return None


def warped_valid(
    matrix: np.ndarray, ref_shape: tuple[int, int], src_shape: tuple[int, int], ref_box: Box | None = None
) -> np.ndarray:
    """Bool mask in source geometry where the warped reference (its picture box, if given) lands."""
    base = np.zeros(ref_shape, np.uint8)
    if ref_box is None:
        base[:] = 255
    else:
        base[ref_box[0] : ref_box[1], ref_box[2] : ref_box[3]] = 255
    out = cv2.warpPerspective(base, matrix, (src_shape[1], src_shape[0]), flags=cv2.INTER_NEAREST)
    return out > 0


def inner_box(valid: np.ndarray, margin: int = 0) -> Box | None:
    """A large axis-aligned box fully inside a bool mask (row/column runs), shrunk by ``margin``."""
    h, w = valid.shape
    r0, r1, c0, c1 = 0, h, 0, w
    for step in range(5):
        need = 0.5 if step == 0 else 0.98
        c0, c1 = _longest_run(valid[r0:r1].mean(axis=0) > need)
        if c1 <= c0:
            return None
        r0, r1 = _longest_run(valid[:, c0:c1].mean(axis=1) > need)
        if r1 <= r0:
            return None
    while r1 > r0 and c1 > c0 and not valid[r0:r1, c0:c1].all():
        r0, r1, c0, c1 = r0 + 1, r1 - 1, c0 + 1, c1 - 1
    r0, r1, c0, c1 = r0 + margin, r1 - margin, c0 + margin, c1 - margin
    return (r0, r1, c0, c1) if r1 > r0 and c1 > c0 else None


@dataclass(frozen=True)
class Subtitle:
    """A subtitle found in one reference frame: its box in reference pixels and in source pixels."""

    ref_box: Box
    src_box: Box


def detect_subtitle(
    ref_rgb: np.ndarray,
    ref_box: Box,
    zone: float,
    matrix: np.ndarray,
    src_shape: tuple[int, int],
    work_width: int = 960,
) -> Subtitle | None:
    """Find burned-in subtitle text in the lower ``zone`` of the reference picture.

    Args:
        ref_rgb: reference frame (HxWx3, 0-1 display-referred).
        ref_box: the reference's picture box ``(r0, r1, c0, c1)``.
        zone: lower fraction of the picture searched (text lines whose bottom lies there count).
        matrix: reference -> source (to express the subtitle in source pixels).
        src_shape: (H, W) of the source.
        work_width: analysis width of the picture (speed).

    Returns:
        The union box of the subtitle lines, or None.
    """
    r0, r1, c0, c1 = ref_box
    pic = np.nan_to_num(ref_rgb[r0:r1, c0:c1].astype(np.float32))
    factor = min(1.0, work_width / max(pic.shape[1], 1))
    if factor < 1.0:
        pic = cv2.resize(  # type: ignore[assignment]
            pic, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA
        )
    ph, pw = pic.shape[:2]
    luma = 0.2126 * pic[..., 0] + 0.7152 * pic[..., 1] + 0.0722 * pic[..., 2]
    sat = pic.max(axis=2) - pic.min(axis=2)
    stroke = max(3, ph // 25) | 1
    tophat = cv2.morphologyEx(
        luma, cv2.MORPH_TOPHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (stroke, stroke))
    )
    text = (luma > max(0.6, np.percentile(luma, 50))) & (sat < 0.2) & (tophat > 0.12)
    text8 = text.astype(np.uint8) * 255
    count, labels, stats, _ = cv2.connectedComponentsWithStats(text8, connectivity=8)
    too_big = (stats[:, cv2.CC_STAT_HEIGHT] > 0.09 * ph) | (stats[:, cv2.CC_STAT_WIDTH] > 0.5 * pw)
    too_big[0] = False
    text8[too_big[labels]] = 0
    lines = cv2.morphologyEx(
        text8, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (max(5, pw // 40), 3))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    zone_top = ph * (1.0 - zone)
    found: list[Box] = []
    for i in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if not (0.015 * ph <= bh <= 0.25 * ph and bw >= 2 * bh and bw >= 0.08 * pw and y + bh >= zone_top):
            continue
        blob = text8[y : y + bh, x : x + bw] > 0
        fill = blob.mean()
        letters = cv2.connectedComponents(blob.astype(np.uint8))[0] - 1
        if 0.05 <= fill <= 0.6 and letters >= 4:
            found.append((y, y + bh, x, x + bw))
    if not found:
        return None
    ys0, ys1 = min(b[0] for b in found), max(b[1] for b in found)
    xs0, xs1 = min(b[2] for b in found), max(b[3] for b in found)
    pad = max(2, int(0.01 * ph))
    ref_sub = (
        r0 + int((ys0 - pad) / factor),
        r0 + int(np.ceil((ys1 + pad) / factor)),
        c0 + int((xs0 - pad) / factor),
        c0 + int(np.ceil((xs1 + pad) / factor)),
    )
    corners = np.array(
        [
            [ref_sub[2], ref_sub[0]],
            [ref_sub[3], ref_sub[0]],
            [ref_sub[2], ref_sub[1]],
            [ref_sub[3], ref_sub[1]],
        ]
    )
    mapped = map_points(matrix, corners)
    sh, sw = src_shape
    src_sub = (
        int(np.clip(np.floor(mapped[:, 1].min()), 0, sh)),
        int(np.clip(np.ceil(mapped[:, 1].max()) + 1, 0, sh)),
        int(np.clip(np.floor(mapped[:, 0].min()), 0, sw)),
        int(np.clip(np.ceil(mapped[:, 0].max()) + 1, 0, sw)),
    )
    return Subtitle(ref_sub, src_sub)


def exclude_band(box: Box, band: Box) -> Box | None:
    """Shrink ``box`` (numpy rows/cols) so it no longer overlaps the horizontal ``band``.

    Keeps the larger part above or below the band (subtitles are usually low, so the top part).
    """
    r0, r1, c0, c1 = box
    if band[1] <= r0 or band[0] >= r1 or band[3] <= c0 or band[2] >= c1:
        return box
    above, below = band[0] - r0, r1 - band[1]
    if max(above, below) <= 0:
        return None
    return (r0, band[0], c0, c1) if above >= below else (band[1], r1, c0, c1)
