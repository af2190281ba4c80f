"""``run_job``: the five stages in order (or one of them), with rich progress and a summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from schemas import STAGES, RenderManifest, ShotJob

from .._errors import StageError
from ._context import ShotContext
from ._prep_stages import run_alignment, run_curation
from ._render_stages import latest_model, run_inference, run_matchgrade, run_training

ALL_STAGES: tuple[str, ...] = (*STAGES, "qc")


@dataclass
class RunSummary:
    """What a run produced."""

    job_id: str
    stages: list[str] = field(default_factory=list)
    model: Path | None = None
    inference: RenderManifest | None = None
    matchgrade: RenderManifest | None = None
    report: Path | None = None

    @property
    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for manifest in (self.inference, self.matchgrade):
            if manifest is not None:
                out.update(manifest.metrics)
        return out


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<11}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def run_job(
    job: ShotJob,
    stages: Sequence[str] | None = None,
    steps: int | None = None,
    device: str | None = None,
    console: Console | None = None,
) -> RunSummary:
    """Run ``stages`` (default: all five plus the QC report) of ``job`` on the native engine."""
    wanted = list(stages or ALL_STAGES)
    unknown = [s for s in wanted if s not in ALL_STAGES]
    if unknown:
        raise StageError(f"unknown stage(s) {', '.join(unknown)}", hint=f"stages: {', '.join(ALL_STAGES)}")
    console = console or Console(stderr=True)
    ctx = ShotContext.from_job(job)
    summary = RunSummary(job.job_id)
    with _progress(console) as bar:
        tasks: dict[str, TaskID] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        curation = run_curation(ctx) if "curation" in wanted else ctx.load_curation()
        alignment = run_alignment(ctx, curation) if "alignment" in wanted else ctx.load_alignment()
        if "training" in wanted:
            summary.model = run_training(
                ctx, curation, alignment, steps=steps, device=device, progress=report
            )
        elif "inference" in wanted:
            summary.model = latest_model(ctx)
        if "inference" in wanted and summary.model is not None:
            summary.inference = run_inference(
                ctx, curation, alignment, summary.model, device, progress=report
            )
        if "matchgrade" in wanted and job.matchgrade.enabled:
            summary.matchgrade = run_matchgrade(ctx, curation, alignment, progress=report)
    summary.stages = [s for s in wanted if s != "qc"]
    if "qc" in wanted:
        summary.report = _report(ctx, curation, alignment, summary)
    return summary


def _report(ctx: ShotContext, curation, alignment, summary: RunSummary) -> Path:  # type: ignore[no-untyped-def]
    from schemas import load_manifest

    from ..io import newest_complete_version
    from ._manifest import MANIFEST_NAME
    from ._report import build_report

    picks = {stage: newest_complete_version(ctx.shot_dir(stage)) for stage in ("inference", "matchgrade")}

    def latest(stage: str) -> RenderManifest | None:
        folder = picks[stage].folder
        return None if folder is None else load_manifest(folder / MANIFEST_NAME)

    inference = summary.inference or latest("inference")
    if inference is None:
        raise StageError(
            f"no complete inference render for shot {ctx.shot} under {ctx.shot_dir('inference')}: "
            + picks["inference"].describe(),
            hint="run the inference stage first",
        )
    matchgrade = summary.matchgrade or latest("matchgrade")
    model = summary.model or latest_model(ctx)
    loss = next(iter(sorted(model.parent.glob("**/loss*.png"))), None)
    return build_report(ctx, curation, alignment, inference, matchgrade, loss)
