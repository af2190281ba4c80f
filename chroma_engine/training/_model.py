"""The chroma model: a global per-pixel colour transform plus a local U-Net residual, CbCr out.

``ChromaNet.forward`` meets Nuke's CatFileCreator contract: one 1x3xHxW raw R'G'B' tensor in, the
same shape out, every tensor made on ``x.device`` / ``x.dtype``, ``torch.jit.script``-able. The
output is always the input's own BT.709 Y' recombined with the predicted CbCr, so luma identity is
exact by construction. ``ChromaNet.chroma`` (exported too) returns the 2-channel CbCr prediction.

Architecture (restoration_science.md section 6):

* input normalisation: clamp to 0-1, map to -1..1; a fixed 5x5 binomial blur of the input is
  appended as a "degrained" copy (the target chroma is clean; the scan carries grain).
* global: a cubic polynomial of the degrained R'G'B' (plus raw R'G'B') -> CbCr, initialised in
  closed form by ridge least squares on the training pixels (``fit_global``), plus a per-pixel MLP
  (1x1 convolutions, last layer zero-initialised) that refines it: a learned smooth colour
  transform (the MatchGrade 3D-LUT role, without a LUT's quantisation or the grain in its input).
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

#: Channels of ``ChromaNet.poly_features``: raw R'G'B' + 2 x 19 monomials of the degrained R'G'B'.
POLY_FEATURES = 41

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
        self.poly = nn.Conv2d(POLY_FEATURES, 2, 1)
        nn.init.zeros_(self.poly.weight)
        if self.poly.bias is not None:
            nn.init.zeros_(self.poly.bias)
        self.global_mlp = nn.Sequential(
            nn.Conv2d(6, hidden, 1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(hidden, hidden, 1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(hidden, 2, 1),
        )
        last = self.global_mlp[-1]
        assert isinstance(last, nn.Conv2d)
        nn.init.zeros_(last.weight)
        if last.bias is not None:
            nn.init.zeros_(last.bias)
        w = width
        self.enc0 = _block(6, w)
        self.enc1 = _block(w, 2 * w)
        self.mid = _block(2 * w, 4 * w)
        self.dec1 = _block(4 * w + 2 * w, 2 * w)
        self.dec0 = _block(2 * w + w, w)
        self.head = nn.Conv2d(w, 2, 1)
        # near-zero (not zero) so the U-Net's inner layers get gradients from the first step
        nn.init.normal_(self.head.weight, std=1e-3)
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
        base = self.poly(self.poly_features(xn, smooth)) + self.global_mlp(feats)
        e0 = self.enc0(feats)
        e1 = self.enc1(F.avg_pool2d(e0, 2))
        m = self.mid(F.avg_pool2d(e1, 2))
        d1 = self.dec1(torch.cat([F.interpolate(m, scale_factor=2.0, mode="nearest"), e1], dim=1))
        d0 = self.dec0(torch.cat([F.interpolate(d1, scale_factor=2.0, mode="nearest"), e0], dim=1))
        out = base + self.head(d0)
        return out[:, :, :height, :width]

    def _cubic(self, t: torch.Tensor) -> torch.Tensor:
        r, g, b = t[:, 0:1], t[:, 1:2], t[:, 2:3]
        rr, gg, bb = r * r, g * g, b * b
        return torch.cat(
            [r, g, b, rr, gg, bb, r * g, r * b, g * b, rr * r, gg * g, bb * b]
            + [rr * g, rr * b, gg * r, gg * b, bb * r, bb * g, r * g * b],
            dim=1,
        )

    @torch.jit.export
    def poly_features(self, xn: torch.Tensor, smooth: torch.Tensor) -> torch.Tensor:
        """Raw R'G'B' + cubic monomials of the degrained R'G'B' in display and in log2 (density) form.

        Fading is a per-dye density loss, i.e. close to affine in log, so the log monomials carry it.
        """
        disp = (smooth + 1.0) * 0.5
        logd = torch.log2(disp.clamp(0.0009765625, 1.0)) * 0.2 + 1.0
        return torch.cat([xn, self._cubic(smooth), self._cubic(logd)], dim=1)

    @torch.jit.export
    def features_for_fit(self, x: torch.Tensor) -> torch.Tensor:
        """``poly_features`` of raw R'G'B' ``x`` (for the closed-form initialisation of ``poly``)."""
        xn = x.clamp(0.0, 1.0) * 2.0 - 1.0
        kernel = self.blur_kernel.to(device=x.device, dtype=x.dtype)
        smooth = F.conv2d(F.pad(xn, [2, 2, 2, 2], mode="replicate"), kernel, groups=3)  # type: ignore[arg-type]
        return self.poly_features(xn, smooth)

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


def fit_global(
    model: ChromaNet,
    sources: list[torch.Tensor],
    targets: list[torch.Tensor],
    masks: list[torch.Tensor],
    max_pixels: int = 1_000_000,
    ridge: float = 1e-4,
    seed: int = 0,
) -> float:
    """Set ``model.poly`` to the ridge least-squares fit of the target CbCr; returns the fit's L1.

    Args:
        sources: raw R'G'B' 3xHxW tensors; targets: CbCr 2xHxW; masks: 1xHxW (1 = usable).
        max_pixels: random subsample of usable pixels (all frames together).
    """
    gen = torch.Generator(device="cpu").manual_seed(seed)
    feats, cbcr = [], []
    with torch.no_grad():
        for src, tgt, mask in zip(sources, targets, masks, strict=True):
            f = model.features_for_fit(src[None].float())[0].flatten(1).T
            keep = mask.flatten() > 0.5
            feats.append(f[keep].cpu().double())
            cbcr.append(tgt.flatten(1).T[keep].cpu().double())
        a, y = torch.cat(feats), torch.cat(cbcr)
        if a.shape[0] > max_pixels:
            pick = torch.randperm(a.shape[0], generator=gen)[:max_pixels]
            a, y = a[pick], y[pick]
        a1 = torch.cat([a, torch.ones(a.shape[0], 1, dtype=a.dtype)], dim=1)
        gram = a1.T @ a1 / a1.shape[0] + ridge * torch.eye(a1.shape[1], dtype=a.dtype)
        coef = torch.linalg.solve(gram, a1.T @ y / a1.shape[0])
        model.poly.weight.copy_(coef[:-1].T.reshape(2, -1, 1, 1).to(model.poly.weight))
        if model.poly.bias is not None:
            model.poly.bias.copy_(coef[-1].to(model.poly.bias))
        return float((a1 @ coef - y).abs().mean())


def build_model(model_size: str = "medium", **overrides: Any) -> ChromaNet:
    """A fresh ``ChromaNet`` for ``small`` / ``medium`` / ``large`` (or explicit width/hidden)."""
    width, hidden = MODEL_SIZES[model_size]
    return ChromaNet(width=int(overrides.get("width", width)), hidden=int(overrides.get("hidden", hidden)))


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
