"""Getting Resolve, checked calls, the config through the tool, menu errors on console and dialog."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from resolve_bridge import (
    BridgeError,
    HostUnavailableError,
    ResolveCallFailed,
    ToolError,
    get_resolve,
    load_config,
    run_menu_action,
)
from resolve_bridge._dialog import show_error
from resolve_bridge._gateway import call
from resolve_bridge.simulator import make_host_globals
from tests.resolve_bridge.resolve_bridge_helpers import tool, write_config


def test_get_resolve_prefers_global_then_app() -> None:
    host = make_host_globals("free")
    assert get_resolve(host) is host["resolve"]
    assert get_resolve({"app": host["app"], "resolve": object()}) is host["resolve"]


def test_get_resolve_uses_external_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modules = tmp_path / "Scripting" / "Modules"
    modules.mkdir(parents=True)
    (modules / "DaVinciResolveScript.py").write_text(
        "from resolve_bridge.simulator import Resolve\n_R = Resolve()\ndef scriptapp(name):\n    return _R\n"
    )
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "Scripting"))
    monkeypatch.setattr("sys.path", list(sys.path))
    sys.modules.pop("DaVinciResolveScript", None)
    try:
        resolve = get_resolve(None)
    finally:
        sys.modules.pop("DaVinciResolveScript", None)
    assert "GetVersion" in dir(resolve)


def test_get_resolve_names_everything_tried(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "none"))
    monkeypatch.setattr("resolve_bridge._host.DEFAULT_SCRIPT_API", {})
    sys.modules.pop("DaVinciResolveScript", None)
    with pytest.raises(HostUnavailableError) as info:
        get_resolve({})
    assert len(info.value.tried) == 3
    assert "DaVinciResolveScript" in str(info.value)


class _Obj:
    def Zero(self) -> int:
        return 0

    def Nothing(self, *args: Any) -> None:
        return None

    def Empty(self, *args: Any) -> list[Any]:
        return []


def test_checked_call_raises_on_silent_failure_only() -> None:
    assert call(_Obj(), "Zero") == 0
    for method in ("Nothing", "Empty", "Missing"):
        with pytest.raises(ResolveCallFailed) as info:
            call(_Obj(), method, "arg", label="Thing")
        assert f"Thing.{method}('arg')" in str(info.value)


def test_config_errors_name_the_field(tmp_path: Path) -> None:
    path = write_config(tmp_path, frame_rate=-3)
    with pytest.raises(ToolError, match="frame_rate"):
        load_config(tool(), path)
    with pytest.raises(ToolError, match="not found") as info:
        load_config(tool(), tmp_path / "missing.json")
    assert "CHROMA_RECOVERY_CONFIG" in info.value.hint
    assert isinstance(info.value, BridgeError) and info.value.verb == "config"
    with pytest.raises(ToolError, match="not a Resolve timeline rate"):
        load_config(tool(), write_config(tmp_path, frame_rate=26))


def test_config_reply_fills_defaults_and_sequences(tmp_path: Path) -> None:
    seq = {"path": str(tmp_path / "scan_####.exr"), "first_frame": 1001, "last_frame": 1010}
    config = load_config(tool(), write_config(tmp_path, source=seq, color_settings={"b": "1", "a": "2"}))
    assert config.project_name == "NIGHTTRAIN_ChromaRecovery"
    assert config.source is not None and config.source.printf_pattern().endswith("scan_%04d.exr")
    assert config.reference is None and config.render_timeout_s == 3600.0
    assert list(config.color_settings) == ["b", "a"]  # order kept: applied in this order
    assert config.rate.setting == "24"


class _Recorder:
    """A UIManager + bmd stand-in that records the error dialog it is asked to show."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def UIDispatcher(self, ui: Any) -> Any:
        recorder = self

        class _Window:
            On = type("On", (), {})()

            def __init__(self) -> None:
                self.On.ok = type("E", (), {})()
                self.On.crError = type("E", (), {})()

            def Show(self) -> None:
                recorder.shown.append("show")

            def Hide(self) -> None:
                recorder.shown.append("hide")

        class _Dispatcher:
            def AddWindow(self, props: dict[str, Any], layout: Any) -> Any:
                recorder.shown.append(props["WindowTitle"])
                return _Window()

            def RunLoop(self) -> None:
                recorder.shown.append("loop")

            def ExitLoop(self) -> None:
                pass

        return _Dispatcher()

    def Label(self, props: dict[str, Any]) -> Any:
        self.shown.append(props["Text"])
        return props

    def Button(self, props: dict[str, Any]) -> Any:
        return props

    def HGroup(self, items: Any) -> Any:
        return items

    def VGroup(self, items: Any) -> Any:
        return items


def test_menu_error_goes_to_console_and_dialog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(tmp_path / "missing.json"))
    ui = _Recorder()
    host = make_host_globals("studio")
    host["fusion"].UIManager = ui
    host["bmd"] = ui  # offers UIDispatcher
    assert run_menu_action("setup", host, tool=tool()) is None
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[chroma-recovery] error: ") and "config not found" in lines[0]
    assert lines[1].startswith("[chroma-recovery] hint: ") and len(lines) == 2
    assert "Chroma Recovery: error" in ui.shown and "loop" in ui.shown
    assert any("config not found" in text for text in ui.shown)
    assert show_error(None, ui, "x") is False  # free edition: console only


def test_menu_without_recorded_tool_says_reinstall(capsys: Any) -> None:
    assert run_menu_action("setup", make_host_globals("free"), tool={}) is None
    out = capsys.readouterr().out
    assert "chroma-recovery tool was not found (nothing recorded)" in out
    assert "install-scripts" in out and "Traceback" not in out
