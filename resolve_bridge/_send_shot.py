"""Send Shot to ML: turn the shot under the playhead into a ``ShotJob`` in ``jobs/incoming``.

Steps: find the clip at the playhead (``Timeline.GetCurrentVideoItem``), narrowed to the marked
range when the timeline has In/Out marks inside it; check its media is an image sequence that is
online; map its record range to source frames (Phase 1 exports share the SOURCE numbering, so the
same numbers address ``_SOURCE_``, ``_REF_`` and ``_BAL_``); let Resolve export the timeline as OTIO
into a temporary folder; then the tool (host verb ``write-job``) validates the job, writes the
shot's cut (Resolve's export trimmed to the shot, or built when the export failed) and the job,
both atomically. Every check runs before any file is written, so a refused shot leaves nothing
behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._config import BridgeConfig
from ._errors import BridgeError
from ._exports import export_name, latest_exports
from ._frames import FrameSpan, TimelineRate, frame_to_timecode
from ._gateway import call, has_method, query
from ._media import clip_as_sequence, require_frames
from ._sequence import FrameSequence
from ._setup import current_project
from ._tool import ToolClient


@dataclass(frozen=True)
class ShotSelection:
    """The shot picked on the timeline.

    Attributes:
        record: absolute record span (exclusive end).
        source_first: source frame shown at ``record.start`` (clip numbering).
        media: the clip's own sequence (absolute printf path, full clip range).
        item_name: the timeline item's name.
        timeline_start: the timeline's first record frame.
        reel: the clip's ``Reel Name`` property, if any.
    """

    record: FrameSpan
    source_first: int
    media: FrameSequence
    item_name: str
    timeline_start: int
    reel: str | None = None

    @property
    def source_frames(self) -> range:
        return range(self.source_first, self.source_first + self.record.duration)


def _marked_span(timeline: Any, item_span: FrameSpan, start: int) -> FrameSpan:
    """Narrow to the timeline's video In/Out marks when set and inside the item.

    ``Timeline.GetMarkInOut()`` (Resolve 19+) answers ``{"video": {"in": a, "out": b}}``; the marks are
    taken as absolute record frames with ``out`` inclusive when they fall inside the item, else as
    offsets from the timeline start (both readings are tried; UNCONFIRMED on a live build).
    """
    marks = query(timeline, "GetMarkInOut") or {}
    video = marks.get("video") if isinstance(marks, dict) else None
    if not isinstance(video, dict) or "in" not in video or "out" not in video:
        return item_span
    mark_in, mark_out = int(video["in"]), int(video["out"])
    for base in (0, start):
        span = FrameSpan(mark_in + base, mark_out + base + 1)
        if item_span.start <= span.start and span.end <= item_span.end and span.duration > 0:
            return span
    return item_span


def select_shot(resolve: Any) -> tuple[Any, Any, ShotSelection]:
    """(project, timeline, selection) for the clip at the playhead of the current timeline.

    Raises:
        BridgeError: no project/timeline, no clip at the playhead, not an image sequence, offline.
    """
    project = current_project(resolve)
    timeline = query(project, "GetCurrentTimeline")
    if timeline is None:
        raise BridgeError("no timeline is open", hint="open the reel's timeline and park on the shot")
    item = query(timeline, "GetCurrentVideoItem")
    if item is None:
        raise BridgeError(
            f"no clip at the playhead on timeline {query(timeline, 'GetName')!r}",
            hint="move the playhead onto the shot to send",
        )
    mpi = query(item, "GetMediaPoolItem")
    name = str(query(item, "GetName") or "clip")
    if mpi is None:
        raise BridgeError(f"{name!r} is not a media clip (title or generator)", hint="park on a scanned shot")
    media = clip_as_sequence(mpi, f"clip {name!r}")
    start = int(call(timeline, "GetStartFrame", label="Timeline"))
    item_span = FrameSpan.from_item(item)
    left = query(item, "GetLeftOffset")  # preferred over GetSourceStartFrame (off by one, MCP)
    source_in = media.first_frame + int(left if left is not None else 0)
    span = _marked_span(timeline, item_span, start)
    selection = ShotSelection(
        record=span,
        source_first=source_in + span.start - item_span.start,
        media=media,
        item_name=name,
        timeline_start=start,
        reel=str((query(mpi, "GetClipProperty") or {}).get("Reel Name") or "") or None,
    )
    require_frames(media, f"clip {name!r}", selection.source_frames)
    return project, timeline, selection


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _media_folder(config: BridgeConfig, selection: ShotSelection) -> Path:
    clip_dir = Path(selection.media.path).parent
    if Path(selection.media.path).name.startswith(f"{config.film}_SOURCE_") and _inside(
        clip_dir, config.root
    ):
        return clip_dir  # the timeline already shows the Phase 1 exports
    latest = latest_exports(config)
    if latest is None:
        raise BridgeError(
            f"no Phase 1 exports under {config.exports_dir}",
            hint="run 'Chroma Recovery - Setup Project' (it renders SOURCE/REF/BAL) first",
        )
    return latest


def _export_ref(config: BridgeConfig, folder: Path, tag: str, frames: range, rate: float) -> dict[str, Any]:
    """The job's sequence of one export (root-relative ``####`` path), after checking it is on disk."""
    pattern = folder / export_name(config.film, tag)
    absolute = FrameSequence(str(pattern), frames.start, frames.stop - 1, rate)
    require_frames(absolute, f"{tag} export")
    relative = FrameSequence(os.path.relpath(pattern, config.root), frames.start, frames.stop - 1, rate)
    return relative.to_json()


def _unique_job_id(config: BridgeConfig, shot: str, now: datetime) -> str:
    base = f"{shot}_{now:%Y%m%dT%H%M%S}"
    job_id, n = base, 1
    while (config.incoming_jobs_dir / f"{job_id}.json").exists():
        n += 1
        job_id = f"{base}_{n}"
    return job_id


def default_shot_name(config: BridgeConfig, record_timecode: str) -> str:
    """``<film>_<HHMMSSFF>`` of the record-in timecode (file-name safe)."""
    return f"{config.film}_{re.sub(r'[:;]', '', record_timecode)}"


def export_timeline_otio(resolve: Any, timeline: Any, path: Path) -> str | None:
    """Resolve's own OTIO export of ``timeline`` to ``path`` (native since 18.5), or None if it failed."""
    if not (has_method(resolve, "EXPORT_OTIO") and has_method(resolve, "EXPORT_NONE")):
        return None
    try:
        ok = timeline.Export(str(path), resolve.EXPORT_OTIO, resolve.EXPORT_NONE)
    except Exception:  # noqa: BLE001 - a broken export falls back to the cut the tool builds
        return None
    return str(path) if ok and path.is_file() else None


def send_shot(
    resolve: Any,
    tool: ToolClient,
    config: BridgeConfig,
    shot_name: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the ShotJob for the shot at the playhead; return the job file's path.

    Args:
        resolve: the Resolve object.
        tool: the chroma-recovery tool (validates and writes the job and its cut).
        config: film name and project root.
        shot_name: file-name safe shot name; default ``<film>_<record-in timecode digits>``.
        now: timestamp for the job id (tests pass a fixed one).

    Raises:
        BridgeError: nothing was written; the message says why (no timeline, no clip at the
            playhead, not an image sequence, media offline, no Phase 1 exports, invalid job).
    """
    project, timeline, selection = select_shot(resolve)
    rate = TimelineRate.parse(str(query(project, "GetSetting", "timelineFrameRate") or config.frame_rate))
    timecode = frame_to_timecode(selection.record.start, rate)
    shot = shot_name or default_shot_name(config, timecode)
    folder = _media_folder(config, selection)
    frames = selection.source_frames
    source = _export_ref(config, folder, "SOURCE", frames, rate.as_float)
    reference = _export_ref(config, folder, "REF", frames, rate.as_float)
    balanced_path = folder / export_name(config.film, "BAL", frames.start)
    balanced = _export_ref(config, folder, "BAL", frames, rate.as_float) if balanced_path.exists() else None
    stamp = now or datetime.now(timezone.utc)
    job_id = _unique_job_id(config, shot, stamp)
    job = {
        "job_id": job_id,
        "project": {"name": config.film, "root": str(config.root)},
        "shot": {
            "name": shot,
            "reel": selection.reel,
            "record_in": selection.record.start,
            "record_out": selection.record.end,
            "record_timecode": timecode,
            "cut_path": f"jobs/cuts/{job_id}.otio",
        },
        "media": {"source": source, "reference": reference, "balanced": balanced},
        "frame_rate": rate.as_float,
    }
    with tempfile.TemporaryDirectory(prefix="chroma-recovery-cut-") as scratch:
        exported = export_timeline_otio(resolve, timeline, Path(scratch) / "timeline.otio")
        cut = {
            "resolve_export": exported,
            "timeline_start": selection.timeline_start,
            "record_in": selection.record.start,
            "record_out": selection.record.end,
            "rate": rate.as_float,
            "item_name": selection.item_name,
            "source_first": selection.source_first,
            "media": selection.media.to_json(),
        }
        written = tool.call("write-job", {"job": job, "cut": cut})
    return Path(written["job_path"])
