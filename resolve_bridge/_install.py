"""Install the menu scripts into Resolve's ``Fusion/Scripts/Utility`` folder (and remove them).

The canonical scripts ship in the wheel as ``resolve_bridge/menu_scripts/*.py`` (identical copies
live in the repository's ``scripts/Utility/``). Resolve runs them with *its* Python, which does
not see our virtual environment, so installing rewrites the line ``_PACKAGE_PATHS = []`` of each
copy to list where ``resolve_bridge`` and its dependencies (pydantic...) are installed — a
``.pth``-style bootstrap recorded at install time. Resolve's Python must be the same minor
version as the installing one for compiled dependencies (pydantic-core) to load.

Folders (``resolve_api.md`` §1.4): user scope is the per-user Scripts folder, system scope the
all-users one; ``--target DIR`` names any ``Scripts`` folder (the scripts go to ``DIR/Utility``).
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import Literal

from ._errors import BridgeError

MARKER = "chroma-recovery menu script"
_PATHS_LINE = "_PACKAGE_PATHS = []"
Scope = Literal["user", "system"]


def scripts_root(scope: Scope = "user", platform: str | None = None) -> Path:
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


def menu_script_sources() -> dict[str, str]:
    """File name -> text of every canonical menu script shipped in the package."""
    folder = resources.files("resolve_bridge") / "menu_scripts"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".py") and entry.name.startswith("Chroma Recovery")
    }


def package_paths() -> list[str]:
    """Folders Resolve's Python needs on ``sys.path``: ours (``resolve_bridge`` + ``schemas``), then
    the site-packages holding pydantic (and with it pydantic-core, typing-extensions)."""
    import pydantic

    found: list[str] = []
    for folder in (Path(__file__).resolve().parents[1], Path(pydantic.__file__).resolve().parents[1]):
        if str(folder) not in found:
            found.append(str(folder))
    return found


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def install_scripts(root: Path, paths: list[str] | None = None) -> list[Path]:
    """Copy the menu scripts into ``root/Utility`` with the package paths recorded.

    Args:
        root: a Resolve ``Fusion/Scripts`` folder (created if missing).
        paths: folders to put on ``sys.path`` (default: :func:`package_paths`).

    Raises:
        BridgeError: the folder is not writable, or a file of the same name is not ours.
    """
    target = root / "Utility"
    recorded = paths if paths is not None else package_paths()
    written: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in menu_script_sources().items():
            dest = target / name
            if dest.exists() and MARKER not in dest.read_text(encoding="utf-8", errors="replace"):
                raise BridgeError(
                    f"{dest} exists and is not a chroma-recovery script", hint="move it away first"
                )
            if _PATHS_LINE not in text:
                raise BridgeError(
                    f"packaged {name} lacks its bootstrap line", hint="reinstall chroma-recovery"
                )
            _atomic_write(dest, text.replace(_PATHS_LINE, f"_PACKAGE_PATHS = {recorded!r}", 1))
            written.append(dest)
    except OSError as exc:
        raise BridgeError(
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
                raise BridgeError(
                    f"{path}: cannot remove ({exc.strerror})", hint="check permissions"
                ) from exc
            removed.append(path)
    return removed
