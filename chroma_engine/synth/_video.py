"""How a video reference was made, as options: raster, framing, grade, codec and levels.

``ReferenceOptions()`` is the reference ``synthesize_shot`` has always made (scan raster, subtle
framing, JPEG 60 at 0.6x resolution, full-range levels), byte for byte. The other values model the
usual colorist's reference, a DVD or an SD telecine:

* ``raster`` ``pal`` / ``ntsc``: a 720x576 or 720x480 anamorphic raster (see ``_telecine``),
  delivered into the scan's timeline the way Resolve exports REF.
* ``framing`` ``wide``: the telecine frames the film differently from the scan: scale 0.95-1.05,
  rotation up to 1 degree, a shift up to 20 px (at a 640 px wide scan; proportional to the width).
* ``black_lift`` / ``white_clip``: a grade that lifts blacks and blows highlights.
* ``chroma`` ``420`` and ``quality``: 4:2:0 chroma and DCT block compression (JPEG at a quality,
  MPEG-2-like 8x8 blocks); ``quality`` None keeps the chroma subsampling without blocks.
* ``levels`` ``legal``: video levels decoded without expansion (Y' 16-235 read as full range), so
  black sits at 16/255 = 0.063 and white clips at 235/255 = 0.92.
* ``grain`` and ``softness``: the reference was made from another print, so it has grain of its own
  (independent of the scan's) and the telecine's softness.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from schemas import SchemaModel

from .._errors import StageError

#: Legal-range (video) levels in 8-bit code values: 16 black, 235 white.
LEGAL_BLACK, LEGAL_WHITE = 16.0 / 255.0, 235.0 / 255.0


class ReferenceOptions(SchemaModel):
    """The kind of video reference to synthesise (defaults: the reference made before options existed).

    Attributes:
        raster: ``scan`` (the reference is made at the scan's size), ``pal`` (720x576) or ``ntsc``
            (720x480) anamorphic SD.
        aspect: display aspect of an SD raster (``4:3`` letterboxes a wide film, ``16:9`` anamorphic).
        framing: ``subtle`` (scale 1.015-1.03, 0.3-0.5 deg, 5-7 px per 512 px) or ``wide`` (scale
            0.95-1.05, up to 1 deg, up to 20 px per 640 px).
        black_lift: black level the grade lifts to (0 = none).
        white_clip: graded level that becomes white (values above it clip; 1 = none).
        chroma: ``420`` (chroma averaged over 2x2 pixels) or ``444``.
        quality: JPEG quality of the DCT block compression; None = no block compression.
        levels: ``full`` or ``legal`` (decoded without range expansion: 0.063-0.92).
        grain: standard deviation of the reference's own grain (display units, before coding).
        softness: the telecine's Gaussian blur, sigma in raster pixels (SD rasters only).
    """

    raster: Literal["scan", "pal", "ntsc"] = "scan"
    aspect: Literal["4:3", "16:9"] = "16:9"
    framing: Literal["subtle", "wide"] = "subtle"
    black_lift: float = Field(0.0, ge=0.0, le=0.25)
    white_clip: float = Field(1.0, ge=0.5, le=1.0)
    chroma: Literal["420", "444"] = "420"
    quality: int | None = Field(60, ge=1, le=100)
    levels: Literal["full", "legal"] = "full"
    grain: float = Field(0.0, ge=0.0, le=0.2)
    softness: float = Field(0.6, ge=0.0, le=4.0)

    @property
    def is_default(self) -> bool:
        """Whether these are the options of the reference made before options existed."""
        return self == ReferenceOptions()


def grade(rgb: np.ndarray, options: ReferenceOptions) -> np.ndarray:
    """Blown highlights (``white_clip`` becomes 1) and lifted blacks, on R'G'B' 0-1 (a copy)."""
    out = np.asarray(rgb, dtype=np.float32)
    if options.white_clip < 1.0:
        out = np.minimum(out / np.float32(options.white_clip), 1.0)
    if options.black_lift > 0.0:
        out = np.float32(options.black_lift) + np.float32(1.0 - options.black_lift) * out
    return out.astype(np.float32)


def add_grain(rgb: np.ndarray, options: ReferenceOptions, rng: np.random.Generator | None) -> np.ndarray:
    """The reference print's own grain: clumped (blurred) noise, mostly shared by the channels."""
    if options.grain <= 0.0 or rng is None:
        return rgb
    shape = rgb.shape[:2]
    common = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 0.7)
    own = cv2.GaussianBlur(rng.standard_normal((*shape, 3)).astype(np.float32), (0, 0), 0.7)
    noise = (0.8 * common[..., None] + 0.6 * own) * np.float32(options.grain / 0.41)  # unit std after blur
    return np.clip(rgb + noise, 0.0, 1.0).astype(np.float32)


def to_levels(rgb: np.ndarray, options: ReferenceOptions) -> np.ndarray:
    """Full-range R'G'B' as the reference's decoder hands it over (legal: 0.063-0.92)."""
    if options.levels == "full":
        return rgb
    return (np.float32(LEGAL_BLACK) + np.float32(LEGAL_WHITE - LEGAL_BLACK) * rgb).astype(np.float32)


def _subsample_chroma(bgr8: np.ndarray) -> np.ndarray:
    """4:2:0 without blocks: chroma averaged over 2x2 pixels, upsampled bilinearly (8-bit BGR)."""
    ycc = cv2.cvtColor(bgr8, cv2.COLOR_BGR2YCrCb)
    h, w = ycc.shape[:2]
    half = cv2.resize(ycc[..., 1:], ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    ycc[..., 1:] = cv2.resize(half, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)


def encode(rgb: np.ndarray, quality: int | None, chroma: str) -> np.ndarray:
    """8-bit video coding of R'G'B' 0-1: JPEG at ``quality`` (4:2:0 or 4:4:4), or chroma only.

    The default path (``quality`` 60, 4:2:0) calls the encoder exactly as before options existed
    (OpenCV's default JPEG sampling is 4:2:0), so a default reference keeps its bytes.
    """
    bgr8 = np.clip(np.round(rgb[..., ::-1] * 255.0), 0, 255).astype(np.uint8)
    if quality is None:
        back = _subsample_chroma(bgr8) if chroma == "420" else bgr8
    else:
        params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
        if chroma == "444":
            params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
        ok, data = cv2.imencode(".jpg", bgr8, params)
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else None
        if decoded is None:  # pragma: no cover - OpenCV always has a JPEG codec
            raise StageError("OpenCV could not JPEG-encode the synthetic reference", hint="reinstall opencv")
        back = decoded
    return back[..., ::-1].astype(np.float32) / 255.0
