"""Stages 3-5 of a local run: training, the inference render (V2) and the MatchGrade baseline (V3).

The renders go through the one render path (``_render``: ``render_frames`` + ``publish_render``) that
the farm's chunks and finalize use too; training publishes its folder with ``publish_training``, which
the DDP ranks (``chroma_engine.runner.ddp_main``) use too.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from schemas import AlignmentRecord, CurationRecord, RenderManifest

from .._errors import StageError
from ..io import copy_file_atomic, existing_versions, newest_complete_version, next_version_dir
from ._context import ShotContext
from ._manifest import MANIFEST_NAME, now, write_manifest
from ._prep_stages import training_set
from ._render import publish_render, render_frames
from ._restore import IO_WORKERS, Progress, no_progress

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..training import TrainingResult


def training_folder(ctx: ShotContext) -> Path:
    """The newest unfinished training version (resumed after a kill), else a new one."""
    base = ctx.shot_dir("training")
    versions = existing_versions(base)
    if versions:
        latest = base / f"v{versions[-1]:03d}"
        if not (latest / MANIFEST_NAME).exists():
            return latest
    return next_version_dir(base)


def latest_model(ctx: ShotContext) -> Path:
    """TorchScript model of the newest finished training version (partial versions are skipped)."""
    base = ctx.shot_dir("training")
    pick = newest_complete_version(base, required=("model.pt",))
    if pick.folder is not None:
        return pick.folder / "model.pt"
    raise StageError(
        f"no finished training for shot {ctx.shot} under {base} ({pick.describe()})",
        hint="run `chroma-recovery run JOB --stage training` first",
    )


def run_training(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    steps: int | None = None,
    device: str | None = None,
    progress: Progress = no_progress,
) -> Path:
    """Stage 3: train the chroma model on the curated pairs; returns the TorchScript model path.

    The model's input is each pair's temporal mean (``job.training.temporal_radius``); the ground truth
    keeps the scan's own Y'.
    """
    from ..training import train

    started = now()
    curated = training_set(ctx, curation, alignment)
    folder = training_folder(ctx)
    result = train(
        ctx.job,
        curated.pairs,
        curated.preview,
        folder,
        steps=steps,
        device=device,
        resume=True,
        progress=lambda done, total, *_loss: progress("training", done, total),
    )
    return publish_training(ctx, folder, result, started)


def publish_training(
    ctx: ShotContext,
    folder: Path,
    result: TrainingResult,
    started: _dt.datetime,
    extra_files: Sequence[Path] = (),
) -> Path:
    """Finish a training version: the TorchScript export becomes ``model.pt`` (what ``latest_model``
    finds), ``_manifest.json`` is written last, the loss plot is copied to QC. Returns ``model.pt``."""
    model = Path(result.torchscript)
    if model != folder / "model.pt":
        model.replace(folder / "model.pt")
        model = folder / "model.pt"
    files = [model, Path(result.checkpoint), Path(result.loss_csv), Path(result.loss_png), *extra_files]
    metrics = {
        "temporal_radius": float(ctx.job.training.temporal_radius),
        "steps": float(result.steps),
        "seconds": float(result.seconds),
        "steps_per_second": float(result.steps_per_second),
        "final_loss": float(result.final_loss),
    }
    for key in ("preview_cbcr_l1", "preview_delta_e00", "reference_blur_px"):
        value = getattr(result, key)
        if value is not None:
            metrics[key] = float(value)
    if result.world_size > 1:  # data-parallel: every optimiser step saw world_size batches
        metrics["world_size"] = float(result.world_size)
        metrics["effective_batch"] = float(result.batch_size * result.world_size)
    write_manifest(
        ctx,
        "training",
        folder.resolve(),  # the result's paths are resolved ones
        int(folder.name[1:]),
        [f.resolve() for f in files if f.exists()],
        started,
        metrics=metrics,
    )
    qc = ctx.qc_dir("training")
    if Path(result.loss_png).exists():
        copy_file_atomic(result.loss_png, qc / f"{ctx.shot}_{folder.name}_loss.png")
    return model


def run_inference(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    model_path: Path,
    device: str | None = None,
    progress: Progress = no_progress,
    io_workers: int = IO_WORKERS,
) -> RenderManifest:
    """Stage 4: restore every frame (scan Y' + predicted CbCr) to ``04_inference_render/<shot>/v###``."""
    return _render_stage(ctx, "inference", curation, alignment, model_path, device, progress, io_workers)


def run_matchgrade(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    progress: Progress = no_progress,
    io_workers: int = IO_WORKERS,
) -> RenderManifest:
    """Stage 5: fit a 3D LUT on the training pairs in log space and apply it to the whole shot."""
    return _render_stage(ctx, "matchgrade", curation, alignment, None, None, progress, io_workers)


def _render_stage(
    ctx: ShotContext,
    stage: str,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    model: Path | None,
    device: str | None,
    progress: Progress,
    io_workers: int,
) -> RenderManifest:
    """Every frame of the shot into a new version folder, then its manifest."""
    started = now()
    folder = next_version_dir(ctx.shot_dir(stage))
    done = render_frames(
        ctx,
        stage,
        folder,
        list(ctx.job.media.source.frames),
        curation=curation,
        alignment=alignment,
        model=model,
        device=device,
        io_workers=io_workers,
        progress=progress,
    )
    return publish_render(ctx, stage, folder, done.scorers, started)
