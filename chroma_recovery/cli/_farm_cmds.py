"""``farm``: write Open Job Description bundles of a shot, check them, and run one farm task."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from ._errors import handle_errors

farm_app = typer.Typer(
    help="Render-farm bundles (Open Job Description / AWS Deadline Cloud).", no_args_is_help=True
)
console = Console(highlight=False, stderr=True)


@farm_app.command("bundle")
@handle_errors
def bundle(
    job_file: Path = typer.Argument(..., help="ShotJob JSON file."),
    out_dir: Path = typer.Argument(..., help="Bundle folder to create (must not exist or be empty)."),
    backend: str = typer.Option(
        None, "--backend", help="Default Backend: nuke | native (default: the job's)."
    ),
    steps: int = typer.Option(None, "--steps", help="Default training Steps (default: the job's)."),
    chunk_size: int = typer.Option(
        12, "--chunk-size", help="Default ChunkSize: frames per Infer/MatchGrade task."
    ),
    command: str = typer.Option(
        "chroma-recovery", "--command", help="Default ChromaRecoveryCommand: how workers start the CLI."
    ),
    check: bool = typer.Option(True, "--check/--no-check", help="Also run `openjd check` on the template."),
) -> None:
    """Write template.yaml + parameter_values.yaml + asset_references.yaml; reserve the render versions."""
    from chroma_recovery.farm import openjd_check, write_bundle

    info = write_bundle(
        job_file, out_dir, backend=backend, steps=steps, chunk_size=chunk_size, command=command
    )
    if check:
        openjd_check(info.template)
    first, last = info.frames
    print(
        f"bundle {info.bundle_dir}  ({info.job_id}, frames {first}-{last}, steps {' -> '.join(info.steps)})"
    )
    print(
        f"reserved {info.infer_version_dir}"
        + (f", {info.matchgrade_version_dir}" if info.matchgrade_version_dir else "")
    )
    print(f"local:   openjd run {info.template}")
    print(f"farm:    deadline bundle submit {info.bundle_dir} --farm-id FARM --queue-id QUEUE")


@farm_app.command("check")
@handle_errors
def check(bundle_dir: Path = typer.Argument(..., help="Bundle folder or its template.yaml.")) -> None:
    """Validate a bundle's template with `openjd check`."""
    from chroma_recovery.farm import openjd_check

    template = bundle_dir / "template.yaml" if bundle_dir.is_dir() else bundle_dir
    print(openjd_check(template).strip() or f"{template}: valid")


def _require(value: object, option: str, step: str) -> None:
    """A task option the step cannot do without."""
    from chroma_recovery.farm import FarmError

    if value in (None, "", [], ()):
        raise FarmError(f"--step {step} needs {option}")


@farm_app.command("task")
@handle_errors
def task(
    job_file: Path = typer.Argument(..., help="ShotJob JSON file."),
    step: str = typer.Option(..., "--step", help="prepare | train | model | infer | matchgrade | finalize"),
    project_root: Path = typer.Option(None, "--project-root", help="Replaces the job's project.root."),
    backend: str = typer.Option("native", "--backend", help="nuke | native"),
    steps: int = typer.Option(None, "--steps", help="train: training steps."),
    device: str = typer.Option(None, "--device", help="train/infer: cpu, cuda, cuda:N, ddp."),
    frames: str = typer.Option(None, "--frames", help="infer/matchgrade: FIRST-LAST."),
    version_dir: list[Path] = typer.Option(
        None, "--version-dir", help="infer/matchgrade: the reserved folder; finalize: repeatable."
    ),
    model: str = typer.Option(
        None,
        "--model",
        envvar="CHROMA_RECOVERY_MODEL",
        help="infer: model file (default: $CHROMA_RECOVERY_MODEL, else the newest finished).",
    ),
    session_dir: Path = typer.Option(None, "--session-dir", help="model: the OpenJD session folder."),
) -> None:
    """Run one task of a farm job (what the bundle's steps call)."""
    from chroma_recovery.farm import (
        MODEL_ENV,
        TASK_STEPS,
        FarmError,
        bind_job,
        finalize_version,
        pin_model,
        run_chunk,
        run_prepare,
        run_train,
    )

    if step not in TASK_STEPS:
        raise FarmError(f"--step {step!r} is unknown", hint=f"steps: {', '.join(TASK_STEPS)}")
    if backend not in ("nuke", "native"):
        raise FarmError(f"--backend {backend!r} is not nuke or native")
    from chroma_engine.devices import check_device

    check_device(device)
    job = bind_job(job_file, project_root)
    if step == "prepare":
        run_prepare(job, backend)
        console.print(f"prepared {job.job_id}: curation + alignment")
    elif step == "train":
        console.print(f"trained {job.job_id}: {run_train(job, backend, steps=steps, device=device)}")
    elif step == "model":
        _require(session_dir, "--session-dir", step)
        pinned = pin_model(job, session_dir)
        sys.stdout.write(f"openjd_env: {MODEL_ENV}={pinned}\n")
        sys.stdout.flush()
    elif step in ("infer", "matchgrade"):
        _require(frames, "--frames FIRST-LAST", step)
        _require(version_dir, "--version-dir", step)
        record = run_chunk(
            job, step, frames, str(version_dir[0]), backend=backend, model=model, device=device
        )
        console.print(f"{step} {frames}: done ({record.name})")
    else:
        _require(version_dir, "--version-dir", step)
        for folder in version_dir:
            manifest = finalize_version(job, folder)
            console.print(
                f"finalized {manifest.stage} v{manifest.version:03d}: {manifest.frame_count} frames"
            )
