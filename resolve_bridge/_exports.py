"""Phase 1 exports: ``<film>_SOURCE_####.exr``, ``_REF_``, ``_BAL_`` (Rec.709, EXR RGB half DWAA).

How (``resolve_api.md`` §5): an export timeline ``<film>_Phase1_v###`` holds SOURCE on V1, REF on
V2 and BAL on V3, all starting at the timeline's first record frame. One single-clip render job
per track (the other tracks disabled) renders the record range covered by SOURCE into a scratch
folder with a sanitised ``CustomName``. Resolve names such files ``<CustomName><record frame>.exr``
(8 digits, no separator); no documented setting yields our names, so the files are renamed
afterwards: record frame ``r`` becomes file frame ``source_first + (r - record_in)``, the SOURCE
clip's own numbering, identical across the three kinds. Counts are verified before any rename and
a failed job reports Resolve's status and error, and every rendered file must open as an image of
the configured size (host verb ``check-frames``: the tool reads the headers with OpenImageIO).
Each run writes a new ``v###`` folder under ``<root>/resolve/exports`` — earlier exports are never
overwritten.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._config import BridgeConfig
from ._errors import BridgeError
from ._frames import FrameSpan, RenderMarks, clip_info
from ._gateway import call, query
from ._media import clip_frames
from ._sequence import FrameSequence
from ._tool import ToolClient

#: Export kinds: (config field, file tag, track name); the track index is the position + 1.
EXPORT_KINDS: tuple[tuple[str, str, str], ...] = (
    ("source", "SOURCE", "SOURCE"),
    ("reference", "REF", "REF"),
    ("balanced", "BAL", "BAL"),
)
EXR_CODEC = ("exr", "RGBHalfDWAA")
_VERSION = re.compile(r"^v(\d{3,})$")
_TRAILING_NUMBER = re.compile(r"(\d+)\.exr$", re.IGNORECASE)


@dataclass(frozen=True)
class ExportResult:
    """Attributes:
    version_dir: the ``v###`` folder written.
    sequences: tag (``SOURCE``/``REF``/``BAL``) -> the renamed sequence (absolute path).
    """

    version_dir: Path
    sequences: dict[str, FrameSequence]


def next_version_dir(parent: Path) -> Path:
    """``parent/v001`` or one past the highest existing ``v###``."""
    numbers = [int(m.group(1)) for p in parent.glob("v*") if (m := _VERSION.match(p.name))]
    return parent / f"v{max(numbers, default=0) + 1:03d}"


def export_name(film: str, tag: str, frame: int | None = None) -> str:
    """``<film>_<TAG>_####.exr`` (pattern) or the name of one frame."""
    return f"{film}_{tag}_####.exr" if frame is None else f"{film}_{tag}_{frame:04d}.exr"


def _build_export_timeline(
    project: Any, media_pool: Any, name: str, clips: dict[str, Any]
) -> tuple[Any, dict]:
    timeline = call(
        media_pool, "CreateEmptyTimeline", name, label="MediaPool", hint=f"delete timeline {name}"
    )
    call(project, "SetCurrentTimeline", timeline, label="Project")
    while int(call(timeline, "GetTrackCount", "video", label="Timeline")) < len(EXPORT_KINDS):
        call(timeline, "AddTrack", "video", label="Timeline")
    start = int(call(timeline, "GetStartFrame", label="Timeline"))
    items: dict[str, Any] = {}
    for index, (kind, tag, track_name) in enumerate(EXPORT_KINDS, start=1):
        if kind not in clips:
            continue
        call(timeline, "SetTrackName", "video", index, track_name, label="Timeline")
        first, last = clip_frames(clips[kind])
        info = clip_info(clips[kind], first, last, record=start, track_index=index)
        appended = call(media_pool, "AppendToTimeline", [info], label="MediaPool")
        item = appended[0]
        if query(item, "GetDuration") is None:  # pitfall 1: a dead item
            raise BridgeError(f"{tag}: the clip was not placed on V{index}", hint="check Resolve's console")
        items[tag] = item
    return timeline, items


def _render_track(
    project: Any,
    timeline: Any,
    track: int,
    marks: RenderMarks,
    scratch: Path,
    custom: str,
    config: BridgeConfig,
) -> None:
    count = int(call(timeline, "GetTrackCount", "video", label="Timeline"))
    for other in range(1, count + 1):
        call(timeline, "SetTrackEnable", "video", other, other == track, label="Timeline")
    settings = {
        **marks.as_settings(),
        "TargetDir": str(scratch),
        "CustomName": custom,
        "ExportVideo": True,
        "ExportAudio": False,
        "FormatWidth": config.width,
        "FormatHeight": config.height,
        "FrameRate": config.rate.as_float,
        "ColorSpaceTag": "Rec.709",
        "GammaTag": "Gamma 2.4",
    }
    call(project, "SetRenderSettings", settings, label="Project")
    job_id = call(project, "AddRenderJob", label="Project")
    try:
        call(project, "StartRendering", [job_id], label="Project")
        deadline = time.monotonic() + config.render_timeout_s
        while project.IsRenderingInProgress():
            if time.monotonic() > deadline:
                project.StopRendering()
                raise BridgeError(f"render job {job_id} ({custom}) timed out", hint="raise render_timeout_s")
            time.sleep(0.2)
        status = query(project, "GetRenderJobStatus", job_id) or {}
        error = status.get("Error")
        if error or int(float(status.get("CompletionPercentage", 0) or 0)) != 100:
            raise BridgeError(
                f"render job {job_id} ({custom}) failed: status {status.get('JobStatus')!r}, "
                f"{status.get('CompletionPercentage')}% done, error {error!r}",
                hint="fix the cause shown (offline media, disk space) and run Setup Project again",
            )
    finally:
        project.DeleteRenderJob(job_id)
        for other in range(1, count + 1):
            timeline.SetTrackEnable("video", other, True)


def _collect(scratch: Path, custom: str, marks: RenderMarks) -> dict[int, Path]:
    """Rendered files keyed by record frame; a consecutive run not on record frames is rebased."""
    found: dict[int, Path] = {}
    for path in scratch.rglob("*.exr"):
        match = _TRAILING_NUMBER.search(path.name)
        if match and path.name.startswith(custom):
            found[int(match.group(1))] = path
    if found and min(found) != marks.mark_in and sorted(found) == list(range(min(found), max(found) + 1)):
        base = min(found)  # e.g. numbered from ClipStartFrame: rebase onto the record range
        found = {marks.mark_in + n - base: p for n, p in found.items()}
    return found


def export_phase1(
    resolve: Any, tool: ToolClient, config: BridgeConfig, clips: dict[str, Any]
) -> ExportResult:
    """Render SOURCE/REF/BAL into ``<root>/resolve/exports/v###`` with matching frame numbers.

    Args:
        resolve: the Resolve object.
        tool: the chroma-recovery tool (checks that every rendered frame opens).
        config: film name, root, resolution and rate.
        clips: Media Pool clips keyed ``"source"``/``"reference"``/``"balanced"`` (from Setup);
            ``"source"`` is required.

    Raises:
        BridgeError: no source clip, a render job failed (its status and error in the message),
            a frame is missing or unreadable after the render, or a target file already exists.
        ToolError: the frame check could not run.
    """
    if "source" not in clips:
        raise BridgeError("Phase 1 export needs the SOURCE clip", hint="set 'source' in the config")
    pm = call(resolve, "GetProjectManager", label="Resolve")
    project = call(pm, "GetCurrentProject", label="ProjectManager")
    media_pool = call(project, "GetMediaPool", label="Project")
    version_dir = next_version_dir(config.exports_dir)
    previous = query(project, "GetCurrentTimeline")
    timeline, items = _build_export_timeline(
        project, media_pool, f"{config.film}_Phase1_{version_dir.name}", clips
    )
    source_span = FrameSpan.from_item(items["SOURCE"])
    source_first = clip_frames(clips["source"])[0]
    call(project, "SetCurrentRenderMode", 1, label="Project")
    call(project, "SetCurrentRenderFormatAndCodec", *EXR_CODEC, label="Project", hint="EXR needs Resolve 17+")
    scratch_root = version_dir / ".render_scratch"
    result: dict[str, FrameSequence] = {}
    planned: list[tuple[str, RenderMarks, dict[int, Path]]] = []
    try:
        for index, (_kind, tag, _track) in enumerate(EXPORT_KINDS, start=1):
            if tag not in items:
                continue
            span = FrameSpan.from_item(items[tag])
            marks = RenderMarks(max(span.start, source_span.start), min(span.end, source_span.end) - 1)
            if marks.frame_count <= 0:
                raise BridgeError(f"{tag} does not overlap SOURCE on the export timeline")
            scratch = scratch_root / tag
            scratch.mkdir(parents=True, exist_ok=True)
            custom = f"{config.film}_{tag}_"
            _render_track(project, timeline, index, marks, scratch, custom, config)
            files = _collect(scratch, custom, marks)
            missing = [r for r in range(marks.mark_in, marks.mark_out + 1) if r not in files]
            if missing or len(files) != marks.frame_count:
                raise BridgeError(
                    f"{tag}: render wrote {len(files)} file(s), expected {marks.frame_count} "
                    f"(record frames {marks.mark_in}-{marks.mark_out})",
                    hint=f"inspect {scratch}",
                )
            planned.append((tag, marks, files))
        rendered = [str(path) for _tag, _marks, files in planned for path in files.values()]
        tool.call("check-frames", {"files": rendered, "width": config.width, "height": config.height})
        for tag, marks, files in planned:  # rename only once every kind rendered and verified
            first = source_first + marks.mark_in - source_span.start
            for record, path in files.items():
                target = version_dir / export_name(config.film, tag, first + record - marks.mark_in)
                if target.exists():
                    raise BridgeError(f"{target} already exists", hint="exports are never overwritten")
                os.replace(path, target)
            result[tag] = FrameSequence(
                str(version_dir / export_name(config.film, tag)),
                first,
                first + marks.frame_count - 1,
                config.frame_rate,
            )
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
        if not result and version_dir.is_dir() and not any(version_dir.iterdir()):
            version_dir.rmdir()  # a failed run leaves no empty v### behind
        if previous is not None:
            project.SetCurrentTimeline(previous)
    return ExportResult(version_dir=version_dir, sequences=result)


def latest_exports(config: BridgeConfig) -> Path | None:
    """The newest ``v###`` export folder holding ``<film>_SOURCE_*.exr`` files, or None."""
    versions = sorted(
        (int(m.group(1)), p)
        for p in config.exports_dir.glob("v*")
        if (m := _VERSION.match(p.name)) and any(p.glob(f"{config.film}_SOURCE_*.exr"))
    )
    return versions[-1][1] if versions else None
