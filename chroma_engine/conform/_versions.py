"""Render versions and approval: which ``v###`` of a shot's ML / MatchGrade render is in force.

Layout (written by the render side, never modified here)::

    <project>/pipeline/04_inference_render/<shot>/v001/_manifest.json   (ML, stage "inference")
    <project>/pipeline/05_matchgrade_render/<shot>/v001/_manifest.json  (stage "matchgrade")

A version counts only once its ``_manifest.json`` exists (it is written last), so a render still
in progress is never picked. ``approved.json`` beside the versions records the approved one with
its full history; a re-render goes to a new ``v###`` folder and never displaces the approval.
:func:`select_version` answers the approved version when one is recorded (and still present),
else the latest finished one.
"""

from __future__ import annotations

import datetime as _dt
import functools
import getpass
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from schemas import RenderManifest, SafeName, SchemaError, SchemaModel, load_manifest

from .._errors import ConformError

MANIFEST_NAME = "_manifest.json"
APPROVAL_NAME = "approved.json"
Selection = Literal["approved", "latest"]
RenderStage = Literal["inference", "matchgrade"]
RENDER_STAGES: tuple[RenderStage, ...] = ("inference", "matchgrade")
_VERSION_RE = re.compile(r"^v(\d{3,})$")  # as chroma_engine.io.existing_versions


@dataclass(frozen=True)
class VersionInForce:
    """The render version of a shot's stage to use.

    Attributes:
        version: the ``v###`` number.
        selection: ``approved`` (recorded in ``approved.json``) or ``latest`` (newest finished).
    """

    version: int
    selection: Selection


class ApprovalEvent(SchemaModel):
    """One approval in a shot's history.

    Attributes:
        version: the approved ``v###`` number.
        approved_at: UTC time of the approval.
        approved_by: who approved it (login name unless given).
        note: free text from the approver.
    """

    version: int = Field(ge=1)
    approved_at: _dt.datetime
    approved_by: str = ""
    note: str = ""


class ApprovalRecord(SchemaModel):
    """``<project>/pipeline/0N_<stage>_render/<shot>/approved.json``.

    Attributes:
        shot: shot name.
        stage: ``inference`` (ML) or ``matchgrade``.
        version: the version in force (the last event's).
        history: every approval, oldest first; the last one is in force.
    """

    schema_version: Literal["1"] = "1"
    shot: SafeName
    stage: RenderStage
    version: int = Field(ge=1)
    history: tuple[ApprovalEvent, ...]


@functools.cache
def _stage_folder(stage: str) -> str:
    from ..layout import STAGE_FOLDERS

    return next(f.folder for f in STAGE_FOLDERS if f.stage == stage)


def shot_folder(project: str | os.PathLike[str], shot: str, stage: str) -> Path:
    """``<project>/pipeline/<0N_stage>/<shot>`` (not created)."""
    if stage not in RENDER_STAGES:
        raise ConformError(f"stage {stage!r} has no renders", hint="use inference or matchgrade")
    return Path(project, "pipeline", _stage_folder(stage), shot)


def finished_versions(project: str | os.PathLike[str], shot: str, stage: str) -> list[int]:
    """Versions of ``shot`` whose ``_manifest.json`` exists (finished renders), ascending.

    Plain ``os`` calls: a conform scans thousands of version folders.
    """
    folder = os.fspath(shot_folder(project, shot, stage))
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = _VERSION_RE.match(name)
        if match and os.path.isfile(os.path.join(folder, name, MANIFEST_NAME)):
            found.append(int(match.group(1)))
    return sorted(found)


def manifest_path(project: str | os.PathLike[str], shot: str, stage: str, version: int) -> Path:
    """``.../<shot>/v###/_manifest.json``."""
    return shot_folder(project, shot, stage) / f"v{version:03d}" / MANIFEST_NAME


def read_approval(project: str | os.PathLike[str], shot: str, stage: str) -> ApprovalRecord | None:
    """The shot's approval record, or None when nothing was approved.

    Raises:
        ConformError: the file exists but is not a valid approval record.
    """
    path = shot_folder(project, shot, stage) / APPROVAL_NAME
    if not path.is_file():
        return None
    try:
        return ApprovalRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        detail = str(exc).splitlines()[0]
        raise ConformError(f"{path}: unreadable approval record ({detail})", hint="fix or delete it") from exc


def select_version(project: str | os.PathLike[str], shot: str, stage: str = "inference") -> VersionInForce:
    """The version of ``shot``'s ``stage`` render to use: the approved one, else the latest.

    An approval whose version folder lost its manifest is ignored (the latest is used instead).

    Raises:
        ConformError: the shot has no finished render for that stage.
    """
    found = find_version(project, shot, stage)
    if found is None:
        raise ConformError(
            f"shot {shot} has no finished {stage} render under {shot_folder(project, shot, stage)}",
            hint="render it first (`chroma-recovery run` or the queue)",
        )
    return found


def find_version(project: str | os.PathLike[str], shot: str, stage: str) -> VersionInForce | None:
    """Like :func:`select_version`, but None when the shot has no finished render."""
    versions = finished_versions(project, shot, stage)
    if not versions:
        return None
    approval = read_approval(project, shot, stage)
    if approval is not None and approval.version in versions:
        return VersionInForce(approval.version, "approved")
    return VersionInForce(versions[-1], "latest")


def approve(
    project: str | os.PathLike[str],
    shot: str,
    version: int,
    stage: str = "inference",
    approved_by: str | None = None,
    note: str = "",
    check_images: bool = True,
) -> ApprovalRecord:
    """Record ``version`` as the approved render of ``shot`` (atomic write, history kept).

    The version's manifest is verified first (listed files present, sizes and sha256 match, every
    EXR opens) and must name this shot, stage and version.

    Raises:
        ConformError: the version does not exist, is unfinished, or its manifest fails to verify.
    """
    from .._errors import ManifestError
    from ..io import write_text_atomic
    from ..runner import verify_manifest

    path = manifest_path(project, shot, stage, version)
    if not path.is_file():
        have = ", ".join(f"v{v:03d}" for v in finished_versions(project, shot, stage)) or "none"
        raise ConformError(
            f"{shot} {stage} v{version:03d}: no finished render at {path.parent}",
            hint=f"finished versions: {have}",
        )
    try:
        manifest = verify_manifest(path, check_images=check_images)
    except ManifestError as exc:
        raise ConformError(f"cannot approve: {exc}", hint=exc.hint or "re-render this version") from exc
    _check_identity(manifest, path, shot, stage, version)
    previous = read_approval(project, shot, stage)
    event = ApprovalEvent(
        version=version,
        approved_at=_dt.datetime.now(_dt.timezone.utc),
        approved_by=approved_by if approved_by is not None else _login(),
        note=note,
    )
    record = ApprovalRecord(
        shot=shot,
        stage=stage,  # type: ignore[arg-type]  # checked by shot_folder
        version=version,
        history=(*(previous.history if previous else ()), event),
    )
    target = shot_folder(project, shot, stage) / APPROVAL_NAME
    write_text_atomic(target, json.dumps(record.model_dump(mode="json"), indent=2) + "\n")
    return record


def _check_identity(manifest: RenderManifest, path: Path, shot: str, stage: str, version: int) -> None:
    wrong = [
        f"{name} is {got!r}, expected {want!r}"
        for name, got, want in (
            ("shot", manifest.shot, shot),
            ("stage", manifest.stage, stage),
            ("version", manifest.version, version),
        )
        if got != want
    ]
    if wrong:
        raise ConformError(
            f"cannot approve: {path}: " + "; ".join(wrong), hint="the render folder was moved?"
        )


def load_render_manifest(
    project: str | os.PathLike[str], shot: str, stage: str, version: int
) -> RenderManifest:
    """Read (validate, not checksum) one version's manifest.

    Raises:
        ConformError: missing or invalid manifest.
    """
    path = manifest_path(project, shot, stage, version)
    try:
        return load_manifest(path)
    except SchemaError as exc:
        raise ConformError(f"{exc}", hint=exc.hint or "re-render this version") from exc


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
