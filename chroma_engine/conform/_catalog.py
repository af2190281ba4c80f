"""What the project knows about its shots: finished jobs (record ranges) and chosen render versions.

Shots come from ``<project>/jobs/done/<job_id>.json`` (a ``ShotJob``: reel, record_in/record_out,
source numbering) and from the render folders ``pipeline/04_inference_render/<shot>/`` and
``pipeline/05_matchgrade_render/<shot>/``. For each shot and stage the version in force is chosen
by :func:`~chroma_engine.conform._versions.find_version` (approved, else latest).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from pathlib import Path

import schemas
from schemas import SequenceRef

from ._versions import RENDER_STAGES, Selection, find_version, load_render_manifest, shot_folder


@dataclass(frozen=True)
class RenderChoice:
    """The chosen render of one shot and stage.

    Attributes:
        stage: ``inference`` or ``matchgrade``.
        version: ``v###`` number.
        selection: ``approved`` or ``latest``.
        sequence: the rendered frames, path made absolute.
        job_id: the job that rendered it.
    """

    stage: str
    version: int
    selection: Selection
    sequence: SequenceRef
    job_id: str


@dataclass(frozen=True)
class ShotRecord:
    """One shot: its job's cut metadata (when a finished job exists) and its chosen renders."""

    name: str
    job_id: str | None = None
    reel: str | None = None
    record_in: int | None = None
    record_out: int | None = None
    source_first: int | None = None
    renders: dict[str, RenderChoice] = field(default_factory=dict)

    @property
    def ml(self) -> RenderChoice | None:
        return self.renders.get("inference")

    @property
    def matchgrade(self) -> RenderChoice | None:
        return self.renders.get("matchgrade")


@dataclass
class ShotCatalog:
    """Shots indexed by name, job id and record range."""

    root: Path
    shots: dict[str, ShotRecord]
    by_job: dict[str, ShotRecord]
    notes: list[str]
    _starts: list[int] = field(default_factory=list)
    _ranged: list[ShotRecord] = field(default_factory=list)
    _longest: int = 0

    def __post_init__(self) -> None:
        ranged = [s for s in self.shots.values() if s.record_in is not None and s.record_out is not None]
        ranged.sort(key=lambda s: (s.record_in or 0, s.name))
        self._ranged = ranged
        self._starts = [s.record_in or 0 for s in ranged]
        self._longest = max(((s.record_out or 0) - (s.record_in or 0) for s in ranged), default=0)

    def overlapping(self, start: int, end: int) -> list[tuple[int, ShotRecord]]:
        """``(overlap_frames, shot)`` for every shot whose record range overlaps ``[start, end)``."""
        lo = bisect.bisect_left(self._starts, start - self._longest)
        hi = bisect.bisect_left(self._starts, end)
        found = []
        for shot in self._ranged[lo:hi]:
            overlap = min(end, shot.record_out or 0) - max(start, shot.record_in or 0)
            if overlap > 0:
                found.append((overlap, shot))
        return found


def _render_choice(root: Path, shot: str, stage: str) -> RenderChoice | None:
    found = find_version(root, shot, stage)
    if found is None:
        return None
    manifest = load_render_manifest(root, shot, stage, found.version)
    if manifest.output is None:
        return None
    seq = manifest.output
    if not os.path.isabs(seq.path):
        seq = seq.model_copy(update={"path": os.path.join(str(root), seq.path)})
    return RenderChoice(stage, found.version, found.selection, seq, manifest.job_id)


def _done_jobs(root: Path, notes: list[str]) -> list[schemas.ShotJob]:
    jobs: list[schemas.ShotJob] = []
    folder = root / "jobs" / "done"
    if not folder.is_dir():
        return jobs
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(".") or len(path.suffixes) != 1:
            continue  # <id>.result.json side files are not jobs
        try:
            jobs.append(schemas.load_job(path, check_paths=False))
        except schemas.SchemaError as exc:
            notes.append(f"skipped {path.name}: {str(exc).splitlines()[0]}")
    return jobs


def load_catalog(project: str | os.PathLike[str]) -> ShotCatalog:
    """Scan the project's finished jobs and render folders."""
    root = Path(project)
    notes: list[str] = []
    jobs = _done_jobs(root, notes)
    names = {job.shot.name for job in jobs}
    for stage in RENDER_STAGES:
        folder = shot_folder(root, "_", stage).parent
        if folder.is_dir():
            names.update(p.name for p in folder.iterdir() if p.is_dir() and p.name != "QC")
    latest_job = {job.shot.name: job for job in jobs}  # later files (sorted by name) win
    shots: dict[str, ShotRecord] = {}
    for name in sorted(names):
        renders: dict[str, RenderChoice] = {
            s: c for s in RENDER_STAGES if (c := _render_choice(root, name, s)) is not None
        }
        job = latest_job.get(name)
        if job is None:
            job_id = next((c.job_id for c in renders.values()), None)
            shots[name] = ShotRecord(name, job_id, renders=renders)
            continue
        record_in, record_out = job.shot.record_in, job.shot.record_out
        if record_in is not None and record_out is None:
            record_out = record_in + job.media.source.frame_count
        shots[name] = ShotRecord(
            name, job.job_id, job.shot.reel, record_in, record_out, job.media.source.first_frame, renders
        )
    by_job = {s.job_id: s for s in shots.values() if s.job_id}
    for job in jobs:
        by_job.setdefault(job.job_id, shots[job.shot.name])
    return ShotCatalog(root, shots, by_job, notes)
