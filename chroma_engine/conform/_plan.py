"""Matching a reel's events to shots and placing each shot's chosen renders on the record timeline.

Match order per event (the first that answers wins; the method is recorded):

1. ``job_id``: the clip carries ``metadata["chroma_recovery"]["job_id"]`` of a known job;
2. ``name``: the clip name equals a shot name (also without a file extension or ``.[1001-1240]``);
3. ``reel+record`` / ``record``: the event's record range overlaps a finished job's
   ``record_in``/``record_out`` (largest overlap wins; shots with renders first). When both the
   event and the job name a source reel they must be equal (``reel+record``); when either lacks
   one the overlap alone decides (``record``).

Placement: the job's ``record_in`` shows source frame ``media.source.first_frame`` (as Phase 3
import places it), so render frame ``f`` sits at ``record_in + f - source_first``; the placed part
is that span cut to the event. A shot matched by name or job id whose recorded range misses the
event (a re-edit) is slipped to start at the event's record in, with a note.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field

from schemas import SchemaModel, SequenceRef

from ._catalog import RenderChoice, ShotCatalog, ShotRecord, load_catalog
from ._reel import Reel, ReelEvent, read_reel

MatchMethod = Literal["job_id", "name", "reel+record", "record"]
_DECORATION = re.compile(r"(\.\[\d+-\d+\])?(\.[A-Za-z0-9]{2,5})?$")


class Placement(SchemaModel):
    """One render piece on the conformed timeline.

    Attributes:
        stage: ``inference`` (V2 ML) or ``matchgrade`` (V3 MatchGrade).
        shot: shot name.
        job_id: the job that rendered it.
        version: ``v###`` number; ``selection`` says whether it is the approved or the latest one.
        sequence: the whole rendered sequence (absolute path).
        first_frame, last_frame: the inclusive render frames used.
        record_in: absolute record frame of ``first_frame``.
    """

    stage: Literal["inference", "matchgrade"]
    shot: str
    job_id: str
    version: int = Field(ge=1)
    selection: Literal["approved", "latest"]
    sequence: SequenceRef
    first_frame: int
    last_frame: int
    record_in: int

    @property
    def record_out(self) -> int:
        """Exclusive record end."""
        return self.record_in + self.last_frame - self.first_frame + 1


class ConformRow(SchemaModel):
    """One event of the reel and what the conform put above it."""

    event: ReelEvent
    shot: str | None = None
    match: MatchMethod | None = None
    ml: Placement | None = None
    matchgrade: Placement | None = None
    note: str = ""


class ConformPlan(SchemaModel):
    """The whole conform, host-free: what the OTIO writer and the Resolve bridge both build.

    Attributes:
        reel_path: the cut read.
        name: timeline name (``<reel>_conform``).
        rate: record frame rate.
        start_frame: absolute first record frame (``global_start_time``; 86400 = 01:00:00:00 @24).
        rows: one per video event, in record order.
        notes: normalisations, skipped jobs and the like.
    """

    reel_path: str
    name: str
    rate: float
    start_frame: int
    rows: tuple[ConformRow, ...]
    notes: tuple[str, ...] = ()

    @property
    def missing(self) -> list[ConformRow]:
        """Rows without an ML render (these get markers)."""
        return [row for row in self.rows if row.ml is None]


def _bare(name: str) -> str:
    return _DECORATION.sub("", name)


def match_event(event: ReelEvent, catalog: ShotCatalog) -> tuple[ShotRecord | None, MatchMethod | None]:
    """The shot of one event and how it was found (see the module docstring)."""
    if event.job_id and event.job_id in catalog.by_job:
        return catalog.by_job[event.job_id], "job_id"
    for name in (event.name, _bare(event.name)):
        if name in catalog.shots:
            return catalog.shots[name], "name"
    candidates = []
    for overlap, shot in catalog.overlapping(event.record_in, event.record_out):
        both = event.reel is not None and shot.reel is not None
        if both and event.reel != shot.reel:
            continue
        candidates.append((shot.ml is not None, overlap, both, shot))
    if not candidates:
        return None, None
    _, _, both, shot = max(candidates, key=lambda c: (c[0], c[1], c[2], c[3].name))
    return shot, "reel+record" if both else "record"


def place(event: ReelEvent, shot: ShotRecord, render: RenderChoice) -> tuple[Placement | None, str]:
    """The part of ``render`` under ``event`` and a note ("" when it fits the recorded cut)."""
    seq = render.sequence
    note = ""
    if shot.record_in is not None and shot.source_first is not None:
        start = shot.record_in + seq.first_frame - shot.source_first
        if start >= event.record_out or start + seq.frame_count <= event.record_in:
            start, note = event.record_in, "re-edited? render slipped to the event start"
    else:
        start = event.record_in
    record_in = max(start, event.record_in)
    record_out = min(start + seq.frame_count, event.record_out)
    if record_out <= record_in:
        return None, "render does not cover the event"
    first = seq.first_frame + record_in - start
    placement = Placement(
        stage=render.stage,  # type: ignore[arg-type]
        shot=shot.name,
        job_id=render.job_id,
        version=render.version,
        selection=render.selection,
        sequence=seq,
        first_frame=first,
        last_frame=first + record_out - record_in - 1,
        record_in=record_in,
    )
    return placement, note


def plan_rows(reel: Reel, catalog: ShotCatalog) -> list[ConformRow]:
    """Match and place every event of ``reel``."""
    rows = []
    for event in reel.events:
        shot, method = match_event(event, catalog)
        if shot is None:
            rows.append(ConformRow(event=event, note="no shot matched"))
            continue
        pieces: dict[str, Placement | None] = {}
        notes = []
        for stage, render in (("inference", shot.ml), ("matchgrade", shot.matchgrade)):
            pieces[stage] = None
            if render is not None:
                pieces[stage], note = place(event, shot, render)
                if note and note not in notes:
                    notes.append(note)
        if shot.ml is None:
            notes.append("no ML render yet")
        rows.append(
            ConformRow(
                event=event,
                shot=shot.name,
                match=method,
                ml=pieces["inference"],
                matchgrade=pieces["matchgrade"],
                note="; ".join(notes),
            )
        )
    return rows


def plan_conform(
    reel_path: str | os.PathLike[str],
    project: str | os.PathLike[str],
    rate: float | None = None,
    track: int = 1,
) -> tuple[ConformPlan, Reel]:
    """Read the reel, scan the project and plan the conform (nothing is written).

    Raises:
        ConformError: the reel cannot be read (line/element named) or has no video events.
    """
    reel = read_reel(reel_path, rate, track)
    catalog = load_catalog(project)
    plan = ConformPlan(
        reel_path=str(Path(reel_path)),
        name=f"{reel.name}_conform",
        rate=reel.rate,
        start_frame=reel.origin,
        rows=tuple(plan_rows(reel, catalog)),
        notes=(*reel.notes, *catalog.notes),
    )
    return plan, reel
