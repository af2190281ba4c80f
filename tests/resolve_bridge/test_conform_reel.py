"""Conform Reel in the simulated Resolve: menu script, absolute record frames, V1-V3, markers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import schemas
from resolve_bridge import conform_reel, load_config
from resolve_bridge.simulator import make_host_globals
from tests.chroma_engine.conform.conform_helpers import write_job, write_render
from tests.resolve_bridge.resolve_bridge_helpers import make_media, run_menu, tool, write_config


@pytest.fixture
def reel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A set-up project whose REEL1 timeline holds two SOURCE cuts; sh_a has ML+MG renders."""
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(write_config(tmp_path, **make_media(tmp_path, 24))))
    host = make_host_globals("free")
    assert run_menu("Setup Project", host) is not None
    project = host["resolve"].GetProjectManager().GetCurrentProject()
    pool = project.GetMediaPool()
    source = next(
        f for f in pool.GetRootFolder().GetSubFolderList() if f.GetName() == "SOURCE"
    ).GetClipList()[0]
    timeline = pool.CreateEmptyTimeline("REEL1")
    project.SetCurrentTimeline(timeline)
    for first, end, record in ((1003, 1011, 86410), (1012, 1020, 86430)):
        info = {"mediaPoolItem": source, "startFrame": first, "endFrame": end, "recordFrame": record}
        assert pool.AppendToTimeline([{**info, "trackIndex": 1, "mediaType": 1}])
    root = tmp_path / "project"
    write_job(root, "sh_a", 86410, 86418, first=1003, count=8)  # record 86410 shows source 1003
    write_render(root, "sh_a", "inference", 1, first=1003, count=8)
    write_render(root, "sh_a", "inference", 2, first=1003, count=8)
    write_render(root, "sh_a", "matchgrade", 1, first=1003, count=8)
    schemas.load_job(root / "jobs" / "done" / "job_sh_a.json", check_paths=False)
    return {"host": host, "project": project, "root": root, "reel": timeline}


def _items(timeline: Any, index: int) -> list[tuple[int, int, str]]:
    return [
        (i.GetStart(), i.GetEnd(), i.GetMediaPoolItem().GetClipProperty("File Path"))
        for i in timeline.GetItemListInTrack("video", index)
    ]


def test_menu_script_conforms_the_current_timeline(reel: dict[str, Any]) -> None:
    report = run_menu("Conform Reel", reel["host"])
    assert report is not None, "the menu printed an error"
    timeline = reel["project"].GetCurrentTimeline()
    assert timeline.GetName() == report.timeline == "REEL1_conform"
    assert timeline.GetStartFrame() == 86400  # 01:00:00:00 kept
    assert [timeline.GetTrackName("video", i) for i in (1, 2, 3)] == ["Original", "ML", "MatchGrade"]
    assert [(s, e) for s, e, _ in _items(timeline, 1)] == [(86410, 86418), (86430, 86438)]
    ((start, end, ml_path),) = _items(timeline, 2)
    assert (start, end) == (86410, 86418) and "sh_a/v002" in ml_path  # latest: v002
    ((start, end, mg_path),) = _items(timeline, 3)
    assert (start, end) == (86410, 86418) and "05_matchgrade_render/sh_a/v001" in mg_path
    markers = timeline.GetMarkers()
    assert list(markers) == [30]  # offset of 86430 from the 86400 start
    assert markers[30]["color"] == "Red" and markers[30]["duration"] == 8
    assert report.reel.parent == reel["root"] / "resolve" / "conform"


def test_approved_version_is_placed_and_rerun_makes_a_new_timeline(reel: dict[str, Any]) -> None:
    from chroma_engine.conform import approve

    approve(reel["root"], "sh_a", 1)
    resolve = reel["host"]["resolve"]
    config = load_config(tool())
    first = conform_reel(resolve, tool(), config)
    reel["project"].SetCurrentTimeline(reel["reel"])
    second = conform_reel(resolve, tool(), config)
    assert (first.timeline, second.timeline) == ("REEL1_conform", "REEL1_conform_2")
    timeline = reel["project"].GetCurrentTimeline()
    ((_, _, ml_path),) = _items(timeline, 2)
    assert "sh_a/v001" in ml_path
    assert any("(approved) -> V2 @ 86410" in line for line in second.placed)


def test_import_method_uses_import_timeline_from_file(reel: dict[str, Any]) -> None:
    report = conform_reel(reel["host"]["resolve"], tool(), load_config(tool()), method="import")
    timeline = reel["project"].GetCurrentTimeline()
    assert timeline.GetName() == report.timeline
    assert timeline.GetStartFrame() == 86400
    ((start, end, ml_path),) = _items(timeline, 2)
    assert (start, end) == (86410, 86418) and "sh_a/v002" in ml_path
    item = timeline.GetItemListInTrack("video", 2)[0]
    assert item.GetLeftOffset() == 0
    assert list(timeline.GetMarkers()) == [30]


def test_no_timeline_is_a_clear_menu_error(reel: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    reel["project"].current_timeline = None  # Resolve showing no timeline (simulator state)
    result = run_menu("Conform Reel", reel["host"])
    assert result is None
    assert "no timeline is open" in capsys.readouterr().out
