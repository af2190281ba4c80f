"""Build the stage graphs of a job and write them as versioned ``.nk`` scripts.

Scripts go to ``pipeline/0N_<stage>/<shot>/nuke/<shot>_<stage>_v###.nk``. One call picks a single
version ``V`` for all requested stages: the lowest number for which no requested stage has a
``_v{V}.nk`` script or a ``v{V}`` render folder, so nothing is ever overwritten and the scripts of one
call read each other's ``v{V}`` renders. Files are written atomically (temporary name, then rename).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from schemas import STAGES, AlignmentRecord, CurationRecord, ShotJob

from ._errors import NukeBridgeError, StageInputError
from ._graph import Graph
from ._stage_common import STAGE_DIRS, BuildOptions, project_path, stage_dir, training_input
from ._stages_prep import build_alignment, build_curation
from ._stages_render import build_inference, build_matchgrade, build_training
from ._writer import write_nk

Builder = Callable[[ShotJob, "CurationRecord | None", "AlignmentRecord | None", "BuildOptions | None"], Graph]
BUILDERS: dict[str, Builder] = {
    "curation": build_curation,
    "alignment": build_alignment,
    "training": build_training,
    "inference": build_inference,
    "matchgrade": build_matchgrade,
}
R = TypeVar("R", CurationRecord, AlignmentRecord)
_VERSION_RE = re.compile(r"_v(\d{3,})\.nk$")
_RENDER_RE = re.compile(r"^v(\d{3,})$")


def build_all(
    job: ShotJob,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    options: BuildOptions | None = None,
    stages: Iterable[str] | None = None,
) -> dict[str, Graph]:
    """The graphs of ``stages`` (default: all five; MatchGrade only when enabled), in stage order."""
    wanted = check_stages(stages, job)
    return {stage: BUILDERS[stage](job, curation, alignment, options) for stage in wanted}


def check_stages(stages: Iterable[str] | None, job: ShotJob) -> list[str]:
    """Validate stage names; ``None`` means every stage (MatchGrade only when enabled)."""
    if stages is None:
        return [s for s in STAGES if s != "matchgrade" or job.matchgrade.enabled]
    wanted = list(stages)
    unknown = [s for s in wanted if s not in BUILDERS]
    if unknown:
        raise NukeBridgeError(f"unknown stage {unknown[0]!r}", f"stages are: {', '.join(STAGES)}")
    return [s for s in STAGES if s in wanted]


def _read_record(path: Path, model: type[R]) -> R | None:
    if not path.is_file():
        return None
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NukeBridgeError(f"{path}: cannot read ({exc.strerror})", "check the file permissions") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise NukeBridgeError(
            f"{path}: {where}: {first['msg']}", f"re-run the native stage that writes {path.name}"
        ) from exc


def _newest_record(job: ShotJob, stage: str) -> Path:
    """The record of the newest complete version (one with its manifest; partial ones are skipped)."""
    from chroma_engine.io import newest_complete_version

    folder = Path(stage_dir(job, stage))
    newest = newest_complete_version(folder, required=(f"{stage}.json",)).folder
    return (newest if newest is not None else folder) / f"{stage}.json"


def load_records(job: ShotJob) -> tuple[CurationRecord | None, AlignmentRecord | None]:
    """The engine's newest ``curation.json`` and ``alignment.json`` for the shot, when they exist.

    The engine versions its records like renders (``<shot>/v###/curation.json``); the newest wins.
    """
    curation = _read_record(_newest_record(job, "curation"), CurationRecord)
    alignment = _read_record(_newest_record(job, "alignment"), AlignmentRecord)
    for record, name in ((curation, "curation.json"), (alignment, "alignment.json")):
        if record is not None and record.job_id != job.job_id:
            raise StageInputError(
                "build",
                name,
                f"belongs to job {record.job_id!r}, not {job.job_id!r}",
                "re-run the stage",
            )
    return curation, alignment  # type: ignore[return-value]


def decide_curation(job: ShotJob, stages: Iterable[str]) -> CurationRecord | None:
    """The engine's curation decision for a job that lists no training frames and has no record.

    Stages other than inference need training frames. When the job lists none and no
    ``curation.json`` exists, the native curation stage decides now (CPU only, seconds) and records
    its decision exactly as ``chroma-recovery run --stage curation`` does (``v###/curation.json``,
    the pairs sheet and the manifest, durable writes), through ``chroma_engine.runner.ensure_curation``.
    Returns None when nothing needs deciding (explicit frames, or inference only).

    Raises:
        StageInputError: the source media is not on disk to decide from.
        StageError, MediaError: the engine's own errors (unreadable media, no usable frame).
    """
    wanted = set(stages) - {"inference"}
    if not wanted or job.curation.frames:
        return None
    seq = training_input(job)
    first = Path(project_path(job, seq.frame_path(seq.first_frame)))
    if not first.is_file():
        raise StageInputError(
            sorted(wanted, key=STAGES.index)[0],
            "curation.frames",
            f"no training frames: the job lists none, there is no curation.json and {first} is not on "
            "disk for the engine's curation to decide from",
            "list frames in the job's curation.frames, or check media.source",
        )
    from chroma_engine.runner import ensure_curation

    return ensure_curation(job).record


def script_path(job: ShotJob, stage: str, version: int) -> str:
    """``pipeline/0N_<stage>/<shot>/nuke/<shot>_<stage>_v###.nk`` (absolute)."""
    return posixpath.join(stage_dir(job, stage), "nuke", f"{job.shot.name}_{stage}_v{version:03d}.nk")


def next_version(job: ShotJob, stages: Iterable[str]) -> int:
    """Lowest version no requested stage has used yet (scripts or render folders)."""
    used = 0
    for stage in stages:
        folder = Path(stage_dir(job, stage))
        for path in (folder / "nuke").glob("*.nk") if (folder / "nuke").is_dir() else ():
            match = _VERSION_RE.search(path.name)
            if match:
                used = max(used, int(match.group(1)))
        for path in folder.iterdir() if folder.is_dir() else ():
            match = _RENDER_RE.match(path.name)
            if match and path.is_dir():
                used = max(used, int(match.group(1)))
    return used + 1


def write_new_script(path: Path, text: str) -> None:
    """Write a new script durably (``chroma_engine.io``); refuses to overwrite an existing one."""
    from chroma_engine.io import write_text_atomic

    if path.exists():
        raise NukeBridgeError(f"{path}: already exists; scripts are never overwritten", "build a new version")
    write_text_atomic(path, text)


def probe_source_size(job: ShotJob) -> tuple[int, int] | None:
    """(width, height) of the training input's first frame on disk, or ``None`` when absent/unreadable."""
    seq = training_input(job)
    path = Path(project_path(job, seq.frame_path(seq.first_frame)))
    if not path.is_file():
        return None
    import OpenImageIO as oiio

    image = oiio.ImageInput.open(str(path))
    if image is None:
        return None
    try:
        spec = image.spec()
        return int(spec.full_width or spec.width), int(spec.full_height or spec.height)
    finally:
        image.close()


def build_scripts(
    job: ShotJob,
    out_root: str | os.PathLike[str] | None = None,
    stages: Iterable[str] | None = None,
    *,
    nuke_version: str = "15.1v5",
    options: BuildOptions | None = None,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    use_records: bool = True,
) -> dict[str, Path]:
    """Build and write the stage scripts; returns ``{stage: script path}`` in stage order.

    Args:
        job: the shot job.
        out_root: project root the ``pipeline/`` tree lives in (default ``job.project.root``).
        stages: stage names (default: all; MatchGrade only when enabled).
        nuke_version: ``version`` line of the scripts.
        options: further options (its ``render_version`` and ``script_paths`` are set here). Without
            options and without an alignment record, the source size is probed from the first
            source frame on disk (OpenImageIO), else 1920x1080.
        curation, alignment: engine records; by default read from the stage folders when present.
        use_records: read ``curation.json``/``alignment.json`` when not passed explicitly.

    Raises:
        StageInputError: a stage lacks a required value (names the field).
        NukeBridgeError: a record is unreadable or a script cannot be written.
        StageError, MediaError: the engine's curation could not decide (``decide_curation``).
    """
    if out_root is not None and Path(out_root).resolve() != Path(job.project.root).resolve():
        job = job.model_copy(
            update={"project": job.project.model_copy(update={"root": str(Path(out_root).resolve())})}
        )
    wanted = check_stages(stages, job)
    if use_records and (curation is None or alignment is None):
        found_curation, found_alignment = load_records(job)
        curation = curation or found_curation or decide_curation(job, wanted)
        alignment = alignment or found_alignment
    version = next_version(job, wanted)
    paths = {stage: script_path(job, stage, version) for stage in wanted}
    base = options or BuildOptions()
    if alignment is None and options is None:
        probed = probe_source_size(job)
        base = replace(base, source_size=probed) if probed else base
    opts = replace(
        base, nuke_version=nuke_version, render_version=version, script_paths=tuple(sorted(paths.items()))
    )
    texts = {stage: write_nk(BUILDERS[stage](job, curation, alignment, opts)) for stage in wanted}
    out: dict[str, Path] = {}
    for stage in wanted:
        target = Path(paths[stage])
        write_new_script(target, texts[stage])
        out[stage] = target
    return out


__all__ = [
    "STAGE_DIRS",
    "build_all",
    "build_scripts",
    "decide_curation",
    "load_records",
    "next_version",
    "script_path",
]
