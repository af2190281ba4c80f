"""``schema export`` and ``job validate``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

import schemas

from ._errors import handle_errors

schema_app = typer.Typer(help="The job/manifest contract (JSON Schema).", no_args_is_help=True)
job_app = typer.Typer(help="Inspect and validate shot jobs.", no_args_is_help=True)
console = Console(highlight=False)

DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "json"


@schema_app.command("export")
@handle_errors
def export(
    out_dir: Path = typer.Option(DEFAULT_SCHEMA_DIR, "--out", help="Folder for the *.schema.json files."),
) -> None:
    """Write the JSON Schema of ShotJob, RenderManifest and SequenceRef."""
    from chroma_engine.io import write_json_atomic

    for name, schema in schemas.json_schemas().items():
        console.print(f"wrote {write_json_atomic(out_dir / name, schema, sort_keys=True)}")


@job_app.command("validate")
@handle_errors
def validate(
    job_file: Path = typer.Argument(..., help="A ShotJob JSON file."),
) -> None:
    """Validate a job file; every bad field is reported by name."""
    job = schemas.load_job(job_file)
    src = job.media.source
    console.print(
        f"[green]valid[/] {job_file}: job {job.job_id}, shot {job.shot.name}, "
        f"source {src.first_frame}-{src.last_frame} ({src.frame_count} frames), backend {job.backend}"
    )
