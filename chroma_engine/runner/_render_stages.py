"""Stages 3-5: training, inference render (V2) and the MatchGrade LUT baseline (V3)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from schemas import AlignmentRecord, CropBox, CurationRecord, RenderManifest, SequenceRef

from .._errors import StageError
from ..colour import ACES2065_1, REC709_DISPLAY, convert
from ..io import (
    copy_file_atomic,
    existing_versions,
    newest_complete_version,
    next_version_dir,
    to_printf,
    write_exr,
)
from ..temporal import DeviceFrames, TemporalInput
from ._context import ShotContext
from ._evaluation import FrameScorer
from ._manifest import MANIFEST_NAME, now, verify_sequence, write_manifest
from ._pipeline import run_pipeline
from ._prep_stages import FramePair, finite, load_pairs

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..training import TrainingPair

Progress = Callable[[str, int, int], None]
#: Frame worker threads of the render stages (OIIO releases the GIL while it encodes and decodes).
IO_WORKERS = min(8, os.cpu_count() or 2)
#: Reader/encoder threads around a GPU model (measured best of 16/32 on a 16-core H100 host).
GPU_IO_WORKERS = 16


def _noop(_label: str, _done: int, _total: int) -> None:
    return None


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
    progress: Progress = _noop,
) -> Path:
    """Stage 3: train the chroma model on the curated pairs; returns the TorchScript model path.

    The model's input is each pair's temporal mean (``job.training.temporal_radius``); the ground truth
    keeps the scan's own Y'.
    """
    from ..training import train

    started = now()
    frames = [*curation.training_frames, curation.preview_frame]
    pairs = reference_pairs(ctx, load_pairs(ctx, curation, alignment, frames))
    folder = training_folder(ctx)
    result = train(
        ctx.job,
        pairs[:-1],
        pairs[-1],
        folder,
        steps=steps,
        device=device,
        resume=True,
        progress=lambda done, total, *_loss: progress("training", done, total),
    )
    model = Path(result.torchscript)
    if model != folder / "model.pt":
        model.replace(folder / "model.pt")
        model = folder / "model.pt"
    files = [model, Path(result.checkpoint), Path(result.loss_csv), Path(result.loss_png)]
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
    write_manifest(
        ctx,
        "training",
        folder,
        int(folder.name[1:]),
        [f for f in files if f.exists()],
        started,
        metrics=metrics,
    )
    qc = ctx.qc_dir("training")
    if Path(result.loss_png).exists():
        copy_file_atomic(result.loss_png, qc / f"{ctx.shot}_{folder.name}_loss.png")
    return model


def model_input(
    ctx: ShotContext, in_flight: int = 1, keep_half: bool = False, known: dict[int, np.ndarray] | None = None
) -> TemporalInput:
    """``frame -> (scan, model input)`` for the shot: the model sees each frame's motion-compensated
    mean with ``job.training.temporal_radius`` neighbours either side (``chroma_engine.temporal``).
    ``known``: scans already read (e.g. the training pairs'), not read again."""
    have = known or {}
    return TemporalInput(
        lambda f: have[f] if f in have else finite(ctx.source.read(f, keep_half=keep_half)),
        ctx.job.media.source.frames,
        ctx.job.training.temporal_radius,
        in_flight,
    )


def reference_pairs(
    ctx: ShotContext, loaded: list[FramePair], inputs: TemporalInput | None = None
) -> list[TrainingPair]:
    """Training pairs of loaded scans and references, as stage 3 trains on them: the model input is the
    temporal mean (``model_input``; ``inputs`` when the caller keeps one for other frames too), the
    target the scan's Y' with the median-cleaned reference's CbCr, the reference's blown highlights
    marked (``reference_pair``)."""
    from ..training import reference_pair

    inputs = inputs or model_input(ctx, known={p.frame: p.source for p in loaded})
    median = ctx.job.reference_cleanup.median_size
    return [
        reference_pair(p.frame, inputs(p.frame)[1], p.source, p.reference, median, p.mask) for p in loaded
    ]


def _output_sequence(ctx: ShotContext, folder: Path, naming: str) -> tuple[str, SequenceRef]:
    name = naming.format(project=ctx.job.project.name, shot=ctx.shot)
    src = ctx.job.media.source
    ref = SequenceRef(
        path=str((folder / name).relative_to(ctx.root)),
        first_frame=src.first_frame,
        last_frame=src.last_frame,
        colour_space=ctx.job.output.colour_space,
        frame_rate=src.frame_rate,
    )
    return to_printf(name), ref


def apply_cleanup(rgb: np.ndarray, box: CropBox | None) -> np.ndarray:
    """Nuke Crop semantics: black outside the box (y-up box), size unchanged."""
    if box is None:
        return rgb
    height = rgb.shape[0]
    out = np.zeros_like(rgb)
    top, bottom = max(0, height - box.t), min(height, height - box.y)
    out[top:bottom, box.x : box.r] = rgb[top:bottom, box.x : box.r]
    return out


def limit_resolution(rgb: np.ndarray, limit: tuple[int, int] | None) -> np.ndarray:
    """Fit inside ``limit`` (width, height) keeping the aspect ratio (Nuke Reformat 'fit')."""
    if limit is None:
        return rgb
    height, width = rgb.shape[:2]
    scale = min(limit[0] / width, limit[1] / height, 1.0)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _write_output(
    ctx: ShotContext,
    folder: Path,
    pattern: str,
    frame: int,
    rgb709: np.ndarray,
    aces: np.ndarray | None = None,
) -> Path:
    """Write one output frame as ACES2065-1; ``aces`` = its conversion already made (e.g. on the GPU)."""
    if aces is None or ctx.job.output.max_resolution is not None:
        out = limit_resolution(rgb709, ctx.job.output.max_resolution)
        aces = convert(out, REC709_DISPLAY, ACES2065_1)
    return write_exr(
        folder / (pattern % frame),
        aces,
        ctx.job.output.colour_space,
        compression=ctx.job.output.compression,
        dwa_level=ctx.job.output.dwa_level,
        metadata={"chroma_recovery:shot": ctx.shot, "chroma_recovery:job": ctx.job.job_id},
    )


def restore_frames(
    ctx: ShotContext,
    model: Any,
    alignment: AlignmentRecord,
    folder: Path,
    pattern: str,
    frames: list[int],
    scorer: FrameScorer,
    device: str | None = None,
    io_workers: int = IO_WORKERS,
    progress: Progress = _noop,
) -> None:
    """Restore ``frames`` with ``model`` into ``folder`` (stage 04 and the farm's Infer chunks)."""
    from ..devices import device_capabilities
    from ..training._inference import (
        GPU_WHOLE_FRAME,
        compile_for_frames,
        model_device,
        restore_frame_with_aces,
    )

    caps = device_capabilities(model_device(model))
    on_gpu = caps.device_pipeline
    spec = ctx.job.inference
    autocast = caps.half_autocast if spec.half_precision else None
    width, height = alignment.source_size
    if spec.compile and caps.compile and max(width, height) <= GPU_WHOLE_FRAME:  # tiles would recompile
        model = compile_for_frames(model, height, width, autocast)

    def process(frame: int, item: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # GPU: the reader threads computed the flows; the temporal mean is made on the GPU next to the
        # model, as is the ACES2065-1 conversion (half pixels come back). CPU: the mean came with the scan.
        if on_gpu:
            src, neighbours, flows = item
            # in order: each frame goes to the GPU once
            centre, others = uploaded.frame_stack(frame, src, inputs.neighbours(frame), neighbours)
            restored, aces = restore_frame_with_aces(
                model, src, device=device, autocast=autocast, neighbours=others, flows=flows, on_device=centre
            )
        else:
            src, model_in = item
            luma_from = None if model_in is src else src
            restored, aces = restore_frame_with_aces(model, model_in, device=device, luma_from=luma_from)
        return src, restored, aces

    def write(frame: int, out: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        src, restored, aces = out
        # luma identity is measured here, before any encoding (a half scan upcasts exactly)
        scorer.add(frame, src.astype(np.float32, copy=False), restored)
        box = alignment.cleanup_box  # black stays black, so the clean-up crop applies to either form
        _write_output(ctx, folder, pattern, frame, apply_cleanup(restored, box), apply_cleanup(aces, box))

    # GPU: the model runs in this thread, fed and drained by a pool that reads, scores and encodes
    # (at 2K on an H100 this layout ran 1-12 % ahead of 16 frame workers each calling the model).
    # CPU: each worker restores its own frames (the model is the bottleneck there).
    workers = max(io_workers, min(GPU_IO_WORKERS, os.cpu_count() or 2)) if on_gpu else io_workers
    depth = 2 * workers if on_gpu else workers
    inputs = model_input(ctx, in_flight=depth + workers, keep_half=on_gpu)
    uploaded = DeviceFrames(model_device(model, device), inputs.radius)
    run_pipeline(
        frames,
        # The scan and the model's input (its temporal mean, computed in the reader threads). GPU: half
        # scans stay half up to the GPU (half the bytes to decode into and to copy over).
        inputs.stack if on_gpu else inputs,
        process,
        write,
        workers=workers,
        depth=depth,
        on_frame=lambda done, total: progress("inference", done, total),
        ordered=on_gpu,
    )


def run_inference(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    model_path: Path,
    device: str | None = None,
    progress: Progress = _noop,
    io_workers: int = IO_WORKERS,
) -> RenderManifest:
    """Stage 4: restore every frame (scan Y' + predicted CbCr) to ``04_inference_render/<shot>/v###``."""
    from ..training import load_model

    started = now()
    model = load_model(model_path, device=device or "cpu")
    folder = next_version_dir(ctx.shot_dir("inference"))
    pattern, seq = _output_sequence(ctx, folder, ctx.job.output.naming)
    scorer = FrameScorer(ctx, curation, alignment, "ml")
    frames = list(ctx.job.media.source.frames)

    restore_frames(ctx, model, alignment, folder, pattern, frames, scorer, device, io_workers, progress)
    files = verify_sequence(folder, pattern, frames)
    return write_manifest(
        ctx, "inference", folder, int(folder.name[1:]), files, started, output=seq, metrics=scorer.summary()
    )


def run_matchgrade(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    progress: Progress = _noop,
    io_workers: int = IO_WORKERS,
) -> RenderManifest:
    """Stage 5: fit a 3D LUT on the training pairs in log space and apply it to the whole shot."""
    from ..matchgrade import fit_lut
    from ..training import median_clean

    started = now()
    spec = ctx.job.matchgrade
    pairs = load_pairs(ctx, curation, alignment, curation.training_frames)
    median = ctx.job.reference_cleanup.median_size
    targets = [median_clean(p.reference, median) if median > 1 else p.reference for p in pairs]
    lut = fit_lut(
        [p.source for p in pairs], targets, [p.mask for p in pairs], size=spec.lut_size, log=spec.log_pre_lut
    )
    folder = next_version_dir(ctx.shot_dir("matchgrade"))
    cube = folder / f"{ctx.job.project.name}_{ctx.shot}_matchgrade.cube"
    lut.write_cube(cube)
    naming = (
        ctx.job.output.naming.replace("_ML_", "_MG_")
        if "_ML_" in ctx.job.output.naming
        else "MG_" + (ctx.job.output.naming)
    )
    pattern, seq = _output_sequence(ctx, folder, naming)
    scorer = FrameScorer(ctx, curation, alignment, "lut")
    balanced = FrameScorer(ctx, curation, alignment, "bal") if ctx.balanced else None
    frames = list(ctx.job.media.source.frames)

    def process(frame: int, src: np.ndarray) -> np.ndarray:
        graded = lut.apply(src)
        scorer.add(frame, src, graded, chroma_only=True)
        if balanced is not None and ctx.balanced is not None:
            balanced.add(frame, src, ctx.balanced.read(frame), chroma_only=True, check_luma=False)
        return apply_cleanup(graded, alignment.cleanup_box)

    run_pipeline(
        frames,
        ctx.source.read,
        process,
        lambda f, rgb: _write_output(ctx, folder, pattern, f, rgb),
        workers=io_workers,
        on_frame=lambda done, total: progress("matchgrade", done, total),
        ordered=False,
    )
    files = verify_sequence(folder, pattern, frames)
    metrics = scorer.summary()
    if balanced is not None:
        metrics.update(balanced.summary())
    return write_manifest(
        ctx, "matchgrade", folder, int(folder.name[1:]), [*files, cube], started, output=seq, metrics=metrics
    )
