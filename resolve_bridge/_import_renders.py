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
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import schemas
from schemas import RenderManifest, SequenceRef, ShotJob

from ._errors import BridgeError
from ._frames import FrameSpan, clip_info
from ._gateway import call, has_method, query
from ._media import (
    absolute_sequence,
    clip_frames,
    clip_sequence_key,
    ensure_bin,
    import_sequence,
    sequence_key,
)
from ._setup import current_project

Kind = Literal["ML", "MATCHGRADE"]
TRACKS: dict[str, tuple[int, str]] = {
    "ORIGINAL": (1, "Original"),
    "ML": (2, "ML"),
    "MATCHGRADE": (3, "MatchGrade"),
    "COMPOSITE": (4, "Composite"),
}
_STAGE_KIND: dict[str, Kind] = {"inference": "ML", "matchgrade": "MATCHGRADE"}
_TAG = re.compile(r"chroma-recovery (ML|MATCHGRADE) \S+ v(\d+)")


@dataclass(frozen=True)
class RenderInput:
    """One finished render to import.

    Attributes:
        kind: ``"ML"`` (inference) or ``"MATCHGRADE"``.
        job_id: the ShotJob it belongs to (found under ``<root>/jobs``).
        shot: shot name (bin name).
        version: the render's ``v###`` number.
        sequence: the rendered frames (root-relative or absolute; numbered like the SOURCE).
    """

    kind: Kind
    job_id: str
    shot: str
    version: int
    sequence: SequenceRef

    @classmethod
    def from_manifest(cls, manifest: RenderManifest, source: str = "manifest") -> RenderInput:
        """Convert an ``inference`` or ``matchgrade`` manifest.

        Raises:
            BridgeError: another stage, or a manifest without an output sequence.
        """
        kind = _STAGE_KIND.get(manifest.stage)
        if kind is None or manifest.output is None:
            raise BridgeError(
                f"{source}: stage {manifest.stage!r} has no image sequence to import",
                hint="only inference (ML) and matchgrade manifests go to Resolve",
            )
        return cls(kind, manifest.job_id, manifest.shot, manifest.version, manifest.output)


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


def find_job(project_root: Path, job_id: str) -> ShotJob:
    """Load ``<job_id>.json`` from anywhere under ``<root>/jobs`` (incoming, running, done...)."""
    for path in sorted((project_root / "jobs").rglob(f"{job_id}.json")):
        return schemas.load_job(path)
    raise BridgeError(
        f"job {job_id} not found under {project_root / 'jobs'}", hint="was it sent from this project?"
    )


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


def import_render(resolve: Any, project_root: Path, render: RenderInput, report: ImportReport) -> None:
    """Import one render into its bin and place it (and V1/V4) on ``<film>_Phase3``.

    Raises:
        BridgeError: job not found or without record range, frames missing, a Resolve call failed.
    """
    job = find_job(project_root, render.job_id)
    if job.shot.record_in is None:
        raise BridgeError(f"job {job.job_id} has no record_in", hint="send the shot again from its timeline")
    seq = absolute_sequence(render.sequence, project_root)
    source = absolute_sequence(job.media.source, project_root)
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
    timeline = _timeline(project, media_pool, f"{job.project.name}_Phase3")
    call(project, "SetCurrentTimeline", timeline, label="Project")
    try:
        for index, name in TRACKS.values():
            _ensure_track(timeline, index, name)
        record_in = job.shot.record_in
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


def import_renders(
    resolve: Any,
    project_root: str | os.PathLike[str],
    renders: Iterable[RenderInput | RenderManifest | str | os.PathLike[str]],
) -> ImportReport:
    """Import several renders (RenderInputs, manifests, or manifest file paths) in order."""
    root = Path(project_root)
    report = ImportReport()
    for item in renders:
        if isinstance(item, RenderInput):
            render = item
        elif isinstance(item, RenderManifest):
            render = RenderInput.from_manifest(item)
        else:
            render = RenderInput.from_manifest(schemas.load_manifest(item), str(item))
        import_render(resolve, root, render, report)
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


def _move_unique(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    shutil.move(str(path), str(target))
    return target


def apply_pending_imports(resolve: Any, project_root: str | os.PathLike[str]) -> QueueResult:
    """Import every manifest in ``<root>/resolve_queue/pending/*.json`` (oldest name first).

    Each imported manifest moves to ``resolve_queue/done/``; one that fails moves to
    ``resolve_queue/failed/`` next to a ``.error.txt`` saying why, and the others still run.
    """
    root = Path(project_root)
    queue = root / "resolve_queue"
    result = QueueResult()
    for manifest_path in sorted((queue / "pending").glob("*.json")):
        try:
            manifest = schemas.load_manifest(manifest_path)
            import_render(
                resolve, root, RenderInput.from_manifest(manifest, str(manifest_path)), result.report
            )
        except (BridgeError, schemas.SchemaError) as exc:
            moved = _move_unique(manifest_path, queue / "failed")
            moved.with_suffix(".error.txt").write_text(
                f"{exc}\nhint: {getattr(exc, 'hint', '')}\n", encoding="utf-8"
            )
            result.failed.append((moved, str(exc)))
            continue
        result.done.append(_move_unique(manifest_path, queue / "done"))
    return result


def queue_manifest(project_root: str | os.PathLike[str], manifest: str | os.PathLike[str]) -> Path:
    """Copy a manifest into ``<root>/resolve_queue/pending/`` (what the loop's watcher does)."""
    data = schemas.load_manifest(manifest)
    name = f"{data.job_id}_{data.stage}_v{data.version:03d}.json"
    return schemas.dump_document(data, Path(project_root) / "resolve_queue" / "pending" / name)
