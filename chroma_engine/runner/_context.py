"""Per-run context: the job, its resolved sequences and the stage folders it writes into."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from schemas import AlignmentRecord, CurationRecord, ShotJob

from .._errors import StageError
from ..io import (
    ResolvedSequence,
    newest_complete_version,
    resolve_sequence,
    write_document,
    write_json_atomic,
)
from ..layout import init_project, stage_dir

R = TypeVar("R", bound=BaseModel)


@dataclass
class ShotContext:
    """Everything a stage needs about the shot.

    Attributes:
        job: the validated job.
        root: project root.
        source, reference, balanced, truth: the job's sequences with absolute patterns.
        today: the QC date folder name (``YYYY-MM-DD``).
    """

    job: ShotJob
    root: Path
    source: ResolvedSequence
    reference: ResolvedSequence
    balanced: ResolvedSequence | None
    truth: ResolvedSequence | None
    today: str = field(default_factory=lambda: _dt.date.today().isoformat())

    @classmethod
    def from_job(cls, job: ShotJob) -> ShotContext:
        root = Path(job.project.root)
        if not root.is_dir():
            raise StageError(f"project root {root} does not exist", hint="run `chroma-recovery init` first")
        init_project(root)
        media = job.media
        return cls(
            job=job,
            root=root,
            source=resolve_sequence(job, media.source),
            reference=resolve_sequence(job, media.reference),
            balanced=resolve_sequence(job, media.balanced) if media.balanced else None,
            truth=resolve_sequence(job, media.truth) if media.truth else None,
        )

    @property
    def shot(self) -> str:
        return self.job.shot.name

    def shot_dir(self, stage: str) -> Path:
        """``pipeline/<0N_stage>/<shot>/`` (created)."""
        folder = stage_dir(self.root, stage) / self.shot
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def qc_dir(self, stage: str) -> Path:
        """``pipeline/<0N_stage>/QC/<YYYY-MM-DD>/`` (created)."""
        folder = stage_dir(self.root, stage) / "QC" / self.today
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # Decision records: versioned like renders; the newest complete version is the one in force.
    def record_path(self, stage: str) -> Path | None:
        """``<stage>.json`` of the newest complete ``pipeline/<0N>/<shot>/v###/``, or None."""
        folder = newest_complete_version(self.shot_dir(stage), required=(f"{stage}.json",)).folder
        return None if folder is None else folder / f"{stage}.json"

    def load_curation(self) -> CurationRecord:
        return _load_record(self.record_path("curation"), CurationRecord, "curation")

    def load_alignment(self) -> AlignmentRecord:
        return _load_record(self.record_path("alignment"), AlignmentRecord, "alignment")


def _load_record(path: Path | None, model: type[R], stage: str) -> R:
    if path is None:
        raise StageError(
            f"the {stage} stage has not run for this shot (no pipeline/*/<shot>/v###/{stage}.json)",
            hint=f"run `chroma-recovery run JOB --stage {stage}` first, or run all stages",
        )
    return model.model_validate_json(path.read_text(encoding="utf-8"))


def save_record(record: object, path: Path) -> Path:
    """Write a pydantic record atomically as indented JSON."""
    return write_document(path, record)


def write_json(path: Path, data: object) -> Path:
    return write_json_atomic(path, data, sort_keys=True)
