"""``RenderManifest``: written last, after a stage's files are complete and checked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from ._base import SafeName, SchemaModel
from ._sequence import SequenceRef

StageName = Literal["curation", "alignment", "training", "inference", "matchgrade"]
STAGES: tuple[StageName, ...] = ("curation", "alignment", "training", "inference", "matchgrade")


class FileEntry(SchemaModel):
    """Attributes:
    name: file name relative to the manifest's folder.
    sha256: hex digest of the file's bytes.
    size: bytes.
    """

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class RenderManifest(SchemaModel):
    """Attributes:
    job_id, shot: which job produced it.
    stage: which of the five stages.
    version: the ``v###`` folder number.
    backend: ``native`` or ``nuke``.
    output: the rendered sequence.
    frame_count: number of frames written (equals ``len(files)`` for image stages).
    files: one entry per written file with its checksum.
    metrics: named numbers (dE00, luma identity, ...).
    software: package versions that made it.
    started_at, finished_at: UTC timestamps.
    """

    schema_version: Literal["1"] = "1"
    job_id: SafeName
    shot: SafeName
    stage: StageName
    version: int = Field(ge=1)
    backend: Literal["native", "nuke"]
    output: SequenceRef | None = None
    frame_count: int = Field(ge=0)
    files: tuple[FileEntry, ...] = ()
    metrics: dict[str, float] = Field(default_factory=dict)
    software: dict[str, str] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> RenderManifest:
        """Times in order; an image sequence lists exactly ``frame_count`` files."""
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        if self.output is not None and self.output.frame_count != self.frame_count:
            raise ValueError(
                f"frame_count {self.frame_count} does not match the output range ({self.output.frame_count})"
            )
        return self
