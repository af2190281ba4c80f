"""``train``: per-shot optimisation with atomic, resumable checkpoints, contact sheets and exports.

Layout written under ``out_dir``::

    checkpoints/ckpt_<step>.pt     model + optimizer + scheduler + step + RNG + loss history
    contact_sheets/step_<step>.png input | prediction | ground truth (held-out preview crop)
    loss.csv, loss.png             training curve (and preview CbCr L1 at contact-sheet steps)
    model/chroma_model.pt          final weights + config (``load_model``)
    model/chroma_torchscript.pt    TorchScript for Nuke CatFileCreator (``forward``: 1x3xHxW -> same)
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from schemas import SchemaModel, ShotJob

from .._errors import TrainingError
from ..devices import device_capabilities, resolve_device
from ._checkpoints import checkpoint_path, load_checkpoint, save_checkpoint
from ._inference import export_torchscript, restore_frame
from ._input_range import fit_input_range, stretched_display
from ._model import (
    ChromaNet,
    build_model,
    lut_nodes,
    parameter_count,
    set_field,
    set_input_range,
    set_lut,
)
from ._patches import EXPOSURE_RANGE, PatchSampler, effective_patch, masked_l1
from ._report import cbcr_l1, delta_e00, preview_crop, write_contact_sheet, write_loss_csv, write_loss_png
from ._truth import TrainingPair, flat_mask

#: Learning-rate factor of the closed-form colour LUT and positional grid. Both start at their
#: least-squares optimum on the flat pixels; moving them towards the soft reference's edges only
#: hurts held-out frames (severe synthetic shot, 600 steps, held-out dE00: factor 0.5 -> 1.87,
#: 0 -> 1.81; closed-form start alone 1.83), so training refines the MLP and U-Net around them.
LUT_LR_SCALE = 0.0
#: Second-difference prior of the model's starting LUT (``fit_lut``'s ``smoothness``). The MatchGrade
#: baseline keeps Nuke-like 0.03; against a soft, compressed reference a stiffer LUT generalises
#: better (held-out dE00 on the severe synthetic shot: 0.03 -> 2.09, 0.3 -> 1.97, 3 -> 1.93, 30 -> 2.01).
LUT_INIT_SMOOTHNESS = 3.0
#: Gaussian radius (fraction of the frame width) pooling the LUT's residual into the positional grid.
FIELD_SIGMA = 0.04
#: Steps between loss read-backs on GPU (each read-back synchronises the device).
_GPU_FLUSH = 25

ProgressFn = Callable[[int, int, float], None]


class TrainingResult(SchemaModel):
    """What ``train`` produced (all paths absolute)."""

    checkpoint: str
    model_file: str
    torchscript: str
    loss_csv: str
    loss_png: str
    contact_sheets: tuple[str, ...]
    steps: int
    resumed_from: int | None
    seconds: float
    steps_per_second: float
    device: str
    model_size: str
    parameters: int
    patch_size: int
    batch_size: int
    final_loss: float
    preview_frame: int | None
    preview_cbcr_l1: float | None
    preview_delta_e00: float | None
    #: Softness of the reference measured by the blur-consistent start (px at the scan's resolution;
    #: 0 = as sharp as the scan); None when the run started from given weights.
    reference_blur_px: float | None = None


def _save(path: Path, payload: dict[str, Any]) -> None:
    save_checkpoint(path, payload)


def _lr_lambda(total: int) -> Callable[[int], float]:
    warm = max(1, total // 10)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = (step - warm) / max(1, total - warm)
        return 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _initial_state(path: str, job: ShotJob) -> dict[str, Any]:
    root = Path(job.project.root)
    source = Path(path) if Path(path).is_absolute() else root / path
    try:
        return torch.load(str(source), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise TrainingError(
            f"training.initial_weights: cannot read {source} ({exc})", hint="point it at a chroma model .pt"
        ) from exc


def init_global_lut(
    model: ChromaNet, pairs: list[TrainingPair], usable: list[np.ndarray | None] | None = None
) -> float:
    """Start the model's global LUT and positional grid from the pairs; returns the reference blur used.

    Each channel's input range is measured on the pairs' scans first (``_input_range``: the LUT's
    nodes span the scan's values). The LUT is the least-squares log-shaper fit of the MatchGrade
    baseline, in that stretched domain, with a stiffer prior
    (``LUT_INIT_SMOOTHNESS``) on the pairs' masks. With ``usable`` (the pairs' full training masks) it
    is then refitted blur-consistently on every usable pixel (``_degradation``). ``train`` passes the
    usable masks for both: on the temporal-mean input, restricting the first fit to flat regions
    (``flat_mask``) makes a worse start (four 384x288 shots, 400 refit iterations: mean held-out dE00
    1.405 flattest 60 % vs 1.377 all usable pixels; better on all four).
    The grid then holds the LUT's residual (target - LUT CbCr) averaged over the pairs' masks with a
    wide Gaussian (``FIELD_SIGMA``): what stays put in the frame while the picture moves is uneven
    fading, not picture content.
    """
    import cv2

    from ..colour import rgb_to_ycbcr
    from ..matchgrade import fit_lut
    from ._degradation import fit_blur_consistent

    masks = [p.mask for p in pairs] if all(p.mask is not None for p in pairs) else None
    covered = usable if usable is not None else [p.mask for p in pairs]
    set_input_range(model, fit_input_range([p.source for p in pairs], covered))
    lut = fit_lut(
        [stretched_display(model, p.source) for p in pairs],
        [p.target[..., :3] for p in pairs],
        masks,  # type: ignore[arg-type]
        size=model.lut_size,
        log=True,
        smoothness=LUT_INIT_SMOOTHNESS,
    )
    nodes = lut_nodes(model).numpy()
    cbcr = rgb_to_ycbcr(lut.apply(nodes.reshape(1, -1, 3)).reshape(nodes.shape))[..., 1:]
    set_lut(model, torch.from_numpy(np.ascontiguousarray(cbcr)))
    blur = fit_blur_consistent(model, pairs, usable) if usable is not None else 0.0
    shapes = {p.source.shape[:2] for p in pairs}
    if len(shapes) != 1:  # positions are frame-relative; mixed sizes share no pixel grid
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
    grid = cv2.resize(field, (model.field_x, model.field_y), interpolation=cv2.INTER_AREA)
    set_field(model, torch.from_numpy(np.ascontiguousarray(grid, dtype=np.float32)))
    return blur


def train(
    job: ShotJob,
    pairs: list[TrainingPair],
    preview: TrainingPair | None,
    out_dir: str | os.PathLike[str],
    *,
    steps: int | None = None,
    device: str | torch.device | None = None,
    resume: bool = True,
    progress: ProgressFn | None = None,
    exposure: float = EXPOSURE_RANGE,
) -> TrainingResult:
    """Train the shot's chroma model and export it.

    Args:
        job: the shot job; ``job.training`` gives batch, patch, steps, lr, seed, intervals, size, device.
        pairs: aligned training pairs (targets from ``ground_truth``; masks exclude unusable pixels).
        preview: the held-out frame (never trained on) for contact sheets and metrics, or None.
        out_dir: the training folder (see the module docstring for its layout).
        steps: total steps, overriding ``job.training.total_steps`` (demo / bench).
        device: overrides ``job.training.device``.
        resume: continue from the newest checkpoint in ``out_dir`` when there is one.
        progress: called as ``progress(step, total, loss)``; an exception raised there stops training
            (the newest checkpoint stays valid, so a later call resumes).
        exposure: +- gain augmentation (CopyCat's 0.1; 0 = off, measured better, see PatchSampler).
    """
    cfg = job.training
    total = int(steps if steps is not None else cfg.total_steps)
    if total < 1:
        raise TrainingError(f"steps must be >= 1, got {total}")
    dev = resolve_device(device if device is not None else cfg.device)
    out = Path(out_dir)
    torch.manual_seed(cfg.seed)
    # Train where the soft reference is trustworthy: flat regions (see ``flat_mask``). The closed-form
    # start fits every usable pixel (``init_global_lut``).
    usable = [p.mask for p in pairs]
    whole = pairs
    pairs = [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
    patch = effective_patch(cfg.patch_size, pairs)
    model = build_model(cfg.model_size).to(dev)
    # The global LUT starts from the closed-form MatchGrade fit; a gentler rate refines it.
    rest = [p for name, p in model.named_parameters() if name not in ("lut", "field")]
    groups: list[dict[str, Any]] = [
        {"params": rest},
        {"params": [model.lut, model.field], "lr": cfg.learning_rate * LUT_LR_SCALE},
    ]
    optimizer = torch.optim.Adam(groups, lr=cfg.learning_rate)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(total))
    sampler = PatchSampler(pairs, patch, dev, cfg.seed, exposure=exposure)
    history: list[dict[str, Any]] = []
    start, seconds_before, resumed_from = 0, 0.0, None
    reference_blur: float | None = None
    loaded = load_checkpoint(out) if resume else None  # a damaged newest one: the previous one
    if loaded is not None:
        state = loaded.state
        model.load_state_dict(state["model_state"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        sampler.set_state(state["sampler_rng"])
        torch.set_rng_state(state["torch_rng"])
        if device_capabilities(dev).rng_state and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(state["cuda_rng"], dev)
        start = resumed_from = int(state["step"])
        history = [row for row in state["history"] if row["step"] <= start]
        seconds_before = float(state["seconds"])
        reference_blur = state.get("reference_blur_px")
    elif cfg.initial_weights:
        model.load_state_dict(_initial_state(cfg.initial_weights, job)["model_state"])
    else:
        reference_blur = init_global_lut(model, whole, usable)

    view = preview if preview is not None else pairs[0]
    crop = preview_crop(view.source.shape)
    view_src = np.ascontiguousarray(view.source[crop][..., :3], dtype=np.float32)
    view_tgt = np.ascontiguousarray(view.target[crop][..., :3], dtype=np.float32)
    view_mask = None if view.mask is None else view.mask[crop]

    def save_checkpoint(step: int, seconds: float) -> Path:
        path = checkpoint_path(out, step)
        _save(
            path,
            {
                "format": "chroma-recovery/ChromaNet/1",
                "model_config": model.config(),
                "model_size": cfg.model_size,
                "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "step": step,
                "total_steps": total,
                "seconds": seconds,
                "history": history,
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(dev) if device_capabilities(dev).rng_state else None,
                "sampler_rng": sampler.state(),
                "reference_blur_px": reference_blur,
            },
        )
        return path

    def contact_sheet(step: int) -> float:
        model.eval()
        window = (crop[0].start, crop[1].start, view.source.shape[0], view.source.shape[1])
        # The target carries the scan's Y' (the source may be the temporal mean): compare chroma only.
        pred = restore_frame(model, view_src, device=dev, window=window, luma_from=view_tgt)
        model.train()
        write_contact_sheet(out / "contact_sheets" / f"step_{step:07d}.png", [view_src, pred, view_tgt])
        return cbcr_l1(pred, view_tgt, view_mask)

    t0 = time.perf_counter()
    pending: list[tuple[int, torch.Tensor, float]] = []
    flush_every = _GPU_FLUSH if device_capabilities(dev).accelerator else 1
    model.train()
    final = loaded.path if loaded is not None and start >= total else None

    def flush() -> None:
        for step_no, loss_t, lr in pending:
            value = float(loss_t.item())
            if not math.isfinite(value):
                raise TrainingError(
                    f"training diverged at step {step_no} (loss {value})",
                    hint="lower training.learning_rate or check the pairs for NaNs",
                )
            history.append({"step": step_no, "loss": value, "lr": lr, "seconds": 0.0, "preview_l1": None})
            history[-1]["seconds"] = seconds_before + time.perf_counter() - t0
            if progress is not None:
                progress(step_no, total, value)
        pending.clear()

    for step in range(start + 1, total + 1):
        src, tgt, mask = sampler.sample(cfg.batch_size)
        loss = masked_l1(model.chroma(src), tgt, mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        pending.append((step, loss.detach(), float(scheduler.get_last_lr()[0])))
        scheduler.step()
        boundary = step % cfg.checkpoint_interval == 0 or step == total
        sheet = step % cfg.contact_sheet_interval == 0 or step == total
        if len(pending) >= flush_every or boundary or sheet:
            flush()
        if sheet:
            history[-1]["preview_l1"] = contact_sheet(step)
        if boundary:
            final = save_checkpoint(step, seconds_before + time.perf_counter() - t0)
    if final is None:
        final = save_checkpoint(start, seconds_before)
    run_seconds = time.perf_counter() - t0
    speed = (total - start) / run_seconds if total > start and run_seconds > 0 else 0.0
    timing = (seconds_before + run_seconds, speed)
    result = _finish(job, model, out, final, history, timing, resumed_from, dev, patch, preview, total)
    return result.model_copy(update={"reference_blur_px": reference_blur})


def _finish(
    job: ShotJob,
    model: ChromaNet,
    out: Path,
    final: Path,
    history: list[dict[str, Any]],
    timing: tuple[float, float],
    resumed_from: int | None,
    dev: torch.device,
    patch: int,
    preview: TrainingPair | None,
    total: int,
) -> TrainingResult:
    """Write the loss files, the model exports and the preview evaluation."""
    cfg = job.training
    loss_csv = write_loss_csv(out / "loss.csv", history)
    loss_png = write_loss_png(out / "loss.png", history, title=f"{job.project.name} {job.shot.name}")
    model_file = out / "model" / "chroma_model.pt"
    _save(
        model_file,
        {
            "format": "chroma-recovery/ChromaNet/1",
            "model_config": model.config(),
            "model_size": cfg.model_size,
            "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "step": total,
        },
    )
    script = export_torchscript(model, out / "model" / "chroma_torchscript.pt")
    prev_l1 = prev_de = None
    if preview is not None:
        model.eval()
        restored = restore_frame(model, preview.source, device=dev, luma_from=preview.target)
        prev_l1 = cbcr_l1(restored, preview.target, preview.mask)
        prev_de = delta_e00(restored, preview.target, preview.mask)
    seconds, speed = timing
    sheets = sorted(str(p.resolve()) for p in (out / "contact_sheets").glob("step_*.png"))
    return TrainingResult(
        checkpoint=str(final.resolve()),
        model_file=str(model_file.resolve()),
        torchscript=str(script.resolve()),
        loss_csv=str(loss_csv.resolve()),
        loss_png=str(loss_png.resolve()),
        contact_sheets=tuple(sheets),
        steps=total,
        resumed_from=resumed_from,
        seconds=round(seconds, 3),
        steps_per_second=round(speed, 3),
        device=str(dev),
        model_size=cfg.model_size,
        parameters=parameter_count(model),
        patch_size=patch,
        batch_size=cfg.batch_size,
        final_loss=float(history[-1]["loss"]) if history else float("nan"),
        preview_frame=None if preview is None else preview.frame,
        preview_cbcr_l1=prev_l1,
        preview_delta_e00=prev_de,
    )
