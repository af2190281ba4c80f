"""Training data on the device: resident pairs, random patches, geometric + exposure augmentation.

All randomness comes from one CPU ``torch.Generator`` whose state is saved in every checkpoint, so a
resumed run draws exactly the patches an uninterrupted run would have drawn.
"""

from __future__ import annotations

import numpy as np
import torch

from .._errors import TrainingError
from ..colour import rgb_to_ycbcr
from ._truth import TrainingPair

#: Exposure augmentation: a gain in 1 +- this. CopyCat practice is +-0.1, but a gain applied to the
#: faded scan and its target alike is not how fading behaves (it is a per-dye density loss): on the
#: severe synthetic shot it raised held-out dE00 from 1.71 to 2.33, so it is off by default.
EXPOSURE_RANGE = 0.0


def frame_positions(
    height: int, width: int, y0: int = 0, x0: int = 0, full_h: int = 0, full_w: int = 0
) -> np.ndarray:
    """HxWx2 pixel-centre positions (x, y) in -1..1 of a window at (y0, x0) in a full_h x full_w frame.

    Same convention as ``ChromaNet.positions`` (the whole frame when ``full_h``/``full_w`` are 0).
    """
    full_h, full_w = full_h or height, full_w or width
    xs = (np.arange(x0, x0 + width, dtype=np.float32) + 0.5) * (2.0 / full_w) - 1.0
    ys = (np.arange(y0, y0 + height, dtype=np.float32) + 0.5) * (2.0 / full_h) - 1.0
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x, grid_y], axis=2).astype(np.float32)


def effective_patch(patch_size: int, pairs: list[TrainingPair]) -> int:
    """The patch edge actually used: the job's size, shrunk (to a multiple of 4) to fit every frame."""
    smallest = min(min(p.source.shape[:2]) for p in pairs)
    size = min(patch_size, smallest)
    size -= size % 4
    if size < 16:
        raise TrainingError(
            f"frames of {smallest} px are too small to train on", hint="use frames of at least 16x16 pixels"
        )
    return size


class PatchSampler:
    """Random augmented patches of (source R'G'B', target CbCr, mask) from pairs resident on ``device``.

    Args:
        pairs: the aligned training pairs (target = ground truth in source geometry).
        patch: patch edge in pixels (multiple of 4, at most the smallest frame edge).
        device: where the frames live and the patches are cut.
        seed: seed of the sampling generator.
        exposure: gain augmentation range (1 +- exposure; 0 = off). The gain is applied to input and
            target alike, which is exact for Y'CbCr but not for the fade (a faded pixel scaled by g is
            not the faded version of the clean pixel scaled by g): on the severe synthetic shot it
            raised held-out dE00 from 1.71 to 2.33 (300 steps), so consider 0 for per-shot models.
    """

    def __init__(
        self,
        pairs: list[TrainingPair],
        patch: int,
        device: torch.device,
        seed: int,
        exposure: float = EXPOSURE_RANGE,
    ) -> None:
        if not pairs:
            raise TrainingError("no training pairs", hint="curate at least one source/reference pair")
        self.patch = patch
        self.device = device
        self.exposure = float(exposure)
        self.sources: list[torch.Tensor] = []
        self.targets: list[torch.Tensor] = []
        self.masks: list[torch.Tensor] = []
        for pair in pairs:
            src = np.ascontiguousarray(pair.source[..., :3], dtype=np.float32)
            cbcr = rgb_to_ycbcr(np.asarray(pair.target[..., :3], dtype=np.float32))[..., 1:]
            mask = np.ones(src.shape[:2], bool) if pair.mask is None else np.asarray(pair.mask, bool)
            if not mask.any():
                raise TrainingError(f"frame {pair.frame}: the training mask excludes every pixel")
            pos = frame_positions(src.shape[0], src.shape[1])
            # Channels 3-4 carry each pixel's frame position, so patches and their flips keep it.
            self.sources.append(
                torch.from_numpy(np.concatenate([src, pos], axis=2)).permute(2, 0, 1).to(device)
            )
            self.targets.append(torch.from_numpy(np.ascontiguousarray(cbcr)).permute(2, 0, 1).to(device))
            self.masks.append(torch.from_numpy(mask[None].astype(np.float32)).to(device))
        self.generator = torch.Generator(device="cpu")
        self.generator.manual_seed(int(seed))

    def _randint(self, high: int) -> int:
        return int(torch.randint(0, max(1, high), (1,), generator=self.generator).item())

    def sample(self, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One batch: source (Bx3xPxP), target CbCr (Bx2xPxP), mask (Bx1xPxP), augmented alike."""
        srcs, tgts, masks = [], [], []
        p = self.patch
        for _ in range(batch):
            i = self._randint(len(self.sources))
            src, tgt, mask = self.sources[i], self.targets[i], self.masks[i]
            for _attempt in range(8):  # prefer patches with enough usable pixels
                y = self._randint(src.shape[1] - p + 1)
                x = self._randint(src.shape[2] - p + 1)
                m = mask[:, y : y + p, x : x + p]
                if float(m.mean()) > 0.25:
                    break
            s, t = src[:, y : y + p, x : x + p], tgt[:, y : y + p, x : x + p]
            k = self._randint(4)
            flip = self._randint(2) == 1
            gain = 1.0 + self.exposure * (2.0 * float(torch.rand(1, generator=self.generator)) - 1.0)
            # Scaling R'G'B' scales Y', Cb and Cr alike, so the target stays the source's exact truth.
            s, t, m = torch.cat([s[:3] * gain, s[3:]]), t * gain, m
            if flip:
                s, t, m = s.flip(-1), t.flip(-1), m.flip(-1)
            if k:
                s, t, m = (torch.rot90(a, k, dims=(1, 2)) for a in (s, t, m))
            srcs.append(s)
            tgts.append(t)
            masks.append(m)
        return torch.stack(srcs), torch.stack(tgts), torch.stack(masks)

    def state(self) -> torch.Tensor:
        """The generator state (for checkpoints)."""
        return self.generator.get_state()

    def set_state(self, state: torch.Tensor) -> None:
        """Restore a generator state saved by ``state``."""
        self.generator.set_state(state)


def masked_l1(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute CbCr error over the pixels where ``mask`` is 1."""
    weight = mask.expand_as(pred)
    return ((pred - target).abs() * weight).sum() / weight.sum().clamp_min(1.0)
