"""Bridge between DaVinci Resolve and chroma-recovery: the code that runs inside Resolve.

Standard library only, CPython 3.8 or later: Resolve runs the menu scripts with whatever Python it
finds. Everything that needs pydantic, OpenImageIO, OpenTimelineIO or the engine is asked of the
``chroma-recovery`` tool through :class:`ToolClient` (host protocol, :mod:`resolve_bridge._tool`).
Nothing here imports ``DaVinciResolveScript`` at module level. The Resolve simulator used by the
tests lives in :mod:`resolve_bridge.simulator`.
"""

from ._config import CONFIG_ENV, BridgeConfig, config_path, default_config_path, load_config
from ._conform import ConformReport, conform_reel
from ._errors import BridgeError, FrameMathError, HostUnavailableError, ResolveCallFailed, ToolError
from ._exports import ExportResult, export_phase1, latest_exports
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
from ._host import get_resolve
from ._import_renders import (
    ImportReport,
    ManifestEntry,
    QueueResult,
    RenderInput,
    apply_pending_imports,
    import_renders,
    read_manifests,
)
from ._menu import run_menu_action
from ._plan import PlanEvent, PlanOriginal, PlanPiece, PlanRow, ReelPlan
from ._send_shot import send_shot
from ._sequence import FrameSequence
from ._setup import SetupReport, setup_project
from ._tool import HOST_PROTOCOL, ToolClient, ToolRecord, read_reply

__all__ = [
    "BridgeConfig",
    "BridgeError",
    "CONFIG_ENV",
    "ConformReport",
    "DEFAULT_START_TIMECODE",
    "ExportResult",
    "FrameMathError",
    "FrameSequence",
    "FrameSpan",
    "HOST_PROTOCOL",
    "HostUnavailableError",
    "ImportReport",
    "ManifestEntry",
    "PlanEvent",
    "PlanOriginal",
    "PlanPiece",
    "PlanRow",
    "QueueResult",
    "ReelPlan",
    "RenderInput",
    "RenderMarks",
    "ResolveCallFailed",
    "SetupReport",
    "TimelineRate",
    "ToolClient",
    "ToolError",
    "ToolRecord",
    "apply_pending_imports",
    "clip_info",
    "config_path",
    "conform_reel",
    "default_config_path",
    "exclusive_end_to_inclusive_last",
    "export_phase1",
    "frame_to_timecode",
    "from_api_index",
    "get_resolve",
    "import_renders",
    "inclusive_last_to_exclusive_end",
    "latest_exports",
    "load_config",
    "read_manifests",
    "read_reply",
    "record_frame",
    "record_offset",
    "run_menu_action",
    "send_shot",
    "setup_project",
    "source_to_timeline_duration",
    "timecode_to_frame",
    "timeline_start_frame",
    "timeline_to_source_offset",
    "to_api_index",
]
