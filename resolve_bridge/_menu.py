"""What the Workspace ▸ Scripts ▸ Utility entries run: one function per menu item.

The menu scripts stay a few lines (load this package from the folder recorded at install time,
then :func:`run_menu_action`); all logic lives here so it is importable, typed and tested. Errors
of this package — the tool's refusals included — are printed to Resolve's console as
``[chroma-recovery] error: ...`` plus a hint, never as a traceback, and shown in a dialog where
``fusion.UIManager`` exists (Studio). Settings come from the config file (see
:mod:`resolve_bridge._config`), validated by the tool.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._config import BridgeConfig, load_config
from ._conform import conform_reel
from ._dialog import ask_shot_name, show_error
from ._errors import BridgeError
from ._exports import export_phase1, latest_exports
from ._host import get_resolve, ui_manager
from ._import_renders import apply_pending_imports
from ._send_shot import send_shot
from ._setup import setup_project
from ._tool import ToolClient, ToolRecord

PREFIX = "[chroma-recovery]"


def say(message: str) -> None:
    """Print one line to Resolve's console (stdout of the script process)."""
    print(f"{PREFIX} {message}", flush=True)


@dataclass(frozen=True)
class MenuContext:
    """What one menu action works with.

    Attributes:
        resolve: the Resolve object.
        tool: the chroma-recovery tool client.
        config: the validated config.
        env: the script's globals (``fusion``, ``bmd`` for dialogs).
    """

    resolve: Any
    tool: ToolClient
    config: BridgeConfig
    env: Mapping[str, Any]


def _setup(ctx: MenuContext) -> Any:
    config = ctx.config
    report = setup_project(ctx.resolve, config)
    say(("created" if report.created else "reused") + f" project {config.project_name}")
    for note in report.notes:
        say(f"note: {note}")
    existing = latest_exports(config)
    if existing is not None:
        say(f"Phase 1 exports already in {existing}; not rendering again (delete that folder to redo)")
        return report
    result = export_phase1(ctx.resolve, ctx.tool, config, report.clips)
    for tag, seq in result.sequences.items():
        say(f"exported {tag}: {seq.path} frames {seq.first_frame}-{seq.last_frame}")
    return result


def _send(ctx: MenuContext) -> Any:
    name = ask_shot_name(ui_manager(ctx.env), ctx.env.get("bmd"), "")
    if name is None:
        say("cancelled; no job written")
        return None
    path = send_shot(ctx.resolve, ctx.tool, ctx.config, shot_name=name or None)
    say(f"job written: {path}")
    return path


def _import(ctx: MenuContext) -> Any:
    result = apply_pending_imports(ctx.resolve, ctx.tool, ctx.config.project_root)
    for line in result.report.placed + result.report.superseded:
        say(line)
    for path, error in result.failed:
        say(f"error: {path.name}: {error}")
    if not result.done and not result.failed:
        say(f"nothing pending in {ctx.config.root / 'resolve_queue' / 'pending'}")
    return result


def _conform(ctx: MenuContext) -> Any:
    report = conform_reel(ctx.resolve, ctx.tool, ctx.config)
    say(f"conformed {report.reel.name} as timeline {report.timeline}")
    for line in report.placed + report.markers:
        say(line)
    for line in report.offline:
        say(f"offline: {line}")
    return report


ACTIONS: dict[str, Callable[[MenuContext], Any]] = {
    "setup": _setup,
    "send_shot": _send,
    "import_renders": _import,
    "conform": _conform,
}


def run_menu_action(
    action: str,
    env: Mapping[str, Any],
    config_path: str | None = None,
    tool: ToolClient | ToolRecord | Mapping[str, Any] | None = None,
) -> Any:
    """Run one menu entry with the globals Resolve gave the script; print errors, never raise them.

    Args:
        action: ``"setup"``, ``"send_shot"``, ``"import_renders"`` or ``"conform"``.
        env: the script's globals (``resolve``, ``fusion``, ``bmd``, ``app``).
        config_path: explicit config file (default: ``$CHROMA_RECOVERY_CONFIG`` or the default path).
        tool: the tool record the installer wrote into the script (or a ready client).

    Returns:
        The action's result, or None when it failed (the error was printed).
    """
    try:
        client = ToolClient.from_record(tool)
        resolve = get_resolve(env)
        config = load_config(client, config_path)
        return ACTIONS[action](MenuContext(resolve, client, config, env))
    except BridgeError as exc:
        say(f"error: {exc}")
        if exc.hint:
            say(f"hint: {exc.hint}")
        show_error(ui_manager(env), env.get("bmd"), str(exc), exc.hint)
        return None
