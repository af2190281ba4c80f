"""Conforming real reels: OTIO reading/matching/writing, render versions and approval (host-free).

``conform_reel_file`` reads a cut (CMX 3600 EDL, FCP 7 XML, Resolve ``.otio``), matches each video
event to the project's shots and writes a V1 Original / V2 ML / V3 MatchGrade timeline using each
shot's approved version, else its latest. ``approve`` records an approval; ``select_version``
answers which version is in force; ``bench_conform`` times a generated N-event reel. Both the CLI
(``chroma-recovery conform``/``approve``) and the Resolve bridge (``resolve_bridge.conform_reel``,
which builds the plan in Resolve) call this package.
"""

from .._errors import ConformError
from ._bench import bench_conform
from ._catalog import RenderChoice, ShotCatalog, ShotRecord, load_catalog
from ._conform import conform_reel_file
from ._plan import ConformPlan, ConformRow, Placement, match_event, plan_conform
from ._reel import Reel, ReelEvent, read_otio, read_reel
from ._timeline import TRACK_NAMES, build_timeline, sequence_reference, write_timeline
from ._versions import (
    APPROVAL_NAME,
    ApprovalEvent,
    ApprovalRecord,
    VersionInForce,
    approve,
    find_version,
    finished_versions,
    read_approval,
    select_version,
    shot_folder,
)

__all__ = [
    "APPROVAL_NAME",
    "ApprovalEvent",
    "ApprovalRecord",
    "ConformError",
    "ConformPlan",
    "ConformRow",
    "Placement",
    "Reel",
    "ReelEvent",
    "RenderChoice",
    "ShotCatalog",
    "ShotRecord",
    "TRACK_NAMES",
    "VersionInForce",
    "approve",
    "bench_conform",
    "build_timeline",
    "conform_reel_file",
    "find_version",
    "finished_versions",
    "load_catalog",
    "match_event",
    "plan_conform",
    "read_approval",
    "read_otio",
    "read_reel",
    "select_version",
    "sequence_reference",
    "shot_folder",
    "write_timeline",
]
