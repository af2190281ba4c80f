"""Bridge between DaVinci Resolve and chroma-recovery: frame maths, errors, simulator, menu-script logic.

Nothing here imports ``DaVinciResolveScript`` at module level; the package imports in plain CPython.
The Resolve simulator used by the tests lives in :mod:`resolve_bridge.simulator`.
"""

from ._config import CONFIG_ENV, BridgeConfig, default_config_path, load_config
from ._conform import ConformReport, conform_reel
from ._errors import BridgeError, FrameMathError, HostUnavailableError, ResolveCallFailed
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
    QueueResult,
    RenderInput,
    apply_pending_imports,
    import_renders,
    queue_manifest,
)
from ._install import install_scripts, scripts_root, uninstall_scripts
from ._menu import run_menu_action
from ._send_shot import send_shot
from ._setup import SetupReport, setup_project

__all__ = [
    "BridgeConfig",
    "BridgeError",
    "CONFIG_ENV",
    "ConformReport",
    "DEFAULT_START_TIMECODE",
    "ExportResult",
    "FrameMathError",
    "FrameSpan",
    "HostUnavailableError",
    "ImportReport",
    "QueueResult",
    "RenderInput",
    "RenderMarks",
    "ResolveCallFailed",
    "SetupReport",
    "TimelineRate",
    "apply_pending_imports",
    "clip_info",
    "conform_reel",
    "default_config_path",
    "exclusive_end_to_inclusive_last",
    "export_phase1",
    "frame_to_timecode",
    "from_api_index",
    "get_resolve",
    "import_renders",
    "inclusive_last_to_exclusive_end",
    "install_scripts",
    "latest_exports",
    "load_config",
    "queue_manifest",
    "record_frame",
    "record_offset",
    "run_menu_action",
    "scripts_root",
    "send_shot",
    "setup_project",
    "source_to_timeline_duration",
    "timecode_to_frame",
    "timeline_start_frame",
    "timeline_to_source_offset",
    "to_api_index",
    "uninstall_scripts",
]
