"""Host verbs of Import ML Renders and of the Phase 1 export check.

* ``renders``: read manifests (the import queue ``resolve_queue/pending/*.json``, oldest name
  first, or the files named), each with its job's record position and SOURCE, and check every
  rendered frame is on disk and opens. A refused manifest is answered with its reason, not an
  error: the host imports the others.
* ``queue-finish``: move each imported manifest to ``resolve_queue/done/``, each refused one to
  ``resolve_queue/failed/`` next to a ``.error.txt`` saying why (written atomically).
* ``check-frames``: every file exists and opens as an image (OpenImageIO header), optionally of a
  given size.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import schemas
from chroma_engine import EngineError
from chroma_engine.io import image_info, write_text_atomic
from schemas import SchemaModel, SequenceRef, ShotJob

from ._errors import ResolveHostError
from ._protocol import one_line, parse

#: Manifest stage -> the kind the host imports (bins ``ML/``, ``MATCHGRADE/``).
STAGE_KINDS = {"inference": "ML", "matchgrade": "MATCHGRADE"}


def unusable_frames(files: list[str], width: int | None = None, height: int | None = None) -> list[str]:
    """One line per file that is missing, does not open, or is not ``width`` x ``height``."""
    problems: list[str] = []
    for name in files:
        if not os.path.isfile(name):
            problems.append(f"{name}: missing")
            continue
        try:
            info = image_info(name)
        except EngineError as exc:
            problems.append(one_line(exc))
            continue
        size = (info["width"], info["height"])
        if width and height and size != (width, height):
            problems.append(f"{name}: {size[0]}x{size[1]}, expected {width}x{height}")
    return problems


def check_files(files: list[str], what: str, width: int | None = None, height: int | None = None) -> None:
    """Raise one line naming the first unusable file (and how many there are)."""
    problems = unusable_frames(files, width, height)
    if problems:
        raise ResolveHostError(
            f"{what}: {len(problems)} of {len(files)} frame(s) unusable, first {problems[0]}",
            hint="render again; a partly written or foreign file is never imported",
        )


class CheckFramesRequest(SchemaModel):
    """``check-frames`` request: files, and the size they must have (both or neither)."""

    files: list[str]
    width: int | None = None
    height: int | None = None


def verb_check_frames(args: Mapping[str, Any]) -> dict[str, Any]:
    """``check-frames``: ``{"files", "width"?, "height"?}`` -> ``{"checked": n}``."""
    request = parse(CheckFramesRequest, args)
    check_files(request.files, "rendered frames", request.width, request.height)
    return {"checked": len(request.files)}


def _absolute(seq: SequenceRef, root: Path) -> SequenceRef:
    if os.path.isabs(seq.path):
        return seq
    return seq.model_copy(update={"path": str(root / seq.path)})


def find_job(root: Path, job_id: str) -> ShotJob:
    """Load ``<job_id>.json`` from anywhere under ``<root>/jobs`` (incoming, running, done...)."""
    for path in sorted((root / "jobs").rglob(f"{job_id}.json")):
        return schemas.load_job(path)
    raise ResolveHostError(
        f"job {job_id} not found under {root / 'jobs'}", hint="was it sent from this project?"
    )


def read_render(root: Path, path: Path) -> dict[str, Any]:
    """One manifest as the host imports it (see the module docstring).

    Raises:
        ResolveHostError: another stage, no output, job missing or without record_in, frames
            missing or unreadable.
        SchemaError: the manifest itself is invalid.
    """
    manifest = schemas.load_manifest(path)
    kind = STAGE_KINDS.get(manifest.stage)
    if kind is None or manifest.output is None:
        raise ResolveHostError(
            f"{path.name}: stage {manifest.stage!r} has no image sequence to import",
            hint="only inference (ML) and matchgrade manifests go to Resolve",
        )
    job = find_job(root, manifest.job_id)
    if job.shot.record_in is None:
        raise ResolveHostError(
            f"job {job.job_id} has no record_in", hint="send the shot again from its timeline"
        )
    output = _absolute(manifest.output, root)
    if manifest.frame_count != output.frame_count:
        raise ResolveHostError(
            f"{path.name}: {manifest.frame_count} frames announced, the sequence spans {output.frame_count}",
            hint="render again",
        )
    label = f"{kind} {manifest.shot} v{manifest.version:03d}"
    check_files([output.frame_path(f) for f in output.frames], label)
    return {
        "kind": kind,
        "job_id": manifest.job_id,
        "shot": manifest.shot,
        "version": manifest.version,
        "sequence": output.model_dump(
            mode="json", include={"path", "first_frame", "last_frame", "frame_rate"}
        ),
        "project": job.project.name,
        "record_in": job.shot.record_in,
        "source": _absolute(job.media.source, root).model_dump(
            mode="json", include={"path", "first_frame", "last_frame", "frame_rate"}
        ),
        "manifest": str(path),
    }


def pending_manifests(root: Path) -> list[Path]:
    """``<root>/resolve_queue/pending/*.json``, oldest name first (temporary dot-files skipped)."""
    folder = root / "resolve_queue" / "pending"
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))


class RendersRequest(SchemaModel):
    """``renders`` request: the project, and the manifests to read (None: the pending queue)."""

    project_root: str
    manifests: list[str] | None = None


def verb_renders(args: Mapping[str, Any]) -> dict[str, Any]:
    """``renders``: ``{"project_root", "manifests"?}`` -> ``{"renders": [{"manifest", "render" |
    None, "error", "hint"}]}`` in order."""
    request = parse(RendersRequest, args)
    root = Path(request.project_root)
    paths = [Path(p) for p in request.manifests] if request.manifests is not None else pending_manifests(root)
    entries: list[dict[str, Any]] = []
    for path in paths:
        try:
            entries.append(
                {"manifest": str(path), "render": read_render(root, path), "error": None, "hint": None}
            )
        except (ResolveHostError, schemas.SchemaError) as exc:
            entries.append({"manifest": str(path), "render": None, "error": one_line(exc), "hint": exc.hint})
    return {"renders": entries}


class Outcome(SchemaModel):
    """What happened to one pending manifest: ``error`` None when it was imported."""

    manifest: str
    error: str | None = None
    hint: str | None = None


class QueueFinishRequest(SchemaModel):
    """``queue-finish`` request."""

    project_root: str
    outcomes: list[Outcome]


def _move_unique(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    os.replace(path, target)
    return target


def verb_queue_finish(args: Mapping[str, Any]) -> dict[str, Any]:
    """``queue-finish``: ``{"project_root", "outcomes": [{"manifest", "error", "hint"}]}`` ->
    ``{"moved": [new path per outcome]}``; only files of ``resolve_queue/pending`` are moved."""
    request = parse(QueueFinishRequest, args)
    queue = Path(request.project_root) / "resolve_queue"
    pending = (queue / "pending").resolve()
    moved: list[str] = []
    for outcome in request.outcomes:
        path = Path(outcome.manifest)
        if path.resolve().parent != pending or not path.is_file():
            raise ResolveHostError(
                f"{path}: not a pending manifest of {queue}", hint="run Import ML Renders again"
            )
        if outcome.error is None:
            moved.append(str(_move_unique(path, queue / "done")))
            continue
        target = _move_unique(path, queue / "failed")
        write_text_atomic(target.with_suffix(".error.txt"), f"{outcome.error}\nhint: {outcome.hint or ''}\n")
        moved.append(str(target))
    return {"moved": moved}
