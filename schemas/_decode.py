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
    if not isinstance(version, str):
        wanted = " or ".join(f'"{v}"' for v in supported)
        raise ValidationFailed(
            source, [FieldProblem("schema_version", f"must be a string such as {wanted}", repr(version)[:60])]
        )
    while version in MIGRATIONS[kind]:
        data = MIGRATIONS[kind][version](dict(data))
        version = data.get("schema_version")
    if version not in supported:
        raise UnsupportedVersion(source, kind, version, supported)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(source, _problems(exc)) from exc


#: Largest document read (bytes): jobs and manifests are a few kB; a huge file is not one of them.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _read_json(path: str | os.PathLike[str]) -> object:
    """Read a JSON document; every way it can be unreadable becomes one ``DocumentUnreadable`` line."""
    try:
        if os.path.getsize(path) > MAX_DOCUMENT_BYTES:
            raise DocumentUnreadable(
                f"{path}: larger than {MAX_DOCUMENT_BYTES // 2**20} MiB, not a job or manifest",
                hint="check the path",
            )
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DocumentUnreadable(f"{path}: cannot read ({reason})", hint="check the path") from exc
    return parse_json(raw, str(path))


def parse_json(raw: bytes, source: str) -> object:
    """Decode UTF-8 JSON bytes: bad bytes, syntax, oversized numbers and deep nesting are clean errors."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentUnreadable(
            f"{source}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint="save the file as UTF-8",
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentUnreadable(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            hint="the file may be truncated or hand-edited",
        ) from exc
    except ValueError as exc:  # e.g. an integer longer than Python's 4300-digit conversion limit
        raise DocumentUnreadable(
            f"{source}: a number is out of range ({str(exc).split(':')[0]})",
            hint="numbers in a job are frame numbers, sizes and rates: check the file",
        ) from exc
    except RecursionError as exc:
        raise DocumentUnreadable(f"{source}: nested too deeply", hint="check the file") from exc
    _check_text(data, source)
    return data


def _check_text(data: object, source: str) -> None:
    """Strings must be encodable text: a lone surrogate (``"\\ud800"``) cannot be printed or saved."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise DocumentUnreadable(
                    f"{source}: a string holds an unpaired surrogate escape ({item[exc.start]!a})",
                    hint="remove the \\uD800-\\uDFFF escape",
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
        if "\x00" in raw:
            problems.append(FieldProblem(field, "contains a NUL character", repr(raw)[:60]))
            continue
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
