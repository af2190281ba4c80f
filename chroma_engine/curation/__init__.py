"""Stage 1, curation: training pairs, held-out preview frame and reference sync of a shot."""

from ._curate import curate
from ._signatures import FrameStats, Transition, detect_transitions, frame_stats, read_stats
from ._sync import CoarseGeometry, SyncDetection, SyncResult, detect_sync, implied_cadence, map_frame

__all__ = [
    "CoarseGeometry",
    "FrameStats",
    "SyncDetection",
    "SyncResult",
    "Transition",
    "curate",
    "detect_sync",
    "detect_transitions",
    "frame_stats",
    "implied_cadence",
    "map_frame",
    "read_stats",
]
