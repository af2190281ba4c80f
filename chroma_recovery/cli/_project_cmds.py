"""``init``: the five-stage project layout."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ._errors import handle_errors

app = typer.Typer()
console = Console(highlight=False)


@app.command("init")
@handle_errors
def init(project_dir: Path = typer.Argument(..., help="Project folder to create or complete.")) -> None:
    """Create the five-stage project layout (existing files are kept)."""
    from chroma_engine.layout import init_project

    created = init_project(project_dir)
    console.print(f"[green]project ready[/] {project_dir.resolve()} ({len(created)} new entries)")
    for path in created:
        console.print(f"  + {path.relative_to(project_dir)}")
