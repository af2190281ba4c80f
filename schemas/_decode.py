"""Decoding documents: version dispatch, pydantic errors converted, path containment checks."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._errors import DocumentUnreadable, FieldProblem, UnsupportedVersion, ValidationFailed
from ._job import ShotJob
from ._manifest import RenderManifest
from ._sequence import SequenceRef

M = TypeVar("M", bound=BaseModel)

#: Pure dict -> dict steps from an older ``schema_version`` to the next one.
MIGRATIONS: dict[str, dict[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "ShotJob": {},
    "RenderManifest": {},
}
SUPPORTED_VERSIONS: dict[str, tuple[str, ...]] = {"ShotJob": ("1",), "RenderManifest": ("1",)}


def _problems(exc: ValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(document)"
        value = "" if err["type"] in ("missing", "extra_forbidden") else repr(err.get("input"))[:60]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        out.append(FieldProblem(loc, msg, value))
    return out


def _decode(model: type[M], kind: str, data: object, source: str) -> M:
    if not isinstance(data, dict):
        raise ValidationFailed(source, [FieldProblem("(document)", "must be a JSON object")])
    version = data.get("schema_version")
    supported = SUPPORTED_VERSIONS[kind]
    if version is None:
        raise ValidationFailed(source, [FieldProblem("schema_version", "missing")])
    while version in MIGRATIONS[kind]:
        data = MIGRATIONS[kind][version](dict(data))
        version = data.get("schema_version")
    if version not in supported:
        raise UnsupportedVersion(source, kind, version, supported)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(source, _problems(exc)) from exc


def _read_json(path: str | os.PathLike[str]) -> object:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentUnreadable(f"{path}: cannot read ({exc.strerror})", hint="check the path") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentUnreadable(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            hint="the file may be truncated or hand-edited",
        ) from exc


def _job_paths(job: ShotJob) -> Iterator[tuple[str, str]]:
    for name in ("source", "reference", "balanced", "truth"):
        seq: SequenceRef | None = getattr(job.media, name)
        if seq is not None:
            yield f"media.{name}.path", seq.path
    if job.shot.cut_path:
        yield "shot.cut_path", job.shot.cut_path
    if job.training.initial_weights:
        yield "training.initial_weights", job.training.initial_weights


def check_paths_inside_root(job: ShotJob, source: str) -> None:
    """Reject any path that escapes ``project.root`` (``..``, absolute elsewhere, symlinks out)."""
    root = os.path.realpath(job.project.root)
    problems = []
    for field, raw in _job_paths(job):
        full = raw if os.path.isabs(raw) else os.path.join(job.project.root, raw)
        # realpath follows symlinks of every existing component, so a link out is caught too.
        real = os.path.realpath(os.path.dirname(full))
        if os.path.commonpath([root, real]) != root:
            problems.append(FieldProblem(field, "escapes the project root", repr(raw)[:60]))
    if problems:
        raise ValidationFailed(source, problems)


def decode_shot_job(data: object, source: str = "<job>", check_paths: bool = True) -> ShotJob:
    """Validate a job document (dict), dispatching on ``schema_version``."""
    job = _decode(ShotJob, "ShotJob", data, source)
    if check_paths:
        check_paths_inside_root(job, source)
    return job


def decode_manifest(data: object, source: str = "<manifest>") -> RenderManifest:
    """Validate a manifest document (dict), dispatching on ``schema_version``."""
    return _decode(RenderManifest, "RenderManifest", data, source)


def load_job(path: str | os.PathLike[str], check_paths: bool = True) -> ShotJob:
    """Read and validate a job JSON file; every error names the file."""
    return decode_shot_job(_read_json(path), str(path), check_paths)


def load_manifest(path: str | os.PathLike[str]) -> RenderManifest:
    """Read and validate a manifest JSON file."""
    return decode_manifest(_read_json(path), str(path))


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of ``ShotJob``, ``RenderManifest`` and ``SequenceRef``, by file name.

    ``schemas`` writes no files: ``chroma-recovery schema export`` writes these through the engine's
    durable-write helper (``chroma_engine.io.write_json_atomic``), as documents are written with
    ``chroma_engine.io.write_document``.
    """
    models = (ShotJob, RenderManifest, SequenceRef)
    return {f"{m.__name__}.schema.json": m.model_json_schema() for m in models}
