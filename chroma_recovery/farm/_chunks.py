"""Chunked renders: restore (or LUT-grade) exactly a frame range into a reserved version folder.

Each chunk mirrors the engine's ``run_inference`` / ``run_matchgrade`` frame for frame (same model,
same ``FrameScorer``, same writer), then leaves a record in ``<version>/_farm/chunks/``:

- ``<step>_<first>-<last>.json``: frames, model file and checksum, start time, and every value the
  scorers appended, tagged with its frame (so ``Finalize`` rebuilds the metrics in frame order,
  exactly as one uninterrupted run would have produced them);
- ``<step>_<first>-<last>.npz``: the quarter-resolution CbCr of the chunk's first and last frame, so the
  frame-to-frame flicker across chunk boundaries is measured too.

A retried chunk overwrites its own frames (atomic writes) and its own record; a version folder that
already holds a ``_manifest.json`` is finished and is never written again.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from schemas import ShotJob

from ._errors import FarmError

CHUNK_DIR = Path("_farm") / "chunks"
STAGE_OF_STEP = {"infer": "inference", "matchgrade": "matchgrade"}


def parse_frames(spec: str, job: ShotJob) -> list[int]:
    """``"1001-1012"`` or ``"1005"`` -> frames, which must lie inside the job's source range."""
    src = job.media.source
    try:
        first_s, _, last_s = spec.strip().partition("-")
        first, last = int(first_s), int(last_s or first_s)
    except ValueError as exc:
        raise FarmError(f"--frames {spec!r}: expected FIRST-LAST, e.g. 1001-1012") from exc
    if last < first or first < src.first_frame or last > src.last_frame:
        raise FarmError(
            f"--frames {spec}: outside the shot's source range {src.first_frame}-{src.last_frame}",
            hint="chunks must lie inside media.source first_frame..last_frame",
        )
    return list(range(first, last + 1))


def version_folder(job: ShotJob, version_dir: str | os.PathLike[str], stage: str) -> Path:
    """The reserved ``pipeline/<0N_stage>/<shot>/v###`` folder; relative paths are under the root.

    Raises:
        FarmError: not a version folder of this shot and stage, missing, or already finished.
    """
    from chroma_engine.layout import stage_dir
    from chroma_engine.runner import MANIFEST_NAME

    root = Path(job.project.root)
    folder = Path(version_dir)
    folder = folder if folder.is_absolute() else root / folder
    expected = stage_dir(root, stage) / job.shot.name
    if folder.parent.resolve() != expected.resolve() or not folder.name.startswith("v"):
        raise FarmError(
            f"--version-dir {version_dir}: not a {stage} version folder of shot {job.shot.name}",
            hint=f"expected {expected}/v###",
        )
    if not folder.is_dir():
        raise FarmError(
            f"{folder}: version folder does not exist", hint="re-run `farm bundle` to reserve one"
        )
    if (folder / MANIFEST_NAME).exists():
        raise FarmError(
            f"{folder}: already finished (has {MANIFEST_NAME}); renders are never overwritten",
            hint="run `chroma-recovery farm bundle` again to reserve new versions",
        )
    return folder


def stage_of_folder(job: ShotJob, folder: Path) -> str:
    """``inference`` or ``matchgrade``, from where ``folder`` lies."""
    from chroma_engine.layout import stage_dir

    for stage in STAGE_OF_STEP.values():
        if folder.parent.resolve() == (stage_dir(job.project.root, stage) / job.shot.name).resolve():
            return stage
    raise FarmError(f"{folder}: not an inference or matchgrade version folder of shot {job.shot.name}")


def matchgrade_naming(naming: str) -> str:
    """The engine's MatchGrade file name (``_ML_`` -> ``_MG_``, else an ``MG_`` prefix)."""
    return naming.replace("_ML_", "_MG_") if "_ML_" in naming else "MG_" + naming


def _save_record(folder: Path, step: str, frames: list[int], info: dict[str, Any], scorers: dict) -> Path:
    """Write the chunk's scorer states: per-frame values (JSON) and boundary thumbnails (npz)."""
    from chroma_engine.io import atomic_target, write_text_atomic

    stem = f"{step}_{frames[0]:06d}-{frames[-1]:06d}"
    chunks = folder / CHUNK_DIR
    arrays, values = {}, {}
    for name, scorer in scorers.items():
        per_frame, thumbs = scorer.state()
        values[name] = per_frame
        arrays.update({f"{name}:{frame}": thumb for frame, thumb in thumbs.items()})
    with atomic_target(chunks / f"{stem}.npz") as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    payload = {**info, "step": step, "frames": frames, "scorers": values}
    path = chunks / f"{stem}.json"
    write_text_atomic(path, json.dumps(payload, indent=1) + "\n")
    return path


def render_infer_chunk(
    job: ShotJob, frames: list[int], folder: Path, model: str | None = None, device: str | None = None
) -> Path:
    """Restore ``frames`` with the model into ``folder``; returns the chunk record."""
    from chroma_engine.runner import FrameScorer, ShotContext, latest_model
    from chroma_engine.runner._context import sha256_file
    from chroma_engine.runner._render_stages import _output_sequence, restore_frames
    from chroma_engine.training import load_model

    started = _dt.datetime.now(_dt.timezone.utc)
    ctx = ShotContext.from_job(job)
    curation, alignment = ctx.load_curation(), ctx.load_alignment()
    model_path = Path(model) if model else latest_model(ctx)
    net = load_model(model_path, device=device or "cpu")
    pattern, _seq = _output_sequence(ctx, folder, job.output.naming)
    scorer = FrameScorer(ctx, curation, alignment, "ml")

    restore_frames(ctx, net, alignment, folder, pattern, frames, scorer, device)
    info = {"model": str(model_path), "model_sha256": sha256_file(model_path), "started": started.isoformat()}
    return _save_record(folder, "infer", frames, info, {"ml": scorer})


def fit_matchgrade_lut(ctx: Any, curation: Any, alignment: Any) -> Any:
    """The engine's MatchGrade LUT fit (deterministic: every chunk fits the same LUT)."""
    from chroma_engine.matchgrade import fit_lut
    from chroma_engine.runner._prep_stages import load_pairs
    from chroma_engine.training import median_clean

    spec = ctx.job.matchgrade
    pairs = load_pairs(ctx, curation, alignment, curation.training_frames)
    median = ctx.job.reference_cleanup.median_size
    targets = [median_clean(p.reference, median) if median > 1 else p.reference for p in pairs]
    return fit_lut(
        [p.source for p in pairs], targets, [p.mask for p in pairs], size=spec.lut_size, log=spec.log_pre_lut
    )


def cube_path(job: ShotJob, folder: Path) -> Path:
    return folder / f"{job.project.name}_{job.shot.name}_matchgrade.cube"


def render_matchgrade_chunk(job: ShotJob, frames: list[int], folder: Path) -> Path:
    """Fit the LUT, write the ``.cube`` (atomically, same bytes from every chunk), grade ``frames``."""
    from chroma_engine.runner import FrameScorer, ShotContext, apply_cleanup
    from chroma_engine.runner._render_stages import _output_sequence, _write_output

    started = _dt.datetime.now(_dt.timezone.utc)
    ctx = ShotContext.from_job(job)
    curation, alignment = ctx.load_curation(), ctx.load_alignment()
    lut = fit_matchgrade_lut(ctx, curation, alignment)
    lut.write_cube(cube_path(job, folder))
    pattern, _seq = _output_sequence(ctx, folder, matchgrade_naming(job.output.naming))
    recorders = {"lut": FrameScorer(ctx, curation, alignment, "lut")}
    if ctx.balanced is not None:
        recorders["bal"] = FrameScorer(ctx, curation, alignment, "bal")
    for frame in frames:
        src = ctx.source.read(frame)
        graded = lut.apply(src)
        recorders["lut"].add(frame, src, graded, chroma_only=True)
        if "bal" in recorders and ctx.balanced is not None:
            recorders["bal"].add(frame, src, ctx.balanced.read(frame), chroma_only=True, check_luma=False)
        _write_output(ctx, folder, pattern, frame, apply_cleanup(graded, alignment.cleanup_box))
    return _save_record(folder, "matchgrade", frames, {"started": started.isoformat()}, recorders)
