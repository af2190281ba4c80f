"""Chunked renders: restore (or LUT-grade) exactly a frame range into a reserved version folder.

Each chunk renders through the engine's one render path (``chroma_engine.runner.render_frames``, the
call a local run makes for every frame: same model, LUT fit, names, scorers and writer), then leaves a
record in ``<version>/_farm/chunks/``:

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


def render_chunk(
    job: ShotJob,
    step: str,
    frames: list[int],
    folder: Path,
    model: str | None = None,
    device: str | None = None,
) -> Path:
    """Render ``frames`` of ``step`` (``infer``: with ``model``, default the newest finished training;
    ``matchgrade``: fitting the LUT and writing its ``.cube``) into ``folder``; returns the chunk record."""
    from chroma_engine.io import sha256_file
    from chroma_engine.runner import ShotContext, render_frames

    started = _dt.datetime.now(_dt.timezone.utc)
    ctx = ShotContext.from_job(job)
    stage = STAGE_OF_STEP[step]
    done = render_frames(ctx, stage, folder, frames, model=Path(model) if model else None, device=device)
    info: dict[str, Any] = {"started": started.isoformat()}
    if done.model is not None:
        info.update({"model": str(done.model), "model_sha256": sha256_file(done.model)})
    return _save_record(folder, step, frames, info, done.scorers)
