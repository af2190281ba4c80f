"""``run`` and ``demo``: the five stages on a job, on the native engine or Nuke."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ._errors import handle_errors
from ._synth_cmds import parse_size

app = typer.Typer()
console = Console(highlight=False)
STAGE_HELP = "Stage to run (repeatable): curation, alignment, training, inference, matchgrade, qc."


def _metrics_table(metrics: dict[str, float], title: str) -> Table:
    from chroma_engine.qc import labelled_metrics_table, qc_verdict

    labelled = labelled_metrics_table(metrics)
    verdict = qc_verdict(metrics)
    checks = "\n".join(f"{'ok' if ok else 'NO'}  {text}" for ok, text in verdict.checks)
    table = Table(
        title=title, show_lines=False, caption=f"{verdict.headline}\n{checks}", caption_justify="left"
    )
    for i, column in enumerate(labelled.columns):
        table.add_column(str(column), justify="left" if i == 0 else "right")
    for row in labelled.rows:
        table.add_row(*(str(cell) for cell in row))
    return table


@app.command("run")
@handle_errors
def run(
    job_file: Path = typer.Argument(..., help="ShotJob JSON file."),
    stage: list[str] = typer.Option(None, "--stage", "-s", help=STAGE_HELP),
    backend: str = typer.Option(None, "--backend", help="auto | nuke | native (default: the job's)."),
    steps: int = typer.Option(None, "--steps", help="Override the job's training steps."),
    device: str = typer.Option(
        None, "--device", help="Override the job's device (auto, cpu, cuda, cuda:N, mps)."
    ),
) -> None:
    """Run the stages of a job (all five plus the QC report by default)."""
    import schemas
    from chroma_engine.devices import check_device
    from chroma_engine.runner import run_job
    from nuke_bridge import choose_backend

    check_device(device)
    job = schemas.load_job(job_file)
    if choose_backend(backend, job).uses_nuke:
        from nuke_bridge import run_job_with_nuke

        run_job_with_nuke(job, stages=stage or None, console=console)
        return
    started = time.perf_counter()
    summary = run_job(job, stages=stage or None, steps=steps, device=device)
    console.print(
        f"[green]done[/] {job.job_id} ({', '.join(summary.stages)}) in {time.perf_counter() - started:.0f}s"
    )
    if summary.metrics:
        console.print(_metrics_table(summary.metrics, f"{job.shot.name} metrics"))
    for manifest in (summary.inference, summary.matchgrade):
        if manifest is not None and manifest.output is not None:
            console.print(f"{manifest.stage}: {Path(job.project.root) / manifest.output.path}")
    if summary.report:
        console.print(f"QC report: [bold]{summary.report}[/]")


@app.command("demo")
@handle_errors
def demo(
    out: Path = typer.Option(Path("chroma-recovery-demo"), "--out", help="Demo project folder."),
    frames: int = typer.Option(24, "--frames", help="Frames in the synthetic shot."),
    size: str = typer.Option("384x288", "--size", help="Frame size WxH."),
    severity: str = typer.Option("severe", "--severity", help="mild | severe | extreme"),
    steps: int = typer.Option(300, "--steps", help="Training steps (CPU-friendly default)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Synthesise a faded shot, restore it with all five stages on the native engine, print the report."""
    import schemas
    from chroma_engine.runner import run_job
    from chroma_engine.synth import synthesize_shot

    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.perf_counter()
    job_file = out / "job.json"
    if job_file.exists():
        job = schemas.load_job(job_file)
        console.print(f"reusing the demo shot in {out} (new versions are written, nothing is overwritten)")
    else:
        width, height = parse_size(size)
        console.print(f"synthesising a {severity} faded shot: {frames} frames {width}x{height} -> {out}")
        if severity not in ("mild", "severe", "extreme"):
            raise typer.BadParameter("choose mild, severe or extreme", param_hint="--severity")
        job = synthesize_shot(out, frames=frames, width=width, height=height, severity=severity, seed=seed)  # type: ignore[arg-type]
        job = schemas.load_job(job_file)
    summary = run_job(job, steps=steps)
    console.print(_metrics_table(summary.metrics, f"demo shot {job.shot.name} ({severity}), held-out frames"))
    console.print(f"[green]demo finished[/] in {time.perf_counter() - started:.0f}s")
    if summary.inference and summary.inference.output:
        console.print(f"restored frames: {Path(job.project.root) / summary.inference.output.path}")
    console.print(f"QC report: [bold]{summary.report}[/]")
