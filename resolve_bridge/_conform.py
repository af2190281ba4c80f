"""Conform Reel in Resolve: the reel's cut rebuilt as V1 Original / V2 ML / V3 MatchGrade.

The plan (matching, versions: approved else latest, record frames) comes from the tool (host verb
``conform-plan``, which runs the host-free ``chroma_engine.conform``); this module only builds
it in Resolve:

1. the reel is the *current timeline* (exported with ``EXPORT_OTIO`` to
   ``<root>/resolve/conform/``) unless a cut file (``.edl``/``.xml``/``.otio``) is given;
2. renders are imported into bins ``ML/<shot>/v###`` / ``MATCHGRADE/<shot>/v###`` (dict form);
3. ``method="append"`` (default, safer — pitfall 10): a new timeline ``<reel>_conform`` whose start
   timecode is the reel's, tracks V1-V3 created and named first, then one ``AppendToTimeline`` per
   piece at its **absolute** ``recordFrame`` with an **exclusive** ``endFrame`` (``_frames.clip_info``);
   V1 re-appends the reel's own items (or imports the cut's media, located by the tool, when a file
   was given); ``method="import"``: the tool writes the conformed OTIO in Resolve's shape (sequence
   ``available_range`` from 0, plain folder base), loaded with ``ImportTimelineFromFile`` using the
   bins as ``sourceClipsFolders``;
4. events without an ML render get a Red timeline marker (Yellow: ML but no MatchGrade).

The new timeline is left current (it is the result); an existing timeline is never replaced (a
free name ``<reel>_conform_2``... is used).
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._config import BridgeConfig
from ._errors import BridgeError
from ._frames import FrameSpan, TimelineRate, clip_info, frame_to_timecode, record_offset
from ._gateway import call, has_method, query
from ._import_renders import _ensure_track
from ._media import clip_frames, ensure_bin, import_sequence
from ._plan import PlanPiece, ReelPlan
from ._setup import current_project
from ._tool import ToolClient

_BINS = {"inference": "ML", "matchgrade": "MATCHGRADE"}
_TRACKS = {"inference": 2, "matchgrade": 3}
METHODS = ("append", "import")


@dataclass
class ConformReport:
    """Attributes:
    timeline: name of the timeline built.
    reel: the cut that was conformed (the exported current timeline by default).
    plan: the :class:`ReelPlan` the tool answered.
    placed: one line per item placed (``"ML sh010 v002 (approved) -> V2 @ 86400"``).
    markers: one line per marker added.
    offline: V1 clips whose media could not be brought in.
    """

    timeline: str
    reel: Path
    plan: ReelPlan
    placed: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    offline: list[str] = field(default_factory=list)


def _timeline_names(project: Any) -> set[str]:
    count = int(query(project, "GetTimelineCount") or 0)
    return {str(project.GetTimelineByIndex(i).GetName()) for i in range(1, count + 1)}


def _free_name(project: Any, name: str) -> str:
    taken, candidate, n = _timeline_names(project), name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def export_current_reel(resolve: Any, config: BridgeConfig) -> tuple[Path, Any]:
    """Export the current timeline as OTIO into ``<root>/resolve/conform/``; returns (path, timeline)."""
    project = current_project(resolve)
    timeline = query(project, "GetCurrentTimeline")
    if timeline is None:
        raise BridgeError("no timeline is open", hint="open the reel's timeline, then run Conform Reel")
    if not (has_method(resolve, "EXPORT_OTIO") and has_method(resolve, "EXPORT_NONE")):
        raise BridgeError("this Resolve cannot export OTIO", hint="needs Resolve 18.5 or later")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = config.root / "resolve" / "conform"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{timeline.GetName()}_{stamp}.otio"
    call(timeline, "Export", str(path), resolve.EXPORT_OTIO, resolve.EXPORT_NONE, label="Timeline")
    return path, timeline


def _render_clip(media_pool: Any, placement: PlanPiece) -> Any:
    kind = _BINS[placement.stage]
    label = f"{kind} {placement.shot} v{placement.version:03d}"
    clip = import_sequence(
        media_pool, ensure_bin(media_pool, [kind, placement.shot, f"v{placement.version:03d}"]),
        placement.sequence, label,
    )  # fmt: skip
    if has_method(clip, "SetMetadata"):
        clip.SetMetadata("Comments", f"chroma-recovery {label} ({placement.selection})")
    return clip


def _append(media_pool: Any, clip: Any, first: int, last: int, record: int, track: int) -> None:
    placed = call(
        media_pool, "AppendToTimeline", [clip_info(clip, first, last, record, track)], label="MediaPool"
    )
    if query(placed[0], "GetDuration") is None:
        raise BridgeError(f"append to V{track} at {record} produced a dead item", hint="pitfall 1; run again")


def _original_from_timeline(media_pool: Any, source: Any, track: int, report: ConformReport) -> None:
    for item in query(source, "GetItemListInTrack", "video", track) or []:
        mpi = query(item, "GetMediaPoolItem")
        span = FrameSpan.from_item(item)
        if mpi is None:
            report.offline.append(f"{query(item, 'GetName')} @ {span.start} (title/generator)")
            continue
        first = clip_frames(mpi)[0] + int(query(item, "GetLeftOffset") or 0)
        _append(media_pool, mpi, first, first + span.duration - 1, span.start, 1)
        report.placed.append(f"Original {query(item, 'GetName')} -> V1 @ {span.start}")


def _original_from_file(media_pool: Any, plan: ReelPlan, report: ConformReport) -> None:
    for row in plan.rows:
        name = row.event.name
        if row.original is None:
            report.offline.append(f"{name}: {row.original_note or 'no image-sequence media in the cut'}")
            continue
        try:
            mpi = import_sequence(
                media_pool, ensure_bin(media_pool, ["CONFORM", "ORIGINAL"]), row.original.sequence, name
            )
        except BridgeError as exc:
            report.offline.append(f"{name}: {exc}")
            continue
        first = row.original.first_frame
        _append(media_pool, mpi, first, first + row.event.duration - 1, row.event.record_in, 1)
        report.placed.append(f"Original {name} -> V1 @ {row.event.record_in}")


def _markers(timeline: Any, plan: ReelPlan, report: ConformReport) -> None:
    for row in plan.rows:
        if row.ml is None:
            color, name = "Red", f"no render: {row.event.name}"
            note = f"event {row.event.number}: " + (f"shot {row.shot}: {row.note}" if row.shot else row.note)
        elif row.matchgrade is None:
            color, name = "Yellow", f"no MatchGrade: {row.shot}"
            note = f"event {row.event.number}: shot {row.shot} has ML v{row.ml.version:03d} but no MatchGrade"
        else:
            continue
        offset = record_offset(row.event.record_in, plan.start_frame)
        call(timeline, "AddMarker", offset, color, name, note, max(1, row.event.duration), label="Timeline")
        report.markers.append(f"{color} @ {row.event.record_in}: {name}")


def conform_reel(
    resolve: Any,
    tool: ToolClient,
    config: BridgeConfig,
    reel: str | os.PathLike[str] | None = None,
    rate: float | None = None,
    track: int = 1,
    method: str = "append",
) -> ConformReport:
    """Build the conformed timeline of ``reel`` (default: the current timeline) in Resolve.

    Args:
        method: ``"append"`` (default) or ``"import"`` (see the module docstring).

    Raises:
        BridgeError: no project/timeline or a Resolve call failed.
        ToolError: the cut cannot be conformed (the conform's message and hint).
    """
    if method not in METHODS:
        raise BridgeError(f"conform method {method!r} is unknown", hint="use 'append' or 'import'")
    project = current_project(resolve)
    media_pool = call(project, "GetMediaPool", label="Project")
    source = None
    if reel is None:
        path, source = export_current_reel(resolve, config)
    else:
        path = Path(reel)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    shaped = config.root / "resolve" / "conform" / f"{path.stem}_conformed_{stamp}.otio"
    request = {
        "project_root": str(config.root),
        "reel": str(path),
        "rate": rate or config.frame_rate,
        "track": track,
        "originals": source is None,
        "import_otio": str(shaped) if method == "import" else None,
    }
    plan = ReelPlan.from_json(tool.call("conform-plan", request)["plan"])
    name = _free_name(project, plan.name)
    report = ConformReport(timeline=name, reel=path, plan=plan)
    clips = {
        (row.event.number, p.stage): _render_clip(media_pool, p)
        for row in plan.rows
        for p in (row.ml, row.matchgrade)
        if p
    }
    if method == "import":
        folders = [ensure_bin(media_pool, [kind]) for kind in _BINS.values()]
        options = {"timelineName": name, "importSourceClips": False, "sourceClipsFolders": folders}
        timeline = call(media_pool, "ImportTimelineFromFile", plan.import_otio, options, label="MediaPool")
        call(project, "SetCurrentTimeline", timeline, label="Project")
        report.placed.append(f"imported {Path(plan.import_otio).name} as {name}")
    else:
        timeline = call(media_pool, "CreateEmptyTimeline", name, label="MediaPool")
        call(project, "SetCurrentTimeline", timeline, label="Project")
        tc_rate = TimelineRate.parse(plan.rate)
        call(timeline, "SetStartTimecode", frame_to_timecode(plan.start_frame, tc_rate), label="Timeline")
        for index, track_name in enumerate(("Original", "ML", "MatchGrade"), start=1):
            _ensure_track(timeline, index, track_name)
        if source is not None:
            _original_from_timeline(media_pool, source, track, report)
        else:
            _original_from_file(media_pool, plan, report)
        for row in plan.rows:
            for placement in (row.ml, row.matchgrade):
                if placement is None:
                    continue
                target = _TRACKS[placement.stage]
                clip = clips[(row.event.number, placement.stage)]
                _append(
                    media_pool, clip, placement.first_frame, placement.last_frame, placement.record_in, target
                )
                report.placed.append(
                    f"{_BINS[placement.stage]} {placement.shot} v{placement.version:03d} "
                    f"({placement.selection}) -> V{target} @ {placement.record_in}"
                )
    _markers(timeline, plan, report)
    return report
