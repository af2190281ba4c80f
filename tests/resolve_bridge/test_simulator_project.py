"""Simulator: the Resolve root, host globals, call log, project manager and project settings."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from resolve_bridge.simulator import Resolve, make_host_globals


@pytest.fixture
def resolve() -> Resolve:
    return Resolve()


def test_product_name_by_edition() -> None:
    assert Resolve().GetProductName() == "DaVinci Resolve Studio"
    assert Resolve(edition="free").GetProductName() == "DaVinci Resolve"
    with pytest.raises(ValueError):
        Resolve(edition="beta")


def test_version_and_probe_by_dir(resolve: Resolve) -> None:
    assert "GetVersion" in dir(resolve)
    assert resolve.GetVersion()[:4] == [20, 3, 2, 9]
    assert resolve.GetVersionString() == "20.3.2.9"


def test_export_constants_exist_only_on_the_live_object(resolve: Resolve) -> None:
    assert isinstance(resolve.EXPORT_OTIO, int) and isinstance(resolve.EXPORT_NONE, int)
    assert len({resolve.EXPORT_OTIO, resolve.EXPORT_EDL, resolve.EXPORT_AAF, resolve.EXPORT_NONE}) == 4
    assert resolve.COMPOSITE_NORMAL == 0 and resolve.COMPOSITE_INVERTED_LUM == 31


@pytest.mark.parametrize(("edition", "has_ui"), [("studio", True), ("free", False)])
def test_host_globals(edition: str, has_ui: bool) -> None:
    host = make_host_globals(edition=edition)
    assert set(host) == {"resolve", "fusion", "bmd", "app"}
    assert host["app"].GetResolve() is host["resolve"]
    assert host["bmd"].scriptapp("Resolve") is host["resolve"]
    assert host["fusion"].GetResolve() is host["resolve"]
    assert (host["fusion"].UIManager is not None) is has_ui


def test_menu_script_runs_with_host_globals(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(
        "name = resolve.GetProjectManager().GetCurrentProject().GetName()\nui = fusion.UIManager\n"
    )
    result = runpy.run_path(str(script), init_globals=make_host_globals(edition="free"))
    assert result["name"] == "Untitled Project" and result["ui"] is None


def test_every_call_is_recorded(resolve: Resolve) -> None:
    pm = resolve.GetProjectManager()
    pm.CreateProject("A")
    assert resolve.calls[-2:] == [("Resolve.GetProjectManager", ()), ("ProjectManager.CreateProject", ("A",))]
    assert resolve.sim.calls_to("ProjectManager.CreateProject") == [("A",)]


def test_unknown_methods_answer_none_like_resolve(resolve: Resolve) -> None:
    assert hasattr(resolve, "IsStudio")  # hasattr is always True on Resolve objects
    assert resolve.IsStudio() is None
    assert resolve.sim.unknown_calls == [("Resolve.IsStudio", ())]
    with pytest.raises(AttributeError):
        resolve.not_camel_case  # noqa: B018


def test_fault_injection_is_silent_and_counted(resolve: Resolve) -> None:
    pm = resolve.GetProjectManager()
    resolve.sim.fail("ProjectManager.CreateProject", None, times=1)
    assert pm.CreateProject("A") is None
    assert pm.CreateProject("A") is not None
    assert pm.GetProjectListInCurrentFolder() == ["A"]


def test_create_project_returns_none_when_name_exists(resolve: Resolve) -> None:
    pm = resolve.GetProjectManager()
    first = pm.CreateProject("FILM_ChromaRecovery")
    assert first is not None and pm.GetCurrentProject() is first
    assert pm.CreateProject("FILM_ChromaRecovery") is None
    pm.CloseProject(first)
    assert pm.GetCurrentProject().GetName() == "Untitled Project"
    assert pm.LoadProject("FILM_ChromaRecovery") is first
    assert pm.LoadProject("missing") is None


def test_save_untitled_project_fails(resolve: Resolve) -> None:
    pm = resolve.GetProjectManager()
    assert pm.SaveProject() is False
    pm.CreateProject("B")
    assert pm.SaveProject() is True


def test_settings_are_strings(resolve: Resolve) -> None:
    project = resolve.GetProjectManager().CreateProject("S")
    assert project.SetSetting("timelineResolutionWidth", 2048) is False
    assert project.SetSetting("timelineResolutionWidth", "2048") is True
    assert project.GetSetting("timelineResolutionWidth") == "2048"
    assert project.SetSetting("noSuchKey", "1") is False
    assert project.GetSetting("noSuchKey") == ""
    snapshot = project.GetSetting()
    assert snapshot["timelineResolutionHeight"] == "2160" and all(
        isinstance(v, str) for v in snapshot.values()
    )


def test_drop_frame_rate_reads_back_as_number(resolve: Resolve) -> None:
    project = resolve.GetProjectManager().CreateProject("DF")
    assert project.SetSetting("timelineFrameRate", "29.97 DF") is True
    assert project.GetSetting("timelineFrameRate") == "29.97"
    assert project.GetSetting("timelineDropFrameTimecode") == "1"
    assert project.SetSetting("timelineFrameRate", "31") is False


@pytest.mark.parametrize(
    ("mode", "key", "value", "accepted"),
    [
        pytest.param("davinciYRGB", "colorSpaceInput", "Rec.709", False, id="RCM key refused in YRGB"),
        pytest.param("davinciYRGBColorManagedv2", "isAutoColorManage", "0", True, id="RCM key under RCM"),
        pytest.param(
            "davinciYRGBColorManagedv2", "colorAcesIDT", "No Input Transform", False, id="ACES in RCM"
        ),
        pytest.param("acescct", "colorAcesODT", "No Output Transform", True, id="ACES key under ACEScct"),
        pytest.param("acescc", "colorSpaceOutput", "Rec.709", False, id="RCM key in ACES"),
    ],
)
def test_colour_science_first(resolve: Resolve, mode: str, key: str, value: str, accepted: bool) -> None:
    project = resolve.GetProjectManager().CreateProject("C")
    assert project.SetSetting(key, value) is False  # default davinciYRGB refuses RCM and ACES keys
    assert project.SetSetting("colorScienceMode", mode) is True
    assert project.SetSetting(key, value) is accepted


def test_auto_colour_manage_off_before_preset(resolve: Resolve) -> None:
    project = resolve.GetProjectManager().CreateProject("R")
    project.SetSetting("colorScienceMode", "davinciYRGBColorManagedv2")
    assert project.SetSetting("isAutoColorManage", "1") is True
    assert project.SetSetting("rcmPresetMode", "Custom") is False
    assert project.SetSetting("isAutoColorManage", "0") is True
    assert project.SetSetting("rcmPresetMode", "Custom") is True


def test_timelines_are_one_based(resolve: Resolve) -> None:
    project = resolve.GetProjectManager().CreateProject("T")
    pool = project.GetMediaPool()
    first, second = pool.CreateEmptyTimeline("one"), pool.CreateEmptyTimeline("two")
    assert project.GetTimelineCount() == 2
    assert project.GetTimelineByIndex(1) is first and project.GetTimelineByIndex(2) is second
    assert project.GetTimelineByIndex(0) is None and project.GetTimelineByIndex(3) is None
    assert project.GetCurrentTimeline() is second
    assert project.SetCurrentTimeline(first) is True and project.GetCurrentTimeline() is first


def test_page_switch(resolve: Resolve) -> None:
    assert resolve.OpenPage("deliver") is True and resolve.GetCurrentPage() == "deliver"
    assert resolve.OpenPage("nowhere") is False and resolve.GetCurrentPage() == "deliver"
