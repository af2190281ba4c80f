"""Phase 3: Import ML Renders from the queue, 4-track timeline, versions kept."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import schemas
from chroma_engine.io import write_document
from resolve_bridge import BridgeError, apply_pending_imports, import_renders, read_manifests
from resolve_bridge.simulator import make_host_globals
from schemas import RenderManifest, SequenceRef
from tests.resolve_bridge.resolve_bridge_helpers import (
    FILM,
    make_media,
    run_menu,
    tool,
    write_config,
    write_sequence,
)


@pytest.fixture
def shot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(write_config(tmp_path, **make_media(tmp_path))))
    host = make_host_globals("free")
    assert run_menu("Setup Project", host) is not None
    project = host["resolve"].GetProjectManager().GetCurrentProject()
    pool = project.GetMediaPool()
    source_bin = next(f for f in pool.GetRootFolder().GetSubFolderList() if f.GetName() == "SOURCE")
    reel = pool.CreateEmptyTimeline("REEL1")
    project.SetCurrentTimeline(reel)
    info = {"mediaPoolItem": source_bin.GetClipList()[0], "startFrame": 1003, "endFrame": 1011}
    assert pool.AppendToTimeline([{**info, "recordFrame": 86410, "trackIndex": 1, "mediaType": 1}])
    reel.SetCurrentTimecode("01:00:00:12")
    job = schemas.load_job(run_menu("Send Shot to ML", host))
    return {"host": host, "project": project, "job": job, "root": tmp_path / "project"}


def _render(shot: dict[str, Any], stage: str, version: int, queue: bool = True) -> Path:
    """Render frames and write their manifest (queued in pending, or beside the frames)."""
    job = shot["job"]
    folder = shot["root"] / "renders" / job.shot.name / stage / f"v{version:03d}"
    write_sequence(folder, f"{FILM}_ML_", 1003, 8, "ml")
    now = datetime.now(timezone.utc)
    rel = str((folder / f"{FILM}_ML_####.exr").relative_to(shot["root"]))
    manifest = RenderManifest(
        job_id=job.job_id, shot=job.shot.name, stage=stage, version=version, backend="native",
        output=SequenceRef(path=rel, first_frame=1003, last_frame=1010), frame_count=8,
        started_at=now, finished_at=now,
    )  # fmt: skip
    if queue:
        pending = shot["root"] / "resolve_queue" / "pending" / f"{stage}_v{version}.json"
        return write_document(pending, manifest)
    return write_document(folder / "_manifest.json", manifest)


def _phase3(project: Any) -> Any:
    for index in range(1, project.GetTimelineCount() + 1):
        timeline = project.GetTimelineByIndex(index)
        if timeline.GetName() == f"{FILM}_Phase3":
            return timeline
    raise AssertionError("no Phase3 timeline")


def _track(timeline: Any, index: int) -> list[tuple[int, int, str]]:
    return [
        (item.GetStart(), item.GetEnd(), item.GetMediaPoolItem().GetClipProperty("File Path"))
        for item in timeline.GetItemListInTrack("video", index)
    ]


def _bin_path(project: Any, *names: str) -> Any:
    folder = project.GetMediaPool().GetRootFolder()
    for name in names:
        folder = next(f for f in folder.GetSubFolderList() if f.GetName() == name)
    return folder


def test_import_script_builds_four_tracks_at_record_position(shot: dict[str, Any]) -> None:
    _render(shot, "inference", 1)
    _render(shot, "matchgrade", 1)
    result = run_menu("Import ML Renders", shot["host"])
    assert [p.name for p in result.done] == ["inference_v1.json", "matchgrade_v1.json"]
    assert not list((shot["root"] / "resolve_queue" / "pending").glob("*.json"))
    timeline = _phase3(shot["project"])
    names = [timeline.GetTrackName("video", i) for i in range(1, 5)]
    assert names == ["Original", "ML", "MatchGrade", "Composite"]
    for index, needle in (
        (1, "_SOURCE_"),
        (2, "inference/v001"),
        (3, "matchgrade/v001"),
        (4, "inference/v001"),
    ):
        (item,) = _track(timeline, index)
        assert item[:2] == (86410, 86418)
        assert needle in item[2]
    (composite,) = timeline.GetItemListInTrack("video", 4)
    resolve = shot["host"]["resolve"]
    assert composite.GetProperty("CompositeMode") == resolve.COMPOSITE_COLORIZE
    assert [timeline.GetIsTrackEnabled("video", i) for i in range(1, 5)] == [True, False, False, True]
    shot_name = shot["job"].shot.name
    assert len(_bin_path(shot["project"], "ML", shot_name, "v001").GetClipList()) == 1
    assert len(_bin_path(shot["project"], "MATCHGRADE", shot_name, "v001").GetClipList()) == 1
    assert shot["project"].GetCurrentTimeline().GetName() == "REEL1"  # current timeline restored


def test_new_version_keeps_the_old_one_on_a_superseded_track(shot: dict[str, Any]) -> None:
    _render(shot, "inference", 1)
    apply_pending_imports(shot["host"]["resolve"], tool(), shot["root"])
    _render(shot, "inference", 2)
    result = apply_pending_imports(shot["host"]["resolve"], tool(), shot["root"])
    assert result.report.superseded == [f"ML {shot['job'].shot.name} v001 -> V5"]
    timeline = _phase3(shot["project"])
    assert timeline.GetTrackName("video", 5) == "ML superseded"
    assert timeline.GetIsTrackEnabled("video", 5) is False
    ((start, end, path_v1),) = _track(timeline, 5)
    assert (start, end) == (86410, 86418) and "inference/v001" in path_v1
    assert "inference/v002" in _track(timeline, 2)[0][2]
    assert "inference/v002" in _track(timeline, 4)[0][2]
    assert len(_track(timeline, 4)) == 1


def test_reimport_is_a_no_op_and_older_version_goes_to_superseded(shot: dict[str, Any]) -> None:
    resolve = shot["host"]["resolve"]
    v2 = _render(shot, "inference", 2, queue=False)
    v1 = _render(shot, "inference", 1, queue=False)
    import_renders(resolve, tool(), shot["root"], [v2])
    (read,) = read_manifests(tool(), shot["root"], [str(v2)])
    assert read.render is not None and read.error == ""
    again = import_renders(resolve, tool(), shot["root"], [read.render])
    assert again.skipped == [f"ML {shot['job'].shot.name} v002"] and again.placed == []
    late = import_renders(resolve, tool(), shot["root"], [v1])
    timeline = _phase3(shot["project"])
    assert "inference/v002" in _track(timeline, 2)[0][2]
    assert "inference/v001" in _track(timeline, 5)[0][2]
    assert late.superseded and "older" in late.superseded[0]


def test_bad_manifest_moves_to_failed_with_reason(shot: dict[str, Any]) -> None:
    manifest = schemas.load_manifest(_render(shot, "inference", 1, queue=False))
    bad = manifest.model_copy(update={"job_id": "NO_SUCH_JOB"})
    bad_path = write_document(shot["root"] / "resolve_queue" / "pending" / "bad.json", bad)
    with pytest.raises(BridgeError, match="job NO_SUCH_JOB not found"):
        import_renders(shot["host"]["resolve"], tool(), shot["root"], [bad_path])
    result = apply_pending_imports(shot["host"]["resolve"], tool(), shot["root"])
    assert result.done == []
    ((moved, message),) = result.failed
    assert moved.parent.name == "failed" and "NO_SUCH_JOB" in message
    assert "not found" in moved.with_suffix(".error.txt").read_text()


def test_queue_import_cli_drops_manifest_into_pending(shot: dict[str, Any], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chroma_recovery.cli import app

    manifest = schemas.load_manifest(_render(shot, "matchgrade", 3, queue=False))
    source = write_document(tmp_path / "elsewhere" / "manifest.json", manifest)
    result = CliRunner().invoke(app, ["resolve", "queue-import", str(source), "--root", str(shot["root"])])
    assert result.exit_code == 0, result.output
    (queued,) = (shot["root"] / "resolve_queue" / "pending").glob("*.json")
    assert queued.name == f"{shot['job'].job_id}_matchgrade_v003.json"
    assert schemas.load_manifest(queued) == manifest
