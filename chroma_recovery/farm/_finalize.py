"""``Finalize``: check the chunked render is whole, rebuild its metrics, write ``_manifest.json`` last.

The chunk records (``_chunks``) carry every scorer value tagged with its frame; sorting them by frame
gives the lists a single uninterrupted ``run_inference`` / ``run_matchgrade`` would have built, and
the saved first/last quarter-resolution CbCr of each chunk supplies the flicker terms across chunk
boundaries. The version is then published by the engine's ``publish_render``, as a local run publishes
its own: every frame (and the ``.cube``) checked, the same metrics, ``_manifest.json`` last.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from schemas import RenderManifest, ShotJob

from ._chunks import CHUNK_DIR, stage_of_folder, version_folder
from ._errors import FarmError


def _load_chunks(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((folder / CHUNK_DIR).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["_npz"] = path.with_suffix(".npz")
        records.append(record)
    return sorted(records, key=lambda r: r["frames"][0])


def _check_coverage(folder: Path, records: list[dict[str, Any]], frames: list[int]) -> None:
    seen: dict[int, int] = {}
    for record in records:
        for frame in record["frames"]:
            seen[frame] = seen.get(frame, 0) + 1
    missing = [f for f in frames if f not in seen]
    doubled = sorted(f for f, n in seen.items() if n > 1)
    if missing or doubled:
        detail = (
            f"missing {missing[:5]}" if missing else f"rendered twice by overlapping chunks {doubled[:5]}"
        )
        raise FarmError(
            f"{folder}: chunk records do not cover the shot once ({detail})",
            hint="re-run the failed Infer/MatchGrade tasks, then Finalize",
        )
    models = {r.get("model_sha256") for r in records if r.get("model_sha256")}
    if len(models) > 1:
        raise FarmError(
            f"{folder}: chunks were restored with {len(models)} different models",
            hint="a newer training finished mid-job; re-bundle and render again",
        )


def _absorb(scorer: Any, name: str, records: list[dict[str, Any]]) -> None:
    """Merge every chunk's per-frame values of scorer ``name`` (flicker across chunk edges too)."""
    for record in records:
        values = record["scorers"].get(name)
        if values is None:
            raise FarmError(f"chunk {record['frames'][0]}-{record['frames'][-1]} has no {name!r} scores")
        with np.load(record["_npz"]) as arrays:
            thumbs = {key.split(":", 1)[1]: arrays[key] for key in arrays.files if key.startswith(f"{name}:")}
        scorer.absorb(values, thumbs)


def finalize_version(job: ShotJob, version_dir: str | Path) -> RenderManifest:
    """Verify and publish one reserved inference or MatchGrade version folder."""
    from chroma_engine.runner import ShotContext, publish_render, stage_scorers

    folder = version_folder(job, version_dir, _stage_hint(job, version_dir))
    stage = stage_of_folder(job, folder)
    ctx = ShotContext.from_job(job)
    records = _load_chunks(folder)
    _check_coverage(folder, records, list(job.media.source.frames))
    scorers = stage_scorers(ctx, ctx.load_curation(), ctx.load_alignment(), stage)
    for name, scorer in scorers.items():
        _absorb(scorer, name, records)
    started = min(_dt.datetime.fromisoformat(r["started"]) for r in records)
    return publish_render(ctx, stage, folder, scorers, started)


def _stage_hint(job: ShotJob, version_dir: str | Path) -> str:
    folder = Path(version_dir)
    folder = folder if folder.is_absolute() else Path(job.project.root) / folder
    return stage_of_folder(job, folder)
