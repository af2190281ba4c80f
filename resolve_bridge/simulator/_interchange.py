"""Timeline interchange of the simulator: ``Timeline.Export`` and ``MediaPool.ImportTimelineFromFile``.

What the simulated Resolve writes (``pipeline.md`` §3.3, shaped like real Resolve exports):

* ``EXPORT_OTIO``: OTIO JSON; timeline metadata ``{"Resolve_OTIO": {"Resolve OTIO Meta Version":
  "1.0"}}``; ``global_start_time`` = the timeline start (01:00:00:00 = 86400 @24); one OTIO track
  per Resolve track (``"Video 1"``...), gaps between items; clip names are Media Pool names
  (``plate.[1001-1240].exr``); sequences are ``ImageSequenceReference`` whose ``target_url_base``
  is a plain OS path (no ``file://``, no trailing separator), ``available_range`` starting at 0 at
  the media rate; ``source_range`` at the timeline rate; timeline markers on the stack with the
  note in ``comment`` and ``metadata["Resolve_OTIO"]["Note"]``;
* ``EXPORT_EDL`` (subtype ``EXPORT_NONE``/``EXPORT_CDL``/``EXPORT_SDL``/``EXPORT_MISSING_CLIPS``):
  CMX 3600 of video track 1 through otio-cmx3600-adapter, record timecode starting at the timeline
  start (the simulator pads the adapter's 00:00:00:00 start with a leading gap);
* any other type (AAF, FCP XML, CSV...) answers False: not simulated (otio-fcp-adapter cannot
  write image-sequence references); string types are rejected (pitfall 11).

``ImportTimelineFromFile(path, {"timelineName", "importSourceClips", "sourceClipsPath",
"sourceClipsFolders"})`` reads OTIO, answers ``None`` when the name exists or the file cannot be
read, looks media up in ``sourceClipsFolders`` by ``File Path`` or imports it (``importSourceClips``,
default True) into the current folder; media it cannot find become OFFLINE items (pitfall 10).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .._frames import FrameSpan, TimelineRate, frame_to_timecode
from ._constants import EXPORT_CONSTANTS, EXPORT_SUBTYPES
from ._media_item import MediaPoolItem
from ._timeline_item import TimelineItem

if TYPE_CHECKING:
    import opentimelineio as otio

    from ._media_pool import MediaPool
    from ._timeline import Timeline

_MARKER_COLORS = {"Fuchsia": "MAGENTA", "Rose": "PINK", "Lavender": "PURPLE", "Sky": "CYAN", "Mint": "GREEN"}


def _clip(item: TimelineItem, timeline_rate: float) -> otio.schema.Clip:
    import opentimelineio as otio

    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    media_rate = item.source_rate.as_float
    ref: Any
    if item.media is None:
        ref = otio.schema.MissingReference()
    elif item.media.source.is_sequence:
        src = item.media.source
        ref = otio.schema.ImageSequenceReference(
            target_url_base=src.directory.rstrip("/\\") or src.directory,
            name_prefix=src.prefix,
            name_suffix=src.suffix,
            start_frame=src.first,
            frame_step=1,
            rate=media_rate,
            frame_zero_padding=src.padding,
            available_range=tr(rt(0, media_rate), rt(src.frame_count, media_rate)),
        )
    else:
        ref = otio.schema.ExternalReference(
            target_url=item.media.source.frame_path(0),
            available_range=tr(rt(0, media_rate), rt(item.record.duration, media_rate)),
        )
    left = rt(item.source_start - item.media_first, media_rate).rescaled_to(timeline_rate)
    clip = otio.schema.Clip(
        name=item.name,
        media_reference=ref,
        source_range=tr(left, rt(item.record.duration, timeline_rate)),
        metadata={"Resolve_OTIO": {"Clip Color": item.color} if item.color else {}},
    )
    clip.enabled = item.enabled
    for frame, marker in sorted(item.markers.items()):
        clip.markers.append(_marker(frame, marker, timeline_rate, left))
    return clip


def _marker(frame: int, marker: dict[str, Any], rate: float, origin: Any = None) -> otio.schema.Marker:
    import opentimelineio as otio

    rt = otio.opentime.RationalTime
    start = rt(frame, rate) + (origin if origin is not None else rt(0, rate))
    return otio.schema.Marker(
        name=marker["name"],
        marked_range=otio.opentime.TimeRange(start, rt(marker["duration"], rate)),
        color=_MARKER_COLORS.get(marker["color"], marker["color"].upper()),
        comment=marker["note"],
        metadata={
            "Resolve_OTIO": {"Note": marker["note"], "Keywords": [], "customData": marker["customData"]}
        },
    )


def build_otio(timeline: Timeline, track_kinds: tuple[str, ...] = ("video", "audio")) -> otio.schema.Timeline:
    """The OTIO timeline Resolve would export for ``timeline``."""
    import opentimelineio as otio

    rate = timeline.rate.as_float
    rt = otio.opentime.RationalTime
    result = otio.schema.Timeline(
        name=timeline.name,
        global_start_time=rt(timeline.start_frame, rate),
        metadata={"Resolve_OTIO": {"Resolve OTIO Meta Version": "1.0"}},
    )
    kinds = {"video": otio.schema.TrackKind.Video, "audio": otio.schema.TrackKind.Audio}
    for kind in track_kinds:
        for track in timeline.tracks[kind]:
            out = otio.schema.Track(name=track.name, kind=kinds[kind])
            out.enabled = track.enabled
            cursor = timeline.start_frame
            for item in track.items:
                if item.record.start < cursor:
                    continue  # before the timeline start (relative recordFrame): not exportable
                if item.record.start > cursor:
                    out.append(otio.schema.Gap(duration=rt(item.record.start - cursor, rate)))
                out.append(_clip(item, rate))
                cursor = item.record.end
            result.tracks.append(out)
    for frame, marker in sorted(timeline.markers.items()):
        result.tracks.markers.append(_marker(frame, marker, rate))
    return result


def _edl_timeline(timeline: Timeline) -> otio.schema.Timeline:
    import opentimelineio as otio

    source = build_otio(timeline, ("video",))
    rate = timeline.rate.as_float
    result = otio.schema.Timeline(name=timeline.name)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    if source.tracks and len(source.tracks[0]):
        # otio-cmx3600-adapter ignores global_start_time (pipeline.md §3.4): pad to the real start.
        track.append(otio.schema.Gap(duration=otio.opentime.RationalTime(timeline.start_frame, rate)))
        for child in list(source.tracks[0]):
            source.tracks[0].remove(child)
            if isinstance(child, otio.schema.Clip) and isinstance(
                child.media_reference, otio.schema.ImageSequenceReference
            ):
                ref = child.media_reference
                child.media_reference = otio.schema.ExternalReference(
                    target_url=ref.target_url_for_image_number(0), available_range=ref.available_range
                )
            track.append(child)
    result.tracks.append(track)
    return result


def export_timeline(timeline: Timeline, path: Any, export_type: Any, subtype: Any) -> bool:
    """Body of ``Timeline.Export``; False for unknown/unsimulated types or an unwritable path."""
    import opentimelineio as otio

    if not isinstance(path, str) or isinstance(export_type, str) or isinstance(export_type, bool):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return False
    subtypes = EXPORT_SUBTYPES
    try:
        if export_type == EXPORT_CONSTANTS["EXPORT_OTIO"]:
            otio.adapters.write_to_file(build_otio(timeline), path, adapter_name="otio_json")
        elif export_type == EXPORT_CONSTANTS["EXPORT_EDL"]:
            allowed = {
                subtypes[k] for k in ("EXPORT_NONE", "EXPORT_CDL", "EXPORT_SDL", "EXPORT_MISSING_CLIPS")
            }
            if subtype not in allowed:
                return False
            otio.adapters.write_to_file(_edl_timeline(timeline), path, adapter_name="cmx_3600")
        else:
            return False
    except (otio.exceptions.OTIOError, OSError, ValueError):
        return False
    return True


def _plain(url: str) -> str:
    return url[len("file://") :] if url.startswith("file://") else url


def _media_for(pool: MediaPool, clip: Any, options: dict[str, Any]) -> tuple[MediaPoolItem | None, int, str]:
    """The pool clip, first used source frame and wanted path of an OTIO clip."""
    import opentimelineio as otio

    ref = clip.media_reference
    entry: Any
    if isinstance(ref, otio.schema.ImageSequenceReference):
        base = _plain(ref.target_url_base).rstrip("/\\")
        pattern = os.path.join(base, f"{ref.name_prefix}%0{ref.frame_zero_padding}d{ref.name_suffix}")
        entry = {"FilePath": pattern, "StartIndex": ref.start_frame, "EndIndex": ref.end_frame()}
        first = ref.frame_for_time(clip.source_range.start_time)
        wanted = pattern
    elif isinstance(ref, otio.schema.ExternalReference):
        entry = wanted = os.path.abspath(_plain(ref.target_url))
        first = 0
    else:
        return None, 0, ""
    candidates: list[MediaPoolItem] = []
    for folder in options.get("sourceClipsFolders") or []:
        candidates.extend(c for sub in folder.walk() for c in sub.clips)
    if options.get("importSourceClips", True):
        pool.import_sources([entry])
        candidates.extend(pool.all_clips())
    for candidate in candidates:
        src = candidate.source
        if (src.is_sequence and src.printf_path == wanted) or (
            not src.is_sequence and src.frame_path(0) == wanted
        ):
            return candidate, first if src.is_sequence else src.first, wanted
    return None, first, wanted


def import_timeline(pool: MediaPool, path: Any, options: dict[str, Any]) -> Timeline | None:
    """Body of ``MediaPool.ImportTimelineFromFile`` (OTIO only)."""
    import opentimelineio as otio

    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    try:
        source = otio.adapters.read_from_file(path)
    except (otio.exceptions.OTIOError, ValueError, OSError):
        return None
    if not isinstance(source, otio.schema.Timeline):
        return None
    name = options.get("timelineName") or source.name
    if not pool._name_free(name):
        return None
    timeline = pool.project.add_timeline(name)
    rate = timeline.rate
    if source.global_start_time is not None:
        timeline.start_timecode = frame_to_timecode(
            source.global_start_time.rescaled_to(rate.as_float).to_frames(), rate
        )
    for number, track in enumerate(source.video_tracks(), start=1):
        while len(timeline.tracks["video"]) < number:
            timeline.AddTrack("video")
        target = timeline.tracks["video"][number - 1]
        target.name = track.name or target.name
        for clip in track.find_clips(shallow_search=True):
            placed = clip.range_in_parent()
            start = timeline.start_frame + placed.start_time.rescaled_to(rate.as_float).to_frames()
            duration = placed.duration.rescaled_to(rate.as_float).to_frames()
            media, first, wanted = _media_for(pool, clip, options)
            source_rate = media.fps if media is not None else rate
            length = max(1, round(duration * source_rate.as_float / rate.as_float))
            item = TimelineItem(
                pool._sim,
                timeline,
                media,
                clip.name,
                FrameSpan(start, start + duration),
                first,
                first + length,
                TimelineRate.parse(source_rate.setting),
                offline_path=wanted,
            )
            target.items.append(item)
        target.items.sort(key=lambda i: i.record.start)
    return timeline
