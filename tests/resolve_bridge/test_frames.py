"""Frame arithmetic: rates, timecode (incl. drop frame), absolute record frames, exclusive ends."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest

from resolve_bridge import (
    FrameMathError,
    FrameSpan,
    RenderMarks,
    TimelineRate,
    clip_info,
    exclusive_end_to_inclusive_last,
    frame_to_timecode,
    from_api_index,
    inclusive_last_to_exclusive_end,
    record_frame,
    record_offset,
    source_to_timeline_duration,
    timecode_to_frame,
    timeline_start_frame,
    timeline_to_source_offset,
    to_api_index,
)


@pytest.mark.parametrize(
    ("setting", "label", "fps", "nominal", "drop"),
    [
        pytest.param("24", "24", Fraction(24), 24, False, id="24"),
        pytest.param("23.976", "23.976", Fraction(24000, 1001), 24, False, id="23.976"),
        pytest.param(23.976, "23.976", Fraction(24000, 1001), 24, False, id="23.976 as float"),
        pytest.param(24.0, "24", Fraction(24), 24, False, id="24 as float"),
        pytest.param("25", "25", Fraction(25), 25, False, id="25"),
        pytest.param("29.97 DF", "29.97", Fraction(30000, 1001), 30, True, id="29.97 DF"),
        pytest.param("29.97", "29.97", Fraction(30000, 1001), 30, False, id="29.97 NDF"),
        pytest.param("59.94 DF", "59.94", Fraction(60000, 1001), 60, True, id="59.94 DF"),
    ],
)
def test_rate_parse(setting: object, label: str, fps: Fraction, nominal: int, drop: bool) -> None:
    rate = TimelineRate.parse(setting)  # type: ignore[arg-type]
    assert (rate.label, rate.fps, rate.nominal, rate.drop_frame) == (label, fps, nominal, drop)
    assert TimelineRate.parse(rate.setting) == rate


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param("24 DF", id="drop frame at 24"),
        pytest.param("31", id="not a Resolve rate"),
        pytest.param("fast", id="not a number"),
    ],
)
def test_rate_parse_refuses(setting: str) -> None:
    with pytest.raises(FrameMathError) as info:
        TimelineRate.parse(setting)
    assert info.value.hint


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        pytest.param("24", 86400, id="24"),
        pytest.param("25", 90000, id="25"),
        pytest.param("23.976", 86400, id="23.976 counts 24 per second"),
        pytest.param("29.97", 108000, id="29.97 NDF"),
        pytest.param("29.97 DF", 107892, id="29.97 DF drops 108 frames an hour"),
        pytest.param("59.94 DF", 215784, id="59.94 DF"),
        pytest.param("50", 180000, id="50"),
    ],
)
def test_timeline_start_is_one_hour(rate: str, expected: int) -> None:
    assert timeline_start_frame(TimelineRate.parse(rate)) == expected


@pytest.mark.parametrize(
    ("timecode", "rate", "frame"),
    [
        pytest.param("00:00:00:00", "24", 0, id="zero"),
        pytest.param("01:00:00:10", "24", 86410, id="one hour ten frames"),
        pytest.param("00:00:01:00", "25", 25, id="one second at 25"),
        pytest.param("00:01:00;02", "29.97 DF", 1800, id="first label after a drop"),
        pytest.param("00:10:00;00", "29.97 DF", 17982, id="tenth minute keeps its frames"),
        pytest.param("10:00:00:00", "23.976", 864000, id="23.976 ten hours"),
    ],
)
def test_timecode_round_trip(timecode: str, rate: str, frame: int) -> None:
    parsed = TimelineRate.parse(rate)
    assert timecode_to_frame(timecode, parsed) == frame
    assert timecode_to_frame(frame_to_timecode(frame, parsed), parsed) == frame


@pytest.mark.parametrize("frame", [0, 1, 1799, 1800, 17981, 17982, 17983, 107891, 107892, 2_000_001])
def test_drop_frame_matches_opentimelineio(frame: int) -> None:
    rate = TimelineRate.parse("29.97 DF")
    expected = otio.opentime.to_timecode(otio.opentime.RationalTime(frame, 30000 / 1001), 30000 / 1001, True)
    assert frame_to_timecode(frame, rate) == expected


@pytest.mark.parametrize(
    ("timecode", "rate"),
    [
        pytest.param("1:00:00:00", "24", id="short hours"),
        pytest.param("01:00:00:24", "24", id="frame field equals rate"),
        pytest.param("01:61:00:00", "25", id="minutes over 59"),
        pytest.param("00:01:00;00", "29.97 DF", id="label dropped in DF"),
    ],
)
def test_bad_timecode(timecode: str, rate: str) -> None:
    with pytest.raises(FrameMathError):
        timecode_to_frame(timecode, TimelineRate.parse(rate))


def test_negative_frame_has_no_timecode() -> None:
    with pytest.raises(FrameMathError):
        frame_to_timecode(-1, TimelineRate.parse("24"))


@pytest.mark.parametrize(
    ("start", "offset", "absolute"),
    [pytest.param(86400, 0, 86400, id="at start"), pytest.param(90000, 120, 90120, id="offset at 25")],
)
def test_record_frames_are_absolute(start: int, offset: int, absolute: int) -> None:
    assert record_frame(start, offset) == absolute
    assert record_offset(absolute, start) == offset


def test_relative_frame_is_refused_with_hint() -> None:
    with pytest.raises(FrameMathError, match="before the timeline start") as info:
        record_offset(10, 86400)
    assert "absolute" in info.value.hint
    with pytest.raises(FrameMathError):
        record_frame(86400, -1)


@pytest.mark.parametrize(("last", "end"), [(1001, 1002), (1240, 1241), (0, 1)])
def test_exclusive_end_conversions(last: int, end: int) -> None:
    assert inclusive_last_to_exclusive_end(last) == end
    assert exclusive_end_to_inclusive_last(end) == last


@pytest.mark.parametrize(("zero", "one"), [(0, 1), (3, 4)])
def test_api_indices_are_one_based(zero: int, one: int) -> None:
    assert to_api_index(zero) == one
    assert from_api_index(one) == zero


@pytest.mark.parametrize("bad", [0, -1])
def test_api_index_below_one_is_refused(bad: int) -> None:
    with pytest.raises(FrameMathError, match="below 1"):
        from_api_index(bad)


def test_frame_span_shape() -> None:
    span = FrameSpan.from_inclusive(1001, 1240)
    assert (span.start, span.end, span.last, span.duration) == (1001, 1241, 1240, 240)
    assert span.contains(1240) and not span.contains(1241)
    assert span.overlaps(FrameSpan(1240, 1250)) and not span.overlaps(FrameSpan(1241, 1250))
    assert list(span.shifted(10).frames)[:2] == [1011, 1012]
    with pytest.raises(FrameMathError):
        FrameSpan(10, 9)


class _Item:
    def __init__(self, start: int | None, end: int | None) -> None:
        self._start, self._end = start, end

    def GetStart(self) -> int | None:
        return self._start

    def GetEnd(self) -> int | None:
        return self._end


def test_render_marks_from_item_use_get_end_minus_one() -> None:
    marks = RenderMarks.from_item(_Item(86400, 86424))
    assert (marks.mark_in, marks.mark_out, marks.frame_count) == (86400, 86423, 24)
    assert marks.as_settings() == {"SelectAllFrames": False, "MarkIn": 86400, "MarkOut": 86423}


def test_dead_item_is_an_error() -> None:
    with pytest.raises(FrameMathError, match="None"):
        RenderMarks.from_item(_Item(None, None))


@pytest.mark.parametrize(
    ("frames", "source", "timeline", "expected"),
    [
        pytest.param(240, "24", "24", 240, id="same rate"),
        pytest.param(240, "24", "25", 250, id="24 on 25 exact"),
        pytest.param(100, "24", "25", 104, id="24 on 25 floors 104.17"),
        pytest.param(100, "25", "24", 96, id="25 on 24"),
        pytest.param(101, "25", "24", 96, id="25 on 24 floors 96.96"),
        pytest.param(1000, "23.976", "24", 1001, id="23.976 on 24 plays longer"),
    ],
)
def test_mixed_rate_durations_floor(frames: int, source: str, timeline: str, expected: int) -> None:
    assert (
        source_to_timeline_duration(frames, TimelineRate.parse(source), TimelineRate.parse(timeline))
        == expected
    )


@pytest.mark.parametrize(
    ("offset", "source", "timeline", "expected"),
    [
        pytest.param(0, "24", "25", 0, id="first frame"),
        pytest.param(25, "24", "25", 24, id="one second"),
        pytest.param(13, "24", "25", 12, id="floors 12.48"),
    ],
)
def test_timeline_to_source_offset(offset: int, source: str, timeline: str, expected: int) -> None:
    assert (
        timeline_to_source_offset(offset, TimelineRate.parse(source), TimelineRate.parse(timeline))
        == expected
    )


def test_clip_info_is_exclusive_and_absolute() -> None:
    marker = object()
    info = clip_info(marker, 1001, 1240, 86400, track_index=2)
    assert info == {
        "mediaPoolItem": marker,
        "startFrame": 1001,
        "endFrame": 1241,
        "recordFrame": 86400,
        "trackIndex": 2,
        "mediaType": 1,
    }
    with pytest.raises(FrameMathError):
        clip_info(marker, 1001, 1240, 86400, track_index=0)
