"""``run_job_with_nuke``: a whole job on the Nuke backend (``chroma-recovery run --backend nuke``).

Finds Nuke, applies the edition's limits (Non-Commercial: 1080p), writes the five stage scripts with
the engine's decision records (a fresh job that lists no training frames gets the engine's curation
decision first: ``build_scripts``), and renders them in order through the ``-t`` wrapper. Progress
goes out as the engine's log lines (``chroma_engine.logs``: stage start/end, frames every ~10 % or
30 s with an ETA, Nuke's errors), into the job's run log (``pipeline/logs/<shot>/``) as well.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from schemas import STAGES, ShotJob

from ._backend import RunOptions, StageRun, apply_edition_limits, run_stages_with_nuke
from ._build import build_scripts
from ._locate import locate_nuke
from ._runner import NukeEvent

if TYPE_CHECKING:
    from chroma_engine.logs import ProgressReporter

_log = logging.getLogger(__name__)


def run_job_with_nuke(
    job: ShotJob,
    stages: Sequence[str] | None = None,
    console: Console | None = None,
    options: RunOptions | None = None,
) -> dict[str, StageRun]:
    """Build and render ``stages`` (default all five) of ``job`` with Nuke; raises on the first failure.

    ``console``: where rich progress bars show while it is a terminal (log lines are written either way).
    """
    from chroma_engine.logs import progress_bars
    from chroma_engine.runner import job_log

    wanted = [s for s in (stages or STAGES) if s in STAGES]  # the QC report is native-only
    root = Path(job.project.root)
    with job_log(job, "nuke"), progress_bars(console) as report:
        install = locate_nuke(root)
        job = apply_edition_limits(job, install)
        _log.info("Nuke %s (%s): stages %s", install.executable, install.edition, ", ".join(wanted))
        scripts = build_scripts(job, stages=wanted)
        for stage, script in scripts.items():
            _log.info("script %s: %s", stage, script)
        on_event = _event_logger(report)
        runs = run_stages_with_nuke(job, wanted, scripts, install=install, options=options, on_event=on_event)
        for stage, run in runs.items():
            _log.info(
                "%s: %d output(s) in %.1fs, Nuke log %s",
                stage,
                len(run.outputs),
                run.duration_s,
                run.log_path,
            )
    return runs


def _event_logger(report: ProgressReporter) -> Callable[[str, NukeEvent], None]:
    """``(stage, event)`` -> log lines: frame progress throttled (``report``), errors, the ``.cat``."""

    def on_event(stage: str, event: NukeEvent) -> None:
        if event.kind == "progress" and event.index is not None and event.total:
            report(stage, event.index, event.total)
        elif event.kind == "error":
            _log.error("%s", event.line, extra={"stage": stage})
        elif event.kind == "cat":
            _log.info("model %s", event.path, extra={"stage": stage})
        else:
            _log.debug("%s", event.line, extra={"stage": stage})

    return on_event
