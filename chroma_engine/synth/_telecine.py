"""SD references: the film on a PAL or NTSC raster, delivered into the scan's timeline like Resolve does.

Geometry (OpenCV pixel coordinates: pixel centres on integers, y down), scan -> delivered REF:

1. **Framing** ``F`` (``ReferenceParams``): the telecine's own similarity about the scan's centre.
2. **Raster** ``P``: the framed W x H film picture fills the raster's active picture, the BT.601
   active line (702 of 720 samples for PAL, 711 for NTSC) by all lines, at the raster's display aspect
   (4:3 or 16:9). A film wider than that aspect is letterboxed, a narrower one pillarboxed; the rest
   is black (the blanking at the sides, the bars). The telecine draws with the ITU pixel aspect
   (display aspect x lines / active samples).
3. **Delivery** ``D``: Resolve reads an SD clip with its generic pixel aspect (all 720 samples span
   the display aspect: PAL 16:15 or 64:45, NTSC 8:9 or 32:27), so the picture in the active 702/711
   samples comes out 2.5 % (PAL) or 1.25 % (NTSC) narrower than it is high: a pixel-aspect error no
   similarity can undo. The timeline has the scan's resolution; its input scaling "scale entire image
   to fit" fits the raster's display size into it, centred, with black beyond (pillarbox or
   letterbox), and REF is rendered at the timeline resolution.

The true scan -> reference matrix is ``D @ P @ F``. Per frame the raster is rendered from the
photograph (so the margins hold real picture), graded, given the reference print's own grain,
softened by the telecine (Gaussian), barred,
subtitled inside the picture, coded (4:2:0, DCT blocks, 8 bit), given its levels and scaled into the
timeline frame.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np

from schemas import SchemaModel

from ._camera import CameraPath
from ._reference import ReferenceParams, draw_subtitle, tone_curve
from ._video import ReferenceOptions, add_grain, encode, grade, to_levels

Matrix3 = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]

#: name -> (samples per line, lines, active samples per line of BT.601)
RASTERS: dict[str, tuple[int, int, float]] = {"pal": (720, 576, 702.0), "ntsc": (720, 480, 711.0)}
ASPECTS: dict[str, float] = {"4:3": 4.0 / 3.0, "16:9": 16.0 / 9.0}


class TelecineGeometry(SchemaModel):
    """Where the film lies on an SD raster and where that raster lies in the timeline frame.

    Attributes:
        raster: ``pal`` or ``ntsc``.
        aspect: the raster's display aspect.
        raster_size: (samples, lines).
        active_width: BT.601 active samples per line.
        pixel_aspect_itu: sample aspect the telecine drew with (display aspect x lines / active).
        pixel_aspect_read: sample aspect Resolve reads (display aspect x lines / 720).
        picture: film picture edges ``(x0, y0, x1, y1)`` on the raster (pixel edges at +-0.5).
        delivered: ``(x, y, width, height)`` of the scaled raster in the timeline frame.
        scan_to_raster: framing and raster placement, 3x3.
        raster_to_reference: the delivery scaling, 3x3.
        scan_to_reference: the whole transform, 3x3.
        blur_sigma: the telecine's softness in raster pixels.
    """

    raster: Literal["pal", "ntsc"]
    aspect: Literal["4:3", "16:9"]
    raster_size: tuple[int, int]
    active_width: float
    pixel_aspect_itu: float
    pixel_aspect_read: float
    picture: tuple[float, float, float, float]
    delivered: tuple[int, int, int, int]
    scan_to_raster: Matrix3
    raster_to_reference: Matrix3
    scan_to_reference: Matrix3
    blur_sigma: float


def as_matrix3(matrix: np.ndarray) -> Matrix3:
    """3x3 array -> nested tuple (rounded to 12 significant digits: stable JSON bytes)."""
    m = [[float(f"{float(v):.12g}") for v in row] for row in np.asarray(matrix, dtype=np.float64)]
    return ((m[0][0], m[0][1], m[0][2]), (m[1][0], m[1][1], m[1][2]), (m[2][0], m[2][1], m[2][2]))


def _affine(sx: float, sy: float, tx: float, ty: float) -> np.ndarray:
    return np.array([[sx, 0.0, tx], [0.0, sy, ty], [0.0, 0.0, 1.0]])


def _edge_map(x0: float, y0: float, sx: float, sy: float) -> np.ndarray:
    """Pixel centres of one image -> another whose pixel edge -0.5 sits at edge (x0, y0), scaled."""
    return _affine(sx, sy, x0 + 0.5 * sx, y0 + 0.5 * sy)


def plan_telecine(
    options: ReferenceOptions, params: ReferenceParams, width: int, height: int
) -> tuple[TelecineGeometry, ReferenceParams]:
    """The SD geometry for a W x H scan, and ``params`` with the delivered bars and subtitle box."""
    assert options.raster in RASTERS, options.raster
    samples, lines, active = RASTERS[options.raster]
    dar = ASPECTS[options.aspect]
    film = width / height
    if film >= dar:  # letterbox
        pic_w, pic_h = active, lines * dar / film
    else:  # pillarbox
        pic_w, pic_h = active * film / dar, float(lines)
    px0, py0 = (samples - pic_w) / 2.0 - 0.5, (lines - pic_h) / 2.0 - 0.5
    placement = _edge_map(px0, py0, pic_w / width, pic_h / height)
    framing = np.vstack([np.asarray(params.source_to_ref, dtype=np.float64), [0.0, 0.0, 1.0]])
    scan_to_raster = placement @ framing
    fit = min(width / (dar * lines), height / lines)
    fw, fh = round(dar * lines * fit), round(lines * fit)
    ox, oy = (width - fw) // 2, (height - fh) // 2
    delivery = _edge_map(ox - 0.5, oy - 0.5, fw / samples, fh / lines)
    geometry = TelecineGeometry(
        raster=options.raster,  # type: ignore[arg-type]
        aspect=options.aspect,
        raster_size=(samples, lines),
        active_width=active,
        pixel_aspect_itu=round(dar * lines / active, 10),
        pixel_aspect_read=round(dar * lines / samples, 10),
        picture=(round(px0, 6), round(py0, 6), round(px0 + pic_w, 6), round(py0 + pic_h, 6)),
        delivered=(ox, oy, fw, fh),
        scan_to_raster=as_matrix3(scan_to_raster),
        raster_to_reference=as_matrix3(delivery),
        scan_to_reference=as_matrix3(delivery @ scan_to_raster),
        blur_sigma=options.softness,
    )
    x0, y0 = _map(delivery, px0, py0)
    x1, y1 = _map(delivery, px0 + pic_w, py0 + pic_h)
    text_box = _raster_subtitle_box(geometry, params.subtitle_text)
    tx0, ty0 = _map(delivery, text_box[0] - 0.5, text_box[1] - 0.5)
    tx1, ty1 = _map(delivery, text_box[2] - 0.5, text_box[3] - 0.5)
    updated = params.model_copy(
        update={
            "resolution_scale": round(pic_h / height, 6),
            "border_left": math.ceil(x0 + 0.5),
            "border_top": math.ceil(y0 + 0.5),
            "border_right": width - (math.floor(x1 - 0.5) + 1),
            "border_bottom": height - (math.floor(y1 - 0.5) + 1),
            "subtitle_box": (
                max(0, math.floor(tx0 + 0.5)),
                max(0, math.floor(ty0 + 0.5)),
                min(width, math.ceil(tx1 + 0.5)),
                min(height, math.ceil(ty1 + 0.5)),
            ),
        }
    )
    return geometry, updated


def _map(matrix: np.ndarray, x: float, y: float) -> tuple[float, float]:
    out = matrix @ np.array([x, y, 1.0])
    return float(out[0] / out[2]), float(out[1] / out[2])


def _picture_rows_cols(geometry: TelecineGeometry) -> tuple[int, int, int, int]:
    """Raster rows [r0, r1) and columns [c0, c1) whose pixels lie wholly inside the picture."""
    x0, y0, x1, y1 = geometry.picture
    return math.ceil(y0 + 0.5), math.floor(y1 - 0.5) + 1, math.ceil(x0 + 0.5), math.floor(x1 - 0.5) + 1


def _raster_subtitle_box(geometry: TelecineGeometry, text: str) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) raster pixels (exclusive end) the subtitle and its outline may touch."""
    r0, r1, c0, c1 = _picture_rows_cols(geometry)
    probe = np.zeros((r1 - r0, c1 - c0, 3), np.float32)
    drawn = np.flatnonzero(draw_subtitle(probe, text, 0).max(axis=2).ravel() > 0.0)
    rows, cols = np.divmod(drawn, c1 - c0)
    pad = 2  # the codec's ringing around the outline
    return (
        c0 + int(cols.min()) - pad,
        r0 + int(rows.min()) - pad,
        c0 + int(cols.max()) + 1 + pad,
        r0 + int(rows.max()) + 1 + pad,
    )


def _coverage(edges: tuple[float, float], count: int) -> np.ndarray:
    """Share of each pixel (centres 0..count-1, edges +-0.5) inside [edges[0], edges[1]]."""
    centre = np.arange(count, dtype=np.float64)
    return np.clip(np.minimum(centre + 0.5, edges[1]) - np.maximum(centre - 0.5, edges[0]), 0.0, 1.0)


def render_telecine(
    camera: CameraPath,
    params: ReferenceParams,
    geometry: TelecineGeometry,
    options: ReferenceOptions,
    frame: int,
    first: int,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The delivered REF image (scan size) of reference frame ``frame`` from an SD raster.

    ``rng`` draws the reference print's own grain (``options.grain``)."""
    samples, lines = geometry.raster_size
    index = frame - first - params.frame_offset
    to_scan = np.linalg.inv(np.asarray(geometry.scan_to_raster, dtype=np.float64))[:2]
    clean = camera.render(index, extra=to_scan, size=(samples, lines))
    raster = add_grain(grade(tone_curve(params.grade(clean), params), options), options, rng)
    if geometry.blur_sigma > 0:
        raster = cv2.GaussianBlur(raster, (0, 0), geometry.blur_sigma)
    x0, y0, x1, y1 = geometry.picture
    inside = np.outer(_coverage((y0, y1), lines), _coverage((x0, x1), samples)).astype(np.float32)
    raster = raster * inside[..., None]
    if frame in params.subtitle_frames:
        r0, r1, c0, c1 = _picture_rows_cols(geometry)
        raster[r0:r1, c0:c1] = draw_subtitle(raster[r0:r1, c0:c1], params.subtitle_text, 0)
    coded = to_levels(encode(raster, options.quality, options.chroma), options)
    ox, oy, fw, fh = geometry.delivered
    shrink = fw < samples or fh < lines
    scaled = cv2.resize(coded, (fw, fh), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    out = np.zeros((camera.height, camera.width, 3), np.float32)
    out[oy : oy + fh, ox : ox + fw] = scaled
    return np.clip(out, 0.0, 1.0)
