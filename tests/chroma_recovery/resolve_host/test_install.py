"""``resolve install-scripts``: the tool's location recorded in each copy, uninstall, refusals."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import resolve_bridge
from chroma_recovery.cli import app
from chroma_recovery.resolve_host import (
    ResolveHostError,
    current_tool,
    install_scripts,
    menu_script_sources,
    scripts_root,
)
from resolve_bridge import ToolRecord
from resolve_bridge.simulator import make_host_globals
from tests.resolve_bridge.resolve_bridge_helpers import MENU_DIR, REPO

SCRIPT_NAMES = [
    "Chroma Recovery - Conform Reel.py",
    "Chroma Recovery - Import ML Renders.py",
    "Chroma Recovery - Send Shot to ML.py",
    "Chroma Recovery - Setup Project.py",
]


def test_repo_scripts_equal_packaged_scripts() -> None:
    packaged = menu_script_sources()
    assert sorted(packaged) == SCRIPT_NAMES
    for name, text in packaged.items():
        assert (MENU_DIR / name).read_text(encoding="utf-8") == text
        assert "_TOOL = {}  # filled in at install time" in text
    actions = {text.split('_ACTION = "')[1].split('"')[0] for text in packaged.values()}
    assert actions == {"setup", "send_shot", "import_renders", "conform"}


def test_current_tool_is_this_interpreter_and_package() -> None:
    tool = current_tool()
    assert Path(tool.python).is_file()
    assert Path(tool.package) == Path(resolve_bridge.__file__).resolve().parent
    assert tool.executable == "" or Path(tool.executable).parent == Path(tool.python).parent


def test_install_records_the_tool_and_uninstall_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    target = tmp_path / "Fusion" / "Scripts"
    runner = CliRunner()
    result = runner.invoke(app, ["resolve", "install-scripts", "--target", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (target / "Utility").iterdir()) == SCRIPT_NAMES
    text = (target / "Utility" / SCRIPT_NAMES[2]).read_text()
    recorded = current_tool().as_mapping()
    assert f"_TOOL = {recorded!r}  # filled in at install time" in text
    # The installed copy runs (here in this interpreter) and calls the recorded tool as a subprocess.
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(tmp_path / "missing.json"))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    namespace = runpy.run_path(
        str(target / "Utility" / SCRIPT_NAMES[3]), init_globals=make_host_globals("free")
    )
    assert namespace["result"] is None and namespace["_TOOL"] == recorded
    out = capsys.readouterr().out
    assert "[chroma-recovery] error: " in out and "missing.json: chroma-recovery config not found" in out
    foreign = target / "Utility" / "Mine.py"
    foreign.write_text("print('mine')\n")
    result = runner.invoke(app, ["resolve", "install-scripts", "--target", str(target), "--uninstall"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (target / "Utility").iterdir()] == ["Mine.py"]


def test_installed_script_with_a_moved_package_says_reinstall(tmp_path: Path, capsys: Any) -> None:
    (script,) = [
        p for p in install_scripts(tmp_path, ToolRecord(package=str(tmp_path / "gone"))) if "Setup" in p.name
    ]
    namespace = runpy.run_path(str(script), init_globals=make_host_globals("free"))
    out = capsys.readouterr().out
    assert namespace["result"] is None
    assert "cannot load the menu-script code (no resolve_bridge package in" in out
    assert "install-scripts" in out


def test_install_refuses_foreign_file_and_conflicting_flags(tmp_path: Path) -> None:
    (tmp_path / "Utility").mkdir()
    (tmp_path / "Utility" / SCRIPT_NAMES[3]).write_text("# someone else's\n")
    with pytest.raises(ResolveHostError, match="not a chroma-recovery script"):
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
