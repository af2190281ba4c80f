"""``resolve install-scripts`` and ``resolve queue-import``: the DaVinci Resolve side."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ._errors import handle_errors

resolve_app = typer.Typer(
    help="DaVinci Resolve menu scripts and the Phase 3 import queue.", no_args_is_help=True
)
console = Console(highlight=False)


@resolve_app.command("install-scripts")
@handle_errors
def install_scripts(
    user: bool = typer.Option(False, "--user", help="Current user's Scripts folder (the default)."),
    system: bool = typer.Option(False, "--system", help="All users' Scripts folder (needs admin rights)."),
    target: Path | None = typer.Option(
        None, "--target", help="A Fusion 'Scripts' folder; scripts go to its Utility/."
    ),
    uninstall: bool = typer.Option(False, "--uninstall", help="Remove the scripts instead."),
) -> None:
    """Copy the four 'Chroma Recovery - ...' menu scripts into Resolve's Scripts/Utility folder."""
    from resolve_bridge import BridgeError, scripts_root, uninstall_scripts
    from resolve_bridge import install_scripts as install

    if sum((user, system, target is not None)) > 1:
        raise BridgeError("choose one of --user, --system, --target", hint="--user is the default")
    root = target if target is not None else scripts_root("system" if system else "user")
    if uninstall:
        removed = uninstall_scripts(root)
        for path in removed:
            console.print(f"removed {path}")
        if not removed:
            console.print(f"no chroma-recovery scripts in {root / 'Utility'}")
        return
    for path in install(root):
        console.print(f"installed {path}")
    console.print("restart Resolve (or reopen Workspace > Scripts) to see them under Utility")


@resolve_app.command("queue-import")
@handle_errors
def queue_import(
    manifest: Path = typer.Argument(..., help="An inference or matchgrade RenderManifest JSON."),
    root: Path = typer.Option(..., "--root", help="The project root (holds resolve_queue/)."),
) -> None:
    """Queue a finished render for 'Import ML Renders' (copies it to resolve_queue/pending)."""
    from resolve_bridge import queue_manifest

    console.print(f"queued {queue_manifest(root, manifest)}")
