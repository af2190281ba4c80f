"""The colour-correct video reference (REF) of a synthetic shot, degraded like a DVD or telecine.

Per reference frame: the clean picture re-framed by a small similarity offset (rendered from the
photograph, so the margins hold real picture), a different tone curve on Y' only (the chroma stays
the clean chroma, so a perfect tool can recover TRUTH from it), letterbox and pillarbox bars, a
burned-in white subtitle with a dark outline on some frames, then a lower resolution, JPEG
compression (4:2:0) and an upscale back to the scan's size. ``ReferenceOptions`` (``_video``) adds a
wider framing, a grade with lifted blacks and clipped whites, other codec settings and legal levels;
an SD raster is made by ``_telecine`` from the same ``ReferenceParams``.
"""

from __future__ import annotations

import cv2
import numpy as np

from schemas import SchemaModel, Transform2D

from .._errors import StageError
from ..colour import luma
from ._camera import CameraPath, invert
from ._video import ReferenceOptions, add_grain, encode, grade, to_levels

SUBTITLE_LINES: tuple[str, ...] = (
    "Where did all the colour go?",
    "It was red. I remember it red.",
    "Nobody looks at the old reels now.",
    "Keep the grain, lose the cast.",
)
Matrix2x3 = tuple[tuple[float, float, float], tuple[float, float, float]]


class ReferenceParams(SchemaModel):
    """How the reference differs from the clean frames (all pixel values in the 0-1 REF frame).

    Geometry uses OpenCV pixel coordinates (pixel centres at integers, y down) unless noted.

    Attributes:
        scale, rotate_deg, translate_x, translate_y: the source -> reference similarity about the frame
            centre ``((w-1)/2, (h-1)/2)``: ``ref = s R(rotate) (src - c) + c + t`` (rotation y-down, so a
            positive angle turns clockwise on screen). For an SD raster this is the telecine's framing
            in scan pixels; the raster and the delivery add to it (``synth_truth.json``'s
            ``telecine`` and ``reference_transform.json`` hold the whole transform).
        source_to_ref, ref_to_source: the same as 2x3 matrices (``xy' = M @ (x, y, 1)``).
        transform: ``ref_to_source`` as a Nuke-style ``Transform2D`` (y up, pixel centres at +0.5,
            centre at ``(w/2, h/2)``, rotate counter-clockwise) - what an alignment should recover.
        tone_gamma, tone_contrast, tone_pivot: Y' curve ``((Y'**g) - p) * c + p``.
        resolution_scale: the reference's native size relative to the scan before upscaling back
            (for an SD raster: picture lines per scan line).
        jpeg_quality: JPEG quality of the encode (0: no block compression).
        border_top, border_bottom, border_left, border_right: black bars in REF pixels (for an SD
            raster: the bars of the delivered picture, rounded inwards).
        subtitle_text: the burned-in line.
        subtitle_frames: REF frame numbers that carry it.
        subtitle_box: (x0, y0, x1, y1) REF pixels, y down, exclusive end, outline included.
        frame_offset: REF frame ``n + offset`` shows source frame ``n``.
        hue_deg, hue_split_deg, saturation: the reference's colour grade (``ShotConditions``; 0, 0, 1 =
            none, left out of ``synth_truth.json`` then).
    """

    scale: float
    rotate_deg: float
    translate_x: float
    translate_y: float
    source_to_ref: Matrix2x3
    ref_to_source: Matrix2x3
    transform: Transform2D
    tone_gamma: float
    tone_contrast: float
    tone_pivot: float
    resolution_scale: float
    jpeg_quality: int
    border_top: int
    border_bottom: int
    border_left: int
    border_right: int
    subtitle_text: str
    subtitle_frames: tuple[int, ...]
    subtitle_box: tuple[int, int, int, int]
    frame_offset: int
    hue_deg: float = 0.0
    hue_split_deg: float = 0.0
    saturation: float = 1.0

    @property
    def graded(self) -> bool:
        """Whether the reference's colours were graded (hue or saturation moved)."""
        return (self.hue_deg, self.hue_split_deg, self.saturation) != (0.0, 0.0, 1.0)

    def grade(self, rgb: np.ndarray) -> np.ndarray:
        """The reference's colour grade of a clean frame (``rgb`` itself when there is none)."""
        if not self.graded:
            return rgb
        from ._conditions import grade_chroma

        return grade_chroma(rgb, self.hue_deg, self.hue_split_deg, self.saturation)


def _as_tuple(matrix: np.ndarray) -> Matrix2x3:
    m = [[round(float(v), 10) for v in row] for row in matrix]
    return ((m[0][0], m[0][1], m[0][2]), (m[1][0], m[1][1], m[1][2]))


def similarity(width: int, height: int, scale: float, rotate_deg: float, tx: float, ty: float) -> np.ndarray:
    """2x3 ``p' = s R (p - c) + c + t`` about the frame centre (OpenCV pixel coordinates)."""
    theta = np.deg2rad(rotate_deg)
    cos, sin = np.cos(theta) * scale, np.sin(theta) * scale
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    return np.array([[cos, -sin, cx - cos * cx + sin * cy + tx], [sin, cos, cy - sin * cx - cos * cy + ty]])


def to_nuke_transform(matrix: np.ndarray, width: int, height: int) -> Transform2D:
    """A similarity 2x3 in OpenCV pixels as a Nuke ``Transform2D`` (y up, centre at frame centre)."""
    flip = np.array([[1.0, 0.0, 0.5], [0.0, -1.0, height - 0.5], [0.0, 0.0, 1.0]])
    full = flip @ np.vstack([matrix, [0.0, 0.0, 1.0]]) @ np.linalg.inv(flip)
    a, b = full[0, 0], full[1, 0]
    centre = np.array([width / 2.0, height / 2.0])
    moved = full[:2, :2] @ centre + full[:2, 2]
    return Transform2D(
        translate_x=round(float(moved[0] - centre[0]), 6),
        translate_y=round(float(moved[1] - centre[1]), 6),
        rotate=round(float(np.degrees(np.arctan2(b, a))), 6),
        scale=round(float(np.hypot(a, b)), 8),
        center_x=float(centre[0]),
        center_y=float(centre[1]),
    )


def _subtitle_layout(width: int, height: int, bottom: int, text: str) -> tuple[float, int, int, int, int]:
    """(font scale, thickness, x, baseline y, outline): bold text about 6 % of the frame high (at most
    90 % of the width), centred, its baseline 6 % of the height above the bottom bar."""
    font = cv2.FONT_HERSHEY_DUPLEX
    (unit_w, unit_h), _ = cv2.getTextSize(text, font, 1.0, 1)
    target = max(0.06 * height, 10.0)
    scale = min(target / max(unit_h, 1), 0.9 * width / max(unit_w, 1))
    thickness = max(2, int(round(0.16 * unit_h * scale)))
    outline = thickness + 2 * max(1, int(round(0.06 * unit_h * scale)))
    (text_w, _), _ = cv2.getTextSize(text, font, scale, thickness)
    x = (width - text_w) // 2
    baseline = height - bottom - int(round(0.06 * height))
    return scale, thickness, x, baseline, outline


def sample_reference(
    width: int,
    height: int,
    frames: int,
    first: int,
    offset: int,
    rng: np.random.Generator,
    options: ReferenceOptions | None = None,
) -> ReferenceParams:
    """Draw the reference's geometry, tone curve and subtitle (see ``ReferenceParams``).

    ``options.framing`` picks the ranges of the similarity (the same number of draws either way).
    """
    options = options or ReferenceOptions()
    if options.framing == "wide":
        scale = float(rng.uniform(0.95, 1.05))
        rotate = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.0, 1.0))
        angle = rng.uniform(0.0, 2 * np.pi)
        shift = rng.uniform(0.0, 20.0) * width / 640.0
    else:
        scale = float(rng.uniform(1.015, 1.03))
        rotate = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 0.5))
        angle = rng.uniform(0.0, 2 * np.pi)
        shift = rng.uniform(5.0, 7.0) * width / 512.0
    tx, ty = float(shift * np.cos(angle)), float(shift * np.sin(angle))
    s2r = similarity(width, height, scale, rotate, tx, ty)
    r2s = invert(s2r)
    bottom = int(round(0.06 * height))
    text = SUBTITLE_LINES[int(rng.integers(len(SUBTITLE_LINES)))]
    font_scale, thickness, x, baseline, outline = _subtitle_layout(width, height, bottom, text)
    (text_w, text_h), descent = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, font_scale, thickness)
    pad = outline // 2 + 1
    box = (
        max(0, x - pad),
        max(0, baseline - text_h - pad),
        min(width, x + text_w + pad),
        min(height, baseline + descent + pad),
    )
    lo, hi = int(round(frames * 10 / 48)), int(round(frames * 25 / 48))
    return ReferenceParams(
        scale=round(scale, 8),
        rotate_deg=round(rotate, 8),
        translate_x=round(tx, 6),
        translate_y=round(ty, 6),
        source_to_ref=_as_tuple(s2r),
        ref_to_source=_as_tuple(r2s),
        transform=to_nuke_transform(r2s, width, height),
        tone_gamma=round(float(rng.uniform(0.8, 0.88)), 4),
        tone_contrast=round(float(rng.uniform(1.08, 1.18)), 4),
        tone_pivot=0.45,
        resolution_scale=0.6,
        jpeg_quality=options.quality or 0,
        border_top=int(round(0.06 * height)),
        border_bottom=bottom,
        border_left=int(round(0.025 * width)),
        border_right=int(round(0.025 * width)),
        subtitle_text=text,
        subtitle_frames=tuple(range(first + lo, first + min(hi, frames - 1) + 1)) if frames > 2 else (),
        subtitle_box=box,
        frame_offset=offset,
    )


def tone_curve(rgb: np.ndarray, params: ReferenceParams) -> np.ndarray:
    """Apply the reference's Y' curve, keeping CbCr; result clipped to 0-1."""
    # The Cb and Cr rows of the BT.709 matrix sum to zero, so adding the same amount to R', G' and B'
    # changes Y' by exactly that amount and leaves CbCr untouched.
    y = luma(rgb)
    curved = (np.power(np.clip(y, 0.0, 1.0), np.float32(params.tone_gamma)) - params.tone_pivot) * np.float32(
        params.tone_contrast
    ) + np.float32(params.tone_pivot)
    return np.clip(rgb + (curved - y)[..., None], 0.0, 1.0).astype(np.float32)


def burn_subtitle(rgb: np.ndarray, params: ReferenceParams) -> np.ndarray:
    """Draw the subtitle: white text over a dark outline, 6 % of the height above the bottom bar (a copy)."""
    return draw_subtitle(rgb, params.subtitle_text, params.border_bottom)


def draw_subtitle(rgb: np.ndarray, text: str, bottom: int) -> np.ndarray:
    """White ``text`` over a dark outline, centred, its baseline 6 % of the height above ``bottom`` px.

    The outline is the text's coverage dilated by the outline margin, not a second ``putText`` with a
    larger ``thickness``: OpenCV 5 draws the Hershey font names with a built-in outline font whose
    ``thickness`` only switches between regular and bold, so a thicker pass no longer reaches beyond
    the letters (OpenCV 4 stroked them wider). The dilation gives the same ring on both.
    """
    height, width = rgb.shape[:2]
    scale, thickness, x, baseline, outline = _subtitle_layout(width, height, bottom, text)
    # OpenCV draws text into 8-bit images only: render an anti-aliased coverage mask, composite in float.
    cover = np.zeros((height, width), dtype=np.uint8)
    cv2.putText(cover, text, (x, baseline), cv2.FONT_HERSHEY_DUPLEX, scale, 255, thickness, cv2.LINE_AA)
    reach = max(1, (outline - thickness) // 2)
    ring = cv2.dilate(cover, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1)))
    out = rgb.copy()
    for mask, colour in ((ring, (0.02, 0.02, 0.02)), (cover, (0.97, 0.97, 0.95))):
        alpha = (mask.astype(np.float32) / 255.0)[..., None]
        out = out * (1.0 - alpha) + np.asarray(colour, dtype=np.float32) * alpha
    return out.astype(np.float32)


def _compress(rgb: np.ndarray, params: ReferenceParams, options: ReferenceOptions) -> np.ndarray:
    """Downscale, encode (JPEG 4:2:0 by default) and decode, upscale back: the video reference's softness."""
    height, width = rgb.shape[:2]
    small = (
        max(8, int(round(width * params.resolution_scale))),
        max(8, int(round(height * params.resolution_scale))),
    )
    low = cv2.resize(rgb, small, interpolation=cv2.INTER_AREA)
    decoded = encode(low, options.quality, options.chroma)
    up = cv2.resize(decoded, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(up, 0.0, 1.0)


def render_reference(
    camera: CameraPath,
    params: ReferenceParams,
    frame: int,
    first: int,
    options: ReferenceOptions | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The REF image for reference frame number ``frame`` (shows source index ``frame - first - offset``).

    ``options`` (default: the reference made before options existed) must have ``raster`` ``scan``;
    SD rasters are rendered by ``render_telecine``. ``rng`` draws the reference's own grain.
    """
    options = options or ReferenceOptions()
    if options.raster != "scan":
        raise StageError(
            f"render_reference makes scan-raster references, not {options.raster!r}",
            hint="render SD rasters with render_telecine",
        )
    index = frame - first - params.frame_offset
    clean = camera.render(index, extra=np.asarray(params.ref_to_source, dtype=np.float64))
    graded = tone_curve(params.grade(clean), params)
    if options.black_lift > 0.0 or options.white_clip < 1.0:
        graded = grade(graded, options)
    ref = _black_bars(add_grain(graded, options, rng), params)
    if frame in params.subtitle_frames:
        ref = burn_subtitle(ref, params)
    return to_levels(_black_bars(_compress(ref, params, options), params), options)


def _black_bars(rgb: np.ndarray, params: ReferenceParams) -> np.ndarray:
    """Zero the letterbox and pillarbox bars (in place; returns the array)."""
    height, width = rgb.shape[:2]
    rgb[: params.border_top] = 0.0
    rgb[height - params.border_bottom :] = 0.0
    rgb[:, : params.border_left] = 0.0
    rgb[:, width - params.border_right :] = 0.0
    return rgb
