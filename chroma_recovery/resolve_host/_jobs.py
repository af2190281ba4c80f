"""Host verb ``write-job``: validate the ShotJob Send Shot to ML built, write its cut, then the job.

The shot's cut is OpenTimelineIO: Resolve's own export of the timeline (written by the host into a
temporary folder, ``Timeline.Export(path, EXPORT_OTIO, EXPORT_NONE)``) trimmed to the shot with
:func:`opentimelineio.algorithms.timeline_trimmed_to_range`; when the host had no export (older
build, constant missing, False) or it cannot be read, the cut is built: one video track holding one
clip whose ``ImageSequenceReference`` points at the media (plain OS path base, as Resolve writes
it). Either way ``global_start_time`` is the shot's record in, the metadata ``chroma_recovery``
records how it was made and the record range, and both files are written atomically — the job
last, so the render side never sees a job without its cut.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import schemas
from chroma_engine import WriteError
from chroma_engine.io import write_document, write_text_atomic
from schemas import SchemaModel, SequenceRef, ShotJob

from ._errors import ResolveHostError
from ._protocol import one_line, parse

_PRINTF = re.compile(r"%0?(\d*)d")


class CutRequest(SchemaModel):
    """What the host knows about the shot's cut.

    Attributes:
        resolve_export: Resolve's OTIO export of the whole timeline, or None when it failed.
        timeline_start: the timeline's first (absolute) record frame.
        record_in, record_out: the shot's absolute record range (exclusive out).
        rate: the timeline's frame rate.
        item_name: the timeline item's name.
        source_first: the clip's file frame shown at ``record_in``.
        media: the clip's whole sequence (absolute printf path).
    """

    resolve_export: str | None = None
    timeline_start: int
    record_in: int
    record_out: int
    rate: float
    item_name: str
    source_first: int
    media: SequenceRef


class WriteJobRequest(SchemaModel):
    """``write-job`` request: the job as the host built it (validated here) and its cut."""

    job: dict[str, Any]
    cut: CutRequest


def _rt(frames: int, rate: float) -> Any:
    import opentimelineio as otio

    return otio.opentime.RationalTime(frames, rate)


def _read_export(path: str | None) -> Any:
    import opentimelineio as otio

    if not path or not os.path.isfile(path):
        return None
    try:
        result = otio.adapters.read_from_file(path, adapter_name="otio_json")
    except Exception:  # noqa: BLE001 - an unreadable export falls back to the built cut
        return None
    return result if isinstance(result, otio.schema.Timeline) else None


def _trimmed(full: Any, cut: CutRequest) -> Any:
    import opentimelineio as otio

    window = otio.opentime.TimeRange(
        _rt(cut.record_in - cut.timeline_start, cut.rate), _rt(cut.record_out - cut.record_in, cut.rate)
    )
    trimmed = otio.algorithms.timeline_trimmed_to_range(full, window)
    trimmed.global_start_time = _rt(cut.record_in, cut.rate)
    return trimmed


def build_cut(cut: CutRequest, shot: str) -> Any:
    """A one-clip OTIO timeline of the shot (used when Resolve's export is unavailable)."""
    import opentimelineio as otio

    media, rate = cut.media, cut.rate
    folder, name = os.path.split(media.printf_pattern())
    match = _PRINTF.search(name)
    assert match is not None  # SequenceRef holds one frame token
    ref = otio.schema.ImageSequenceReference(
        target_url_base=folder,
        name_prefix=name[: match.start()],
        name_suffix=name[match.end() :],
        start_frame=media.first_frame,
        frame_step=1,
        rate=rate,
        frame_zero_padding=media.padding,
        available_range=otio.opentime.TimeRange(_rt(media.first_frame, rate), _rt(media.frame_count, rate)),
    )
    clip = otio.schema.Clip(
        name=cut.item_name,
        media_reference=ref,
        source_range=otio.opentime.TimeRange(
            _rt(cut.source_first, rate), _rt(cut.record_out - cut.record_in, rate)
        ),
    )
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    track.append(clip)
    timeline = otio.schema.Timeline(name=shot, global_start_time=_rt(cut.record_in, rate))
    timeline.tracks.append(track)
    return timeline


def write_shot_cut(cut: CutRequest, path: Path, shot: str) -> str:
    """Write the shot's cut to ``path`` atomically; returns how it was made.

    Returns:
        ``"resolve_export"`` (Resolve's export, trimmed) or ``"built"``.

    Raises:
        ResolveHostError: the file cannot be written.
    """
    import opentimelineio as otio

    full = _read_export(cut.resolve_export)
    made_by = "resolve_export" if full is not None else "built"
    timeline = _trimmed(full, cut) if full is not None else build_cut(cut, shot)
    timeline.name = shot
    timeline.metadata["chroma_recovery"] = {
        "made_by": made_by,
        "record_in": cut.record_in,
        "record_out": cut.record_out,
    }
    try:  # OTIO's file writer does not report a full disk: serialise, then write durably
        write_text_atomic(path, otio.adapters.write_to_string(timeline, adapter_name="otio_json"))
    except (WriteError, otio.exceptions.OTIOError) as exc:
        raise ResolveHostError(
            f"{path}: cannot write the shot's cut ({exc})", hint="check permissions"
        ) from exc
    return made_by


def verb_write_job(args: Mapping[str, Any]) -> dict[str, Any]:
    """``write-job``: ``{"job", "cut"}`` -> ``{"job_path", "cut_path", "cut_made_by"}``.

    Nothing is written unless the job validates, its paths lie inside its project root and its
    file does not exist yet.
    """
    request = parse(WriteJobRequest, args)
    job_id = str(request.job.get("job_id") or "?")
    try:
        job = ShotJob.model_validate(request.job)
        schemas.check_paths_inside_root(job, f"job {job_id}")
    except ValidationError as exc:
        raise ResolveHostError(
            f"job {job_id} is invalid: {one_line(exc)}", hint="see the field named"
        ) from exc
    except schemas.SchemaError as exc:
        raise ResolveHostError(
            f"job {job_id} is invalid: {one_line(exc)}", hint="see the field named"
        ) from exc
    if job.shot.cut_path is None:
        raise ResolveHostError(f"job {job_id} has no shot.cut_path", hint="reinstall the menu scripts")
    root = Path(job.project.root)
    target = root / "jobs" / "incoming" / f"{job.job_id}.json"
    if target.exists():
        raise ResolveHostError(
            f"{target} already exists", hint="send the shot again (a new job id is chosen)"
        )
    cut_path = root / job.shot.cut_path
    made_by = write_shot_cut(request.cut, cut_path, job.shot.name)
    write_document(target, job)
    return {"job_path": str(target), "cut_path": str(cut_path), "cut_made_by": made_by}
