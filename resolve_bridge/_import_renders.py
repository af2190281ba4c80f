"""Phase 3: bring finished ML and MatchGrade renders back into Resolve for the 4-way review.

Bins: ``ML/<shot>/v###`` and ``MATCHGRADE/<shot>/v###`` (one clip each, dict-form import).
Timeline ``<film>_Phase3`` (one per film, every shot at its original absolute record position,
tracks created before any append because a ``trackIndex`` past the last track lands on V1):

* V1 ``Original``   — the shot's SOURCE export (the job's ``media.source``);
* V2 ``ML``         — the ML render;
* V3 ``MatchGrade`` — the MatchGrade LUT baseline;
* V4 ``Composite``  — the ML render again with ``CompositeMode = resolve.COMPOSITE_COLORIZE``,
  Resolve's "Color" blend mode: hue and saturation come from V4 (the ML render), luminance from
  the picture below it. For that picture to be the original scan, V2 and V3 are left *disabled*
  after each import (enable one and disable V4 to compare). It is a display-referred blend,
  an approximation of "scan luma + ML chroma", not the engine's Y'CbCr recombination.

Versions: an import never silently replaces an earlier one. The earlier version's item is moved
(re-appended, then deleted from its track) onto a disabled track named ``ML superseded`` /
``MatchGrade superseded`` (a further numbered one when that spot is taken), and its bin stays.
A version older than the one on the timeline goes straight to the superseded track. Importing the
same sequence twice is a no-op. The V4 composite always follows the newest ML version.

The manifests are read by the tool (host verb ``renders``: schema, job lookup, every frame on
disk and opening); the queue files are moved by the tool too (``queue-finish``), so the in-host
code never parses a manifest or writes a file itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from ._errors import BridgeError
from ._frames import FrameSpan, clip_info
from ._gateway import call, has_method, query
from ._media import clip_frames, clip_sequence_key, ensure_bin, import_sequence, sequence_key
from ._sequence import FrameSequence
from ._setup import current_project
from ._tool import ToolClient

TRACKS: dict[str, tuple[int, str]] = {
    "ORIGINAL": (1, "Original"),
    "ML": (2, "ML"),
    "MATCHGRADE": (3, "MatchGrade"),
    "COMPOSITE": (4, "Composite"),
}
_TAG = re.compile(r"chroma-recovery (ML|MATCHGRADE) \S+ v(\d+)")


@dataclass(frozen=True)
class RenderInput:
    """One finished render to import, with what its job says about the shot.

    Attributes:
        kind: ``"ML"`` (inference) or ``"MATCHGRADE"``.
        job_id: the ShotJob it belongs to.
        shot: shot name (bin name).
        version: the render's ``v###`` number.
        sequence: the rendered frames (absolute; numbered like the SOURCE).
        project: the job's project (film) name; the review timeline is ``<project>_Phase3``.
        record_in: absolute record frame of the job's first SOURCE frame.
        source: the job's SOURCE export (absolute), placed on V1.
        manifest: the manifest file it was read from.
    """

    kind: str
    job_id: str
    shot: str
    version: int
    sequence: FrameSequence
    project: str
    record_in: int
    source: FrameSequence
    manifest: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RenderInput:
        """Build from one render of the tool's ``renders`` reply."""
        try:
            return cls(
                kind=str(data["kind"]),
                job_id=str(data["job_id"]),
                shot=str(data["shot"]),
                version=int(data["version"]),
                sequence=FrameSequence.from_json(data["sequence"]),
                project=str(data["project"]),
                record_in=int(data["record_in"]),
                source=FrameSequence.from_json(data["source"]),
                manifest=str(data.get("manifest") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BridgeError(f"malformed render in the tool's reply ({exc})") from exc


@dataclass
class ImportReport:
    """Attributes:
    placed: one line per item placed (``"ML sh010 v002 -> V2 @ 86400"``).
    superseded: one line per earlier version moved to a superseded track.
    skipped: inputs already on the timeline.
    """

    placed: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest as the tool read it: the render, or why it cannot be imported.

    Attributes:
        manifest: the manifest file.
        render: the render to import, None when the manifest was refused.
        error: the one-line reason it was refused ("" when it was not).
        hint: what to do about it.
    """

    manifest: str
    render: RenderInput | None
    error: str = ""
    hint: str = ""


def read_manifests(
    tool: ToolClient, project_root: str | os.PathLike[str], manifests: list[str] | None
) -> list[ManifestEntry]:
    """Ask the tool to read ``manifests`` (None: the pending queue, oldest name first)."""
    reply = tool.call("renders", {"project_root": os.fspath(project_root), "manifests": manifests})
    entries: list[ManifestEntry] = []
    for data in reply["renders"]:
        render = RenderInput.from_json(data["render"]) if data.get("render") else None
        entries.append(
            ManifestEntry(
                str(data["manifest"]), render, str(data.get("error") or ""), str(data.get("hint") or "")
            )
        )
    return entries


def _timeline(project: Any, media_pool: Any, name: str) -> Any:
    count = int(query(project, "GetTimelineCount") or 0)
    for index in range(1, count + 1):
        timeline = project.GetTimelineByIndex(index)
        if timeline is not None and timeline.GetName() == name:
            return timeline
    return call(media_pool, "CreateEmptyTimeline", name, label="MediaPool")


def _ensure_track(timeline: Any, index: int, name: str) -> None:
    while int(call(timeline, "GetTrackCount", "video", label="Timeline")) < index:
        call(timeline, "AddTrack", "video", label="Timeline")
    if query(timeline, "GetTrackName", "video", index) != name:
        call(timeline, "SetTrackName", "video", index, name, label="Timeline")


def _overlapping(timeline: Any, track: int, span: FrameSpan) -> list[Any]:
    items = query(timeline, "GetItemListInTrack", "video", track) or []
    return [item for item in items if FrameSpan.from_item(item).overlaps(span)]


def _append(media_pool: Any, clip: Any, first: int, last: int, record: int, track: int) -> Any:
    placed = call(
        media_pool, "AppendToTimeline", [clip_info(clip, first, last, record, track)], label="MediaPool"
    )
    item = placed[0]
    if query(item, "GetDuration") is None:
        raise BridgeError(f"append to V{track} at {record} produced a dead item", hint="pitfall 1; retry")
    return item


def _version_of(item: Any) -> int:
    mpi = query(item, "GetMediaPoolItem")
    match = _TAG.search(str(query(mpi, "GetMetadata", "Comments") or ""))
    return int(match.group(2)) if match else 0


def _superseded_track(timeline: Any, label: str, span: FrameSpan) -> int:
    """First ``<label> superseded[ n]`` track free at ``span``; created (disabled) when none is."""
    count = int(call(timeline, "GetTrackCount", "video", label="Timeline"))
    for index in range(5, count + 1):
        name = str(query(timeline, "GetTrackName", "video", index) or "")
        if name.startswith(f"{label} superseded") and not _overlapping(timeline, index, span):
            return index
    taken = sum(
        1
        for i in range(5, count + 1)
        if str(query(timeline, "GetTrackName", "video", i) or "").startswith(f"{label} superseded")
    )
    name = f"{label} superseded" + (f" {taken + 1}" if taken else "")
    _ensure_track(timeline, count + 1, name)
    call(timeline, "SetTrackEnable", "video", count + 1, False, label="Timeline")
    return count + 1


def _move_item(timeline: Any, media_pool: Any, item: Any, track: int) -> None:
    """Re-append ``item`` on ``track`` at the same record frames, then delete the original."""
    span = FrameSpan.from_item(item)
    mpi = call(item, "GetMediaPoolItem", label="TimelineItem")
    first = clip_frames(mpi)[0] + int(query(item, "GetLeftOffset") or 0)
    _append(media_pool, mpi, first, first + span.duration - 1, span.start, track)
    call(timeline, "DeleteClips", [item], False, label="Timeline")


def _set_composite(resolve: Any, item: Any) -> None:
    if not has_method(resolve, "COMPOSITE_COLORIZE"):
        raise BridgeError("this Resolve has no COMPOSITE_COLORIZE constant", hint="needs Resolve 18+")
    call(item, "SetProperty", "CompositeMode", resolve.COMPOSITE_COLORIZE, label="TimelineItem")


def import_render(resolve: Any, render: RenderInput, report: ImportReport) -> None:
    """Import one render into its bin and place it (and V1/V4) on ``<project>_Phase3``.

    Raises:
        BridgeError: frames missing, a Resolve call failed.
    """
    seq, source = render.sequence, render.source
    project = current_project(resolve)
    media_pool = call(project, "GetMediaPool", label="Project")
    label = f"{render.kind} {render.shot} v{render.version:03d}"
    clip = import_sequence(
        media_pool, ensure_bin(media_pool, [render.kind, render.shot, f"v{render.version:03d}"]), seq, label
    )
    if has_method(clip, "SetMetadata"):
        clip.SetMetadata("Comments", f"chroma-recovery {label}")
    original = import_sequence(
        media_pool, ensure_bin(media_pool, ["SOURCE"]), source, f"SOURCE of {render.shot}"
    )
    previous = query(project, "GetCurrentTimeline")
    timeline = _timeline(project, media_pool, f"{render.project}_Phase3")
    call(project, "SetCurrentTimeline", timeline, label="Project")
    try:
        for index, name in TRACKS.values():
            _ensure_track(timeline, index, name)
        record_in = render.record_in
        src_span = FrameSpan(record_in, record_in + source.frame_count)
        if not _overlapping(timeline, 1, src_span):
            _append(media_pool, original, source.first_frame, source.last_frame, record_in, 1)
            report.placed.append(f"Original {render.shot} -> V1 @ {record_in}")
        record = record_in + seq.first_frame - source.first_frame
        span = FrameSpan(record, record + seq.frame_count)
        track, track_name = TRACKS[render.kind]
        existing = _overlapping(timeline, track, span)
        if any(clip_sequence_key(query(i, "GetMediaPoolItem")) == sequence_key(seq) for i in existing):
            report.skipped.append(label)
            return
        newest = all(_version_of(i) < render.version for i in existing)
        if newest:
            for item in existing:
                old_version = _version_of(item)
                archive = _superseded_track(timeline, track_name, FrameSpan.from_item(item))
                _move_item(timeline, media_pool, item, archive)
                report.superseded.append(f"{track_name} {render.shot} v{old_version:03d} -> V{archive}")
            target = track
        else:
            target = _superseded_track(timeline, track_name, span)
            report.superseded.append(f"{label} is older than the timeline's; placed on V{target}")
        _append(media_pool, clip, seq.first_frame, seq.last_frame, record, target)
        report.placed.append(f"{label} -> V{target} @ {record}")
        if render.kind == "ML" and newest:
            for item in _overlapping(timeline, 4, span):  # derived from the ML item: rebuilt, not kept
                call(timeline, "DeleteClips", [item], False, label="Timeline")
            _set_composite(resolve, _append(media_pool, clip, seq.first_frame, seq.last_frame, record, 4))
            report.placed.append(f"Composite {render.shot} v{render.version:03d} -> V4 @ {record}")
        for index in (TRACKS["ML"][0], TRACKS["MATCHGRADE"][0]):
            call(timeline, "SetTrackEnable", "video", index, False, label="Timeline")
    finally:
        if previous is not None:
            project.SetCurrentTimeline(previous)


ManifestSource = Union[RenderInput, str, "os.PathLike[str]"]


def import_renders(
    resolve: Any,
    tool: ToolClient,
    project_root: str | os.PathLike[str],
    renders: Iterable[ManifestSource],
) -> ImportReport:
    """Import several renders (RenderInputs or manifest files, read by the tool) in order.

    Raises:
        BridgeError: a manifest was refused (its reason) or an import failed.
    """
    items = list(renders)
    paths = [os.fspath(item) for item in items if not isinstance(item, RenderInput)]
    read = iter(read_manifests(tool, project_root, paths) if paths else [])
    report = ImportReport()
    for item in items:
        if isinstance(item, RenderInput):
            render = item
        else:
            entry = next(read)
            if entry.render is None:
                raise BridgeError(entry.error, hint=entry.hint)
            render = entry.render
        import_render(resolve, render, report)
    return report


@dataclass
class QueueResult:
    """Attributes:
    done: manifests imported and moved to ``done/``.
    failed: (manifest moved to ``failed/``, error message).
    report: the combined import report.
    """

    done: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)


def apply_pending_imports(
    resolve: Any, tool: ToolClient, project_root: str | os.PathLike[str]
) -> QueueResult:
    """Import every manifest in ``<root>/resolve_queue/pending/*.json`` (oldest name first).

    Each imported manifest moves to ``resolve_queue/done/``; one that fails moves to
    ``resolve_queue/failed/`` next to a ``.error.txt`` saying why, and the others still run.
    """
    result = QueueResult()
    outcomes: list[dict[str, str | None]] = []
    for entry in read_manifests(tool, project_root, None):
        error, hint = entry.error, entry.hint
        if entry.render is not None:
            try:
                import_render(resolve, entry.render, result.report)
            except BridgeError as exc:
                error, hint = str(exc), exc.hint
        outcomes.append({"manifest": entry.manifest, "error": error or None, "hint": hint or None})
    if not outcomes:
        return result
    moved = tool.call("queue-finish", {"project_root": os.fspath(project_root), "outcomes": outcomes})[
        "moved"
    ]
    if len(moved) != len(outcomes):
        raise BridgeError(f"the tool moved {len(moved)} manifest(s) of {len(outcomes)}")
    for outcome, target in zip(outcomes, moved):  # noqa: B905 - strict= is Python 3.10+; checked above
        if outcome["error"]:
            result.failed.append((Path(target), str(outcome["error"])))
        else:
            result.done.append(Path(target))
    return result
