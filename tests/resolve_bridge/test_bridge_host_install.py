"""Getting Resolve, checked calls, config, menu-script packaging and install-scripts."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chroma_recovery.cli import app
from resolve_bridge import (
    BridgeError,
    HostUnavailableError,
    ResolveCallFailed,
    get_resolve,
    install_scripts,
    load_config,
    scripts_root,
)
from resolve_bridge._gateway import call
from resolve_bridge._install import menu_script_sources
from resolve_bridge.simulator import make_host_globals
from tests.resolve_bridge.resolve_bridge_helpers import MENU_DIR, REPO, write_config

SCRIPT_NAMES = [
    "Chroma Recovery - Conform Reel.py",
    "Chroma Recovery - Import ML Renders.py",
    "Chroma Recovery - Send Shot to ML.py",
    "Chroma Recovery - Setup Project.py",
]


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
    with pytest.raises(BridgeError, match="frame_rate"):
        load_config(path)
    with pytest.raises(BridgeError, match="not found"):
        load_config(tmp_path / "missing.json")


def test_menu_script_prints_error_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(tmp_path / "missing.json"))
    namespace = runpy.run_path(str(MENU_DIR / SCRIPT_NAMES[3]), init_globals=make_host_globals("free"))
    out = capsys.readouterr().out
    assert namespace["result"] is None
    assert "[chroma-recovery] error:" in out and "config not found" in out and "hint:" in out


def test_repo_scripts_equal_packaged_scripts() -> None:
    packaged = menu_script_sources()
    assert sorted(packaged) == SCRIPT_NAMES
    for name, text in packaged.items():
        assert (MENU_DIR / name).read_text(encoding="utf-8") == text
        assert (REPO / "resolve_bridge" / "menu_scripts" / name).is_file()


def test_install_records_paths_and_uninstall_removes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "Fusion" / "Scripts"
    runner = CliRunner()
    result = runner.invoke(app, ["resolve", "install-scripts", "--target", str(target)])
    assert result.exit_code == 0, result.output
    installed = sorted(p.name for p in (target / "Utility").iterdir())
    assert installed == SCRIPT_NAMES
    text = (target / "Utility" / SCRIPT_NAMES[2]).read_text()
    assert f"_PACKAGE_PATHS = ['{REPO}'" in text
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(write_config(tmp_path)))
    namespace = runpy.run_path(
        str(target / "Utility" / SCRIPT_NAMES[0]), init_globals=make_host_globals("free")
    )
    assert str(REPO) in namespace["_PACKAGE_PATHS"]
    foreign = target / "Utility" / "Mine.py"
    foreign.write_text("print('mine')\n")
    result = runner.invoke(app, ["resolve", "install-scripts", "--target", str(target), "--uninstall"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (target / "Utility").iterdir()] == ["Mine.py"]


def test_install_refuses_foreign_file_and_conflicting_flags(tmp_path: Path) -> None:
    (tmp_path / "Utility").mkdir()
    (tmp_path / "Utility" / SCRIPT_NAMES[3]).write_text("# someone else's\n")
    with pytest.raises(BridgeError, match="not a chroma-recovery script"):
        install_scripts(tmp_path)
    result = CliRunner().invoke(app, ["resolve", "install-scripts", "--user", "--system"])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("platform", "scope", "tail"),
    [
        ("linux", "user", ".local/share/DaVinciResolve/Fusion/Scripts"),
        ("darwin", "user", "Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"),
        ("darwin", "system", "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"),
        ("win32", "user", "Blackmagic Design/DaVinci Resolve/Support/Fusion/Scripts"),
    ],
    ids=["linux-user", "mac-user", "mac-system", "win-user"],
)
def test_scripts_root_per_os(platform: str, scope: Any, tail: str) -> None:
    assert scripts_root(scope, platform).as_posix().endswith(tail)
