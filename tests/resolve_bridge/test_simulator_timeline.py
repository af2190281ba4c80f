"""Simulator: timeline assembly quirks, playhead, markers, item properties, OTIO/EDL interchange."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import OpenImageIO as oiio
import opentimelineio as otio
import pytest

from resolve_bridge.simulator import MediaPoolItem, Project, Resolve, Timeline


def write_plates(folder: Path, prefix: str, first: int, count: int) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for frame in range(first, first + count):
        pixels = np.full((24, 32, 3), frame / 10000.0, np.float32)
        assert oiio.ImageBuf(pixels).write(str(folder / f"{prefix}{frame:04d}.exr"), "half")
    return str(folder / f"{prefix}%04d.exr")


class World:
    """A project at ``rate`` with one 240-frame plate (1001-1240) and an empty timeline."""

    def __init__(self, tmp: Path, rate: str = "24") -> None:
        self.resolve = Resolve()
        self.project: Project = self.resolve.GetProjectManager().CreateProject("W")
        assert self.project.SetSetting("timelineFrameRate", rate)
        self.pool = self.project.GetMediaPool()
        pattern = write_plates(tmp / "plates", "plate.", 1001, 240)
        self.clip: MediaPoolItem = self.pool.ImportMedia(
            [{"FilePath": pattern, "StartIndex": 1001, "EndIndex": 1240}]
        )[0]
        self.timeline: Timeline = self.pool.CreateEmptyTimeline("cut")

    def append(self, **info: Any) -> list[Any]:
        return self.pool.AppendToTimeline([{"mediaPoolItem": self.clip, **info}])


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_new_timeline_starts_at_one_hour(world: World) -> None:
    assert world.timeline.GetStartFrame() == 86400 and world.timeline.GetStartTimecode() == "01:00:00:00"
    assert world.timeline.GetEndFrame() == 86400
    assert world.timeline.GetTrackCount("video") == 1 and world.timeline.GetTrackCount("audio") == 1
    assert world.pool.CreateEmptyTimeline("cut") is None


def test_timeline_start_follows_rate(tmp_path: Path) -> None:
    assert World(tmp_path, "25").timeline.GetStartFrame() == 90000


def test_end_frame_is_exclusive(world: World) -> None:
    (item,) = world.append(startFrame=1001, endFrame=1011, recordFrame=86400)
    assert (item.GetStart(), item.GetEnd(), item.GetDuration()) == (86400, 86410, 10)
    assert (item.GetLeftOffset(), item.GetSourceStartFrame(), item.GetSourceEndFrame()) == (0, 1001, 1011)
    assert item.GetRightOffset() == 230
    assert world.timeline.GetEndFrame() == 86410


def test_end_frame_beyond_media_is_refused(world: World) -> None:
    assert world.append(startFrame=1001, endFrame=1242, recordFrame=86400) == []
    assert world.append(startFrame=1001, endFrame=1241, recordFrame=86400)[0].GetDuration() == 240


def test_record_frame_is_absolute(world: World) -> None:
    (item,) = world.append(startFrame=1010, endFrame=1020, recordFrame=86400 + 48)
    assert item.GetStart() == 86448 and item.GetLeftOffset() == 9


def test_no_record_frame_appends_after_last_item(world: World) -> None:
    world.append(startFrame=1001, endFrame=1011, recordFrame=86500)
    (second,) = world.append(startFrame=1001, endFrame=1004)
    assert second.GetStart() == 86510


def test_overlapping_append_is_silently_dropped(world: World) -> None:
    (first,) = world.append(startFrame=1001, endFrame=1025, recordFrame=86400)
    assert world.append(startFrame=1001, endFrame=1011, recordFrame=86410) == []
    both = world.pool.AppendToTimeline(
        [
            {"mediaPoolItem": world.clip, "startFrame": 1001, "endFrame": 1005, "recordFrame": 86420},
            {"mediaPoolItem": world.clip, "startFrame": 1001, "endFrame": 1005, "recordFrame": 86424},
        ]
    )
    assert [i.GetStart() for i in both] == [86424]
    assert world.timeline.GetItemListInTrack("video", 1) == [first, both[0]]


def test_track_index_beyond_count_lands_on_v1(world: World) -> None:
    (item,) = world.append(startFrame=1001, endFrame=1011, recordFrame=86400, trackIndex=3)
    assert item.GetTrackTypeAndIndex() == ["video", 1]
    assert world.timeline.AddTrack("video") and world.timeline.AddTrack("video")
    (item3,) = world.append(startFrame=1001, endFrame=1011, recordFrame=86400, trackIndex=3)
    assert item3.GetTrackTypeAndIndex() == ["video", 3]


def test_track_indices_are_one_based(world: World) -> None:
    world.append(startFrame=1001, endFrame=1011, recordFrame=86400)
    assert len(world.timeline.GetItemListInTrack("video", 1)) == 1
    assert world.timeline.GetItemListInTrack("video", 0) is None
    assert world.timeline.SetTrackName("video", 1, "V1 original") is True
    assert world.timeline.GetTrackName("video", 1) == "V1 original"
    assert world.timeline.SetTrackName("video", 2, "nope") is False


def test_rate_locks_once_timeline_has_media(world: World) -> None:
    assert world.project.SetSetting("timelineFrameRate", "25") is True
    world.project.SetSetting("timelineFrameRate", "24")
    world.append(startFrame=1001, endFrame=1011, recordFrame=86400)
    assert world.project.SetSetting("timelineFrameRate", "25") is False
    assert world.project.GetSetting("timelineFrameRate") == "24"


def test_mixed_rates_floor_and_source_end_turns_inclusive(world: World) -> None:
    assert world.clip.SetClipProperty("FPS", "25") is True
    (item,) = world.append(startFrame=1001, endFrame=1101, recordFrame=86400)
    assert item.GetDuration() == 96  # floor(100 * 24 / 25)
    assert item.GetSourceEndFrame() == 1100  # inclusive when the rates differ


def test_current_video_item_is_under_playhead_on_top_enabled_track(world: World) -> None:
    world.timeline.AddTrack("video")
    (low,) = world.append(startFrame=1001, endFrame=1101, recordFrame=86400, trackIndex=1)
    (high,) = world.append(startFrame=1001, endFrame=1011, recordFrame=86420, trackIndex=2)
    assert world.timeline.SetCurrentTimecode("01:00:00:21") is True  # frame 86421
    assert world.timeline.GetCurrentVideoItem() is high
    world.timeline.SetTrackEnable("video", 2, False)
    assert world.timeline.GetCurrentVideoItem() is low
    world.timeline.SetCurrentTimecode("01:00:10:00")
    assert world.timeline.GetCurrentVideoItem() is None


def test_timecode_calls_need_an_edit_page(world: World) -> None:
    world.resolve.OpenPage("media")
    assert world.timeline.SetCurrentTimecode("01:00:00:05") is False
    assert world.timeline.GetCurrentTimecode() == ""
    world.resolve.OpenPage("color")
    assert world.timeline.SetCurrentTimecode("01:00:00:05") is True
    assert world.timeline.GetCurrentTimecode() == "01:00:00:05"


def test_markers_take_offsets_from_start(world: World) -> None:
    assert world.timeline.AddMarker(24, "Green", "sh010", "send to ML", 1, "job=1") is True
    assert world.timeline.AddMarker(24, "Blue", "again", "", 1) is False
    assert world.timeline.AddMarker(30, "Orange", "bad colour", "", 1) is False
    assert world.timeline.GetMarkers() == {
        24: {"color": "Green", "duration": 1, "note": "send to ML", "name": "sh010", "customData": "job=1"}
    }


def test_composite_mode_property(world: World) -> None:
    (item,) = world.append(startFrame=1001, endFrame=1011, recordFrame=86400)
    assert item.GetProperty("CompositeMode") == world.resolve.COMPOSITE_NORMAL
    assert item.SetProperty("CompositeMode", world.resolve.COMPOSITE_COLORIZE) is True
    assert item.GetProperty("CompositeMode") == 16
    assert item.SetProperty("CompositeMode", 99) is False
    assert item.SetProperty("Opacity", 50.0) is True and item.GetProperty()["Opacity"] == 50.0
    assert item.SetProperty("NoSuchKey", 1) is False and item.GetProperty("NoSuchKey") is None
    assert item.SetClipColor("Red") is False and item.SetClipColor("Orange") is True


def test_deleted_item_answers_none(world: World) -> None:
    (item,) = world.append(startFrame=1001, endFrame=1011, recordFrame=86400)
    assert world.timeline.DeleteClips([item], False) is True
    assert item.GetDuration() is None and item.GetStart() is None
    assert world.timeline.GetItemListInTrack("video", 1) == []


def test_create_timeline_from_clips(world: World) -> None:
    timeline = world.pool.CreateTimelineFromClips("from clips", [{"mediaPoolItem": world.clip}])
    assert timeline is not None and world.project.GetCurrentTimeline() is timeline
    (item,) = timeline.GetItemListInTrack("video", 1)
    assert (item.GetStart(), item.GetDuration()) == (86400, 240)
    assert world.pool.CreateTimelineFromClips("from clips", [world.clip]) is None


def _export(world: World, tmp_path: Path) -> otio.schema.Timeline:
    world.timeline.AddTrack("video")
    world.append(startFrame=1011, endFrame=1035, recordFrame=86448, trackIndex=1)
    world.timeline.AddMarker(50, "Blue", "note", "check grain", 1)
    path = tmp_path / "cut.otio"
    assert world.timeline.Export(str(path), world.resolve.EXPORT_OTIO, world.resolve.EXPORT_NONE) is True
    return otio.adapters.read_from_file(str(path))


def test_otio_export_is_resolve_shaped(world: World, tmp_path: Path) -> None:
    result = _export(world, tmp_path)
    assert result.global_start_time == otio.opentime.RationalTime(86400, 24)
    assert result.metadata["Resolve_OTIO"] == {"Resolve OTIO Meta Version": "1.0"}
    assert [t.name for t in result.video_tracks()] == ["Video 1", "Video 2"]
    (clip,) = result.find_clips()
    assert clip.name == "plate.[1001-1240].exr"
    ref = clip.media_reference
    assert isinstance(ref, otio.schema.ImageSequenceReference)
    assert ref.target_url_base == str(tmp_path / "plates")  # plain path: no file://, no trailing /
    assert (ref.name_prefix, ref.name_suffix, ref.start_frame, ref.rate) == ("plate.", ".exr", 1001, 24)
    assert ref.frame_for_time(clip.source_range.start_time) == 1011
    placed = clip.range_in_parent()
    assert (placed.start_time.value, placed.duration.value) == (48, 24)
    assert ref.target_url_for_image_number(0) == str(tmp_path / "plates" / "plate.1001.exr")
    (marker,) = result.tracks.markers
    assert marker.comment == "check grain" and marker.metadata["Resolve_OTIO"]["Note"] == "check grain"


def test_edl_export_starts_at_one_hour(world: World, tmp_path: Path) -> None:
    world.append(startFrame=1011, endFrame=1035, recordFrame=86448)
    path = tmp_path / "cut.edl"
    assert world.timeline.Export(str(path), world.resolve.EXPORT_EDL, world.resolve.EXPORT_NONE) is True
    event = next(line for line in path.read_text().splitlines() if line.startswith("001"))
    assert event.split()[-2:] == ["01:00:02:00", "01:00:03:00"]
    assert (
        world.timeline.Export(str(tmp_path / "x.edl"), world.resolve.EXPORT_EDL, world.resolve.EXPORT_AAF_NEW)
        is False
    )


def test_export_rejects_string_types_and_missing_folders(world: World, tmp_path: Path) -> None:
    assert world.timeline.Export(str(tmp_path / "a.otio"), "EXPORT_OTIO", world.resolve.EXPORT_NONE) is False
    missing = tmp_path / "no" / "a.otio"
    assert world.timeline.Export(str(missing), world.resolve.EXPORT_OTIO, world.resolve.EXPORT_NONE) is False


def test_otio_import_round_trip(world: World, tmp_path: Path) -> None:
    _export(world, tmp_path)
    path = str(tmp_path / "cut.otio")
    again = world.pool.ImportTimelineFromFile(path, {"timelineName": "cut v2", "importSourceClips": True})
    assert again is not None and again.GetStartFrame() == 86400
    (item,) = again.GetItemListInTrack("video", 1)
    assert (item.GetStart(), item.GetEnd(), item.GetSourceStartFrame()) == (86448, 86472, 1011)
    assert item.GetMediaPoolItem() is world.clip  # matched by path, not duplicated
    assert world.pool.ImportTimelineFromFile(path, {"timelineName": "cut v2"}) is None


def test_otio_import_can_leave_media_offline(world: World, tmp_path: Path) -> None:
    _export(world, tmp_path)
    other = world.pool.AddSubFolder(world.pool.GetRootFolder(), "EMPTY")
    options = {"timelineName": "offline", "importSourceClips": False, "sourceClipsFolders": [other]}
    timeline = world.pool.ImportTimelineFromFile(str(tmp_path / "cut.otio"), options)
    (item,) = timeline.GetItemListInTrack("video", 1)
    assert item.GetMediaPoolItem() is None and item.GetStart() == 86448
