"""Host verb ``conform-plan``: the host-free conform, answered for Conform Reel in Resolve.

The host exports the current timeline (or names a cut file); the tool reads it with
OpenTimelineIO, matches its events to the project's shots and picks each shot's version
(approved, else latest) with ``chroma_engine.conform``. For a cut file it also locates each
event's V1 media (the clip's ``ImageSequenceReference``); for the ``import`` method it writes the
conformed timeline in Resolve's own OTIO shape (sequence ``available_range`` from 0, plain folder
base) for ``MediaPool.ImportTimelineFromFile``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chroma_engine.conform import (
    ConformPlan,
    ConformRow,
    Reel,
    build_timeline,
    plan_conform,
    write_timeline,
)
from schemas import SchemaModel, SequenceRef

from ._protocol import parse

_SEQUENCE_FIELDS = {"path", "first_frame", "last_frame", "frame_rate"}


class ConformRequest(SchemaModel):
    """``conform-plan`` request.

    Attributes:
        project_root: the project whose jobs and renders are matched.
        reel: the cut (``.otio`` exported by Resolve, ``.edl``, ``.xml``).
        rate: record frame rate (EDLs).
        track: the cut's video track to conform (1-based).
        originals: locate each event's V1 media in the cut (a cut file, not the live timeline).
        import_otio: where to write the Resolve-shaped conformed OTIO (None: not wanted).
    """

    project_root: str
    reel: str
    rate: float | None = None
    track: int = 1
    originals: bool = False
    import_otio: str | None = None


def _original(reel: Reel, row: ConformRow) -> tuple[dict[str, Any] | None, str]:
    """(V1 media of the event: sequence and first used frame, or None with the reason)."""
    import opentimelineio as otio

    clip = reel.track[row.event.index]
    ref = clip.media_reference
    if not isinstance(ref, otio.schema.ImageSequenceReference):
        return None, "no image-sequence media in the cut"
    base = ref.target_url_base
    base = (base[len("file://") :] if base.startswith("file://") else base).rstrip("/\\")
    pad = max(1, ref.frame_zero_padding)
    seq = SequenceRef(
        path=os.path.join(base, f"{ref.name_prefix}%0{pad}d{ref.name_suffix}"),
        first_frame=ref.start_frame,
        last_frame=ref.end_frame(),
        frame_rate=ref.rate,
    )
    first = ref.frame_for_time(clip.source_range.start_time)
    return {"sequence": seq.model_dump(mode="json", include=_SEQUENCE_FIELDS), "first_frame": first}, ""


def write_resolve_shaped(plan: ConformPlan, reel: Reel, path: Path) -> Path:
    """The conformed OTIO rewritten as Resolve writes it (sequence ranges from 0, plain base)."""
    import opentimelineio as otio

    timeline = build_timeline(plan, reel)
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ImageSequenceReference) and ref.available_range is not None:
            offset = clip.source_range.start_time - ref.available_range.start_time
            ref.target_url_base = ref.target_url_base.rstrip("/\\")
            ref.available_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, ref.rate), ref.available_range.duration
            )
            clip.source_range = otio.opentime.TimeRange(offset, clip.source_range.duration)
    return write_timeline(timeline, path)


def verb_conform_plan(args: Mapping[str, Any]) -> dict[str, Any]:
    """``conform-plan``: ``{"project_root", "reel", "rate"?, "track"?, "originals"?, "import_otio"?}``
    -> ``{"plan": {"name", "rate", "start_frame", "rows": [...], "notes", "import_otio"}}``.

    Each row is the conform's ``ConformRow`` (event, shot, match, ml, matchgrade, note) plus
    ``original``/``original_note`` when ``originals`` was asked.
    """
    request = parse(ConformRequest, args)
    plan, reel = plan_conform(request.reel, request.project_root, request.rate, request.track)
    data = plan.model_dump(mode="json")
    if request.originals:
        for row_data, row in zip(data["rows"], plan.rows, strict=True):
            row_data["original"], row_data["original_note"] = _original(reel, row)
    shaped = write_resolve_shaped(plan, reel, Path(request.import_otio)) if request.import_otio else None
    data["import_otio"] = str(shaped) if shaped else None
    return {"plan": data}
