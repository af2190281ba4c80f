"""The model's start: the closed-form MatchGrade LUT and positional grid fitted on the pairs, or the
weights of ``training.initial_weights``."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from schemas import ShotJob

from .._errors import TrainingError
from ._input_range import fit_input_range, stretched_display
from ._model import ChromaNet, lut_nodes, set_field, set_input_range, set_lut
from ._recipe import LUT_INIT_SMOOTHNESS
from ._truth import TrainingPair

#: Gaussian radius (fraction of the frame width) pooling the LUT's residual into the positional grid.
FIELD_SIGMA = 0.04
_log = logging.getLogger(__name__)


def initial_state(path: str, job: ShotJob) -> dict[str, Any]:
    """The saved model of ``training.initial_weights`` (relative paths are under the project root)."""
    root = Path(job.project.root)
    source = Path(path) if Path(path).is_absolute() else root / path
    try:
        return torch.load(str(source), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise TrainingError(
            f"training.initial_weights: cannot read {source} ({exc})", hint="point it at a chroma model .pt"
        ) from exc


def init_global_lut(
    model: ChromaNet,
    pairs: list[TrainingPair],
    usable: list[np.ndarray | None] | None = None,
    smoothness: float = LUT_INIT_SMOOTHNESS,
    grid: bool = True,
) -> float:
    """Start the model's global LUT and positional grid from the pairs; returns the reference blur used.

    Each channel's input range is measured on the pairs' scans first (``_input_range``: the LUT's
    nodes span the scan's values). The LUT is the least-squares log-shaper fit of the MatchGrade
    baseline, in that stretched domain, with a stiffer prior (``smoothness``, default
    ``LUT_INIT_SMOOTHNESS``) on the pairs' masks. With ``usable`` (the pairs' full training masks) it
    is then refitted blur-consistently on every usable pixel (``_degradation``). ``train`` passes the
    usable masks for both: on the temporal-mean input, restricting the first fit to flat regions
    (``flat_mask``) makes a worse start (four 384x288 shots, 400 refit iterations: mean held-out dE00
    1.405 flattest 60 % vs 1.377 all usable pixels; better on all four).
    The grid then holds the LUT's residual (target - LUT CbCr) averaged over the pairs' masks with a
    wide Gaussian (``FIELD_SIGMA``): what stays put in the frame while the picture moves is uneven
    fading, not picture content. With ``grid`` False the grid stays zero.
    """
    import cv2

    from ..colour import rgb_to_ycbcr
    from ..matchgrade import fit_lut
    from ._degradation import fit_blur_consistent

    started = time.monotonic()
    _log.info("start fit: closed-form LUT and positional grid on %d pair(s)", len(pairs))
    masks = [p.mask for p in pairs] if all(p.mask is not None for p in pairs) else None
    covered = usable if usable is not None else [p.mask for p in pairs]
    set_input_range(model, fit_input_range([p.source for p in pairs], covered))
    lut = fit_lut(
        [stretched_display(model, p.source) for p in pairs],
        [p.target[..., :3] for p in pairs],
        masks,  # type: ignore[arg-type]
        size=model.lut_size,
        log=True,
        smoothness=smoothness,
    )
    nodes = lut_nodes(model).numpy()
    cbcr = rgb_to_ycbcr(lut.apply(nodes.reshape(1, -1, 3)).reshape(nodes.shape))[..., 1:]
    set_lut(model, torch.from_numpy(np.ascontiguousarray(cbcr)))
    _log.info("start fit: least-squares LUT in %.1fs", time.monotonic() - started)
    blur = fit_blur_consistent(model, pairs, usable) if usable is not None else 0.0
    shapes = {p.source.shape[:2] for p in pairs}
    if not grid or len(shapes) != 1:  # positions are frame-relative; mixed sizes share no pixel grid
        _log.info("start fit done in %.1fs (reference blur %.2f px)", time.monotonic() - started, blur)
        return blur
    height, width = shapes.pop()
    sigma = FIELD_SIGMA * width
    residual = np.zeros((height, width, 2), np.float32)
    weight = np.zeros((height, width), np.float32)
    for pair in pairs:
        use = np.ones((height, width), np.float32) if pair.mask is None else pair.mask.astype(np.float32)
        with torch.no_grad():
            src = torch.from_numpy(np.ascontiguousarray(pair.source[..., :3], dtype=np.float32))
            xn = src.permute(2, 0, 1).unsqueeze(0).to(model.lut.device) * 2.0 - 1.0
            fitted = model.lut_chroma(xn.clamp(-1.0, 1.0))[0].permute(1, 2, 0).cpu().numpy()
        diff = rgb_to_ycbcr(pair.target[..., :3])[..., 1:] - fitted
        residual += cv2.GaussianBlur(
            np.ascontiguousarray(diff * use[..., None], dtype=np.float32), (0, 0), sigma
        )
        weight += cv2.GaussianBlur(use, (0, 0), sigma)
    field = residual / np.maximum(weight, 1e-3)[..., None]
    offsets = cv2.resize(field, (model.field_x, model.field_y), interpolation=cv2.INTER_AREA)
    set_field(model, torch.from_numpy(np.ascontiguousarray(offsets, dtype=np.float32)))
    _log.info("start fit done in %.1fs (reference blur %.2f px)", time.monotonic() - started, blur)
    return blur
