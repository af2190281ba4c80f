"""Fit the MatchGrade baseline: one global 3D LUT from aligned (source, target) training pairs.

Equivalent of Nuke MatchGrade "Match Graded Source" (3D LUT, prelut Logarithmic, reference frames =
training frames): every masked source pixel should map to its target pixel (target = reference in source
geometry). In the shaper domain the LUT ``L`` solves the regularised least-squares problem

    min_L  sum_b w_b |T(x_b) L - y_b|^2  +  lambda * sum_axes |D2 L|^2

where ``T(x)`` holds the trilinear weights of a source colour on its 8 surrounding nodes and ``D2`` are
second differences along r, g and b (a Laplacian-type smoothness prior). The prior is zero for any
affine colour transform, so empty cells are filled by smooth (near-linear) continuation of the data
rather than pulled to grey. To stay fast on millions of pixels the pairs are first averaged in bins a
third of a LUT cell wide (``w_b`` = pixel count), which changes the solution negligibly.

Solver: the sparse normal equations are solved coarse-to-fine (5^3 -> 9^3 -> 17^3 -> 33^3 nodes, the
first level started from a weighted affine fit) by Jacobi-preconditioned conjugate gradients on all
three channels at once. This is the same minimiser ``scipy.sparse.linalg.lsqr`` reaches on the stacked
system; plain LSQR needed >1000 iterations per channel to fill empty cells and its BLAS vector norms
thrashed OpenBLAS threads on a busy 2-core machine (20 s vs ~1 s here for 640k pixels).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._errors import StageError
from ._lut import Lut3D
from ._shaper import shaper_forward

#: Bins per LUT cell and axis used to aggregate pixels before the solve.
BINS_PER_CELL = 3


def _as_list(images: np.ndarray | Sequence[np.ndarray] | None, single_ndim: int) -> list[np.ndarray] | None:
    """One array of ``single_ndim`` dimensions, a stacked array or a sequence -> list of arrays."""
    if images is None:
        return None
    if isinstance(images, np.ndarray) and images.ndim == single_ndim:
        return [images]
    return [np.asarray(image) for image in images]


def _accumulate(
    sources: list[np.ndarray],
    targets: list[np.ndarray],
    masks: list[np.ndarray] | None,
    shaper: str,
    bins: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per-bin pixel count, mean shaped source and mean shaped target of all masked pixels."""
    total = bins**3
    count = np.zeros(total, np.float64)
    sums = np.zeros((6, total), np.float64)
    pixels = 0
    for i, (src, tgt) in enumerate(zip(sources, targets, strict=True)):
        if src.ndim != 3 or src.shape[2] != 3 or src.shape != tgt.shape:
            raise StageError(
                f"pair {i}: source {src.shape} and target {tgt.shape} must be equal HxWx3 images",
                hint="warp the reference into source geometry first (alignment.warp_reference)",
            )
        keep = np.isfinite(src).all(axis=2) & np.isfinite(tgt).all(axis=2)
        if masks is not None:
            if masks[i].shape != src.shape[:2]:
                raise StageError(f"pair {i}: mask {masks[i].shape} does not match image {src.shape[:2]}")
            keep &= masks[i].astype(bool)
        xs = shaper_forward(src[keep], shaper)
        ys = shaper_forward(tgt[keep], shaper)
        q = np.minimum((xs * bins).astype(np.int64), bins - 1)
        flat = (q[:, 0] * bins + q[:, 1]) * bins + q[:, 2]
        count += np.bincount(flat, minlength=total)
        for k in range(3):
            sums[k] += np.bincount(flat, weights=xs[:, k], minlength=total)
            sums[3 + k] += np.bincount(flat, weights=ys[:, k], minlength=total)
        pixels += int(flat.size)
    occupied = count > 0
    n = count[occupied]
    means = sums[:, occupied] / n
    return n, means[:3].T, means[3:].T, pixels


def _trilinear_matrix(x: np.ndarray, size: int) -> sp.csr_matrix:
    """Sparse (len(x), size**3) matrix of trilinear weights of points ``x`` in 0..1."""
    scaled = np.clip(x, 0.0, 1.0) * (size - 1)
    base = np.minimum(scaled.astype(np.int64), size - 2)
    frac = scaled - base
    cols, vals = [], []
    for dr in (0, 1):
        for dg in (0, 1):
            for db in (0, 1):
                idx = ((base[:, 0] + dr) * size + base[:, 1] + dg) * size + base[:, 2] + db
                w = (
                    (frac[:, 0] if dr else 1 - frac[:, 0])
                    * (frac[:, 1] if dg else 1 - frac[:, 1])
                    * (frac[:, 2] if db else 1 - frac[:, 2])
                )
                cols.append(idx)
                vals.append(w)
    rows = np.repeat(np.arange(len(x)), 8).reshape(-1, 8).T.ravel()
    return sp.csr_matrix((np.concatenate(vals), (rows, np.concatenate(cols))), shape=(len(x), size**3))


def _second_differences(size: int) -> sp.csr_matrix:
    """Stacked second-difference operators along r, g and b of a (size, size, size) grid."""
    d1 = sp.diags([1.0, -2.0, 1.0], [0, 1, 2], shape=(size - 2, size))
    eye = sp.identity(size, format="csr")
    ops = [
        sp.kron(sp.kron(d1, eye), eye),
        sp.kron(sp.kron(eye, d1), eye),
        sp.kron(sp.kron(eye, eye), d1),
    ]
    return sp.vstack(ops, format="csr")


def _levels(size: int) -> list[int]:
    """Grid sizes of the coarse-to-fine pyramid ending at ``size`` (e.g. 33 -> [5, 9, 17, 33])."""
    levels = [size]
    while levels[-1] > 5 and (levels[-1] - 1) % 2 == 0:
        levels.append((levels[-1] - 1) // 2 + 1)
    return levels[::-1]


def _affine_nodes(affine: np.ndarray, size: int) -> np.ndarray:
    axis = np.linspace(0.0, 1.0, size)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    return np.hstack([grid, np.ones((size**3, 1))]) @ affine


def _upsample(table: np.ndarray, size: int) -> np.ndarray:
    """Trilinear resampling of a flat (n**3, 3) table onto ``size`` nodes per axis."""
    n = round(len(table) ** (1 / 3))
    axis = np.linspace(0.0, 1.0, size)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    return np.asarray(_trilinear_matrix(grid, n) @ table)


def _solve_level(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, size: int, smoothness: float, x0: np.ndarray, limit: int
) -> tuple[np.ndarray, int]:
    """Solve one pyramid level from ``x0``; returns (flat table, iterations).

    Normal equations ``(T' W T + lambda D2' D2) L = T' W y`` for the three channels at once by
    Jacobi-preconditioned conjugate gradients (same minimiser as LSQR on the stacked system). Reductions
    use ``einsum`` instead of BLAS so that OpenBLAS threads cannot thrash on a small, busy machine.
    """
    trilin = _trilinear_matrix(x, size)
    d2 = _second_differences(size)
    normal = (trilin.T @ trilin.multiply(w[:, None]) + smoothness * (d2.T @ d2)).tocsr()
    rhs = np.asarray(trilin.T @ (y * w[:, None]))
    inv_diag = (1.0 / np.maximum(normal.diagonal(), 1e-12))[:, None]
    table = x0.astype(np.float64, copy=True)
    r = rhs - normal @ table
    z = inv_diag * r
    p = z.copy()
    rz = np.einsum("ij,ij->j", r, z)
    stop = 1e-13 * max(float(np.einsum("ij,ij->", rhs, rhs)), 1e-30)
    steps = 0
    for steps in range(1, limit + 1):  # noqa: B007 - the count is returned
        q = normal @ p
        alpha = rz / np.maximum(np.einsum("ij,ij->j", p, q), 1e-300)
        table += alpha * p
        r -= alpha * q
        if float(np.einsum("ij,ij->", r, r)) < stop:
            break
        z = inv_diag * r
        rz_new = np.einsum("ij,ij->j", r, z)
        p = z + (rz_new / np.maximum(rz, 1e-300)) * p
        rz = rz_new
    return table, steps


def fit_lut(
    sources: np.ndarray | Sequence[np.ndarray],
    targets: np.ndarray | Sequence[np.ndarray],
    masks: np.ndarray | Sequence[np.ndarray] | None = None,
    size: int = 33,
    log: bool = True,
    smoothness: float = 0.03,
    iterations: int = 1000,
) -> Lut3D:
    """Fit a MatchGrade-style 3D LUT mapping source R'G'B' to target R'G'B'.

    Args:
        sources: display-referred Rec.709 HxWx3 float images (the faded scans), one or a list.
        targets: same-shaped targets (reference warped into source geometry, or ground truth).
        masks: optional HxW bool per pair (True = usable pixel, e.g. ``alignment.training_mask``).
        size: nodes per axis (33 like a Resolve LUT; Nuke's default ``lutres`` is 32).
        log: fit through the log2 shaper (MatchGrade ``prelut`` Logarithmic) rather than in display.
        smoothness: weight of the second-difference prior relative to the data (pixel weights are
            normalised to sum to the node count). Larger values give a smoother, more global grade.
        iterations: conjugate-gradient iteration limit per pyramid level.

    Returns:
        The fitted :class:`Lut3D` (log-domain table kept; ``write_cube`` bakes the shaper), with
        ``fit_info``: pixels, bins, rms residual of the bin means in the shaper domain, seconds.

    Raises:
        StageError: shapes differ, counts differ or no usable pixel remains.
    """
    start = time.perf_counter()
    if size < 2 or size > 129:
        raise StageError(f"LUT size {size} out of range", hint="use 17, 33 or 65")
    srcs, tgts, msks = _as_list(sources, 3), _as_list(targets, 3), _as_list(masks, 2)
    assert srcs is not None and tgts is not None
    if len(srcs) != len(tgts) or (msks is not None and len(msks) != len(srcs)):
        raise StageError(
            f"fit_lut: {len(srcs)} sources, {len(tgts)} targets, {len(msks) if msks else 0} masks",
            hint="pass one target (and mask) per source frame",
        )
    shaper = "log2" if log else "none"
    bins = (size - 1) * BINS_PER_CELL
    weight, x, y, pixels = _accumulate(srcs, tgts, msks, shaper, bins)
    if pixels == 0:
        raise StageError("fit_lut: no usable pixel (masks empty?)", hint="check the training masks and crop")
    nodes = size**3
    w = weight * (nodes / weight.sum())

    # Weighted affine fit: the starting point and the continuation into empty regions.
    design = np.hstack([x, np.ones((len(x), 1))])
    sqrt_w = np.sqrt(w)[:, None]
    affine, *_ = np.linalg.lstsq(design * sqrt_w, y * sqrt_w, rcond=None)

    # Coarse-to-fine: solve on 5^3, 9^3, ... nodes, each level starting from the previous one
    # upsampled (the first from the affine fit); preconditioned CG then converges in ~100 steps.
    levels = _levels(size)
    table = _affine_nodes(affine, levels[0])
    used = 0
    for level in levels:
        if table.shape[0] != level**3:
            table = _upsample(table, level)
        table, steps = _solve_level(x, y, w, level, smoothness, table, iterations)
        used += steps
    table = np.clip(table, 0.0, 1.0)
    predicted = _trilinear_matrix(x, size) @ table
    rms = float(np.sqrt(np.average(((predicted - y) ** 2).sum(axis=1), weights=weight)))
    info = {
        "pixels": float(pixels),
        "bins": float(len(x)),
        "cg_iterations": float(used),
        "rms_shaped": rms,
        "smoothness": float(smoothness),
        "seconds": time.perf_counter() - start,
    }
    title = f"chroma-recovery MatchGrade {size}^3 {'log2' if log else 'display'}"
    return Lut3D(
        table.reshape(size, size, size, 3).astype(np.float32), shaper=shaper, title=title, fit_info=info
    )
