"""``resolve install-scripts``, ``resolve queue-import`` and ``resolve host``: the DaVinci Resolve side."""

from __future__ import annotations

import contextlib
import sys
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
    """Copy the four 'Chroma Recovery - ...' menu scripts into Resolve's Scripts/Utility folder.

    Each copy records where this chroma-recovery and its Python live: the scripts run under any
    Python 3.8+ that Resolve finds and call this tool for everything else.
    """
    from chroma_recovery.resolve_host import (
        ResolveHostError,
        current_tool,
        scripts_root,
        uninstall_scripts,
    )
    from chroma_recovery.resolve_host import install_scripts as install

    if sum((user, system, target is not None)) > 1:
        raise ResolveHostError("choose one of --user, --system, --target", hint="--user is the default")
    root = target if target is not None else scripts_root("system" if system else "user")
    if uninstall:
        removed = uninstall_scripts(root)
        for path in removed:
            console.print(f"removed {path}")
        if not removed:
            console.print(f"no chroma-recovery scripts in {root / 'Utility'}")
        return
    tool = current_tool()
    for path in install(root, tool):
        console.print(f"installed {path}")
    console.print(f"the scripts call {tool.executable or tool.python + ' -m chroma_recovery'}")
    console.print("restart Resolve (or reopen Workspace > Scripts) to see them under Utility")


@resolve_app.command("queue-import")
@handle_errors
def queue_import(
    manifest: Path = typer.Argument(..., help="An inference or matchgrade RenderManifest JSON."),
    root: Path = typer.Option(..., "--root", help="The project root (holds resolve_queue/)."),
) -> None:
    """Queue a finished render for 'Import ML Renders' (copies it to resolve_queue/pending)."""
    import schemas
    from chroma_recovery.loop import ImportQueue

    console.print(f"queued {ImportQueue(root).queue(manifest, schemas.load_manifest(manifest))}")


@resolve_app.command("host")
def host(
    verb: str = typer.Argument(
        ..., help="config | check-frames | write-job | renders | queue-finish | conform-plan"
    ),
) -> None:
    """Machine interface of the menu scripts: one JSON request on stdin, one JSON reply line on stdout.

    Exit status 0 when the reply is ok, 2 when the request was refused (the reply says why).
    """
    from chroma_recovery.resolve_host import handle, reply_ok

    request = sys.stdin.read()
    with contextlib.redirect_stdout(sys.stderr):  # stray prints must not corrupt the reply line
        reply = handle(verb, request)
    sys.stdout.write(reply + "\n")
    sys.stdout.flush()
    raise typer.Exit(0 if reply_ok(reply) else 2)
