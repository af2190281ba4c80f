"""Colour conversions through OpenImageIO's bundled OCIO with the studio config pinned by name.

``studio-config-latest`` names different configs in OIIO 3.2 and opencolorio 2.6, so the config is
always named explicitly.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import OpenImageIO as oiio

from .._errors import ColourError

#: The pinned OCIO built-in config (ACES 2.0 studio config, OCIO 2.5).
OCIO_CONFIG = "ocio://studio-config-v4.0.0_aces-v2.0_ocio-v2.5"

#: Names used throughout the engine (all exist in the pinned config).
REC709_DISPLAY = "Gamma 2.4 Encoded Rec.709"
LINEAR_REC709 = "Linear Rec.709 (sRGB)"
ACES2065_1 = "ACES2065-1"
ACESCG = "ACEScg"
ACESCCT = "ACEScct"


@lru_cache(maxsize=1)
def colour_config() -> oiio.ColorConfig:
    """The pinned config, loaded once."""
    config = oiio.ColorConfig(OCIO_CONFIG)
    if config.has_error if hasattr(config, "has_error") else False:  # pragma: no cover - defensive
        raise ColourError(f"cannot load OCIO config {OCIO_CONFIG}")
    return config


def known_colour_space(name: str) -> str:
    """Return the canonical name of ``name`` (aliases allowed) or raise ``ColourError``."""
    config = colour_config()
    resolved = config.resolve(name) or ""
    if resolved and resolved in config.getColorSpaceNames():
        return resolved
    if name in config.getColorSpaceNames():
        return name
    raise ColourError(
        f"unknown colour space {name!r} in {OCIO_CONFIG}",
        hint="use a name of the pinned studio config, e.g. 'ACES2065-1' or 'Gamma 2.4 Encoded Rec.709'",
    )


def convert(rgb: np.ndarray, src: str, dst: str, threads: int = 0) -> np.ndarray:
    """Convert an HxWx3 float32 image between colour spaces of the pinned config."""
    src_name, dst_name = known_colour_space(src), known_colour_space(dst)
    if src_name == dst_name:
        return rgb.astype(np.float32, copy=True)
    buf = oiio.ImageBuf(np.ascontiguousarray(rgb, dtype=np.float32))
    out = oiio.ImageBufAlgo.colorconvert(
        buf, src_name, dst_name, unpremult=False, colorconfig=OCIO_CONFIG, nthreads=threads
    )
    if out.has_error:
        raise ColourError(f"colour conversion {src_name} -> {dst_name} failed: {out.geterror()}")
    return np.asarray(out.get_pixels(oiio.FLOAT), dtype=np.float32).reshape(rgb.shape)
