"""``TimelineItem`` of the simulator.

Modelled behaviour (``resolve_api.md`` §4.1, §4.4):

* ``GetStart()``/``GetEnd()`` are absolute record frames, ``GetEnd()`` exclusive;
* ``GetLeftOffset()`` is the offset of the first used source frame from the media's first frame;
  ``GetSourceStartFrame()`` the first used frame in the clip's own numbering;
  ``GetSourceEndFrame()`` is exclusive when clip and timeline rates match, inclusive otherwise [MCP];
* there are no position/trim setters; an item removed from its timeline answers ``None`` to every
  getter (pitfall 1's dead handle);
* ``GetProperty``/``SetProperty`` cover the Inspector keys; ``CompositeMode`` takes the
  ``resolve.COMPOSITE_*`` ints (0..31), ``Opacity`` 0..100; unknown keys answer ``None``/False;
* ``SetClipColor`` accepts only the 16 clip colour names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._frames import FrameSpan, TimelineRate
from ._constants import CLIP_COLORS, COMPOSITE_MODES, MARKER_COLORS
from ._state import SimObject, SimState, api

if TYPE_CHECKING:
    from ._media_item import MediaPoolItem
    from ._timeline import Timeline

#: Inspector properties: default value and the accepted (low, high) range.
_PROPERTIES: dict[str, tuple[float, float, float]] = {
    "Pan": (0.0, -1e5, 1e5),
    "Tilt": (0.0, -1e5, 1e5),
    "ZoomX": (1.0, 0.0, 100.0),
    "ZoomY": (1.0, 0.0, 100.0),
    "RotationAngle": (0.0, -360.0, 360.0),
    "AnchorPointX": (0.0, -1e5, 1e5),
    "AnchorPointY": (0.0, -1e5, 1e5),
    "Pitch": (0.0, -1.5, 1.5),
    "Yaw": (0.0, -1.5, 1.5),
    "CropLeft": (0.0, 0.0, 1e5),
    "CropRight": (0.0, 0.0, 1e5),
    "CropTop": (0.0, 0.0, 1e5),
    "CropBottom": (0.0, 0.0, 1e5),
    "CropSoftness": (0.0, -100.0, 100.0),
    "Opacity": (100.0, 0.0, 100.0),
    "Distortion": (0.0, -1.0, 1.0),
    "CompositeMode": (0, 0, len(COMPOSITE_MODES) - 1),
    "RetimeProcess": (0, 0, 3),
    "MotionEstimation": (0, 0, 6),
    "Scaling": (0, 0, 4),
    "ResizeFilter": (0, 0, 13),
    "DynamicZoomEase": (0, 0, 3),
}
_BOOL_PROPERTIES = {"ZoomGang": True, "FlipX": False, "FlipY": False, "CropRetain": False}
_INT_PROPERTIES = {"CompositeMode", "RetimeProcess", "MotionEstimation", "Scaling", "ResizeFilter"}


class TimelineItem(SimObject):
    """A clip placed on a timeline track.

    Attributes:
        media: the clip it plays (``None`` for offline media from an interchange import).
        record: its record span (absolute, exclusive end).
        source_start: first source frame used, clip numbering.
        source_end: one past the last source frame used, clip numbering.
        source_rate: the clip's rate when placed (mixed rates floor real time onto the timeline).
    """

    def __init__(
        self,
        sim: SimState,
        timeline: Timeline,
        media: MediaPoolItem | None,
        name: str,
        record: FrameSpan,
        source_start: int,
        source_end: int,
        source_rate: TimelineRate,
        offline_path: str = "",
    ) -> None:
        super().__init__(sim)
        self.timeline: Timeline | None = timeline
        self.media = media
        self.name = name
        self.record = record
        self.source_start = source_start
        self.source_end = source_end
        self.source_rate = source_rate
        self.offline_path = offline_path
        self.enabled = True
        self.color = ""
        self.markers: dict[int, dict[str, Any]] = {}
        self._uid = sim.new_id("item")
        self._props: dict[str, Any] = {k: v[0] for k, v in _PROPERTIES.items()} | dict(_BOOL_PROPERTIES)
        for key in _INT_PROPERTIES:
            self._props[key] = int(self._props[key])

    @property
    def alive(self) -> bool:
        return self.timeline is not None

    @property
    def media_first(self) -> int:
        return self.media.source.first if self.media is not None else self.source_start

    # ------------------------------------------------------------------ getters
    @api
    def GetName(self) -> str | None:
        return self.name if self.alive else None

    @api
    def GetUniqueId(self) -> str | None:
        return self._uid if self.alive else None

    @api
    def GetStart(self, subframe_precision: bool = False) -> int | None:
        return self.record.start if self.alive else None

    @api
    def GetEnd(self, subframe_precision: bool = False) -> int | None:
        return self.record.end if self.alive else None

    @api
    def GetDuration(self, subframe_precision: bool = False) -> int | None:
        return self.record.duration if self.alive else None

    @api
    def GetLeftOffset(self, subframe_precision: bool = False) -> int | None:
        return self.source_start - self.media_first if self.alive else None

    @api
    def GetRightOffset(self, subframe_precision: bool = False) -> int | None:
        if not self.alive:
            return None
        last = self.media.source.last if self.media is not None else self.source_end - 1
        return last + 1 - self.source_end

    @api
    def GetSourceStartFrame(self) -> int | None:
        return self.source_start if self.alive else None

    @api
    def GetSourceEndFrame(self) -> int | None:
        if not self.alive or self.timeline is None:
            return None
        same_rate = self.source_rate.fps == self.timeline.rate.fps
        return self.source_end if same_rate else self.source_end - 1

    @api
    def GetMediaPoolItem(self) -> MediaPoolItem | None:
        return self.media if self.alive else None

    @api
    def GetTrackTypeAndIndex(self) -> list[Any] | None:
        if self.timeline is None:
            return None
        return self.timeline.locate(self)

    # ------------------------------------------------------------------ properties
    @api
    def GetProperty(self, propertyKey: str | None = None) -> Any:
        if not self.alive:
            return None
        if propertyKey is None:
            return dict(self._props)
        return self._props.get(propertyKey)

    @api
    def SetProperty(self, propertyKey: str, propertyValue: Any) -> bool:
        if not self.alive:
            return False
        if propertyKey in _BOOL_PROPERTIES:
            if not isinstance(propertyValue, bool):
                return False
            self._props[propertyKey] = propertyValue
            return True
        if propertyKey not in _PROPERTIES or isinstance(propertyValue, bool):
            return False
        if not isinstance(propertyValue, int | float):
            return False
        _default, low, high = _PROPERTIES[propertyKey]
        if not low <= propertyValue <= high:
            return False
        if propertyKey in _INT_PROPERTIES:
            if int(propertyValue) != propertyValue:
                return False
            propertyValue = int(propertyValue)
        self._props[propertyKey] = propertyValue
        return True

    # ------------------------------------------------------------------ colour, markers, enable
    @api
    def SetClipColor(self, colorName: str) -> bool:
        if not self.alive or colorName not in CLIP_COLORS:
            return False
        self.color = colorName
        return True

    @api
    def GetClipColor(self) -> str | None:
        return self.color if self.alive else None

    @api
    def ClearClipColor(self) -> bool:
        self.color = ""
        return self.alive

    @api
    def SetClipEnabled(self, enabled: bool) -> bool:
        if not self.alive or not isinstance(enabled, bool):
            return False
        self.enabled = enabled
        return True

    @api
    def GetClipEnabled(self) -> bool | None:
        return self.enabled if self.alive else None

    @api
    def AddMarker(
        self,
        frameId: int,
        color: str,
        name: str,
        note: str,
        duration: int,
        customData: str = "",
    ) -> bool:
        if not self.alive or not isinstance(frameId, int) or color not in MARKER_COLORS:
            return False
        if frameId < 0 or frameId >= self.record.duration or frameId in self.markers:
            return False
        if not isinstance(duration, int) or duration < 1:
            return False
        self.markers[frameId] = {
            "color": color,
            "duration": duration,
            "note": note,
            "name": name,
            "customData": customData,
        }
        return True

    @api
    def GetMarkers(self) -> dict[int, dict[str, Any]] | None:
        return {k: dict(v) for k, v in self.markers.items()} if self.alive else None

    def __repr__(self) -> str:
        return f"<sim TimelineItem {self.name!r} {self.record.start}-{self.record.end}>"
