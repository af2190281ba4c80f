"""Stages 1 and 2 (curation, alignment), the training pairs they define and the model's input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from schemas import AlignmentRecord, CurationRecord

from ..io import next_version_dir, write_png, write_text_atomic
from ..temporal import TemporalInput
from ._context import ShotContext, save_record
from ._manifest import now, write_manifest

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..training import TrainingPair


@dataclass(frozen=True)
class FramePair:
    """One source frame with its reference warped into source geometry and the usable-pixel mask."""

    frame: int
    source: np.ndarray
    reference: np.ndarray
    mask: np.ndarray


def run_curation(ctx: ShotContext, count: int | None = None) -> CurationRecord:
    """Stage 1: choose training pairs and the held-out preview frame; record every decision."""
    from ..curation import curate

    started = now()
    ctx.source.check()
    ctx.reference.check()
    record = curate(ctx.job, ctx.source, ctx.reference, count=count)
    folder = next_version_dir(ctx.shot_dir("curation"))
    path = save_record(record, folder / "curation.json")
    files = [path]
    sheet = _pairs_sheet(ctx, record)
    if sheet is not None:
        files.append(write_png(folder / f"{ctx.shot}_pairs.png", sheet))
        write_png(ctx.qc_dir("curation") / f"{ctx.shot}_{folder.name}_pairs.png", sheet)
    write_manifest(
        ctx,
        "curation",
        folder,
        int(folder.name[1:]),
        files,
        started,
        metrics={
            "training_pairs": len(record.training_frames),
            "rejected_pairs": sum(1 for p in record.pairs if not p.accepted),
            "reference_offset": record.reference_offset,
            "offset_confidence": record.offset_confidence,
        },
    )
    return record


def run_alignment(ctx: ShotContext, curation: CurationRecord) -> AlignmentRecord:
    """Stage 2: register the reference onto the scan, crop, exclude subtitles; QC for every pair.

    QC: per training pair the normalised luma difference, and a contact sheet of every pair's
    difference and edge overlay (scan green, reference magenta; outside the training area dimmed),
    and the record's sentence (transform and quality in a colorist's words) as a text file.
    """
    from ..alignment import align, difference_image, edge_overlay, training_mask, warp_reference
    from ..qc import contact_sheet

    started = now()
    record = align(ctx.job, curation, ctx.source, ctx.reference)
    folder = next_version_dir(ctx.shot_dir("alignment"))
    files = [save_record(record, folder / "alignment.json")]
    qc = ctx.qc_dir("alignment")
    tag = f"{ctx.shot}_{folder.name}"
    sheet, labels = [], []
    for frame in curation.training_frames:
        src = ctx.source.read(frame)
        warped = warp_reference(ctx.reference.read(curation.reference_frame_for(frame)), record, src.shape)
        diff = difference_image(src, warped)
        files.append(write_png(folder / f"{ctx.shot}_diff_{frame}.png", diff))
        write_png(qc / f"{tag}_diff_{frame}.png", diff)
        quality = record.per_frame_quality.get(frame)
        # outside the frame's training area (crop, subtitles, no reference) dimmed to a third
        shade = np.where(training_mask(record, frame, src.shape), 1.0, 0.33)[..., None].astype(np.float32)
        sheet += [diff * shade, edge_overlay(src, warped) * shade]
        labels += [
            f"{frame} |scan - reference|" + (f" q {quality:.2f}" if quality is not None else ""),
            f"{frame} edges: scan green, reference magenta",
        ]
    picture = contact_sheet(sheet, labels, columns=2)
    files.append(write_png(folder / f"{ctx.shot}_alignment_sheet.png", picture))
    write_png(qc / f"{tag}_alignment_sheet.png", picture)
    files.append(write_text_atomic(folder / f"{ctx.shot}_alignment.txt", record.summary + "\n"))
    write_text_atomic(qc / f"{tag}_alignment.txt", record.summary + "\n")
    metrics = {"quality": record.quality, "fell_back": float(record.fell_back)}
    if record.estimated_error_px is not None:
        metrics["estimated_error_px"] = record.estimated_error_px
    write_manifest(ctx, "alignment", folder, int(folder.name[1:]), files, started, metrics=metrics)
    return record


def load_pairs(
    ctx: ShotContext, curation: CurationRecord, alignment: AlignmentRecord, frames: Sequence[int]
) -> list[FramePair]:
    """Read ``frames`` of the source with their references warped into source geometry."""
    from ..alignment import training_mask, warp_reference

    pairs = []
    for frame in frames:
        src = finite(ctx.source.read(frame))
        ref = finite(ctx.reference.read(curation.reference_frame_for(frame)))
        warped = warp_reference(ref, alignment, src.shape)
        mask = training_mask(alignment, frame, src.shape)
        pairs.append(FramePair(frame, src, warped, mask))
    return pairs


@dataclass(frozen=True)
class TrainingSet:
    """What stage 3 trains on: the curated pairs and the held-out preview pair (never trained on)."""

    pairs: list[TrainingPair]
    preview: TrainingPair


def training_set(ctx: ShotContext, curation: CurationRecord, alignment: AlignmentRecord) -> TrainingSet:
    """The curated training pairs and the preview pair, as every training run (one process or DDP) sees
    them: read, warped into scan geometry and made into ``reference_pairs``."""
    frames = [*curation.training_frames, curation.preview_frame]
    pairs = reference_pairs(ctx, load_pairs(ctx, curation, alignment, frames))
    return TrainingSet(pairs=pairs[:-1], preview=pairs[-1])


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


def finite(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` with NaN -> 0 and +-Inf -> 1 / 0 (reported by the stages that read it)."""
    return rgb if np.isfinite(rgb).all() else np.nan_to_num(rgb, nan=0.0, posinf=1.0, neginf=0.0)


def _pairs_sheet(ctx: ShotContext, record: CurationRecord) -> np.ndarray | None:
    try:
        from ..qc import contact_sheet
    except ImportError:  # pragma: no cover - QC package is part of the engine
        return None
    images, labels = [], []
    for frame in record.training_frames:
        images += [ctx.source.read(frame), ctx.reference.read(record.reference_frame_for(frame))]
        labels += [f"SOURCE {frame}", f"REF {record.reference_frame_for(frame)}"]
    return contact_sheet(images, labels, columns=2)
