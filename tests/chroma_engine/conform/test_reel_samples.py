"""Reading the REAL editorial samples: record timecodes against the EDL text, 01:00:00:00 kept."""

from __future__ import annotations

import re
from pathlib import Path

import opentimelineio as otio
import pytest

from chroma_engine.conform import ConformError, conform_reel_file, read_reel
from resolve_bridge import TimelineRate, timecode_to_frame

EVENT = re.compile(r"^(\d{3})\s+\S+\s+V\s+C\s+\S+ \S+ (\S+) (\S+)\s*$")


def _samples(shared_dir: Path) -> Path:
    return shared_dir / "samples" / "editorial"


def _edl_records(path: Path, rate: float) -> list[tuple[int, int]]:
    """(record in, record out) of each cut event, straight from the EDL text."""
    tc = TimelineRate.parse(rate)
    out = []
    for line in path.read_text().splitlines():
        m = EVENT.match(line.strip())
        if m:
            out.append((timecode_to_frame(m.group(2), tc), timecode_to_frame(m.group(3), tc)))
    return out


@pytest.mark.parametrize(
    ("name", "rate"),
    [("cmx3600_avid_example.edl", 24), ("cmx3600_nucoda_example.edl", 24), ("cmx3600_25fps.edl", 25),
     ("cmx3600_gap_test.edl", 24), ("cmx3600_cdl.edl", 24)],
)  # fmt: skip
def test_record_ranges_match_the_edl_text(shared_dir: Path, name: str, rate: int) -> None:
    path = _samples(shared_dir) / name
    reel = read_reel(path, rate)
    expected = _edl_records(path, rate)
    assert [(e.record_in, e.record_out) for e in reel.events] == expected
    assert reel.origin == expected[0][0]


def test_avid_event_two_exact(shared_dir: Path) -> None:
    reel = read_reel(_samples(shared_dir) / "cmx3600_avid_example.edl", 24)
    second = reel.events[1]
    # 002 ... 00:59:54:18 00:59:56:20 -> 86274 .. 86324 (exclusive) @24
    assert (second.name, second.reel, second.record_in, second.record_out) == (
        "take_2",
        "ZZ100_50",
        86274,
        86324,
    )


def test_one_hour_start_stays_one_hour(shared_dir: Path, tmp_path: Path) -> None:
    """Dissolve EDL records from 01:00:00:00; the reader puts it on the track as -86400."""
    path = _samples(shared_dir) / "cmx3600_dissolve_test.edl"
    raw = otio.adapters.read_from_file(str(path), rate=24)
    assert raw.global_start_time is None
    assert raw.video_tracks()[0].source_range.start_time.value == -86400
    out = tmp_path / "conformed.otio"
    plan = conform_reel_file(path, tmp_path, out)
    assert plan.start_frame == 86400
    assert [(e.name, e.record_in, e.record_out) for e in (r.event for r in plan.rows)] == [
        ("clip_A", 86400, 86409), ("clip_B", 86409, 86419), ("clip_B", 86419, 86420)]  # fmt: skip
    written = otio.adapters.read_from_file(str(out))
    assert written.global_start_time == otio.opentime.RationalTime(86400, 24)
    assert written.tracks[0].source_range is None  # the offset is not counted twice (02:00:00:00)
    first = written.tracks[0].find_clips()[0]
    assert written.global_start_time + first.range_in_parent().start_time == otio.opentime.RationalTime(
        86400, 24
    )
    assert [t.name for t in written.tracks] == ["Original", "ML", "MatchGrade"]
    assert any(isinstance(c, otio.schema.Transition) for c in written.tracks[0])  # V1 as it was


def test_fcp_xml_and_resolve_otio_starts(shared_dir: Path) -> None:
    hiero = read_reel(_samples(shared_dir) / "fcp7_hiero_xml_export.xml")
    assert hiero.origin == 86400
    assert [(e.record_in, e.record_out) for e in hiero.events] == [(86414, 87469), (87485, 87724)]
    resolve = read_reel(_samples(shared_dir) / "resolve_export_effects.otio")
    assert (resolve.origin, resolve.rate) == (86400, 24.0)
    assert resolve.events[0].record_in == 86400
    assert resolve.events[1].record_in == 86400 + 444
    assert any("8 video tracks" in n for n in resolve.notes)


def test_wrong_rate_names_the_line_and_hints(shared_dir: Path) -> None:
    with pytest.raises(ConformError) as info:
        read_reel(_samples(shared_dir) / "cmx3600_25fps.edl", 24)
    assert ":13: '004  SC00.JPG" in str(info.value)
    assert "--rate" in info.value.hint


def test_timecode_mismatch_names_the_event_line(shared_dir: Path) -> None:
    with pytest.raises(ConformError, match=r"cmx3600_timecode_mismatch\.edl:13: '004 .*duration don't match"):
        read_reel(_samples(shared_dir) / "cmx3600_timecode_mismatch.edl", 25)


def test_audio_only_cut_is_refused(shared_dir: Path) -> None:
    with pytest.raises(ConformError, match="0 video track"):
        read_reel(_samples(shared_dir) / "cmx3600_multi_audio.edl", 24)
