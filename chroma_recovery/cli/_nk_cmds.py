"""``nk build``: write the five-stage Nuke scripts of a shot job."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

import schemas

from ._errors import handle_errors

nk_app = typer.Typer(help="Nuke scripts (.nk) for the NukeX CopyCat workflow.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@nk_app.command("build")
@handle_errors
def build(
    job_file: Path = typer.Argument(..., help="A ShotJob JSON file."),
    stage: list[str] = typer.Option(
        None,
        "--stage",
        help="Stage to build (repeatable): curation, alignment, training, inference, matchgrade.",
    ),
    nuke_version: str = typer.Option("15.1v5", "--nuke-version", help="Target Nuke version, e.g. 15.1v5."),
    model_file: str = typer.Option(None, "--model-file", help="The .cat for the inference stage."),
    non_commercial: bool = typer.Option(
        False, "--non-commercial", help="Limit the inference output to 1080p."
    ),
) -> None:
    """Write pipeline/0N_<stage>/<shot>/nuke/<shot>_<stage>_v###.nk (new version, never overwritten).

    Engine decisions are read from pipeline/01_dataset_curation/<shot>/v###/curation.json and
    pipeline/02_alignment/<shot>/v###/alignment.json when they exist. A job that lists no training
    frames and has no curation record gets the engine's curation decision first (CPU, seconds),
    recorded as the curation stage records it. Log: pipeline/logs/<shot>/.
    """
    import nuke_bridge
    from chroma_engine.runner import job_log

    job = schemas.load_job(job_file)
    options = nuke_bridge.BuildOptions(model_file=model_file, non_commercial=non_commercial)
    with job_log(job, "nk-build"):
        paths = nuke_bridge.build_scripts(
            job, stages=stage or None, nuke_version=nuke_version, options=options
        )
    for name, path in paths.items():
        console.print(f"wrote {name}: {path}")
