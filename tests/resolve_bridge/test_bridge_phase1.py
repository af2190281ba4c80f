"""Phase 1 and Send Shot to ML, driven through the menu scripts with the simulator as Resolve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

import schemas
from resolve_bridge import BridgeError, export_phase1, load_config, setup_project
from resolve_bridge.simulator import make_host_globals
from tests.resolve_bridge.resolve_bridge_helpers import (
    FILM,
    KIND_VALUE,
    make_media,
    pixel,
    run_menu,
    tool,
    write_config,
)

PROJECT = f"{FILM}_ChromaRecovery"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    config = write_config(tmp_path, **make_media(tmp_path))
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(config))
    return {"tmp": tmp_path, "root": tmp_path / "project", "config": config}


def _project(host: dict[str, Any]) -> Any:
    return host["resolve"].GetProjectManager().GetCurrentProject()


def _bin(project: Any, name: str) -> Any:
    return next(f for f in project.GetMediaPool().GetRootFolder().GetSubFolderList() if f.GetName() == name)


def _reel(host: dict[str, Any], first: int = 1003, last: int = 1010, record: int = 86410) -> Any:
    """A reel timeline with the scan clip trimmed to first..last at ``record``; playhead inside it."""
    project = _project(host)
    pool = project.GetMediaPool()
    clip = _bin(project, "SOURCE").GetClipList()[0]
    timeline = pool.CreateEmptyTimeline("REEL1")
    project.SetCurrentTimeline(timeline)
    info = {"mediaPoolItem": clip, "startFrame": first, "endFrame": last + 1, "recordFrame": record}
    assert pool.AppendToTimeline([{**info, "trackIndex": 1, "mediaType": 1}])
    assert timeline.SetCurrentTimecode("01:00:00:12")
    return timeline


@pytest.fixture
def phase1(env: dict[str, Any]) -> dict[str, Any]:
    host = make_host_globals("free")
    assert run_menu("Setup Project", host) is not None
    return {**env, "host": host}


def test_setup_script_builds_project_bins_and_renamed_exports(phase1: dict[str, Any]) -> None:
    project = _project(phase1["host"])
    assert project.GetName() == PROJECT
    assert float(project.GetSetting("timelineFrameRate")) == 24.0
    assert project.GetSetting("timelineResolutionWidth") == "32"
    assert project.GetSetting("colorScienceMode") == "davinciYRGB"
    for name in ("SOURCE", "REFERENCE", "BALANCED"):
        assert len(_bin(project, name).GetClipList()) == 1
    v001 = phase1["root"] / "resolve" / "exports" / "v001"
    for tag in ("SOURCE", "REF", "BAL"):
        names = sorted(p.name for p in v001.glob(f"{FILM}_{tag}_*.exr"))
        assert names == [f"{FILM}_{tag}_{f:04d}.exr" for f in range(1001, 1013)]
    # REF is numbered 1..12 on disk: its export frame 1005 must hold reference frame 5.
    ref = pixel(v001 / f"{FILM}_REF_1005.exr")
    assert ref[0] == pytest.approx(KIND_VALUE["ref"], abs=1e-3)
    assert ref[1] == pytest.approx(5 / 10000, abs=1e-4)
    src = pixel(v001 / f"{FILM}_SOURCE_1005.exr")
    assert src[0] == pytest.approx(KIND_VALUE["scan"], abs=1e-3)
    assert src[1] == pytest.approx(1005 / 10000, abs=1e-4)
    assert not (v001 / ".render_scratch").exists()
    codecs = phase1["host"]["resolve"].sim.calls_to("Project.SetCurrentRenderFormatAndCodec")
    assert codecs and all(args == ("exr", "RGBHalfDWAA") for args in codecs)
    assert phase1["host"]["resolve"].sim.unknown_calls == []


def test_setup_is_idempotent(phase1: dict[str, Any], capsys: Any) -> None:
    run_menu("Setup Project", phase1["host"])
    out = capsys.readouterr().out
    assert "reused project" in out and "not rendering again" in out
    project = _project(phase1["host"])
    bins = [f.GetName() for f in project.GetMediaPool().GetRootFolder().GetSubFolderList()]
    assert sorted(bins) == ["BALANCED", "REFERENCE", "SOURCE"]
    assert len(_bin(project, "SOURCE").GetClipList()) == 1
    assert [p.name for p in (phase1["root"] / "resolve" / "exports").iterdir()] == ["v001"]


def test_existing_project_name_is_loaded_not_duplicated(env: dict[str, Any]) -> None:
    host = make_host_globals("studio")
    pm = host["resolve"].GetProjectManager()
    assert pm.CreateProject(PROJECT) is not None
    assert pm.CreateProject("Other") is not None  # the film's project is no longer current
    report = setup_project(host["resolve"], load_config(tool(), env["config"]), import_media=False)
    assert report.created is False
    assert report.project.GetName() == PROJECT
    assert pm.GetProjectListInCurrentFolder().count(PROJECT) == 1


def test_failing_render_reports_status_and_leaves_no_export(env: dict[str, Any]) -> None:
    host = make_host_globals("studio")
    config = load_config(tool(), env["config"])
    report = setup_project(host["resolve"], config)
    (env["tmp"] / "media" / "ref" / "dcp_0007.exr").unlink()  # goes offline after the import
    with pytest.raises(BridgeError, match="Media offline") as info:
        export_phase1(host["resolve"], tool(), config, report.clips)
    assert "REF" in str(info.value) and "Failed" in str(info.value)
    exports = config.exports_dir
    assert not list(exports.rglob("*.exr"))
    assert host["resolve"].GetProjectManager().GetCurrentProject().GetRenderJobList() == []


def test_send_shot_writes_valid_job_and_cut(phase1: dict[str, Any]) -> None:
    timeline = _reel(phase1["host"])
    job_path = Path(run_menu("Send Shot to ML", phase1["host"]))
    assert job_path.parent == phase1["root"] / "jobs" / "incoming"
    job = schemas.load_job(job_path)
    assert (job.shot.record_in, job.shot.record_out) == (86410, 86418)
    assert job.shot.record_timecode == "01:00:00:10"
    assert job.shot.name == f"{FILM}_01000010"
    for seq, tag in ((job.media.source, "SOURCE"), (job.media.reference, "REF"), (job.media.balanced, "BAL")):
        assert seq is not None
        assert (seq.first_frame, seq.last_frame) == (1003, 1010)
        assert seq.path == f"resolve/exports/v001/{FILM}_{tag}_####.exr"
    assert job.project.root == str(phase1["root"])
    cut = otio.adapters.read_from_file(str(phase1["root"] / str(job.shot.cut_path)))
    clips = list(cut.find_clips())
    assert len(clips) == 1
    assert clips[0].source_range.duration.value == 8
    assert cut.global_start_time.value == 86410
    assert cut.metadata["chroma_recovery"]["record_out"] == 86418
    assert timeline.GetName() == "REEL1"
    assert not list(job_path.parent.glob(".*tmp*"))


def test_send_shot_builds_cut_when_otio_export_fails(phase1: dict[str, Any]) -> None:
    _reel(phase1["host"])
    phase1["host"]["resolve"].sim.fail("Timeline.Export", False)
    job = schemas.load_job(run_menu("Send Shot to ML", phase1["host"]))
    cut = otio.adapters.read_from_file(str(phase1["root"] / str(job.shot.cut_path)))
    assert cut.metadata["chroma_recovery"]["made_by"] == "built"
    (clip,) = list(cut.find_clips())
    assert clip.source_range.start_time.value == 1003
    assert clip.media_reference.start_frame == 1001


def _no_job(phase1: dict[str, Any], capsys: Any, expected: str) -> None:
    assert run_menu("Send Shot to ML", phase1["host"]) is None
    out = capsys.readouterr().out
    assert expected in out and "Traceback" not in out
    assert not (phase1["root"] / "jobs").exists() or not list((phase1["root"] / "jobs").rglob("*.json"))


def test_send_shot_without_timeline_writes_nothing(phase1: dict[str, Any], capsys: Any) -> None:
    pm = phase1["host"]["resolve"].GetProjectManager()
    assert pm.CreateProject("Empty") is not None
    _no_job(phase1, capsys, "no timeline is open")


def test_send_shot_with_playhead_in_a_gap_writes_nothing(phase1: dict[str, Any], capsys: Any) -> None:
    timeline = _reel(phase1["host"])
    assert timeline.SetCurrentTimecode("01:00:00:02")
    _no_job(phase1, capsys, "no clip at the playhead")


def test_send_shot_with_offline_media_writes_nothing(phase1: dict[str, Any], capsys: Any) -> None:
    _reel(phase1["host"])
    (phase1["tmp"] / "media" / "scan" / "scan_1006.exr").unlink()
    _no_job(phase1, capsys, "media offline")


def test_send_shot_on_a_still_writes_nothing(phase1: dict[str, Any], capsys: Any) -> None:
    project = _project(phase1["host"])
    pool = project.GetMediaPool()
    still = phase1["tmp"] / "media" / "scan" / "scan_1001.exr"
    poster = still.with_name("poster.exr")
    poster.write_bytes(still.read_bytes())
    (clip,) = pool.ImportMedia([str(poster)])
    timeline = pool.CreateEmptyTimeline("STILLS")
    project.SetCurrentTimeline(timeline)
    assert pool.AppendToTimeline([{"mediaPoolItem": clip, "recordFrame": 86400, "trackIndex": 1}])
    assert timeline.SetCurrentTimecode("01:00:00:00")
    _no_job(phase1, capsys, "not an image sequence")


def test_job_document_is_plain_json(phase1: dict[str, Any]) -> None:
    _reel(phase1["host"])
    data = json.loads(Path(run_menu("Send Shot to ML", phase1["host"])).read_text())
    assert data["schema_version"] == "1" and data["media"]["source"]["path"].endswith("_SOURCE_####.exr")
