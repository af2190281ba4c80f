"""The model's per-channel input range, measured on the shot's scan, and the display colours it implies.

A faded scan fills little of the LUT's cube. Severe fading keeps about a third of the cyan dye, so the
scan's red channel spans only the top ~40 % of the log2 shaper range: a third of the 33 nodes along
that axis, where the inverse fade is steepest. The model stretches each channel's range (the
``RANGE_QUANTILES`` of the usable training pixels, in the shaper) over the LUT axis, blended with
``INPUT_IDENTITY_SHARE`` of the plain shaper value so that colours outside it stay distinct.

Measured on the severe synthetic shot (24 frames 384x288, held-out dE00 of the closed-form start):

| input to the LUT | fitted on the ground truth | on the soft, clipped reference |
|---|---|---|
| shaper only | 1.42 | 1.760 |
| range stretched | 1.37 | 1.764 |
| histogram-equalised (half CDF, half stretch) | 1.37 | 1.84 |

With a faithful reference the finer nodes pay off; with a degraded one, equalising the histogram lets the
LUT follow the reference's errors, while the plain stretch changes nothing. So the stretch only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..matchgrade import shaper_forward, shaper_inverse
from ._model import ChromaNet, full_range

#: Quantiles of a channel (in the shaper) that become the ends of its LUT axis.
RANGE_QUANTILES = (0.0005, 0.9995)
#: Pixels sampled per pair at most (quantiles of a million pixels are stable to 1e-3).
MAX_SAMPLES = 1_000_000
#: Narrowest range kept (in the shaper): a flat channel is not blown up over the whole axis.
MIN_SPAN = 0.05


def fit_input_range(
    sources: Sequence[np.ndarray], masks: Sequence[np.ndarray | None] | None = None
) -> torch.Tensor:
    """Per-channel (low, high) shaper range (3 x 2) of scans ``sources`` (HxWx3 display R'G'B').

    ``masks`` (HxW bool, True = usable) restrict it to the pixels training uses. With no usable pixel the
    full range comes back.
    """
    values = []
    for index, source in enumerate(sources):
        mask = None if masks is None else masks[index]
        pixels = source[..., :3].reshape(-1, 3) if mask is None else source[..., :3][np.asarray(mask, bool)]
        step = max(1, len(pixels) // MAX_SAMPLES)
        values.append(shaper_forward(pixels[::step], "log2"))
    shaped = np.concatenate(values) if values else np.zeros((0, 3), np.float32)
    if len(shaped) == 0:
        return full_range()
    low, high = np.quantile(shaped, RANGE_QUANTILES, axis=0).astype(np.float64)
    centre = np.clip((low + high) / 2.0, MIN_SPAN / 2.0, 1.0 - MIN_SPAN / 2.0)
    narrow = high - low < MIN_SPAN
    low = np.where(narrow, centre - MIN_SPAN / 2.0, low)
    high = np.where(narrow, centre + MIN_SPAN / 2.0, high)
    return torch.tensor(np.stack([low, high], axis=1), dtype=torch.float32)


def stretched_display(model: ChromaNet, image: np.ndarray) -> np.ndarray:
    """Display R'G'B' (HxWx3 float32) whose plain log2 shaper values are ``image``'s LUT coordinates.

    ``matchgrade.fit_lut`` on these images (against the untouched targets) fits a table in the model's
    stretched domain; its values at ``lut_nodes(model)`` are then the model's LUT.
    """
    with torch.no_grad():
        rgb = torch.from_numpy(np.ascontiguousarray(image[..., :3], dtype=np.float32))
        xn = rgb.permute(2, 0, 1)[None].to(model.lut.device) * 2.0 - 1.0
        coords = model.lut_coords(xn.clamp(-1.0, 1.0))[0].permute(1, 2, 0).cpu().numpy()
    return shaper_inverse(coords, "log2")  # the model's shaper is matchgrade's (same gamma and toe)
