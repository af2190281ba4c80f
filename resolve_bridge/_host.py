"""Getting the Resolve object — the only module that touches ``DaVinciResolveScript``.

Order (``resolve_api.md`` §1): the ``resolve`` global a menu script receives, then the
undocumented ``app.GetResolve()`` (the dependable handle on the free edition), then external
scripting through ``DaVinciResolveScript.scriptapp("Resolve")`` (Studio only; free answers None).
The object found is passed into every bridge function; nothing keeps it in a module global.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._errors import HostUnavailableError
from ._gateway import has_method

#: Default ``RESOLVE_SCRIPT_API`` per ``sys.platform`` prefix (resolve_api.md §1.2).
DEFAULT_SCRIPT_API: dict[str, tuple[str, ...]] = {
    "darwin": ("/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Scripting",),
    "win32": (
        os.path.join(
            os.environ.get("PROGRAMDATA", r"C:\ProgramData"),
            "Blackmagic Design",
            "DaVinci Resolve",
            "Support",
            "Developer",
            "Scripting",
        ),
    ),
    "linux": ("/opt/resolve/Developer/Scripting", "/home/resolve/Developer/Scripting"),
}


def _is_resolve(obj: object) -> bool:
    return obj is not None and has_method(obj, "GetVersion")


def script_api_dirs(platform: str | None = None) -> list[Path]:
    """Candidate ``Scripting`` folders: ``$RESOLVE_SCRIPT_API`` first, then the OS defaults."""
    found: list[Path] = []
    env = os.environ.get("RESOLVE_SCRIPT_API")
    if env:
        found.append(Path(env))
    plat = platform or sys.platform
    for prefix, dirs in DEFAULT_SCRIPT_API.items():
        if plat.startswith(prefix):
            found.extend(Path(d) for d in dirs)
    return found


def _external_resolve(tried: list[str]) -> Any:
    """``DaVinciResolveScript.scriptapp("Resolve")`` with each ``<api>/Modules`` on ``sys.path``."""
    for api_dir in script_api_dirs():
        modules = str(api_dir / "Modules")
        if os.path.isdir(modules) and modules not in sys.path:
            sys.path.append(modules)
    try:
        dvr_script = importlib.import_module("DaVinciResolveScript")
    except ImportError as exc:
        tried.append(f"DaVinciResolveScript not importable ({exc})")
        return None
    try:
        resolve = dvr_script.scriptapp("Resolve")
    except Exception as exc:  # noqa: BLE001 - fusionscript raises anything on a bad library
        tried.append(f'DaVinciResolveScript.scriptapp("Resolve") raised {type(exc).__name__}: {exc}')
        return None
    if _is_resolve(resolve):
        return resolve
    tried.append('DaVinciResolveScript.scriptapp("Resolve") returned None (free edition or not running)')
    return None


def get_resolve(globals_dict: Mapping[str, Any] | None = None) -> Any:
    """Return the running Resolve, trying every documented way in order.

    Args:
        globals_dict: the globals of a menu script (``globals()``), holding ``resolve``, ``fusion``,
            ``bmd`` and ``app`` when Resolve runs it; None from an external script.

    Raises:
        HostUnavailableError: none of the ways worked; its message lists what was tried.
    """
    tried: list[str] = []
    env = globals_dict or {}
    candidate = env.get("resolve")
    if _is_resolve(candidate):
        return candidate
    tried.append("menu global 'resolve' " + ("absent" if candidate is None else "has no GetVersion"))
    app = env.get("app")
    if app is not None and has_method(app, "GetResolve"):
        candidate = app.GetResolve()
        if _is_resolve(candidate):
            return candidate
        tried.append("app.GetResolve() returned no Resolve")
    else:
        tried.append("global 'app' absent")
    candidate = _external_resolve(tried)
    if candidate is not None:
        return candidate
    raise HostUnavailableError(tried)


def ui_manager(globals_dict: Mapping[str, Any] | None) -> Any:
    """``fusion.UIManager`` when it exists (Studio), else None (free edition since 19.1)."""
    fusion = (globals_dict or {}).get("fusion")
    if fusion is None:
        return None
    try:
        return getattr(fusion, "UIManager", None)
    except Exception:  # noqa: BLE001 - the free edition may raise an upsell instead of None
        return None
