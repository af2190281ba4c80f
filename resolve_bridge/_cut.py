"""The shot's cut as OpenTimelineIO: Resolve's own export trimmed to the shot, or built by hand.

Preferred: ``Timeline.Export(path, resolve.EXPORT_OTIO, resolve.EXPORT_NONE)`` (native since 18.5),
then :func:`opentimelineio.algorithms.timeline_trimmed_to_range` keeps only the shot's record
range. When the export fails (older build, constant missing, False) the cut is built with the
OTIO API: one video track holding one clip whose ``ImageSequenceReference`` points at the media
(plain OS path base, as Resolve writes it). Either way ``global_start_time`` is the shot's record
in and the file is written atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import opentimelineio as otio

from ._errors import BridgeError
from ._frames import TimelineRate
from ._gateway import has_method

if TYPE_CHECKING:
    from ._send_shot import ShotSelection

_PRINTF = re.compile(r"%0?(\d*)d")


def _rt(frames: int, rate: TimelineRate) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate.as_float)


def _export_from_resolve(resolve: Any, timeline: Any, tmp: Path) -> otio.schema.Timeline | None:
    if not (has_method(resolve, "EXPORT_OTIO") and has_method(resolve, "EXPORT_NONE")):
        return None
    try:
        ok = timeline.Export(str(tmp), resolve.EXPORT_OTIO, resolve.EXPORT_NONE)
        if not ok or not tmp.is_file():
            return None
        result = otio.adapters.read_from_file(str(tmp), adapter_name="otio_json")
    except Exception:  # noqa: BLE001 - a broken export falls back to the hand-built cut
        return None
    return result if isinstance(result, otio.schema.Timeline) else None


def _trimmed(
    full: otio.schema.Timeline, selection: ShotSelection, rate: TimelineRate
) -> otio.schema.Timeline:
    offset = selection.record.start - selection.timeline_start
    window = otio.opentime.TimeRange(_rt(offset, rate), _rt(selection.record.duration, rate))
    cut = otio.algorithms.timeline_trimmed_to_range(full, window)
    cut.global_start_time = _rt(selection.record.start, rate)
    return cut


def build_cut(selection: ShotSelection, rate: TimelineRate, shot: str) -> otio.schema.Timeline:
    """A one-clip OTIO timeline of the shot (used when Resolve's export is unavailable)."""
    media = selection.media
    folder, name = os.path.split(media.printf_pattern())
    match = _PRINTF.search(name)
    assert match is not None
    ref = otio.schema.ImageSequenceReference(
        target_url_base=folder,
        name_prefix=name[: match.start()],
        name_suffix=name[match.end() :],
        start_frame=media.first_frame,
        frame_step=1,
        rate=rate.as_float,
        frame_zero_padding=media.padding,
        available_range=otio.opentime.TimeRange(_rt(media.first_frame, rate), _rt(media.frame_count, rate)),
    )
    clip = otio.schema.Clip(
        name=selection.item_name,
        media_reference=ref,
        source_range=otio.opentime.TimeRange(
            _rt(selection.source_first, rate), _rt(selection.record.duration, rate)
        ),
    )
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    track.append(clip)
    cut = otio.schema.Timeline(name=shot, global_start_time=_rt(selection.record.start, rate))
    cut.tracks.append(track)
    return cut


def write_shot_cut(
    resolve: Any, timeline: Any, selection: ShotSelection, path: Path, rate: TimelineRate, shot: str
) -> Path:
    """Write the shot's cut to ``path`` (``.otio``) atomically; return ``path``.

    The metadata ``chroma_recovery`` records how it was made (``"resolve_export"`` or ``"built"``)
    and the absolute record range (exclusive out).

    Raises:
        BridgeError: the file cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".cut-") as tmpdir:
        full = _export_from_resolve(resolve, timeline, Path(tmpdir) / "timeline.otio")
        cut = _trimmed(full, selection, rate) if full is not None else build_cut(selection, rate, shot)
        cut.name = shot
        cut.metadata["chroma_recovery"] = {
            "made_by": "resolve_export" if full is not None else "built",
            "record_in": selection.record.start,
            "record_out": selection.record.end,
        }
        tmp = Path(tmpdir) / "cut.otio"
        try:
            otio.adapters.write_to_file(cut, str(tmp), adapter_name="otio_json")
            os.replace(tmp, path)
        except OSError as exc:
            raise BridgeError(
                f"{path}: cannot write the shot's cut ({exc})", hint="check permissions"
            ) from exc
    return path
