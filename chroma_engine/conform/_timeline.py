"""Writing the conformed timeline as OTIO: V1 Original, V2 ML, V3 MatchGrade, markers.

* ``global_start_time`` = the reel's record start (``RationalTime(86400, 24)`` for 01:00:00:00);
* V1 ``Original``: the reel's track as it was (clips, gaps, transitions, metadata), untrimmed;
* V2 ``ML`` / V3 ``MatchGrade``: one clip per placed render at its absolute record frame, gaps
  between; media are ``ImageSequenceReference`` with ``rate``, ``start_frame`` and
  ``frame_zero_padding`` set (the defaults 1 / 1 / 0 are wrong for every render) and the base a
  plain OS folder with a trailing separator (what Resolve reads); clip metadata
  ``chroma_recovery`` = shot, job_id, stage, version, selection (approved/latest), match, event;
* markers on the stack (timeline markers): RED for events without an ML render, YELLOW for
  events with ML but without MatchGrade; the note also in ``metadata["Resolve_OTIO"]["Note"]``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .._errors import ConformError
from ._plan import ConformPlan, ConformRow, Placement
from ._reel import Reel

_PRINTF = re.compile(r"%0?(\d*)d")
TRACK_NAMES = ("Original", "ML", "MatchGrade")


def sequence_reference(placement: Placement, rate: float) -> Any:
    """``ImageSequenceReference`` of the placement's whole render (available range = all frames)."""
    import opentimelineio as otio

    seq = placement.sequence
    folder, name = os.path.split(seq.printf_pattern())
    match = _PRINTF.search(name)
    assert match is not None  # SequenceRef guarantees a frame token
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    return otio.schema.ImageSequenceReference(
        target_url_base=folder.rstrip("/\\") + os.sep,
        name_prefix=name[: match.start()],
        name_suffix=name[match.end() :],
        start_frame=seq.first_frame,
        frame_step=1,
        rate=rate,
        frame_zero_padding=seq.padding,
        available_range=tr(rt(seq.first_frame, rate), rt(seq.frame_count, rate)),
    )


def _render_clip(row: ConformRow, placement: Placement, rate: float) -> Any:
    import opentimelineio as otio

    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    label = "ML" if placement.stage == "inference" else "MG"
    return otio.schema.Clip(
        name=f"{placement.shot}_{label}_v{placement.version:03d}",
        media_reference=sequence_reference(placement, rate),
        source_range=tr(
            rt(placement.first_frame, rate), rt(placement.record_out - placement.record_in, rate)
        ),
        metadata={
            "chroma_recovery": {
                "shot": placement.shot,
                "job_id": placement.job_id,
                "stage": placement.stage,
                "version": placement.version,
                "selection": placement.selection,
                "match": row.match,
                "event": row.event.number,
                "source_clip": row.event.name,
            }
        },
    )


def _render_track(plan: ConformPlan, stage: str, name: str) -> Any:
    import opentimelineio as otio

    rt = otio.opentime.RationalTime
    track = otio.schema.Track(name=name, kind=otio.schema.TrackKind.Video)
    cursor = plan.start_frame
    for row in plan.rows:
        placement = row.ml if stage == "inference" else row.matchgrade
        if placement is None:
            continue
        if placement.record_in < cursor:
            raise ConformError(
                f"event {row.event.number} ({row.event.name}): {name} render overlaps the previous one",
                hint="two events of the cut overlap in record time",
            )
        if placement.record_in > cursor:
            track.append(otio.schema.Gap(duration=rt(placement.record_in - cursor, plan.rate)))
        track.append(_render_clip(row, placement, plan.rate))
        cursor = placement.record_out
    return track


def _marker(plan: ConformPlan, row: ConformRow) -> Any | None:
    import opentimelineio as otio

    if row.ml is None:
        color, name = otio.schema.MarkerColor.RED, f"no render: {row.event.name}"
        note = f"event {row.event.number}: " + (f"shot {row.shot}: {row.note}" if row.shot else row.note)
    elif row.matchgrade is None:
        color, name = otio.schema.MarkerColor.YELLOW, f"no MatchGrade: {row.shot}"
        note = f"event {row.event.number}: shot {row.shot} has ML v{row.ml.version:03d} but no MatchGrade"
    else:
        return None
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    return otio.schema.Marker(
        name=name,
        marked_range=tr(
            rt(row.event.record_in - plan.start_frame, plan.rate), rt(max(1, row.event.duration), plan.rate)
        ),
        color=color,
        comment=note,
        metadata={
            "Resolve_OTIO": {"Note": note},
            "chroma_recovery": {"event": row.event.number, "shot": row.shot},
        },
    )


def build_timeline(plan: ConformPlan, reel: Reel) -> Any:
    """The conformed ``otio.schema.Timeline`` (see the module docstring)."""
    import opentimelineio as otio

    timeline = otio.schema.Timeline(
        name=plan.name,
        global_start_time=otio.opentime.RationalTime(plan.start_frame, plan.rate),
        metadata={
            "chroma_recovery": {
                "reel": plan.reel_path,
                "start_frame": plan.start_frame,
                "notes": list(plan.notes),
            }
        },
    )
    original = reel.track.deepcopy()
    original.name = TRACK_NAMES[0]
    timeline.tracks.append(original)
    timeline.tracks.append(_render_track(plan, "inference", TRACK_NAMES[1]))
    timeline.tracks.append(_render_track(plan, "matchgrade", TRACK_NAMES[2]))
    for row in plan.rows:
        marker = _marker(plan, row)
        if marker is not None:
            timeline.tracks.markers.append(marker)
    return timeline


def write_timeline(timeline: Any, path: str | os.PathLike[str]) -> Path:
    """Write OTIO JSON durably; never over the reel itself.

    OTIO's file writer does not report a full disk, so the timeline is serialised in memory and its
    bytes go through ``chroma_engine.io``'s durable-write helper (an existing file is kept on failure).
    """
    import opentimelineio as otio

    from .._errors import WriteError
    from ..io import write_text_atomic

    try:
        text = otio.adapters.write_to_string(timeline, adapter_name="otio_json")
    except otio.exceptions.OTIOError as exc:
        raise ConformError(f"{path}: cannot serialise the timeline ({exc})", hint="report it") from exc
    try:
        return write_text_atomic(path, text)
    except WriteError as exc:
        raise ConformError(str(exc), hint=exc.hint) from exc
