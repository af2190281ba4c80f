"""The chroma model: a global per-pixel colour transform plus a local U-Net residual, CbCr out.

``ChromaNet.forward`` meets Nuke's CatFileCreator contract: one 1x3xHxW raw R'G'B' tensor in, the
same shape out, every tensor made on ``x.device`` / ``x.dtype``, ``torch.jit.script``-able. The
output is always the input's own BT.709 Y' recombined with the predicted CbCr, so luma identity is
exact by construction. ``ChromaNet.chroma`` (exported too) returns the 2-channel CbCr prediction.

Architecture (restoration_science.md section 6):

* input normalisation: clamp to 0-1, map to -1..1; a fixed 5x5 binomial blur of the input is
  appended as a "degrained" copy (the target chroma is clean; the scan carries grain).
* global: a per-pixel MLP (1x1 convolutions) on raw + degrained R'G'B' -> CbCr, a learned smooth
  colour transform (the MatchGrade 3D-LUT role, without a LUT's quantisation).
* local: a two-level U-Net (no normalisation layers, no global pooling) adding a CbCr residual for
  spatially varying fading and grain suppression. Its receptive radius is ``RECEPTIVE_RADIUS``
  pixels, which makes tiled inference with that much context exact.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 - the PyTorch convention
from torch import nn

from ..colour import matrices

#: model_size -> (U-Net base width, global MLP width).
MODEL_SIZES: dict[str, tuple[int, int]] = {"small": (12, 32), "medium": (24, 48), "large": (48, 64)}

#: Receptive radius of the local branch in pixels (two 2x levels, two 3x3 convs each, plus blur).
RECEPTIVE_RADIUS = 28

#: Spatial multiple the U-Net needs (2 ** levels); other sizes are replicate-padded internally.
SIZE_MULTIPLE = 4


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.LeakyReLU(0.1),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.LeakyReLU(0.1),
    )


class ChromaNet(nn.Module):
    """Predicts CbCr from raw R'G'B'; ``forward`` returns scan Y' + predicted CbCr as R'G'B'."""

    def __init__(self, width: int = 24, hidden: int = 48) -> None:
        super().__init__()
        to_ycc, from_ycc = matrices()
        self.width = width
        self.hidden = hidden
        self.multiple = SIZE_MULTIPLE
        # BT.709 coefficients as plain floats (TorchScript-friendly, dtype/device-agnostic).
        self.kr = float(to_ycc[0, 0])
        self.kg = float(to_ycc[0, 1])
        self.kb = float(to_ycc[0, 2])
        self.r_cr = float(from_ycc[0, 2])
        self.g_cb = float(from_ycc[1, 1])
        self.g_cr = float(from_ycc[1, 2])
        self.b_cb = float(from_ycc[2, 1])
        self.cb_r = float(to_ycc[1, 0])
        self.cb_g = float(to_ycc[1, 1])
        self.cb_b = float(to_ycc[1, 2])
        self.cr_r = float(to_ycc[2, 0])
        self.cr_g = float(to_ycc[2, 1])
        self.cr_b = float(to_ycc[2, 2])
        blur = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
        kernel = (blur[:, None] * blur[None, :]) / 256.0
        self.register_buffer("blur_kernel", kernel.expand(3, 1, 5, 5).clone())
        self.global_mlp = nn.Sequential(
            nn.Conv2d(6, hidden, 1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(hidden, hidden, 1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(hidden, 2, 1),
        )
        w = width
        self.enc0 = _block(6, w)
        self.enc1 = _block(w, 2 * w)
        self.mid = _block(2 * w, 4 * w)
        self.dec1 = _block(4 * w + 2 * w, 2 * w)
        self.dec0 = _block(2 * w + w, w)
        self.head = nn.Conv2d(w, 2, 1)
        nn.init.zeros_(self.head.weight)
        if self.head.bias is not None:
            nn.init.zeros_(self.head.bias)

    def config(self) -> dict[str, int]:
        """Constructor arguments (stored in checkpoints)."""
        return {"width": self.width, "hidden": self.hidden}

    @torch.jit.export
    def chroma(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted CbCr (Nx2xHxW) of raw R'G'B' ``x`` (Nx3xHxW, any H, W)."""
        height = x.shape[2]
        width = x.shape[3]
        mult = self.multiple
        pad_h = (mult - height % mult) % mult
        pad_w = (mult - width % mult) % mult
        xn = x.clamp(0.0, 1.0) * 2.0 - 1.0
        if pad_h > 0 or pad_w > 0:
            xn = F.pad(xn, [0, pad_w, 0, pad_h], mode="replicate")
        kernel = self.blur_kernel.to(device=x.device, dtype=x.dtype)
        smooth = F.conv2d(F.pad(xn, [2, 2, 2, 2], mode="replicate"), kernel, groups=3)  # type: ignore[arg-type]
        feats = torch.cat([xn, smooth], dim=1)
        base = self.global_mlp(feats)
        e0 = self.enc0(feats)
        e1 = self.enc1(F.avg_pool2d(e0, 2))
        m = self.mid(F.avg_pool2d(e1, 2))
        d1 = self.dec1(torch.cat([F.interpolate(m, scale_factor=2.0, mode="nearest"), e1], dim=1))
        d0 = self.dec0(torch.cat([F.interpolate(d1, scale_factor=2.0, mode="nearest"), e0], dim=1))
        out = base + self.head(d0)
        return out[:, :, :height, :width]

    def luma(self, x: torch.Tensor) -> torch.Tensor:
        """BT.709 Y' of raw R'G'B' (Nx1xHxW)."""
        return x[:, 0:1] * self.kr + x[:, 1:2] * self.kg + x[:, 2:3] * self.kb

    @torch.jit.export
    def cbcr_of(self, rgb: torch.Tensor) -> torch.Tensor:
        """BT.709 CbCr of R'G'B' (Nx2xHxW), the training target's representation."""
        r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
        cb = r * self.cb_r + g * self.cb_g + b * self.cb_b
        cr = r * self.cr_r + g * self.cr_g + b * self.cr_b
        return torch.cat([cb, cr], dim=1)

    @torch.jit.export
    def recombine(self, y: torch.Tensor, cbcr: torch.Tensor) -> torch.Tensor:
        """R'G'B' from Y' (Nx1) and CbCr (Nx2)."""
        cb, cr = cbcr[:, 0:1], cbcr[:, 1:2]
        return torch.cat([y + self.r_cr * cr, y + self.g_cb * cb + self.g_cr * cr, y + self.b_cb * cb], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw R'G'B' 1x3xHxW in; the input's Y' with predicted CbCr, R'G'B' 1x3xHxW out."""
        rgb = x[:, 0:3]
        return self.recombine(self.luma(rgb), self.chroma(rgb))


def build_model(model_size: str = "medium", **overrides: Any) -> ChromaNet:
    """A fresh ``ChromaNet`` for ``small`` / ``medium`` / ``large`` (or explicit width/hidden)."""
    width, hidden = MODEL_SIZES[model_size]
    return ChromaNet(width=int(overrides.get("width", width)), hidden=int(overrides.get("hidden", hidden)))


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
