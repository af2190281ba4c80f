"""Install the menu scripts into Resolve's ``Fusion/Scripts/Utility`` folder (and remove them).

The canonical scripts ship in the wheel as ``resolve_bridge/menu_scripts/*.py`` (identical copies
live in the repository's ``scripts/Utility/``). Resolve runs them with *its* Python — any CPython
3.8 or later — which does not see our environment. Installing rewrites the line ``_TOOL = {}`` of
each copy into a ``resolve_bridge.ToolRecord``: the absolute paths of the ``chroma-recovery``
command and of its Python (the tool every request goes to) and of the ``resolve_bridge`` folder,
which the script loads by location (standard library only; nothing is added to ``sys.path``, so
no package of our environment can leak into Resolve's Python).

Folders (``resolve_api.md`` §1.4): user scope is the per-user Scripts folder, system scope the
all-users one; ``--target DIR`` names any ``Scripts`` folder (the scripts go to ``DIR/Utility``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import resolve_bridge
from resolve_bridge import ToolRecord

from ._errors import ResolveHostError

MARKER = "chroma-recovery menu script"
_TOOL_LINE = "_TOOL = {}"
SCOPES = ("user", "system")


def scripts_root(scope: str = "user", platform: str | None = None) -> Path:
    """Resolve's ``Fusion/Scripts`` folder for ``scope`` on ``platform`` (default: this OS)."""
    plat = platform or sys.platform
    home = Path.home()
    if plat.startswith("darwin"):
        base = Path("/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts")
        return home / str(base).lstrip("/") if scope == "user" else base
    if plat.startswith("win"):
        if scope == "user":
            appdata = os.environ.get("APPDATA") or str(home / "AppData" / "Roaming")
            return Path(appdata) / "Blackmagic Design" / "DaVinci Resolve" / "Support" / "Fusion" / "Scripts"
        programdata = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(programdata) / "Blackmagic Design" / "DaVinci Resolve" / "Fusion" / "Scripts"
    if scope == "user":
        return home / ".local" / "share" / "DaVinciResolve" / "Fusion" / "Scripts"
    if not Path("/opt/resolve").exists() and Path("/home/resolve").exists():
        return Path("/home/resolve/Fusion/Scripts")
    return Path("/opt/resolve/Fusion/Scripts")


def _bridge_folder() -> Path:
    return Path(resolve_bridge.__file__).resolve().parent


def menu_script_sources() -> dict[str, str]:
    """File name -> text of every canonical menu script shipped in the package."""
    folder = _bridge_folder() / "menu_scripts"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".py") and entry.name.startswith("Chroma Recovery")
    }


def current_tool() -> ToolRecord:
    """The tool of *this* interpreter: ``chroma-recovery`` beside ``sys.executable`` and this package.

    The command is looked up only next to the running Python (a venv's ``bin``/``Scripts``), so the
    two recorded paths always belong to one environment; without it ``python -m`` is used.
    """
    python = os.path.abspath(sys.executable)  # not resolved: a venv's python is a symlink
    name = "chroma-recovery.exe" if os.name == "nt" else "chroma-recovery"
    beside = os.path.join(os.path.dirname(python), name)
    return ToolRecord(
        executable=beside if os.path.isfile(beside) else "",
        python=python,
        package=str(_bridge_folder()),
    )


def install_scripts(root: Path, tool: ToolRecord | None = None) -> list[Path]:
    """Copy the menu scripts into ``root/Utility`` with the tool record written into each.

    Args:
        root: a Resolve ``Fusion/Scripts`` folder (created if missing).
        tool: what to record (default: :func:`current_tool`, this interpreter's).

    Raises:
        ResolveHostError: the folder is not writable, or a file of the same name is not ours.
    """
    from chroma_engine.io import write_text_atomic

    target = root / "Utility"
    record = tool if tool is not None else current_tool()
    line = f"_TOOL = {record.as_mapping()!r}"
    written: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in menu_script_sources().items():
            dest = target / name
            if dest.exists() and MARKER not in dest.read_text(encoding="utf-8", errors="replace"):
                raise ResolveHostError(
                    f"{dest} exists and is not a chroma-recovery script", hint="move it away first"
                )
            if _TOOL_LINE not in text:
                raise ResolveHostError(
                    f"packaged {name} lacks its bootstrap line", hint="reinstall chroma-recovery"
                )
            write_text_atomic(dest, text.replace(_TOOL_LINE, line, 1))
            written.append(dest)
    except OSError as exc:
        raise ResolveHostError(
            f"{target}: cannot install menu scripts ({exc.strerror})", hint="try --user"
        ) from exc
    return written


def uninstall_scripts(root: Path) -> list[Path]:
    """Remove our menu scripts from ``root/Utility`` (only files carrying our marker)."""
    removed: list[Path] = []
    for name in menu_script_sources():
        path = root / "Utility" / name
        if path.is_file() and MARKER in path.read_text(encoding="utf-8", errors="replace"):
            try:
                path.unlink()
            except OSError as exc:
                raise ResolveHostError(
                    f"{path}: cannot remove ({exc.strerror})", hint="check permissions"
                ) from exc
            removed.append(path)
    return removed
