"""``run_job_with_nuke``: a whole job on the Nuke backend (``chroma-recovery run --backend nuke``).

Finds Nuke, applies the edition's limits (Non-Commercial: 1080p), writes the five stage scripts with
the engine's decision records when they exist, and renders them in order through the ``-t`` wrapper,
streaming Nuke's progress and errors to the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from schemas import STAGES, ShotJob

from ._backend import RunOptions, StageRun, apply_edition_limits, run_stages_with_nuke
from ._build import build_scripts
from ._locate import locate_nuke
from ._runner import NukeEvent


def run_job_with_nuke(
    job: ShotJob,
    stages: Sequence[str] | None = None,
    console: Console | None = None,
    options: RunOptions | None = None,
) -> dict[str, StageRun]:
    """Build and render ``stages`` (default all five) of ``job`` with Nuke; raises on the first failure."""
    console = console or Console(stderr=True)
    wanted = [s for s in (stages or STAGES) if s in STAGES]  # the QC report is native-only
    root = Path(job.project.root)
    install = locate_nuke(root)
    job = apply_edition_limits(job, install)
    scripts = build_scripts(job, stages=wanted)
    console.print(
        f"Nuke {install.executable} ({install.edition}); scripts: {', '.join(map(str, scripts.values()))}"
    )

    def on_event(stage: str, event: NukeEvent) -> None:
        if event.kind == "progress":
            console.print(f"  {stage}: frame {event.frame} ({event.index} of {event.total})")
        elif event.kind == "error":
            console.print(f"  [red]{stage}: {event.line}[/]")
        elif event.kind == "cat":
            console.print(f"  {stage}: model {event.path}")

    runs = run_stages_with_nuke(job, wanted, scripts, install=install, options=options, on_event=on_event)
    for stage, run in runs.items():
        console.print(
            f"[green]{stage}[/] {len(run.outputs)} output(s) in {run.duration_s:.1f}s, log {run.log_path}"
        )
    return runs
