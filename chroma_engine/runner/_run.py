"""``run_job``: the five stages in order (or one of them), with progress, a log file and a summary."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from schemas import STAGES, AlignmentRecord, CurationRecord, RenderManifest, ShotJob

from .._errors import StageError
from ..logs import progress_bars, stage_log
from ._context import ShotContext
from ._job import job_log
from ._prep_stages import run_alignment, run_curation
from ._render_stages import latest_model, run_inference, run_matchgrade, run_training
from ._restore import Progress

ALL_STAGES: tuple[str, ...] = (*STAGES, "qc")
T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run produced."""

    job_id: str
    stages: list[str] = field(default_factory=list)
    model: Path | None = None
    inference: RenderManifest | None = None
    matchgrade: RenderManifest | None = None
    report: Path | None = None
    log: Path | None = None

    @property
    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for manifest in (self.inference, self.matchgrade):
            if manifest is not None:
                out.update(manifest.metrics)
        return out


def run_job(
    job: ShotJob,
    stages: Sequence[str] | None = None,
    steps: int | None = None,
    device: str | None = None,
    console: Console | None = None,
) -> RunSummary:
    """Run ``stages`` (default: all five plus the QC report) of ``job`` on the native engine.

    Progress: rich bars on ``console`` when it is a terminal; timestamped lines on stdout when stdout
    is not one (``chroma_engine.logs``); the same lines always in ``pipeline/logs/<shot>/`` (``job_log``).
    """
    wanted = list(stages or ALL_STAGES)
    unknown = [s for s in wanted if s not in ALL_STAGES]
    if unknown:
        raise StageError(f"unknown stage(s) {', '.join(unknown)}", hint=f"stages: {', '.join(ALL_STAGES)}")
    console = console or Console(stderr=True)
    ctx = ShotContext.from_job(job)
    summary = RunSummary(job.job_id)
    with job_log(job) as log_path:
        _log.info("run %s: %s (native engine)", job.job_id, ", ".join(wanted))
        summary.log = log_path
        started = time.monotonic()
        later = [s for s in wanted if s not in ("curation", "alignment")]
        with progress_bars(console) as report:
            curation = _stage(ctx, "curation", lambda: run_curation(ctx)) if "curation" in wanted else None
            if curation is None and (later or "alignment" in wanted):
                curation = ctx.load_curation()
            alignment = None
            if "alignment" in wanted and curation is not None:
                chosen = curation
                alignment = _stage(ctx, "alignment", lambda: run_alignment(ctx, chosen))
            elif later:
                alignment = ctx.load_alignment()
            if curation is not None and alignment is not None:
                _renders(ctx, wanted, curation, alignment, summary, report, steps, device)
        summary.stages = [s for s in wanted if s != "qc"]
        if "qc" in wanted and curation is not None and alignment is not None:
            records = (curation, alignment)
            summary.report = _stage(ctx, "qc", lambda: _report(ctx, *records, summary))
            _log.info("QC report %s", summary.report)
        _log.info("run %s done in %.1fs", job.job_id, time.monotonic() - started)
    return summary


def _stage(ctx: ShotContext, name: str, work: Callable[[], T]) -> T:
    """``work()`` framed by the stage's start / end log lines."""
    with stage_log(ctx.shot, name):
        return work()


def _renders(
    ctx: ShotContext,
    wanted: Sequence[str],
    curation: CurationRecord,
    alignment: AlignmentRecord,
    summary: RunSummary,
    report: Progress,
    steps: int | None,
    device: str | None,
) -> None:
    """Training, inference and MatchGrade, those of them ``wanted``, into ``summary``."""
    if "training" in wanted:
        summary.model = _stage(
            ctx,
            "training",
            lambda: run_training(ctx, curation, alignment, steps=steps, device=device, progress=report),
        )
    elif "inference" in wanted:
        summary.model = latest_model(ctx)
    if "inference" in wanted and summary.model is not None:
        model = summary.model
        summary.inference = _stage(
            ctx, "inference", lambda: run_inference(ctx, curation, alignment, model, device, progress=report)
        )
    if "matchgrade" in wanted and ctx.job.matchgrade.enabled:
        summary.matchgrade = _stage(
            ctx, "matchgrade", lambda: run_matchgrade(ctx, curation, alignment, progress=report)
        )


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
