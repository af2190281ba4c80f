"""A blur-consistent start for the model's LUT: fit what, once softened like the reference, matches it.

The reference is softer than the scan (video resolution, 4:2:0 chroma, compression, the median
clean-up), so a colour mapping fitted pixel by pixel learns desaturation wherever colour changes.
``flat_mask`` avoids that by fitting only flat regions, at the price of colours that only occur in
texture. This module refits the LUT on every usable pixel instead, comparing the prediction *after* a
Gaussian blur of the reference's softness with the reference:

    min_L  mean_pixels |G_sigma * pool_k(LUT_L(scan)) - pool_k(ref_CbCr)|^2 + lambda * |D2 L|^2

(D2: second differences over the LUT's three axes, the same prior as the MatchGrade fit), solved by
L-BFGS from the flat-region fit. The LUT is always applied to the full-resolution scan (it is a
per-pixel colour mapping); both sides are then area-pooled by ``k`` to a working width of about
``WORK_WIDTH`` px, so the blur search, the blur itself and the cost are the same at 384 px and at 4K.
``sigma`` is measured per shot: the blur under which the flat-region fit's prediction best matches the
reference (a 1-D search in working pixels), so no knowledge of the reference's origin is needed.
Where the reference's highlights are blown out (``TrainingPair.blown``) its colour is the clip's, not
the film's: those working pixels and a ``BLOWN_MARGIN`` around them are left out of the cost (their
prediction still enters the blur of their neighbours).

Measured on the severe synthetic shot (384x288, held-out dE00 of the LUT alone): flat-region fit
1.91, blur-consistent 1.82 (sigma found 2.5 px). A first version searched sigma in full-resolution
pixels (<= 5 px) on 384-px tiles: at 2K it found too small a blur on 5 % of the frame and made the
model worse than the LUT baseline; working-width pooling over whole frames is the fix.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - the PyTorch convention

from ..colour import rgb_to_ycbcr

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ._model import ChromaNet
    from ._truth import TrainingPair

#: Width (px) both sides are area-pooled to before blurring and comparing (integer factors only).
WORK_WIDTH = 512
#: Blurs (working px) tried when measuring the reference's softness: up to 2.5 % of the working width.
SIGMAS: tuple[float, ...] = tuple(float(s) for s in np.arange(0.0, 12.01, 0.5))
#: Weight of the second-difference prior against the mean squared CbCr error. The LUT's axes are the
#: stretched input ranges (``_input_range``), so a node spans fewer stops than on the plain shaper and
#: the same physical smoothness needs a larger weight (about the stretch squared per axis). A stiffer
#: LUT trades fit for robustness to the soft reference; 3e-4 scored best of 1e-4 / 3e-4 / 6e-4 on four
#: synthetic shots (docs/experiments.md).
PRIOR = 3e-4
#: L-BFGS iterations: the refit has not converged at 60; 400 scored best of 60 / 200 / 400 on four
#: synthetic shots (800 was no better). About 0.06 s an evaluation of 4 pairs at 768x584 on a 2-core CPU.
ITERATIONS = 400
#: Full-resolution pixels around the reference's blown highlights (``blown_highlights``) left out of
#: the cost too: the reference's softness spreads the clip's loss of colour into them, while a wider
#: margin also drops the bright colours next to the clip. The margin is counted in full-resolution
#: pixels so it means the same at every frame size (docs/bench/blown_2k_probe_h200.json). A working
#: pixel is left out when more than ``BLOWN_SHARE`` of its k x k block is.
BLOWN_MARGIN = 1
BLOWN_SHARE = 0.5


def pool_factor(width: int) -> int:
    """Integer area-pooling factor that brings ``width`` to at most about ``WORK_WIDTH`` px."""
    return max(1, math.ceil(width / WORK_WIDTH))


def _kernel(sigma: float, like: torch.Tensor) -> tuple[torch.Tensor, int]:
    radius = int(math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=like.dtype, device=like.device)
    k = torch.exp(-(x**2) / (2 * sigma * sigma))
    return k / k.sum(), radius


def gaussian_blur(t: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of an NxCxHxW tensor (replicate borders); sigma 0 = unchanged."""
    if sigma <= 0:
        return t
    k, radius = _kernel(sigma, t)
    c = t.shape[1]
    t = F.conv2d(
        F.pad(t, [radius, radius, 0, 0], mode="replicate"), k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c
    )
    return F.conv2d(
        F.pad(t, [0, 0, radius, radius], mode="replicate"), k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c
    )


def gaussian_blur_adjoint(t: torch.Tensor, sigma: float) -> torch.Tensor:
    """The transpose of ``gaussian_blur`` applied to ``t``: what a gradient at the blur's output is at
    its input (the replicated border pixels hand their share back to the edge pixel)."""
    if sigma <= 0:
        return t
    k, radius = _kernel(sigma, t)
    c = t.shape[1]
    t = F.conv_transpose2d(t, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # rows: H + 2R
    t = _fold(t, radius, dim=2)
    t = F.conv_transpose2d(t, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)  # columns: W + 2R
    return _fold(t, radius, dim=3)


def _fold(t: torch.Tensor, radius: int, dim: int) -> torch.Tensor:
    """A gradient over the replicate-padded axis ``dim`` back onto the unpadded one."""
    size = t.shape[dim] - 2 * radius
    inner = t.narrow(dim, radius, size).clone()
    inner.narrow(dim, 0, 1).add_(t.narrow(dim, 0, radius).sum(dim, keepdim=True))
    inner.narrow(dim, size - 1, 1).add_(t.narrow(dim, radius + size, radius).sum(dim, keepdim=True))
    return inner


def sample_step(k: int) -> int:
    """Stride of the scan pixels the LUT is evaluated on inside each k x k block (a divisor of k)."""
    return k // 2 if k >= 4 and k % 2 == 0 else 1


class Sample:
    """One pair on the device: the scan (-1..1), the pooled target CbCr and the pooled usable mask (a
    working pixel is usable only if all its full-resolution pixels are).

    The prediction of a working pixel is the mean of the LUT over its k x k block; from k = 4 (2K and
    up) the LUT is evaluated on every ``sample_step(k)``-th pixel of the block (4 of 16 at 2K): an
    unbiased estimate of the block mean at a quarter of the LUT work (2K, 4 pairs, 2-core CPU: start
    77 s instead of 308 s, held-out dE00 of the start 1.32 vs 1.34; the flat-region start alone 1.37).
    """

    def __init__(self, pair: TrainingPair, usable: np.ndarray | None, device: torch.device):
        height, width = pair.source.shape[:2]
        self.k = pool_factor(width)
        self.step = sample_step(self.k)
        src = np.ascontiguousarray(pair.source[..., :3], dtype=np.float32)
        tgt = np.ascontiguousarray(rgb_to_ycbcr(pair.target[..., :3])[..., 1:], dtype=np.float32)
        full = np.ones((height, width), bool) if usable is None else np.asarray(usable, bool)
        rows, cols = (height // self.k) * self.k, (width // self.k) * self.k  # whole blocks only
        sub = np.ascontiguousarray(src[: rows : self.step, : cols : self.step])
        self.x = torch.from_numpy(sub).permute(2, 0, 1)[None].to(device) * 2.0 - 1.0
        self.target = self.pool(torch.from_numpy(tgt).permute(2, 0, 1)[None].to(device))
        bad = torch.from_numpy((~full).astype(np.float32))[None, None].to(device)
        self.mask = (self.pool(bad) == 0).cpu().numpy()[0, 0]
        self.blown = np.zeros_like(self.mask)  # working pixels mostly blown or next to blown pixels
        if pair.blown is not None and pair.blown.any():
            size = 2 * BLOWN_MARGIN + 1
            near = cv2.dilate(np.asarray(pair.blown, np.uint8), np.ones((size, size), np.uint8))
            near_t = torch.from_numpy(near[:rows, :cols].astype(np.float32))[None, None].to(device)
            self.blown = (self.pool(near_t) > BLOWN_SHARE).cpu().numpy()[0, 0]

    def pool(self, t: torch.Tensor) -> torch.Tensor:
        """Full-resolution NxCxHxW -> working size (k x k block means)."""
        return F.avg_pool2d(t, self.k) if self.k > 1 else t

    def bind(self, model: ChromaNet) -> None:
        """Fix the LUT coordinates of the sampled pixels (the input range no longer moves): from now on
        ``predict`` looks the LUT up with ``LutLookup`` instead of ``model.lut_chroma``."""
        self.lookup = LutLookup(model, self.x, self.k // self.step)

    def predict(self, model: ChromaNet) -> torch.Tensor:
        """The LUT's CbCr on the scan's sampled pixels, averaged per block: the working-size prediction."""
        lookup: LutLookup | None = getattr(self, "lookup", None)
        if lookup is not None:
            return lookup(model.lut)  # pooled inside the lookup
        out = model.lut_chroma(self.x)
        size = self.k // self.step
        return F.avg_pool2d(out, size) if size > 1 else out

    def weights(self, sigma: float) -> torch.Tensor:
        """Usable working pixels whose whole blur footprint is usable and inside the frame, away from the
        reference's blown highlights (the footprint may hold them: the prediction is valid there)."""
        radius = int(math.ceil(3 * sigma)) if sigma > 0 else 0
        keep = self.mask.astype(np.uint8)
        if radius:
            keep = cv2.erode(keep, np.ones((2 * radius + 1, 2 * radius + 1), np.uint8))
            keep[:radius], keep[-radius:], keep[:, :radius], keep[:, -radius:] = 0, 0, 0, 0
        keep[self.blown] = 0
        return torch.from_numpy(keep.astype(np.float32))[None, None].to(self.x.device)


def _product(matrix: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """``rows`` (C x N) through the sparse ``matrix`` (P x N): C x P."""
    return torch.sparse.mm(matrix, rows.t().contiguous()).t()


class _Linear(torch.autograd.Function):
    """``table`` (C x N) through a fixed sparse ``matrix`` (P x N): C x P; the gradient goes back
    through its precomputed transpose (N x P), so neither direction scatters or sorts per call."""

    @staticmethod
    def forward(ctx, table: torch.Tensor, matrix: torch.Tensor, transposed: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.transposed = transposed
        return _product(matrix, table)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:  # type: ignore[override]
        return _product(ctx.transposed, grad), None, None


class LutLookup:
    """``model.lut_chroma`` of a fixed image ``xn``, area-pooled by ``pool``, as a function of the LUT alone.

    The refit evaluates the LUT at the same pixels hundreds of times while only the table changes, so
    the pixels' coordinates (the shaper and the input range, ``lut_coords``) are computed once, with
    their 8 nodes and trilinear weights (``grid_sample``'s, align_corners and border padding: the same
    values to float rounding). Lookup and pooling together are one fixed linear map from the table's
    nodes to the pooled pixels, kept as a sparse matrix whose entries for the same node inside a pooling
    block are summed once: a call is one sparse product, its gradient one with the transpose. Refit of a
    640x272 shot on a 2-core CPU: a lookup with its gradient 0.12 s as a gather with a bincount gradient,
    0.33 s through ``grid_sample``; at 768x584 pooled by 2, 0.041 s -> 0.010 s as the sparse product.
    """

    def __init__(self, model: ChromaNet, xn: torch.Tensor, pool: int = 1) -> None:
        n = model.lut_size
        height, width = xn.shape[2], xn.shape[3]
        if height % pool or width % pool:
            raise ValueError(f"{width}x{height} is not whole {pool}x{pool} blocks")
        with torch.no_grad():
            coords = model.lut_coords(xn)[0] * 2.0 - 1.0  # 3 x h x w, (r, g, b) as grid_sample's (x, y, z)
            pos = ((coords + 1.0) / 2.0) * (n - 1)  # grid_sample's unnormalisation (align_corners=True)
            low = pos.floor().clamp(0, n - 2)
            frac = pos - low
        low = low.long()
        index, weight = [], []
        for db in (0, 1):
            for dg in (0, 1):
                for dr in (0, 1):
                    node = ((low[2] + db) * n + (low[1] + dg)) * n + (
                        low[0] + dr
                    )  # (blue, green, red) layout
                    w = (frac[2] if db else 1 - frac[2]) * (frac[1] if dg else 1 - frac[1])
                    index.append(node.reshape(-1))
                    weight.append((w * (frac[0] if dr else 1 - frac[0])).reshape(-1))
        # Sparse products run on CPU and CUDA; elsewhere (MPS) the table goes to the CPU and back.
        device = xn.device if xn.device.type in ("cpu", "cuda") else torch.device("cpu")
        yy = torch.arange(height, device=device) // pool
        xx = torch.arange(width, device=device) // pool
        pixel = (yy[:, None] * (width // pool) + xx[None, :]).reshape(-1)  # the pooled pixel of each
        rows = pixel[:, None].expand(-1, 8).reshape(-1)
        cols = torch.stack(index, 1).reshape(-1).to(device)
        values = torch.stack(weight, 1).reshape(-1).to(device) / float(pool * pool)
        shape = ((height // pool) * (width // pool), n**3)
        with warnings.catch_warnings():  # the sparse layouts' "beta" notice
            warnings.simplefilter("ignore", UserWarning)
            coo = torch.sparse_coo_tensor(torch.stack([rows, cols]), values, shape).coalesce()
            self.matrix = coo.to_sparse_csr()
            csc = coo.to_sparse_csc()  # the transpose's CSR arrays
            self.transposed = torch.sparse_csr_tensor(
                csc.ccol_indices(), csc.row_indices(), csc.values(), (shape[1], shape[0])
            )
        self.shape = (1, 2, height // pool, width // pool)

    @property
    def entries(self) -> int:
        """Stored (pooled pixel, node) weights."""
        return int(self.matrix.values().numel())

    def __call__(self, lut: torch.Tensor) -> torch.Tensor:
        """CbCr (1 x 2 x h/pool x w/pool) of the image through ``lut`` (1 x 2 x n x n x n)."""
        table = lut.reshape(lut.shape[1], -1).to(self.matrix.device)
        return _Linear.apply(table, self.matrix, self.transposed).reshape(self.shape).to(lut.device)

    def adjoint(self, grad: torch.Tensor) -> torch.Tensor:
        """The table's gradient (2 x n**3) from one at the output (1 x 2 x h/pool x w/pool)."""
        flat = grad.reshape(grad.shape[1], -1).to(self.matrix.device)
        return _product(self.transposed, flat).to(grad.device)


def _second_differences(table: torch.Tensor) -> torch.Tensor:
    """Sum of squared second differences along the LUT's three axes: the prior ``matchgrade`` builds as a
    sparse matrix for its linear solve, here on the 1xCxNxNxN tensor so autograd can differentiate it."""
    total = table.new_zeros(())
    for dim in (2, 3, 4):
        n = table.shape[dim] - 2
        a, b, c = table.narrow(dim, 0, n), table.narrow(dim, 1, n), table.narrow(dim, 2, n)
        total = total + ((a - 2 * b + c) ** 2).sum()
    return total


def refit_cost(
    lut: torch.Tensor, samples: list[Sample], weights: list[torch.Tensor], sigma: float, count: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The refit's cost at ``lut`` and its gradient, the data term's worked out by hand: the blurred
    prediction's weighted residual goes back through the blur's transpose and the lookup's (no autograd
    graph over the frames; the prior's gradient on the small table comes from autograd)."""
    with torch.enable_grad():
        table = lut.detach().requires_grad_(True)
        prior = _second_differences(table) * PRIOR
        (grad,) = torch.autograd.grad(prior, table)
    loss = prior.detach()
    with torch.no_grad():
        for s, w in zip(samples, weights, strict=True):
            lookup: LutLookup = s.lookup
            residual = gaussian_blur(lookup(table), sigma) - s.target
            weighted = residual * w
            loss = loss + (weighted * residual).sum() / count
            back = gaussian_blur_adjoint(weighted * (2.0 / count), sigma)
            grad = grad + lookup.adjoint(back).reshape(grad.shape)
    return loss, grad


def estimate_blur(model: ChromaNet, samples: list[Sample]) -> float:
    """The reference's softness in working px: the blur of the current LUT's prediction closest to it."""
    from ..logs import ProgressLog

    lines = ProgressLog("blur candidates tried", len(SIGMAS), label="start fit blur")
    errors = {}
    with torch.no_grad():
        predictions = [s.predict(model) for s in samples]
        weights = [s.weights(max(SIGMAS)) for s in samples]  # the same pixels score every candidate
        den = sum(float(w.sum()) for w in weights)
        if den <= 0:
            return 0.0
        for sigma in SIGMAS:
            num = sum(
                float((((gaussian_blur(p, sigma) - s.target) ** 2) * w).sum())
                for p, s, w in zip(predictions, samples, weights, strict=True)
            )
            errors[sigma] = num / den
            lines.update(len(errors))
    return min(errors, key=lambda s: errors[s])


def fit_blur_consistent(
    model: ChromaNet, pairs: list[TrainingPair], usable: list[np.ndarray | None]
) -> float:
    """Refit ``model.lut`` (in place) so that its prediction, blurred like the reference, matches it.

    Returns the blur that was measured and used, in full-resolution px; 0 = the reference is as sharp
    as the scan (or too little of it is usable), and the LUT is left as it was.
    """
    device = model.lut.device
    samples = [Sample(p, m, device) for p, m in zip(pairs, usable, strict=True)]
    sigma = estimate_blur(model, samples)
    if sigma <= 0:
        return 0.0
    weights = [s.weights(sigma) for s in samples]
    count = sum(float(w.sum()) for w in weights)
    if count < 1:
        return 0.0
    from ..logs import ProgressLog

    for sample in samples:
        sample.bind(model)
    max_eval = ITERATIONS * 5 // 4  # LBFGS's default bound on evaluations
    optimizer = torch.optim.LBFGS(
        [model.lut],
        lr=1.0,
        max_iter=ITERATIONS,
        max_eval=max_eval,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    lines = ProgressLog("refit evaluations", max_eval, label="start fit refit")
    evaluations = 0

    def closure() -> torch.Tensor:
        nonlocal evaluations
        evaluations += 1
        lines.update(evaluations)
        loss, model.lut.grad = refit_cost(model.lut.detach(), samples, weights, sigma, count)
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]
    lines.logger.info("refit stopped after %d of at most %d evaluations", evaluations, max_eval)
    return sigma * samples[0].k
