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
from ..devices import device_capabilities, resolve_device, synchronize
from ._checkpoints import (
    Resumed,
    checkpoint_path,
    load_checkpoint,
    model_payload,
    resume_from,
    save_checkpoint,
)
from ._distributed import DistributedContext
from ._inference import export_torchscript, restore_frame
from ._model import ChromaNet, build_model, parameter_count
from ._patches import EXPOSURE_RANGE, PatchSampler, effective_patch, masked_l1
from ._recipe import FULL_MODEL, ModelRecipe
from ._report import cbcr_l1, delta_e00, preview_crop, write_contact_sheet, write_loss_csv, write_loss_png
from ._start import init_global_lut, initial_state
from ._truth import TrainingPair, flat_mask

#: Learning-rate factor of the closed-form colour LUT and positional grid. Both start at their
#: least-squares optimum on the flat pixels; moving them towards the soft reference's edges only
#: hurts held-out frames (severe synthetic shot, 600 steps, held-out dE00: factor 0.5 -> 1.87,
#: 0 -> 1.81; closed-form start alone 1.83), so training refines the MLP and U-Net around them.
LUT_LR_SCALE = 0.0
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
    #: Processes that trained the model together (data-parallel ranks; 1 = one process).
    world_size: int = 1
    #: Training patches per second over every rank.
    patches_per_second: float = 0.0
    #: ``ModelRecipe.name`` of the parts that were built (``full`` = every part).
    recipe: str = "full"


def _lr_lambda(total: int) -> Callable[[int], float]:
    warm = max(1, total // 10)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = (step - warm) / max(1, total - warm)
        return 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _optimizer(model: ChromaNet, learning_rate: float) -> torch.optim.Optimizer:
    """Adam over the network; the closed-form global LUT and positional grid at ``LUT_LR_SCALE``."""
    rest = [p for name, p in model.named_parameters() if name not in ("lut", "field")]
    groups: list[dict[str, Any]] = [
        {"params": rest},
        {"params": [model.lut, model.field], "lr": learning_rate * LUT_LR_SCALE},
    ]
    return torch.optim.Adam(groups, lr=learning_rate)


@dataclasses.dataclass(frozen=True)
class _StepLoss:
    """A step's loss, still on the device until the next read-back."""

    step: int
    loss: torch.Tensor
    lr: float


class _Run:
    """The state of one training run on one rank: the loss history, checkpoints and contact sheets."""

    def __init__(
        self,
        job: ShotJob,
        model: ChromaNet,
        optimizer: torch.optim.Optimizer,
        scheduler: Any,
        sampler: PatchSampler,
        ranks: DistributedContext,
        out: Path,
        total: int,
        view: TrainingPair,
        resumed: Resumed,
    ) -> None:
        self.job, self.cfg, self.model, self.ranks = job, job.training, model, ranks
        self.optimizer, self.scheduler, self.sampler = optimizer, scheduler, sampler
        self.out, self.total = out, total
        self.history, self.seconds_before = resumed.history, resumed.seconds
        self.reference_blur = resumed.reference_blur_px
        self.crop = preview_crop(view.source.shape)
        self.view_shape = view.source.shape
        self.view_src = np.ascontiguousarray(view.source[self.crop][..., :3], dtype=np.float32)
        self.view_tgt = np.ascontiguousarray(view.target[self.crop][..., :3], dtype=np.float32)
        self.view_mask = None if view.mask is None else view.mask[self.crop]
        self.pending: list[_StepLoss] = []
        self.t0 = time.perf_counter()

    def elapsed(self) -> float:
        return self.seconds_before + time.perf_counter() - self.t0

    def checkpoint(self, step: int, seconds: float) -> Path:
        """Every rank's patch generator is gathered; rank 0 writes the checkpoint."""
        path = checkpoint_path(self.out, step)
        rngs = self.ranks.gather(self.sampler.state())
        if not self.ranks.writes:
            return path
        dev = self.ranks.device
        payload = model_payload(self.model, self.cfg.model_size, step)
        payload.update(
            {
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "total_steps": self.total,
                "seconds": seconds,
                "history": self.history,
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(dev) if device_capabilities(dev).rng_state else None,
                "sampler_rng": rngs[0],
                "sampler_rngs": rngs,
                "world_size": self.ranks.world_size,
                "reference_blur_px": self.reference_blur,
            }
        )
        save_checkpoint(path, payload)
        return path

    def contact_sheet(self, step: int) -> None:
        """Rank 0: input | prediction | target of the preview crop; its CbCr L1 goes into the history."""
        if not self.ranks.writes:
            return
        model = self.model
        model.eval()
        window = (self.crop[0].start, self.crop[1].start, self.view_shape[0], self.view_shape[1])
        # The target carries the scan's Y' (the source may be the temporal mean): compare chroma only.
        pred = restore_frame(
            model, self.view_src, device=self.ranks.device, window=window, luma_from=self.view_tgt
        )
        model.train()
        sheet = self.out / "contact_sheets" / f"step_{step:07d}.png"
        write_contact_sheet(sheet, [self.view_src, pred, self.view_tgt])
        self.history[-1]["preview_l1"] = cbcr_l1(pred, self.view_tgt, self.view_mask)

    def flush(self, progress: ProgressFn | None) -> None:
        """Read the pending losses back (one device sync), check them, extend the history."""
        for pending in self.pending:
            value = float(pending.loss.item())
            if not math.isfinite(value):
                raise TrainingError(
                    f"training diverged at step {pending.step} (loss {value})",
                    hint="lower training.learning_rate or check the pairs for NaNs",
                )
            row = {"step": pending.step, "loss": value, "lr": pending.lr, "seconds": self.elapsed()}
            self.history.append({**row, "preview_l1": None})
            if progress is not None:
                progress(pending.step, self.total, value)
        self.pending.clear()


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
    distributed: DistributedContext | None = None,
    recipe: ModelRecipe = FULL_MODEL,
) -> TrainingResult:
    """Train the shot's chroma model and export it, in one process or as one rank of a DDP group.

    Args:
        job: the shot job; ``job.training`` gives batch, patch, steps, lr, seed, intervals, size, device.
        pairs: aligned training pairs (targets from ``ground_truth``; masks exclude unusable pixels).
        preview: the held-out frame (never trained on) for contact sheets and metrics, or None.
        out_dir: the training folder (see the module docstring for its layout).
        steps: total steps, overriding ``job.training.total_steps`` (demo / bench).
        device: overrides ``job.training.device`` (one process; a DDP rank trains on its own device).
        resume: continue from the newest checkpoint in ``out_dir`` when there is one.
        progress: called as ``progress(step, total, loss)``; an exception raised there stops training
            (the newest checkpoint stays valid, so a later call resumes).
        exposure: +- gain augmentation (CopyCat's 0.1; 0 = off, measured better, see PatchSampler).
        distributed: this process's rank of a ``torchrun`` group (``init_distributed``): every rank
            runs this loop on its own patches, DDP averages the gradients, rank 0 alone writes files.
            None: one process.
        recipe: the parts of the model to build (``ModelRecipe``; its ``temporal`` switch acts where the
            pairs' inputs are made). Without ``network`` no step is taken: the model is its start.
    """
    cfg = job.training
    total = int(steps if steps is not None else cfg.total_steps) if recipe.network else 0
    if recipe.network and total < 1:
        raise TrainingError(f"steps must be >= 1, got {total}")
    if distributed is None:
        distributed = DistributedContext.single(resolve_device(device if device is not None else cfg.device))
    ranks = distributed
    dev = ranks.device
    out = Path(out_dir)
    torch.manual_seed(cfg.seed)  # the same initial weights on every rank
    # Train where the soft reference is trustworthy: flat regions (see ``flat_mask``). The closed-form
    # start fits every usable pixel (``init_global_lut``).
    usable = [p.mask for p in pairs]
    whole = pairs
    pairs = [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
    patch = effective_patch(cfg.patch_size, pairs)
    model = build_model(cfg.model_size).to(dev)
    optimizer = _optimizer(model, cfg.learning_rate)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(total))
    sampler = PatchSampler(pairs, patch, dev, cfg.seed + ranks.rank, exposure=exposure)
    loaded = load_checkpoint(out) if resume else None  # a damaged newest one: the previous one
    if loaded is not None:
        resumed = resume_from(loaded, model, optimizer, scheduler, sampler, ranks)
    elif cfg.initial_weights:
        model.load_state_dict(initial_state(cfg.initial_weights, job)["model_state"])
        resumed = Resumed(step=0, history=[], seconds=0.0, reference_blur_px=None)
    else:  # deterministic, so every rank starts alike
        refit = usable if recipe.blur_refit else None
        blur = init_global_lut(model, whole, refit, recipe.lut_smoothness, recipe.positional_grid)
        resumed = Resumed(step=0, history=[], seconds=0.0, reference_blur_px=blur)
    recipe.shape(model)
    start = resumed.step
    view = preview if preview is not None else pairs[0]
    run = _Run(job, model, optimizer, scheduler, sampler, ranks, out, total, view, resumed)
    forward = ranks.forward(model)
    flush_every = _GPU_FLUSH if device_capabilities(dev).accelerator else 1
    model.train()
    final = resumed.checkpoint if start >= total else None
    for step in range(start + 1, total + 1):
        src, tgt, mask = sampler.sample(cfg.batch_size)
        loss = masked_l1(forward(src), tgt, mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        run.pending.append(_StepLoss(step, loss.detach(), float(scheduler.get_last_lr()[0])))
        scheduler.step()
        boundary = step % cfg.checkpoint_interval == 0 or step == total
        sheet = step % cfg.contact_sheet_interval == 0 or step == total
        if len(run.pending) >= flush_every or boundary or sheet:
            run.flush(progress)
        if sheet:
            run.contact_sheet(step)
        if boundary:
            final = run.checkpoint(step, run.elapsed())
    if final is None:
        final = run.checkpoint(start, run.seconds_before)
    synchronize(dev)  # the run's time includes its queued device work
    run_seconds = time.perf_counter() - run.t0
    speed = (total - start) / run_seconds if total > start and run_seconds > 0 else 0.0
    patches = ranks.total(speed) * cfg.batch_size  # each rank trains the same number of steps
    seconds = run.seconds_before + run_seconds
    result = _finish(job, model, out, final, run.history, seconds, speed, ranks, patch, preview, total)
    return result.model_copy(
        update={
            "resumed_from": start if loaded is not None else None,
            "reference_blur_px": run.reference_blur,
            "world_size": ranks.world_size,
            "patches_per_second": round(patches, 1),
            "recipe": recipe.name,
        }
    )


def _finish(
    job: ShotJob,
    model: ChromaNet,
    out: Path,
    final: Path,
    history: list[dict[str, Any]],
    seconds: float,
    speed: float,
    ranks: DistributedContext,
    patch: int,
    preview: TrainingPair | None,
    total: int,
) -> TrainingResult:
    """Rank 0 writes the loss files, the model exports and the preview evaluation; every rank returns
    where they are."""
    cfg = job.training
    loss_csv, loss_png = out / "loss.csv", out / "loss.png"
    model_file = out / "model" / "chroma_model.pt"
    script = out / "model" / "chroma_torchscript.pt"
    prev_l1 = prev_de = None
    if ranks.writes:
        write_loss_csv(loss_csv, history)
        write_loss_png(loss_png, history, title=f"{job.project.name} {job.shot.name}")
        save_checkpoint(model_file, model_payload(model, cfg.model_size, total))
        export_torchscript(model, script)
        if preview is not None:
            model.eval()
            restored = restore_frame(model, preview.source, device=ranks.device, luma_from=preview.target)
            prev_l1 = cbcr_l1(restored, preview.target, preview.mask)
            prev_de = delta_e00(restored, preview.target, preview.mask)
    sheets = sorted(str(p.resolve()) for p in (out / "contact_sheets").glob("step_*.png"))
    return TrainingResult(
        checkpoint=str(final.resolve()),
        model_file=str(model_file.resolve()),
        torchscript=str(script.resolve()),
        loss_csv=str(loss_csv.resolve()),
        loss_png=str(loss_png.resolve()),
        contact_sheets=tuple(sheets),
        steps=total,
        resumed_from=None,
        seconds=round(seconds, 3),
        steps_per_second=round(speed, 3),
        device=str(ranks.device),
        model_size=cfg.model_size,
        parameters=parameter_count(model),
        patch_size=patch,
        batch_size=cfg.batch_size,
        final_loss=float(history[-1]["loss"]) if history else float("nan"),
        preview_frame=None if preview is None else preview.frame,
        preview_cbcr_l1=prev_l1,
        preview_delta_e00=prev_de,
    )
