"""``Timeline`` of the simulator: tracks, appends, playhead, markers, settings, export.

Modelled behaviour (``resolve_api.md`` §4):

* a new timeline has one video and one audio track, starts at 01:00:00:00 and follows the project's
  rate and resolution until ``SetSetting("useCustomSettings", "1")``;
* ``GetStartFrame()`` is absolute; ``GetEndFrame()`` is the exclusive end of the last item (the
  start frame when empty);
* track indices are 1-based; a bad index answers ``None``/False;
* clipInfo ``startFrame``/``endFrame`` are source frames in the clip's numbering, ``endFrame``
  EXCLUSIVE; ``recordFrame`` is ABSOLUTE (a relative one is accepted and renders nothing, issue
  #164); without ``recordFrame`` the clip goes after the last item of its track; a ``trackIndex``
  beyond ``GetTrackCount("video")`` silently lands on V1; an append overlapping an item of its
  track is silently dropped (left out of the answer); mixed rates floor the duration;
* ``GetCurrentVideoItem`` is the item under the playhead on the top-most enabled video track;
  timecode get/set works only on Cut/Edit/Color/Fairlight/Deliver (pitfall 9);
* ``AddMarker(frameId, ...)`` takes an offset from the timeline start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import FrameMathError
from .._frames import (
    DEFAULT_START_TIMECODE,
    FrameSpan,
    TimelineRate,
    frame_to_timecode,
    source_to_timeline_duration,
    timecode_to_frame,
)
from ._constants import MARKER_COLORS, TIMECODE_PAGES
from ._media_item import MediaPoolItem
from ._state import SimObject, SimState, api
from ._timeline_item import TimelineItem

if TYPE_CHECKING:
    from ._project import Project

_TRACK_TYPES = ("video", "audio", "subtitle")
_TRACK_LABEL = {"video": "Video", "audio": "Audio", "subtitle": "Subtitle"}
_STILL_FRAMES_SECONDS = 5


@dataclass
class Track:
    """One track: its name, switches and items sorted by record start."""

    name: str
    enabled: bool = True
    locked: bool = False
    items: list[TimelineItem] = field(default_factory=list)


class Timeline(SimObject):
    """A timeline of a project (see the module docstring)."""

    def __init__(self, sim: SimState, project: Project, name: str) -> None:
        super().__init__(sim)
        self.project = project
        self.name = name
        self.tracks: dict[str, list[Track]] = {
            "video": [Track("Video 1")],
            "audio": [Track("Audio 1")],
            "subtitle": [],
        }
        self.settings: dict[str, str] = {"useCustomSettings": "0"}
        self.start_timecode = DEFAULT_START_TIMECODE
        self.playhead: int | None = None
        self.markers: dict[int, dict[str, Any]] = {}
        self._uid = sim.new_id("tline")

    # ------------------------------------------------------------------ derived state
    def setting(self, key: str) -> str:
        if self.settings.get("useCustomSettings") == "1" and key in self.settings:
            return self.settings[key]
        return self.project.settings.get(key, "")

    @property
    def rate(self) -> TimelineRate:
        return TimelineRate.parse(
            self.setting("timelineFrameRate"), drop_frame=self.setting("timelineDropFrameTimecode") == "1"
        )

    @property
    def start_frame(self) -> int:
        return timecode_to_frame(self.start_timecode, self.rate)

    @property
    def all_items(self) -> list[TimelineItem]:
        return [item for tracks in self.tracks.values() for track in tracks for item in track.items]

    @property
    def has_media(self) -> bool:
        return bool(self.all_items)

    @property
    def end_frame(self) -> int:
        return max((i.record.end for i in self.all_items), default=self.start_frame)

    def _track(self, track_type: Any, index: Any) -> Track | None:
        if track_type not in _TRACK_TYPES or not isinstance(index, int) or isinstance(index, bool):
            return None
        tracks = self.tracks[track_type]
        return tracks[index - 1] if 1 <= index <= len(tracks) else None

    def locate(self, item: TimelineItem) -> list[Any] | None:
        for track_type, tracks in self.tracks.items():
            for number, track in enumerate(tracks, start=1):
                if item in track.items:
                    return [track_type, number]
        return None

    def detach_media(self, clip: MediaPoolItem) -> None:
        """Deleting a pool clip removes its items from the timeline (Resolve asks, then does)."""
        self.remove_items([i for i in self.all_items if i.media is clip])

    def remove_items(self, items: list[TimelineItem]) -> None:
        for tracks in self.tracks.values():
            for track in tracks:
                for item in [i for i in track.items if i in items]:
                    track.items.remove(item)
                    item.timeline = None

    # ------------------------------------------------------------------ identity and settings
    @api
    def GetName(self) -> str:
        return self.name

    @api
    def SetName(self, timelineName: str) -> bool:
        if not isinstance(timelineName, str) or not timelineName:
            return False
        if any(t.name == timelineName for t in self.project.timelines if t is not self):
            return False
        self.name = timelineName
        return True

    @api
    def GetUniqueId(self) -> str:
        return self._uid

    @api
    def GetSetting(self, settingName: str | None = None) -> Any:
        if settingName is None:
            return {k: self.setting(k) for k in self.project.settings} | dict(self.settings)
        if settingName == "useCustomSettings":
            return self.settings["useCustomSettings"]
        return self.setting(settingName)

    @api
    def SetSetting(self, settingName: str, settingValue: str) -> bool:
        if not isinstance(settingValue, str):
            return False
        if settingName == "useCustomSettings":
            if settingValue not in ("0", "1"):
                return False
            self.settings[settingName] = settingValue
            return True
        if self.settings.get("useCustomSettings") != "1" or settingName not in self.project.settings:
            return False
        if settingName == "timelineFrameRate":
            if self.has_media:
                return False
            try:
                TimelineRate.parse(settingValue)
            except FrameMathError:
                return False
        self.settings[settingName] = settingValue
        return True

    @api
    def GetStartFrame(self) -> int:
        return self.start_frame

    @api
    def GetEndFrame(self) -> int:
        return self.end_frame

    @api
    def GetStartTimecode(self) -> str:
        return self.start_timecode

    @api
    def SetStartTimecode(self, timecode: str) -> bool:
        try:
            timecode_to_frame(timecode, self.rate)
        except (FrameMathError, AttributeError):
            return False
        self.start_timecode = timecode
        return True

    # ------------------------------------------------------------------ tracks
    @api
    def GetTrackCount(self, trackType: str) -> int:
        return len(self.tracks.get(trackType, []))

    @api
    def AddTrack(self, trackType: str, subTrackType: Any = None) -> bool:
        if trackType not in _TRACK_TYPES:
            return False
        tracks = self.tracks[trackType]
        tracks.append(Track(f"{_TRACK_LABEL[trackType]} {len(tracks) + 1}"))
        return True

    @api
    def DeleteTrack(self, trackType: str, trackIndex: int) -> bool:
        track = self._track(trackType, trackIndex)
        if track is None:
            return False
        self.remove_items(list(track.items))
        self.tracks[trackType].remove(track)
        return True

    @api
    def GetTrackName(self, trackType: str, trackIndex: int) -> str | None:
        track = self._track(trackType, trackIndex)
        return track.name if track else None

    @api
    def SetTrackName(self, trackType: str, trackIndex: int, name: str) -> bool:
        track = self._track(trackType, trackIndex)
        if track is None or not isinstance(name, str):
            return False
        track.name = name
        return True

    @api
    def SetTrackEnable(self, trackType: str, trackIndex: int, enabled: bool) -> bool:
        track = self._track(trackType, trackIndex)
        if track is None or not isinstance(enabled, bool):
            return False
        track.enabled = enabled
        return True

    @api
    def GetIsTrackEnabled(self, trackType: str, trackIndex: int) -> bool | None:
        track = self._track(trackType, trackIndex)
        return track.enabled if track else None

    @api
    def SetTrackLock(self, trackType: str, trackIndex: int, lock: bool) -> bool:
        track = self._track(trackType, trackIndex)
        if track is None or not isinstance(lock, bool):
            return False
        track.locked = lock
        return True

    @api
    def GetIsTrackLocked(self, trackType: str, trackIndex: int) -> bool | None:
        track = self._track(trackType, trackIndex)
        return track.locked if track else None

    @api
    def GetItemListInTrack(self, trackType: str, index: int) -> list[TimelineItem] | None:
        track = self._track(trackType, index)
        return list(track.items) if track else None

    @api
    def DeleteClips(self, timelineItems: list[TimelineItem], ripple: bool = False) -> bool:
        if not isinstance(timelineItems, list) or not timelineItems:
            return False
        present = self.all_items
        if any(item not in present for item in timelineItems):
            return False
        self.remove_items(timelineItems)
        return True

    # ------------------------------------------------------------------ appending
    def append(self, clips: list[Any]) -> list[TimelineItem]:
        """Body of ``MediaPool.AppendToTimeline`` (see the module docstring for the rules)."""
        placed: list[TimelineItem] = []
        pool = self.project.media_pool.all_clips()
        for entry in clips:
            info = {"mediaPoolItem": entry} if isinstance(entry, MediaPoolItem) else entry
            if not isinstance(info, dict):
                continue
            item = self._place(info, pool)
            if item is not None:
                placed.append(item)
        return placed

    def _place(self, info: dict[str, Any], pool: list[MediaPoolItem]) -> TimelineItem | None:
        clip = info.get("mediaPoolItem")
        if not isinstance(clip, MediaPoolItem) or clip not in pool:
            return None
        if info.get("mediaType", 1) != 1:
            return None  # image media carry no audio
        src = clip.source
        default_end = src.last + 1 if src.is_sequence else _STILL_FRAMES_SECONDS * self.rate.nominal
        start, end = info.get("startFrame", src.first), info.get("endFrame", default_end)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            return None
        if start >= end or start < src.first or (src.is_sequence and end > src.last + 1):
            return None
        index = info.get("trackIndex", 1)
        if not isinstance(index, int) or not 1 <= index <= len(self.tracks["video"]):
            index = 1  # [GOT]: a trackIndex beyond GetTrackCount silently lands on V1
        track = self.tracks["video"][index - 1]
        duration = source_to_timeline_duration(end - start, clip.fps, self.rate)
        if duration <= 0:
            return None
        record = info.get("recordFrame")
        if record is None:
            record = max((i.record.end for i in track.items), default=self.start_frame)
        if not isinstance(record, int | float) or isinstance(record, bool):
            return None
        span = FrameSpan(int(record), int(record) + duration)
        if any(span.overlaps(i.record) for i in track.items):
            return None  # [MCP]: the earlier item wins, the later append is silently dropped
        item = TimelineItem(self._sim, self, clip, clip.properties()["Clip Name"], span, start, end, clip.fps)
        track.items.append(item)
        track.items.sort(key=lambda i: i.record.start)
        return item

    # ------------------------------------------------------------------ playhead
    def item_at(self, frame: int) -> TimelineItem | None:
        for track in reversed(self.tracks["video"]):
            if not track.enabled:
                continue
            for item in track.items:
                if item.enabled and item.record.contains(frame):
                    return item
        return None

    @api
    def GetCurrentVideoItem(self) -> TimelineItem | None:
        return self.item_at(self.start_frame if self.playhead is None else self.playhead)

    @api
    def GetCurrentTimecode(self) -> str:
        if self._sim.page not in TIMECODE_PAGES:
            return ""
        frame = self.start_frame if self.playhead is None else self.playhead
        return frame_to_timecode(frame, self.rate)

    @api
    def SetCurrentTimecode(self, timecode: str) -> bool:
        if self._sim.page not in TIMECODE_PAGES or not isinstance(timecode, str):
            return False
        try:
            self.playhead = timecode_to_frame(timecode, self.rate)
        except FrameMathError:
            return False
        return True

    # ------------------------------------------------------------------ markers
    @api
    def AddMarker(
        self, frameId: int, color: str, name: str, note: str, duration: int, customData: str = ""
    ) -> bool:
        if not isinstance(frameId, int | float) or isinstance(frameId, bool) or frameId < 0:
            return False
        if color not in MARKER_COLORS or not isinstance(duration, int) or duration < 1:
            return False
        frame = int(frameId)
        if frame in self.markers:
            return False
        self.markers[frame] = {
            "color": color,
            "duration": duration,
            "note": note,
            "name": name,
            "customData": customData,
        }
        return True

    @api
    def GetMarkers(self) -> dict[int, dict[str, Any]]:
        return {k: dict(v) for k, v in sorted(self.markers.items())}

    @api
    def DeleteMarkerAtFrame(self, frameNum: int) -> bool:
        return self.markers.pop(frameNum, None) is not None

    @api
    def DeleteMarkersByColor(self, color: str) -> bool:
        doomed = [k for k, v in self.markers.items() if color in ("All", v["color"])]
        for key in doomed:
            del self.markers[key]
        return bool(doomed)

    # ------------------------------------------------------------------ interchange
    @api
    def Export(self, fileName: str, exportType: Any, exportSubtype: Any = None) -> bool:
        from ._interchange import export_timeline

        return export_timeline(self, fileName, exportType, exportSubtype)

    def __repr__(self) -> str:
        return f"<sim Timeline {self.name!r}>"
