"""Display Rec.709 -> ACES2065-1 as PyTorch ops, so a GPU can convert what it just restored.

The conversion is taken from the pinned OCIO config itself, not typed in: ``Gamma 2.4 Encoded Rec.709``
decodes with an exponent 2.4 whose negative values pass through unchanged (OCIO ``pass_thru`` style),
then a 3x3 matrix to ACES2065-1 (AP0, with the config's chromatic adaptation). The matrix is read by
converting the three unit primaries through OCIO (display 1 and 0 decode to linear 1 and 0), and
``tests/chroma_engine/colour`` checks the whole transform against OCIO on random and out-of-range
values. Used by inference on CUDA: the CPU then only encodes EXRs, exactly as a pure read+write does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ._ocio import ACES2065_1, REC709_DISPLAY, convert

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch

#: Exponent of the display encoding in the pinned config (checked against OCIO in the tests).
DISPLAY_EXPONENT = 2.4


@lru_cache(maxsize=1)
def display_to_aces_matrix() -> np.ndarray:
    """The 3x3 linear Rec.709 -> ACES2065-1 matrix of the pinned config (rows = output channels)."""
    primaries = np.eye(3, dtype=np.float32).reshape(1, 3, 3)
    columns = convert(primaries, REC709_DISPLAY, ACES2065_1)[0]  # row i = image of primary i
    return np.ascontiguousarray(columns.T.astype(np.float64))


def display_to_aces_torch(rgb: torch.Tensor) -> torch.Tensor:
    """Convert display R'G'B' channels-first (Nx3xHxW or 3xHxW) to ACES2065-1, same shape and dtype."""
    import torch

    matrix = torch.as_tensor(display_to_aces_matrix(), dtype=torch.float32, device=rgb.device)
    x = rgb.float()
    linear = torch.where(x > 0, torch.pow(x.clamp(min=0.0), DISPLAY_EXPONENT), x)
    out = torch.einsum("ij,...jhw->...ihw", matrix, linear)
    return out.to(rgb.dtype)
