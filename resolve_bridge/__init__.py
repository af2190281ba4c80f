"""Bridge between DaVinci Resolve and chroma-recovery: frame maths, errors, simulator, menu-script logic.

Nothing here imports ``DaVinciResolveScript`` at module level; the package imports in plain CPython.
The Resolve simulator used by the tests lives in :mod:`resolve_bridge.simulator`.
"""

from ._errors import BridgeError, FrameMathError, HostUnavailableError, ResolveCallFailed
from ._frames import (
    DEFAULT_START_TIMECODE,
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

__all__ = [
    "DEFAULT_START_TIMECODE",
    "BridgeError",
    "FrameMathError",
    "FrameSpan",
    "HostUnavailableError",
    "RenderMarks",
    "ResolveCallFailed",
    "TimelineRate",
    "clip_info",
    "exclusive_end_to_inclusive_last",
    "frame_to_timecode",
    "from_api_index",
    "inclusive_last_to_exclusive_end",
    "record_frame",
    "record_offset",
    "source_to_timeline_duration",
    "timecode_to_frame",
    "timeline_start_frame",
    "timeline_to_source_offset",
    "to_api_index",
]
