"""The per-frame work of the render stages: restore with the model (V2) or grade with the LUT (V3),
score, crop and write each frame as ACES2065-1 (``render_frames`` drives both)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from schemas import AlignmentRecord, CropBox

from ..colour import ACES2065_1, REC709_DISPLAY, convert
from ..io import write_exr
from ..temporal import DeviceFrames
from ._context import ShotContext
from ._evaluation import FrameScorer
from ._pipeline import run_pipeline
from ._prep_stages import finite, model_input

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..devices import DeviceCapabilities
    from ..matchgrade import Lut3D
    from ..training import InferencePlan

Progress = Callable[[str, int, int], None]
#: Frame worker threads of the render stages (OIIO releases the GIL while it encodes and decodes).
IO_WORKERS = min(8, os.cpu_count() or 2)
#: Reader/encoder threads around a GPU model (measured best of 16/32 on a 16-core H100 host).
GPU_IO_WORKERS = 16


def no_progress(_label: str, _done: int, _total: int) -> None:
    return None


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


def write_output(
    ctx: ShotContext,
    path: Path,
    rgb709: np.ndarray,
    aces: np.ndarray | None = None,
) -> Path:
    """Write one output frame as ACES2065-1; ``aces`` = its conversion already made (e.g. on the GPU)."""
    if aces is None or ctx.job.output.max_resolution is not None:
        out = limit_resolution(rgb709, ctx.job.output.max_resolution)
        aces = convert(out, REC709_DISPLAY, ACES2065_1)
    return write_exr(
        path,
        aces,
        ctx.job.output.colour_space,
        compression=ctx.job.output.compression,
        dwa_level=ctx.job.output.dwa_level,
        metadata={"chroma_recovery:shot": ctx.shot, "chroma_recovery:job": ctx.job.job_id},
    )


def inference_plan(ctx: ShotContext, model: Any, caps: DeviceCapabilities | None = None) -> InferencePlan:
    """How ``model`` renders the shot (``job.inference``; ``auto`` is measured on the shot's first
    frame, so every chunk of a farm render decides alike; ``chroma_engine.training.plan_inference``)."""
    from ..devices import device_capabilities
    from ..training import plan_inference
    from ..training._inference import model_device

    caps = caps or device_capabilities(model_device(model))
    spec = ctx.job.inference
    # the CPU and MPS neither measure nor compile: no frame to read
    fast = caps.compile or caps.half_autocast is not None
    wanted = fast and ("auto" in (spec.half_precision, spec.compile) or spec.compile is True)
    first = ctx.job.media.source.first_frame
    frame = finite(ctx.source.read(first)) if wanted else np.zeros((1, 1, 3), np.float32)
    return plan_inference(model, spec, frame, caps=caps)


def restore_frames(
    ctx: ShotContext,
    model: Any,
    alignment: AlignmentRecord,
    frame_path: Callable[[int], Path],
    frames: list[int],
    scorer: FrameScorer,
    device: str | None = None,
    io_workers: int = IO_WORKERS,
    progress: Progress = no_progress,
) -> None:
    """Restore ``frames`` with ``model``, writing each to ``frame_path(frame)`` (stage 04), run as the
    job's ``inference`` settings decide (``inference_plan``)."""
    from ..devices import device_capabilities
    from ..training._inference import model_device

    caps = device_capabilities(model_device(model))
    plan = inference_plan(ctx, model, caps)
    try:
        _restore_with(ctx, plan, caps, alignment, frame_path, frames, scorer, device, io_workers, progress)
    finally:
        plan.close()


def _restore_with(
    ctx: ShotContext,
    plan: InferencePlan,
    caps: DeviceCapabilities,
    alignment: AlignmentRecord,
    frame_path: Callable[[int], Path],
    frames: list[int],
    scorer: FrameScorer,
    device: str | None,
    io_workers: int,
    progress: Progress,
) -> None:
    """``restore_frames`` with the plan made."""
    from ..training._inference import model_device, restore_frame_with_aces

    on_gpu = caps.device_pipeline
    model, autocast = plan.model, plan.autocast

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
        write_output(ctx, frame_path(frame), apply_cleanup(restored, box), apply_cleanup(aces, box))

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


def grade_frames(
    ctx: ShotContext,
    lut: Lut3D,
    alignment: AlignmentRecord,
    frame_path: Callable[[int], Path],
    frames: list[int],
    scorers: dict[str, FrameScorer],
    io_workers: int = IO_WORKERS,
    progress: Progress = no_progress,
) -> None:
    """Grade ``frames`` with the MatchGrade ``lut``, writing each to ``frame_path(frame)`` (stage 05).

    ``scorers["lut"]`` scores the graded chroma; ``scorers["bal"]``, when present, the balanced scan."""
    lut_scorer, balanced = scorers["lut"], scorers.get("bal")

    def process(frame: int, src: np.ndarray) -> np.ndarray:
        graded = lut.apply(src)
        lut_scorer.add(frame, src, graded, chroma_only=True)
        if balanced is not None and ctx.balanced is not None:
            balanced.add(frame, src, ctx.balanced.read(frame), chroma_only=True, check_luma=False)
        return apply_cleanup(graded, alignment.cleanup_box)

    run_pipeline(
        frames,
        ctx.source.read,
        process,
        lambda f, rgb: write_output(ctx, frame_path(f), rgb),
        workers=io_workers,
        on_frame=lambda done, total: progress("matchgrade", done, total),
        ordered=False,
    )
