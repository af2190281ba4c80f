"""Colour: OCIO conversions (pinned studio config) and BT.709 Y'CbCr."""

from ._device import display_to_aces_matrix, display_to_aces_torch
from ._ocio import (
    ACES2065_1,
    ACESCCT,
    ACESCG,
    LINEAR_REC709,
    OCIO_CONFIG,
    REC709_DISPLAY,
    colour_config,
    convert,
    known_colour_space,
)
from ._ycbcr import luma, matrices, recombine, rgb_to_ycbcr, ycbcr_to_rgb

__all__ = [
    "ACES2065_1",
    "ACESCCT",
    "ACESCG",
    "LINEAR_REC709",
    "OCIO_CONFIG",
    "REC709_DISPLAY",
    "colour_config",
    "convert",
    "display_to_aces_matrix",
    "display_to_aces_torch",
    "known_colour_space",
    "luma",
    "matrices",
    "recombine",
    "rgb_to_ycbcr",
    "ycbcr_to_rgb",
]
