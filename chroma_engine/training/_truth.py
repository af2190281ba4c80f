"""Ground truth for training: the scan's own Y' with the median-cleaned reference's CbCr.

CopyCat practice (Phase 2, stage 03) builds the target as ``Copy Y from SRC`` onto the reference in
Y'CbCr, then clamps to 0-1. Clamping R'G'B' channels independently would change Y' wherever the
combination is out of gamut, so here the target is brought into 0-1 by scaling its CbCr towards
grey instead (per pixel, the largest scale that keeps R', G' and B' in 0-1): Y' is kept exactly
and hue is preserved, only saturation is reduced where the reference's colour cannot exist at the
scan's luma.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import StageError
from ..colour import luma, matrices, rgb_to_ycbcr
from ._median import median_clean


@dataclass(frozen=True)
class TrainingPair:
    """One aligned training pair, in source geometry.

    Attributes:
        frame: source frame number.
        source: the scan, float32 HxWx3 display-referred R'G'B' (the model input).
        target: ground truth, float32 HxWx3 (``ground_truth`` of the source and warped reference).
        mask: bool HxW, True where the pixel may be learned from; None = every pixel.
        blown: bool HxW, True where the reference's highlights are blown out (``blown_highlights``):
            its chroma there is no information, only the clip; None = nowhere.
    """

    frame: int
    source: np.ndarray
    target: np.ndarray
    mask: np.ndarray | None = None
    blown: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.source.ndim != 3 or self.source.shape[2] < 3:
            raise StageError(f"frame {self.frame}: source must be HxWx3, got {self.source.shape}")
        if self.target.shape[:2] != self.source.shape[:2]:
            raise StageError(
                f"frame {self.frame}: target {self.target.shape[:2]} != source {self.source.shape[:2]}",
                hint="warp the reference into source geometry before building the ground truth",
            )
        for name in ("mask", "blown"):
            value = getattr(self, name)
            if value is not None and value.shape != self.source.shape[:2]:
                raise StageError(
                    f"frame {self.frame}: {name} {value.shape} != source {self.source.shape[:2]}"
                )


def gamut_fit_chroma(y: np.ndarray, cbcr: np.ndarray) -> np.ndarray:
    """Scale CbCr towards grey so that Y' + CbCr decodes inside 0-1 R'G'B' (Y' must be in 0-1).

    Args:
        y: Y' values, shape (...).
        cbcr: Cb, Cr, shape (..., 2).

    Returns:
        scaled CbCr (float32), same shape.
    """
    _, from_ycc = matrices()
    # R'G'B' = Y' * 1 + A @ (Cb, Cr); each channel c must satisfy 0 <= Y' + d_c <= 1.
    delta = np.einsum("...k,ck->...c", cbcr.astype(np.float64), from_ycc[:, 1:].astype(np.float64))
    yy = y.astype(np.float64)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(delta > 1e-12, (1.0 - yy) / delta, np.inf)
        down = np.where(delta < -1e-12, yy / -delta, np.inf)
    scale = np.clip(np.minimum(up, down).min(axis=-1), 0.0, 1.0)
    # A hair under the bound so float32 rounding cannot leave the unit cube.
    return (cbcr * (scale * (1.0 - 1e-6))[..., None]).astype(np.float32)


def ground_truth(src: np.ndarray, ref_warped: np.ndarray, median_size: int = 10) -> np.ndarray:
    """The training target: source Y' + median-cleaned reference CbCr, in 0-1, no alpha.

    Args:
        src: the scan, HxWx3(+) display-referred R'G'B'.
        ref_warped: the reference already in source geometry, HxWx3(+).
        median_size: median window for the reference (0 = no clean-up).

    Returns:
        float32 HxWx3 R'G'B' in 0-1 whose Y' equals ``clip(luma(src), 0, 1)`` (to float32 precision).
    """
    if src.shape[:2] != ref_warped.shape[:2]:
        raise StageError(
            f"ground_truth: reference {ref_warped.shape[:2]} is not in source geometry {src.shape[:2]}",
            hint="warp the reference with chroma_engine.alignment.warp_reference first",
        )
    src3 = np.asarray(src[..., :3], dtype=np.float32)
    ref3 = np.asarray(ref_warped[..., :3], dtype=np.float32)
    ref_clean = median_clean(ref3, median_size) if median_size > 1 else ref3
    y = np.clip(luma(np.nan_to_num(src3)), 0.0, 1.0)
    cbcr = rgb_to_ycbcr(np.nan_to_num(ref_clean))[..., 1:]
    cbcr = gamut_fit_chroma(y, cbcr)
    _, from_ycc = matrices()
    ycc = np.concatenate([y[..., None], cbcr], axis=-1).astype(np.float64)
    rgb = np.einsum("...k,ck->...c", ycc, from_ycc.astype(np.float64))
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


#: A reference pixel whose brightest R'G'B' channel reaches this is taken as blown out (clipped white).
BLOWN_LEVEL = 0.98


def blown_highlights(reference: np.ndarray) -> np.ndarray:
    """Bool HxW: where the reference (in source geometry, before the median clean-up) is blown out.

    A video reference graded brighter than the film clips its highlights: the colour there is whatever
    survived the clip, mostly none, and the reference's softness spreads that loss around them (see
    ``_degradation``, which leaves these pixels and a margin out of its fit). Measured on the severe
    synthetic shot: the reference's brightest channel is >= 0.98 on 78 % of the pixels whose true Y' is
    above 0.93, where the start predicted a tenth of the true chroma (the fit on TRUTH: 0.88).
    """
    ref = np.nan_to_num(np.asarray(reference[..., :3], dtype=np.float32))
    return np.asarray(ref.max(axis=-1) >= BLOWN_LEVEL)


def reference_pair(
    frame: int,
    model_input: np.ndarray,
    scan: np.ndarray,
    reference: np.ndarray,
    median_size: int,
    mask: np.ndarray | None = None,
) -> TrainingPair:
    """The training pair of a scan and its reference (in source geometry): target ``ground_truth``, the
    reference's blown highlights marked; ``model_input`` is the scan or its temporal mean."""
    return TrainingPair(
        frame=frame,
        source=model_input,
        target=ground_truth(scan, reference, median_size),
        mask=mask,
        blown=blown_highlights(reference),
    )


#: Fraction of usable pixels kept by ``flat_mask``: the flattest 60 % (measured best on the severe
#: synthetic shot: held-out dE00 of the initial global fit 2.39 -> 2.11; 40 % loses colour coverage).
FLAT_KEEP = 0.6


def flat_mask(
    source: np.ndarray, target: np.ndarray, mask: np.ndarray | None, keep: float = FLAT_KEEP
) -> np.ndarray:
    """Usable pixels restricted to the flattest ``keep`` fraction (by local colour variation).

    The reference is softer than the scan (video resolution, compression, the median clean-up), so its
    chroma is wrong near edges in a way a per-pixel colour mapping would learn as desaturation. In flat
    regions the blur changes nothing, so training there is unbiased. Variation = local standard
    deviation (5x5) of the lightly blurred scan R'G'B' plus that of the target's CbCr.
    """
    import cv2

    from ..colour import rgb_to_ycbcr

    def local_std(image: np.ndarray) -> np.ndarray:
        mean = cv2.blur(image, (5, 5))
        mean_sq = cv2.blur(image * image, (5, 5))
        return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0)).sum(axis=-1)

    src = np.ascontiguousarray(source[..., :3], dtype=np.float32)
    variation = local_std(cv2.GaussianBlur(src, (0, 0), 1.0))
    variation += local_std(np.ascontiguousarray(rgb_to_ycbcr(target[..., :3])[..., 1:]))
    usable = np.ones(variation.shape, bool) if mask is None else np.asarray(mask, bool)
    if keep >= 1.0 or not usable.any():
        return usable
    return usable & (variation <= np.quantile(variation[usable], keep))
