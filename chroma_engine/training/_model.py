"""The chroma model: a global per-pixel colour transform plus a local U-Net residual, CbCr out.

``ChromaNet.forward`` meets Nuke's CatFileCreator contract: one 1x3xHxW raw R'G'B' tensor in, the
same shape out, every tensor made on ``x.device`` / ``x.dtype``, ``torch.jit.script``-able. The
output is always the input's own BT.709 Y' recombined with the predicted CbCr, so luma identity is
exact by construction. ``ChromaNet.chroma`` (exported too) returns the 2-channel CbCr prediction.

Architecture (restoration_science.md section 6):

* input normalisation: clamp to 0-1, map to -1..1; a fixed 5x5 binomial blur of the input is
  appended as a "degrained" copy (the target chroma is clean; the scan carries grain).
* global: a trainable 3D LUT (``lut_size``^3 nodes of CbCr) looked up trilinearly in the same log2
  shaper domain as the MatchGrade baseline. It starts from the closed-form least-squares fit of that
  baseline (``set_lut``) and is then refined by the training loss (L1, robust to the reference's
  compression and edge blur, which bias a least-squares fit), plus a per-pixel MLP (1x1
  convolutions, last layer zero-initialised). Between the shaper and the LUT each channel's input
  range (0..1 until ``set_input_range``) is stretched over the LUT axis: fitted to the shot's scan it
  spreads the few stops a faded dye still spans over all the nodes (severe fading leaves the red
  channel in the top 40 % of the shaper range, a third of the nodes).
* position: a coarse grid of CbCr offsets over the film frame (``FIELD_GRID`` nodes, bilinear),
  for fading that varies across the frame but not from frame to frame (the print's dye loss is
  uneven). It starts from the closed-form residual of the LUT on the training pairs (``set_field``).
* local: a two-level U-Net (no normalisation layers, no global pooling) adding a CbCr residual for
  spatially varying fading and grain suppression. Its receptive radius is ``RECEPTIVE_RADIUS``
  pixels, which makes tiled inference with that much context exact.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 - the PyTorch convention
from torch import nn

from ..colour import matrices

#: model_size -> (U-Net base width, global MLP width).
MODEL_SIZES: dict[str, tuple[int, int]] = {"small": (12, 32), "medium": (24, 48), "large": (48, 64)}

#: Receptive radius of the local branch in pixels (two 2x levels, two 3x3 convs each, plus blur).
RECEPTIVE_RADIUS = 28

#: Nodes per edge of the global LUT.
LUT_SIZE = 33
#: Log2 shaper of the global LUT (identical to ``chroma_engine.matchgrade``'s): display -> linear
#: (gamma 2.4) -> log2 with a 2**-9 toe, normalised to 0..1.
LUT_GAMMA = 2.4
LUT_OFFSET = 2.0**-9

#: Nodes (x, y) of the positional CbCr offset grid: about 1/24 of the frame per cell, the scale of
#: uneven dye loss, far coarser than picture detail (so the reference's softness cannot bias it).
FIELD_GRID = (24, 18)

#: Share of the plain shaper value in the LUT coordinate; the rest is the stretched input range. It keeps
#: the map strictly increasing, so colours outside the training pairs' range stay distinct.
INPUT_IDENTITY_SHARE = 0.1

#: Spatial multiple the U-Net needs (2 ** levels); other sizes are replicate-padded internally.
SIZE_MULTIPLE = 4

#: Constructor arguments, kept in checkpoints and as attributes of the TorchScript export.
CONFIG_KEYS = ("width", "hidden", "lut_size", "field_x", "field_y")


# The two resampling steps call the ATen operators directly. Scripted, ``F.pad`` and ``F.interpolate``
# inline the running torch's Python wrappers, which name operators older runtimes lack
# (``aten::pad``, ``aten::_upsample_lanczos2d_aa``): a model exported with torch 2.13 failed to load
# in torch 2.11, and Nuke's Inference node embeds its own, older libtorch. ``replication_pad2d`` and
# ``upsample_nearest2d`` have the same schema since torch 1.x.


def _replicate_pad(x: torch.Tensor, pad: list[int]) -> torch.Tensor:
    """Edge-replicate ``x`` (NxCxHxW) by ``pad`` = [left, right, top, bottom] (``F.pad`` replicate)."""
    return torch.ops.aten.replication_pad2d(x, pad)


def _double(x: torch.Tensor) -> torch.Tensor:
    """Nearest-neighbour 2x upsampling (``F.interpolate(x, scale_factor=2.0, mode="nearest")``)."""
    return torch.ops.aten.upsample_nearest2d(x, [2 * x.shape[2], 2 * x.shape[3]])


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.LeakyReLU(0.1),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.LeakyReLU(0.1),
    )


class ChromaNet(nn.Module):
    """Predicts CbCr from raw R'G'B'; ``forward`` returns scan Y' + predicted CbCr as R'G'B'."""

    def __init__(
        self,
        width: int = 24,
        hidden: int = 48,
        lut_size: int = LUT_SIZE,
        field_x: int = FIELD_GRID[0],
        field_y: int = FIELD_GRID[1],
    ) -> None:
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
        self.lut_size = lut_size
        self.lut_gamma = LUT_GAMMA
        self.lut_offset = LUT_OFFSET
        self.log_lo = float(math.log2(LUT_OFFSET))
        self.log_span = float(math.log2(1.0 + LUT_OFFSET) - math.log2(LUT_OFFSET))
        # CbCr at the nodes, laid out (1, 2, blue, green, red) for grid_sample's (z, y, x).
        self.lut = nn.Parameter(torch.zeros(1, 2, lut_size, lut_size, lut_size))
        # Per-channel shaper range (R, G, B rows of low, high) stretched over the LUT axis.
        self.register_buffer("input_range", full_range())
        self.identity_share = INPUT_IDENTITY_SHARE
        self.field_x = field_x
        self.field_y = field_y
        # CbCr offsets on a (y, x) grid over the frame, sampled at the pixels' frame positions.
        self.field = nn.Parameter(torch.zeros(1, 2, field_y, field_x))
        self.global_mlp = nn.Sequential(
            nn.Conv2d(8, hidden, 1),
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

    def _load_from_state_dict(  # type: ignore[no-untyped-def]
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        """Checkpoints from before the input range load with the full range (the old model exactly)."""
        state_dict.setdefault(prefix + "input_range", full_range())
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def config(self) -> dict[str, int]:
        """Constructor arguments (stored in checkpoints)."""
        return {key: int(getattr(self, key)) for key in CONFIG_KEYS}

    @torch.jit.export
    def positions(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised pixel-centre coordinates of ``x`` (Nx2xHxW, x then y, -1..1 over the image)."""
        height = x.shape[2]
        width = x.shape[3]
        xs = (torch.arange(width, device=x.device, dtype=x.dtype) + 0.5) * (2.0 / width) - 1.0
        ys = (torch.arange(height, device=x.device, dtype=x.dtype) + 0.5) * (2.0 / height) - 1.0
        grid_x = xs.view(1, 1, 1, width).expand(x.shape[0], 1, height, width)
        grid_y = ys.view(1, 1, height, 1).expand(x.shape[0], 1, height, width)
        return torch.cat([grid_x, grid_y], dim=1)

    @torch.jit.export
    def chroma(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted CbCr (Nx2xHxW) of raw R'G'B' ``x`` (Nx3xHxW, any H, W).

        A 5-channel ``x`` carries its own frame positions in channels 3-4 (tiles and training patches
        cut from a larger frame); with 3 channels the positions span the input image, which is what
        Nuke's Inference node gives the model (the whole frame).
        """
        height = x.shape[2]
        width = x.shape[3]
        mult = self.multiple
        pad_h = (mult - height % mult) % mult
        pad_w = (mult - width % mult) % mult
        pos = x[:, 3:5] if x.shape[1] >= 5 else self.positions(x)
        xn = x[:, 0:3].clamp(0.0, 1.0) * 2.0 - 1.0
        if pad_h > 0 or pad_w > 0:
            xn = _replicate_pad(xn, [0, pad_w, 0, pad_h])
            pos = _replicate_pad(pos, [0, pad_w, 0, pad_h])
        kernel = self.blur_kernel.to(device=x.device, dtype=x.dtype)
        smooth = F.conv2d(_replicate_pad(xn, [2, 2, 2, 2]), kernel, groups=3)  # type: ignore[arg-type]
        feats = torch.cat([xn, smooth], dim=1)
        # The fade varies slowly across the film frame: the per-pixel MLP sees colour and position.
        base = self.lut_chroma(xn) + self.global_mlp(torch.cat([feats, pos], dim=1)) + self.field_chroma(pos)
        e0 = self.enc0(feats)
        e1 = self.enc1(F.avg_pool2d(e0, 2))
        m = self.mid(F.avg_pool2d(e1, 2))
        d1 = self.dec1(torch.cat([_double(m), e1], dim=1))
        d0 = self.dec0(torch.cat([_double(d1), e0], dim=1))
        out = base + self.head(d0)
        return out[:, :, :height, :width]

    @torch.jit.export
    def shaped(self, x: torch.Tensor) -> torch.Tensor:
        """Raw display R'G'B' -> the LUT's log2 shaper domain 0..1 (the MatchGrade baseline's)."""
        lin = torch.pow(x.clamp(0.0, 1.0), self.lut_gamma) + self.lut_offset
        return (torch.log2(lin) - self.log_lo) / self.log_span

    @torch.jit.export
    def lut_coords(self, xn: torch.Tensor) -> torch.Tensor:
        """LUT coordinates 0..1 (Nx3xHxW) of normalised input ``xn`` (-1..1): shaper, then input range."""
        shaped = self.shaped((xn + 1.0) * 0.5).clamp(0.0, 1.0)
        bounds = self.input_range.to(dtype=xn.dtype).view(1, 3, 2, 1, 1)  # type: ignore[operator]
        low, high = bounds[:, :, 0], bounds[:, :, 1]
        stretched = ((shaped - low) / (high - low)).clamp(0.0, 1.0)
        return shaped * self.identity_share + stretched * (1.0 - self.identity_share)

    @torch.jit.export
    def lut_chroma(self, xn: torch.Tensor) -> torch.Tensor:
        """CbCr of the global LUT for normalised input ``xn`` (-1..1), trilinear (Nx2xHxW)."""
        coords = self.lut_coords(xn) * 2.0 - 1.0
        grid = coords.permute(0, 2, 3, 1).unsqueeze(1)  # N x 1 x H x W x (r, g, b) = (x, y, z)
        table = self.lut.to(dtype=xn.dtype).expand(xn.shape[0], -1, -1, -1, -1)
        out = F.grid_sample(table, grid, mode="bilinear", padding_mode="border", align_corners=True)
        return out[:, :, 0]

    @torch.jit.export
    def field_chroma(self, pos: torch.Tensor) -> torch.Tensor:
        """CbCr offsets of the positional grid at frame positions ``pos`` (Nx2xHxW, -1..1) (Nx2xHxW)."""
        grid = pos.permute(0, 2, 3, 1)  # N x H x W x (x, y)
        table = self.field.to(dtype=pos.dtype).expand(pos.shape[0], -1, -1, -1)
        # Node centres span the frame like pixel centres: align_corners=False, edges held.
        return F.grid_sample(table, grid, mode="bilinear", padding_mode="border", align_corners=False)

    @torch.jit.export
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


def full_range() -> torch.Tensor:
    """The input range that changes nothing (3 x 2 rows of low, high = 0, 1)."""
    return torch.tensor([[0.0, 1.0]] * 3)


def set_input_range(model: ChromaNet, bounds: torch.Tensor) -> None:
    """Load the per-channel shaper range (3 x 2: R, G, B rows of low < high, within 0..1)."""
    if bounds.shape != (3, 2) or not bool((bounds[:, 1] > bounds[:, 0]).all()):
        raise ValueError(f"input range must be 3 x 2 rows of low < high, got {bounds.tolist()}")
    with torch.no_grad():
        model.input_range.copy_(bounds.to(model.input_range))  # type: ignore[operator, arg-type]


def lut_nodes(model: ChromaNet) -> torch.Tensor:
    """Display R'G'B' whose plain shaper values are the LUT's nodes, shaped (size, size, size, 3) as (blue,
    green, red, rgb). With the full input range these are the nodes' own colours; otherwise they are the
    nodes in the stretched domain that ``stretched_display`` maps a scan into."""
    n = model.lut_size
    shaped = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
    lin = torch.exp2(shaped * model.log_span + model.log_lo) - LUT_OFFSET
    disp = lin.clamp(min=0.0) ** (1.0 / LUT_GAMMA)
    b, g, r = torch.meshgrid(disp, disp, disp, indexing="ij")
    return torch.stack([r, g, b], dim=-1).float()


def set_lut(model: ChromaNet, cbcr_at_nodes: torch.Tensor) -> None:
    """Load CbCr values at ``lut_nodes(model)`` (size, size, size, 2) into the global LUT."""
    with torch.no_grad():
        model.lut.copy_(cbcr_at_nodes.permute(3, 0, 1, 2).unsqueeze(0).to(model.lut))


def set_field(model: ChromaNet, offsets: torch.Tensor) -> None:
    """Load CbCr offsets (field_y, field_x, 2) into the positional grid."""
    with torch.no_grad():
        model.field.copy_(offsets.permute(2, 0, 1).unsqueeze(0).to(model.field))


def build_model(model_size: str = "medium", **overrides: Any) -> ChromaNet:
    """A fresh ``ChromaNet`` for ``small`` / ``medium`` / ``large`` (or explicit width/hidden)."""
    width, hidden = MODEL_SIZES[model_size]
    return ChromaNet(
        width=int(overrides.get("width", width)),
        hidden=int(overrides.get("hidden", hidden)),
        lut_size=int(overrides.get("lut_size", LUT_SIZE)),
        field_x=int(overrides.get("field_x", FIELD_GRID[0])),
        field_y=int(overrides.get("field_y", FIELD_GRID[1])),
    )


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
