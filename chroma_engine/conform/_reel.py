"""Reading a reel's cut with OpenTimelineIO and normalising its record start.

Formats (by extension, through OTIO's adapter plugins): CMX 3600 ``.edl`` (otio-cmx3600-adapter,
which needs the frame rate), FCP 7 ``.xml`` (otio-fcp-adapter), and OTIO ``.otio``/``.otioz``/
``.otiod`` (Resolve's ``EXPORT_OTIO``).

Record start (``pipeline.md`` §3.4 and ``samples/README.md``): the CMX 3600 reader leaves
``global_start_time`` unset and stores the first record timecode as a *negative* source-range start
on the track (``-86400`` for 01:00:00:00 @24), whereas Resolve and FCP XML put it in
``global_start_time`` and leave the track untrimmed. :func:`read_reel` folds both into one
``origin`` (the absolute record frame of track time 0), so a cut starting at 01:00:00:00 stays
01:00:00:00 — never 00:00:00:00 (offset ignored) nor 02:00:00:00 (offset counted twice).
"""

from __future__ import annotations

import codecs
import math
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from schemas import SchemaModel

from .._errors import ConformError

_ADAPTERS = {
    ".edl": "cmx_3600",
    ".xml": "fcp_xml",
    ".otio": "otio_json",
    ".otioz": "otioz",
    ".otiod": "otiod",
}
_READ_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, KeyError, AttributeError, IndexError, SyntaxError, RuntimeError,
)  # fmt: skip
_RATE_HINT = "the timecodes need another frame rate: pass --rate (e.g. 25 or 30)"


class ReelEvent(SchemaModel):
    """One video event of the reel, in record order.

    Attributes:
        number: 1-based event number on the conformed track.
        index: position of the clip among the track's children (gaps and transitions count).
        name: clip name (EDL ``FROM CLIP NAME``, Resolve Media Pool name, FCP clip name).
        reel: source reel / tape name when the cut carries one.
        record_in: absolute record frame at the reel's rate.
        record_out: exclusive absolute record frame.
        job_id: ``metadata["chroma_recovery"]["job_id"]`` on the clip, if any.
    """

    number: int = Field(ge=1)
    index: int = Field(ge=0)
    name: str
    reel: str | None = None
    record_in: int
    record_out: int
    job_id: str | None = None

    @property
    def duration(self) -> int:
        return self.record_out - self.record_in


@dataclass
class Reel:
    """A read reel.

    Attributes:
        path: the file read.
        timeline: the OTIO timeline as the adapter returned it.
        track: the conformed video track (untrimmed copy: track time 0 = ``origin``).
        rate: the record frame rate.
        origin: absolute record frame of track time 0 (the conformed timeline's start).
        events: the track's clips with absolute record ranges.
        notes: anything normalised or ignored, one line each.
    """

    path: Path
    timeline: Any
    track: Any
    rate: float
    origin: int
    events: tuple[ReelEvent, ...]
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.timeline.name or self.path.stem)


def _frames(time: Any, rate: float) -> int:
    return int(round(time.rescaled_to(rate).value))


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def xml_text(source: Path) -> str:
    """An XML file as text, decoded as it says (byte-order mark, else its ``encoding=``, else UTF-8),
    without its XML declaration (the text is no longer in that encoding)."""
    raw = source.read_bytes()
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is None:
        declared = _DECLARED.match(raw[:512])
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        text = raw.decode(encoding)
    except LookupError as exc:
        raise ConformError(
            f"{source}: unknown encoding {encoding!r} declared", hint="save the XML as UTF-8"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConformError(
            f"{source}: not valid {encoding} (byte offset {exc.start})", hint="save the XML as UTF-8"
        ) from exc
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def read_otio(path: str | os.PathLike[str], rate: float | None = None) -> Any:
    """Read ``path`` with the adapter for its extension; a failure names the line or element.

    Raises:
        ConformError: unknown extension, missing adapter, or a malformed file.
    """
    import opentimelineio as otio

    source = Path(path)
    adapter = _ADAPTERS.get(source.suffix.lower())
    if adapter is None:
        raise ConformError(f"{source}: unknown cut format {source.suffix!r}", hint="use .edl, .xml or .otio")
    if not source.is_file():
        raise ConformError(f"{source}: no such file", hint="check the reel path")
    if adapter not in otio.adapters.available_adapter_names():
        raise ConformError(
            f"{source}: OTIO adapter {adapter} is not installed", hint="pip install opentimelineio-plugins"
        )
    kwargs: dict[str, Any] = {"rate": rate or 24} if adapter == "cmx_3600" else {}
    try:
        if adapter == "fcp_xml":  # the adapter reads files as UTF-8 only: decode as the file declares
            result = otio.adapters.read_from_string(xml_text(source), adapter_name=adapter)
        else:
            result = otio.adapters.read_from_file(str(source), adapter_name=adapter, **kwargs)
    except (otio.exceptions.OTIOError, *_READ_ERRORS) as exc:
        where = _locate(source, adapter, exc, kwargs)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = _RATE_HINT if "rate mismatch" in message.lower() else "fix or re-export the cut"
        raise ConformError(f"{source}{where}: {adapter} could not read it: {message}", hint=hint) from exc
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = list(result.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            raise ConformError(f"{source}: holds no timeline", hint="export the reel as one timeline")
        result = timelines[0]
    if not isinstance(result, otio.schema.Timeline):
        raise ConformError(f"{source}: is a {type(result).__name__}, not a timeline", hint="export the reel")
    return result


def _locate(source: Path, adapter: str, exc: BaseException, kwargs: dict[str, Any]) -> str:
    """``":<line>: '<text>'"`` or ``" <element ...>"`` locating the failure, or ``""``."""
    if isinstance(exc, ET.ParseError) and getattr(exc, "position", None):
        line = exc.position[0]
        return f":{line}: {_line_text(source, line)!r}"
    if adapter == "cmx_3600":
        failing = _edl_failing_line(source, kwargs)
        return f":{failing}: {_line_text(source, failing)!r}" if failing else ""
    if adapter == "otio_json":
        found = re.search(r"line (\d+)", str(exc))
        return f":{found.group(1)}" if found else ""
    element = _innermost_element(exc)
    return f" at element {element}" if element else ""


def _line_text(source: Path, line: int) -> str:
    try:
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip()[:80] if 0 < line <= len(lines) else ""


def _edl_failing_line(source: Path, kwargs: dict[str, Any]) -> int | None:
    """First line whose inclusion makes the adapter fail (bisection over prefixes of the EDL)."""
    from otio_cmx3600_adapter import cmx_3600

    lines = source.read_text(encoding="utf-8", errors="replace").splitlines()

    def fails(count: int) -> bool:
        try:
            cmx_3600.read_from_string("\n".join(lines[:count]) + "\n", **kwargs)
        except Exception:  # noqa: BLE001 - any adapter failure counts as "fails here"
            return True
        return False

    if not fails(len(lines)):
        return None
    low, high = 0, len(lines)  # fails(high) is True; find the smallest failing prefix
    while high - low > 1:
        mid = (low + high) // 2
        if fails(mid):
            high = mid
        else:
            low = mid
    return high


def _innermost_element(exc: BaseException) -> str:
    """The innermost ElementTree element the adapter was working on when it failed."""
    tb = exc.__traceback__
    found = ""
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, ET.Element):
                ident = value.get("id") or (value.findtext("name") or "")
                found = f"<{value.tag}{' ' + ident if ident else ''}>"
        tb = tb.tb_next
    return found


def _reel_name(clip: Any) -> str | None:
    meta = clip.metadata
    for space, key in (("cmx_3600", "reel"), ("Resolve_OTIO", "Reel Name"), ("fcp_xml", "reel")):
        value = (meta.get(space) or {}).get(key) if hasattr(meta.get(space), "get") else None
        if value:
            return str(value.get("name") if hasattr(value, "get") else value)
    return None


def _job_id(clip: Any) -> str | None:
    block = clip.metadata.get("chroma_recovery")
    value = block.get("job_id") if hasattr(block, "get") else None
    return str(value) if value else None


def _origin(timeline: Any, track: Any, rate: float, notes: list[str]) -> int:
    """Absolute record frame of track time 0 (see the module docstring)."""
    base = _frames(timeline.global_start_time, rate) if timeline.global_start_time is not None else 0
    if track.source_range is None:
        return base
    offset = _frames(track.source_range.start_time, rate)
    if offset < 0 and base not in (0, -offset):
        notes.append(
            f"global start {base} and track record start {-offset} disagree; using the track's (EDL TC)"
        )
    if offset < 0:
        return -offset  # the cmx3600 idiom: the record start lives on the track, not globally
    return base - offset


def read_reel(path: str | os.PathLike[str], rate: float | None = None, track: int = 1) -> Reel:
    """Read a reel and list video track ``track``'s events with absolute record ranges.

    Args:
        path: ``.edl`` / ``.xml`` / ``.otio`` cut.
        rate: record rate; EDLs need it (default 24), other formats carry their own.
        track: 1-based video track to conform (other video tracks are noted, not conformed).

    Raises:
        ConformError: unreadable file, no such video track, or no clips on it.
    """
    import opentimelineio as otio

    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise ConformError(f"--rate {rate!r}: must be a frame rate > 0", hint="e.g. 24, 25 or 29.97")
    timeline = read_otio(path, rate)
    videos = timeline.video_tracks()
    if not 1 <= track <= len(videos):
        raise ConformError(
            f"{path}: has {len(videos)} video track(s), no V{track}",
            hint="an empty or audio-only cut cannot be conformed" if not videos else "pass --track",
        )
    chosen = videos[track - 1]
    notes: list[str] = []
    if len(videos) > 1:
        notes.append(f"{len(videos)} video tracks in the cut; conforming V{track} only")
    clips = [c for c in chosen if isinstance(c, otio.schema.Clip)]
    if not clips:
        raise ConformError(
            f"{path}: video track V{track} has no clips", hint="export the reel with its picture"
        )
    record_rate = float(rate or _native_rate(timeline, clips[0]))
    origin = _origin(timeline, chosen, record_rate, notes)
    copy = chosen.deepcopy()
    copy.source_range = None
    events: list[ReelEvent] = []
    ranges = chosen.range_of_all_children()
    for index, child in enumerate(chosen):
        if not isinstance(child, otio.schema.Clip):
            continue
        placed = ranges[child]
        start = origin + _frames(placed.start_time, record_rate)
        events.append(
            ReelEvent(
                number=len(events) + 1,
                index=index,
                name=child.name or f"event {len(events) + 1}",
                reel=_reel_name(child),
                record_in=start,
                record_out=start + _frames(placed.duration, record_rate),
                job_id=_job_id(child),
            )
        )
    return Reel(Path(path), timeline, copy, record_rate, origin, tuple(events), tuple(notes))


def _native_rate(timeline: Any, clip: Any) -> float:
    if timeline.global_start_time is not None:
        return float(timeline.global_start_time.rate)
    return float(clip.range_in_parent().duration.rate)
