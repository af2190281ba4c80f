"""Evaluation metrics on display-referred Rec.709 R'G'B' images (the engine's working encoding).

Colour difference: CIEDE2000 (BT.1886 gamma 2.4 decode -> linear Rec.709 -> XYZ D65 -> Lab, skimage).
Fidelity: luma identity (max |dY'|, PSNR_Y), CbCr distance and PSNR, temporal chroma flicker.
Grain: noise-power-spectrum ratios of high-pass residuals, output vs scan, in Y' and CbCr.
"""

from ._colour_diff import delta_e00, delta_e00_map, delta_e00_stats, rec709_to_lab
from ._fidelity import (
    LUMA_IDENTITY_LIMIT,
    chroma_distance,
    chroma_flicker,
    chroma_psnr,
    luma_identity,
    psnr_y,
    static_mask,
)
from ._grain import (
    GRAIN_BAND,
    chroma_noise_power_ratio,
    grain_noise_power_ratio,
    noise_power_spectrum,
    rms_granularity,
)

__all__ = [
    "GRAIN_BAND",
    "LUMA_IDENTITY_LIMIT",
    "chroma_distance",
    "chroma_flicker",
    "chroma_noise_power_ratio",
    "chroma_psnr",
    "delta_e00",
    "delta_e00_map",
    "delta_e00_stats",
    "grain_noise_power_ratio",
    "luma_identity",
    "noise_power_spectrum",
    "psnr_y",
    "rec709_to_lab",
    "rms_granularity",
    "static_mask",
]
