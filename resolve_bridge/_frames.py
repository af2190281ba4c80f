"""All frame arithmetic of the bridge: rates, timecode, absolute record frames, exclusive ends.

Resolve's conventions (``resolve_api.md`` §4.1), which every helper here encodes once:

* record frames (``recordFrame``, ``TimelineItem.GetStart/GetEnd``, ``Timeline.GetStartFrame``,
  render ``MarkIn/MarkOut``) are **absolute**: a timeline starting at 01:00:00:00 starts at frame
  86400 @24, 90000 @25, 86400 @23.976 (non-drop timecode counts 24 per second), 107892 @29.97 DF;
* ``clipInfo["endFrame"]`` and ``TimelineItem.GetEnd()`` are **exclusive**; render ``MarkIn/MarkOut``
  are **inclusive** (``MarkOut = GetEnd() - 1``);
* track and timeline indices are **1-based**;
* with mixed rates Resolve maps source frames to the timeline by **flooring** real time.

Drop-frame timecode is supported for 29.97 and 59.94 (``;`` or ``:`` before the frame field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._errors import FrameMathError

DEFAULT_START_TIMECODE = "01:00:00:00"

# Resolve's `timelineFrameRate` strings -> exact rate and timecode base.
_RATES: dict[str, tuple[Fraction, int]] = {
    "16": (Fraction(16), 16),
    "18": (Fraction(18), 18),
    "23.976": (Fraction(24000, 1001), 24),
    "24": (Fraction(24), 24),
    "25": (Fraction(25), 25),
    "29.97": (Fraction(30000, 1001), 30),
    "30": (Fraction(30), 30),
    "47.952": (Fraction(48000, 1001), 48),
    "48": (Fraction(48), 48),
    "50": (Fraction(50), 50),
    "59.94": (Fraction(60000, 1001), 60),
    "60": (Fraction(60), 60),
}
_DROP_CAPABLE = {"29.97", "59.94"}
_TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;])(\d{2,3})$")


@dataclass(frozen=True)
class TimelineRate:
    """A frame rate as Resolve names it.

    Attributes:
        label: Resolve's ``timelineFrameRate`` value without the DF suffix (``"23.976"``, ``"25"``).
        fps: exact rate (``24000/1001`` for 23.976).
        nominal: frames per timecode second (24 for 23.976, 30 for 29.97).
        drop_frame: timecode drops frame numbers (29.97/59.94 only).
    """

    label: str
    fps: Fraction
    nominal: int
    drop_frame: bool = False

    @classmethod
    def parse(cls, value: str | float | int, drop_frame: bool | None = None) -> TimelineRate:
        """Parse ``"24"``, ``"23.976"``, ``"29.97 DF"``, ``24.0`` or ``23.976``.

        Raises:
            FrameMathError: the rate is not one Resolve offers, or DF on a rate without drop frame.
        """
        text = str(value).strip().upper()
        df = text.endswith("DF") and not text.endswith("NDF")
        for suffix in ("NDF", "DF"):  # str.removesuffix is 3.9+; the host may run 3.8
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
                break
        if drop_frame is not None:
            df = drop_frame
        label = _match_label(text)
        if label is None:
            raise FrameMathError(
                f"frame rate {value!r} is not a Resolve timeline rate",
                hint="use one of " + ", ".join(_RATES),
            )
        if df and label not in _DROP_CAPABLE:
            raise FrameMathError(
                f"frame rate {value!r}: drop-frame timecode exists only at 29.97 and 59.94",
                hint="remove 'DF' or use 29.97 DF / 59.94 DF",
            )
        fps, nominal = _RATES[label]
        return cls(label=label, fps=fps, nominal=nominal, drop_frame=df)

    @property
    def as_float(self) -> float:
        return float(self.fps)

    @property
    def setting(self) -> str:
        """The value for ``Project.SetSetting("timelineFrameRate", ...)``."""
        return f"{self.label} DF" if self.drop_frame else self.label

    @property
    def _dropped_per_minute(self) -> int:
        return self.nominal // 15  # 2 @29.97, 4 @59.94


def _match_label(text: str) -> str | None:
    if text in _RATES:
        return text
    try:
        number = float(text)
    except ValueError:
        return None
    for label, (fps, _) in _RATES.items():
        if abs(float(fps) - number) < 0.002 or abs(float(label) - number) < 0.0005:
            return label
    return None


def timecode_to_frame(timecode: str, rate: TimelineRate) -> int:
    """Absolute frame number of ``HH:MM:SS:FF`` (``;`` allowed before FF for drop frame).

    Raises:
        FrameMathError: malformed timecode, frame field >= nominal rate, or a dropped DF label.
    """
    match = _TIMECODE.match(timecode.strip())
    if not match:
        raise FrameMathError(f"timecode {timecode!r} is not HH:MM:SS:FF", hint="e.g. 01:00:00:00")
    hours, minutes, seconds, _sep, frames = (int(g) if g.isdigit() else g for g in match.groups())
    assert isinstance(hours, int) and isinstance(minutes, int)
    assert isinstance(seconds, int) and isinstance(frames, int)
    if minutes > 59 or seconds > 59 or frames >= rate.nominal:
        raise FrameMathError(
            f"timecode {timecode!r} is out of range at {rate.setting} fps",
            hint=f"minutes/seconds < 60 and frames < {rate.nominal}",
        )
    total = ((hours * 60 + minutes) * 60 + seconds) * rate.nominal + frames
    if not rate.drop_frame:
        return total
    drop = rate._dropped_per_minute
    if seconds == 0 and frames < drop and minutes % 10 != 0:
        raise FrameMathError(
            f"timecode {timecode!r} does not exist in drop-frame timecode",
            hint=f"frames 00-{drop - 1:02d} are skipped at the start of each minute not divisible by 10",
        )
    total_minutes = hours * 60 + minutes
    return total - drop * (total_minutes - total_minutes // 10)


def frame_to_timecode(frame: int, rate: TimelineRate) -> str:
    """Timecode of an absolute frame; drop-frame rates use ``;`` before the frame field.

    Raises:
        FrameMathError: negative frame.
    """
    if frame < 0:
        raise FrameMathError(f"frame {frame} is negative", hint="timecode starts at 00:00:00:00")
    sep = ":"
    if rate.drop_frame:
        sep = ";"
        drop = rate._dropped_per_minute
        per_ten = rate.nominal * 600 - drop * 9
        per_one = rate.nominal * 60 - drop
        tens, rest = divmod(frame, per_ten)
        frame += drop * 9 * tens + (drop * ((rest - drop) // per_one) if rest >= drop else 0)
    frames = frame % rate.nominal
    seconds = frame // rate.nominal
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{sep}{frames:02d}"


def timeline_start_frame(rate: TimelineRate, start_timecode: str = DEFAULT_START_TIMECODE) -> int:
    """Absolute first frame of a timeline (86400 @24 for 01:00:00:00)."""
    return timecode_to_frame(start_timecode, rate)


def record_frame(timeline_start: int, offset: int) -> int:
    """Absolute record frame ``offset`` frames into a timeline (what ``recordFrame`` wants).

    Raises:
        FrameMathError: negative offset.
    """
    if offset < 0:
        raise FrameMathError(f"record offset {offset} is before the timeline start {timeline_start}")
    return timeline_start + offset


def record_offset(absolute: int, timeline_start: int) -> int:
    """Offset from the timeline start of an absolute record frame (what ``AddMarker`` wants).

    Raises:
        FrameMathError: the frame precedes the timeline start (a relative frame passed by mistake?).
    """
    if absolute < timeline_start:
        raise FrameMathError(
            f"record frame {absolute} is before the timeline start {timeline_start}",
            hint="record frames are absolute (01:00:00:00 = 86400 @24); add Timeline.GetStartFrame()",
        )
    return absolute - timeline_start


def inclusive_last_to_exclusive_end(last: int) -> int:
    """``clipInfo["endFrame"]`` for an inclusive last frame (Resolve 19.1+ takes exclusive ends)."""
    return last + 1


def exclusive_end_to_inclusive_last(end: int) -> int:
    """Inclusive last frame of an exclusive end (``TimelineItem.GetEnd()`` -> render ``MarkOut``)."""
    return end - 1


def to_api_index(zero_based: int) -> int:
    """1-based Resolve index (tracks, timelines) of a Python index.

    Raises:
        FrameMathError: negative index.
    """
    if zero_based < 0:
        raise FrameMathError(f"index {zero_based} is negative")
    return zero_based + 1


def from_api_index(one_based: int) -> int:
    """Python index of a 1-based Resolve index.

    Raises:
        FrameMathError: index below 1 (Resolve has no track/timeline 0).
    """
    if one_based < 1:
        raise FrameMathError(
            f"Resolve index {one_based} is below 1", hint="track and timeline indices are 1-based"
        )
    return one_based - 1


@dataclass(frozen=True)
class FrameSpan:
    """Half-open frame span ``[start, end)``: Resolve's ``GetStart()``/``GetEnd()`` shape.

    Attributes:
        start: first frame (inclusive).
        end: one past the last frame (exclusive).
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise FrameMathError(f"frame span end {self.end} is before its start {self.start}")

    @classmethod
    def from_inclusive(cls, first: int, last: int) -> FrameSpan:
        """Span of the inclusive range ``first..last`` (file frames, render marks)."""
        return cls(first, inclusive_last_to_exclusive_end(last))

    @classmethod
    def from_item(cls, item: Any) -> FrameSpan:
        """Record span of a ``TimelineItem`` (duck-typed: ``GetStart()``, ``GetEnd()``).

        Raises:
            FrameMathError: the item's getters answer ``None`` (pitfall 1: a dead append).
        """
        start, end = item.GetStart(), item.GetEnd()
        if start is None or end is None:
            raise FrameMathError("timeline item has no position (GetStart/GetEnd returned None)")
        return cls(int(start), int(end))

    @property
    def last(self) -> int:
        """Inclusive last frame."""
        return exclusive_end_to_inclusive_last(self.end)

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def frames(self) -> range:
        return range(self.start, self.end)

    def shifted(self, delta: int) -> FrameSpan:
        return FrameSpan(self.start + delta, self.end + delta)

    def overlaps(self, other: FrameSpan) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, frame: int) -> bool:
        return self.start <= frame < self.end


@dataclass(frozen=True)
class RenderMarks:
    """Inclusive render range for ``Project.SetRenderSettings``.

    Attributes:
        mark_in: first rendered record frame (``MarkIn``).
        mark_out: last rendered record frame (``MarkOut``, inclusive).
    """

    mark_in: int
    mark_out: int

    @classmethod
    def from_item(cls, item: Any) -> RenderMarks:
        """Marks covering one timeline item: ``GetStart()`` .. ``GetEnd() - 1``."""
        span = FrameSpan.from_item(item)
        return cls(span.start, span.last)

    @property
    def frame_count(self) -> int:
        return self.mark_out - self.mark_in + 1

    def as_settings(self) -> dict[str, Any]:
        """The ``SetRenderSettings`` keys for these marks (``SelectAllFrames`` off)."""
        return {"SelectAllFrames": False, "MarkIn": self.mark_in, "MarkOut": self.mark_out}


def source_to_timeline_duration(source_frames: int, source: TimelineRate, timeline: TimelineRate) -> int:
    """Timeline frames a source range occupies: ``floor(n * timeline / source)`` as Resolve does."""
    return int(Fraction(source_frames) * timeline.fps / source.fps)


def timeline_to_source_offset(timeline_offset: int, source: TimelineRate, timeline: TimelineRate) -> int:
    """Source frame offset shown ``timeline_offset`` frames into an item (floored real time)."""
    return int(Fraction(timeline_offset) * source.fps / timeline.fps)


def clip_info(
    media_pool_item: Any,
    first: int,
    last: int,
    record: int,
    track_index: int = 1,
    media_type: int = 1,
) -> dict[str, Any]:
    """``AppendToTimeline`` clipInfo for source frames ``first..last`` (inclusive) at absolute ``record``.

    Raises:
        FrameMathError: ``last < first`` or a track index below 1.
    """
    span = FrameSpan.from_inclusive(first, last)
    from_api_index(track_index)
    return {
        "mediaPoolItem": media_pool_item,
        "startFrame": span.start,
        "endFrame": span.end,
        "recordFrame": record,
        "trackIndex": track_index,
        "mediaType": media_type,
    }
