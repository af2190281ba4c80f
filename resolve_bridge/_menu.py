"""What the Workspace ▸ Scripts ▸ Utility entries run: one function per menu item.

The menu scripts stay a few lines (bootstrap ``sys.path``, then :func:`run_menu_action`); all
logic lives here so it is importable, typed and tested. Errors of this package and of
``schemas`` are printed to Resolve's console as ``[chroma-recovery] error: ...`` plus a hint,
never as a traceback. Settings come from the config file (see :mod:`resolve_bridge._config`);
a UIManager dialog is shown only where ``fusion.UIManager`` exists (Studio).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import schemas

from ._config import BridgeConfig, load_config
from ._dialog import ask_shot_name
from ._errors import BridgeError
from ._exports import export_phase1, latest_exports
from ._host import get_resolve, ui_manager
from ._import_renders import apply_pending_imports
from ._send_shot import send_shot
from ._setup import setup_project

PREFIX = "[chroma-recovery]"


def say(message: str) -> None:
    """Print one line to Resolve's console (stdout of the script process)."""
    print(f"{PREFIX} {message}", flush=True)


def _setup(resolve: Any, config: BridgeConfig, env: Mapping[str, Any]) -> Any:
    report = setup_project(resolve, config)
    say(("created" if report.created else "reused") + f" project {config.project_name}")
    for note in report.notes:
        say(f"note: {note}")
    existing = latest_exports(config)
    if existing is not None:
        say(f"Phase 1 exports already in {existing}; not rendering again (delete that folder to redo)")
        return report
    result = export_phase1(resolve, config, report.clips)
    for tag, seq in result.sequences.items():
        say(f"exported {tag}: {seq.path} frames {seq.first_frame}-{seq.last_frame}")
    return result


def _send(resolve: Any, config: BridgeConfig, env: Mapping[str, Any]) -> Any:
    name = ask_shot_name(ui_manager(env), env.get("bmd"), "")
    if name is None:
        say("cancelled; no job written")
        return None
    path = send_shot(resolve, config, shot_name=name or None)
    say(f"job written: {path}")
    return path


def _import(resolve: Any, config: BridgeConfig, env: Mapping[str, Any]) -> Any:
    result = apply_pending_imports(resolve, config.project_root)
    for line in result.report.placed + result.report.superseded:
        say(line)
    for path, error in result.failed:
        say(f"error: {path.name}: {error}")
    if not result.done and not result.failed:
        say(f"nothing pending in {config.root / 'resolve_queue' / 'pending'}")
    return result


def _conform(resolve: Any, config: BridgeConfig, env: Mapping[str, Any]) -> Any:
    from ._conform import conform_reel

    return conform_reel(resolve, config)


ACTIONS: dict[str, Callable[[Any, BridgeConfig, Mapping[str, Any]], Any]] = {
    "setup": _setup,
    "send_shot": _send,
    "import_renders": _import,
    "conform": _conform,
}


def run_menu_action(action: str, env: Mapping[str, Any], config_path: str | None = None) -> Any:
    """Run one menu entry with the globals Resolve gave the script; print errors, never raise them.

    Args:
        action: ``"setup"``, ``"send_shot"``, ``"import_renders"`` or ``"conform"``.
        env: the script's ``globals()`` (``resolve``, ``fusion``, ``bmd``, ``app``).
        config_path: explicit config file (default: ``$CHROMA_RECOVERY_CONFIG`` or the default path).

    Returns:
        The action's result, or None when it failed (the error was printed).
    """
    try:
        resolve = get_resolve(env)
        config = load_config(config_path)
        return ACTIONS[action](resolve, config, env)
    except (BridgeError, schemas.SchemaError) as exc:
        say(f"error: {exc}")
        if getattr(exc, "hint", ""):
            say(f"hint: {exc.hint}")
        return None
