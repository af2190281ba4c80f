"""``submit``, ``watch`` (render side) and ``watch-renders`` (Resolve side)."""

from __future__ import annotations

import threading
from pathlib import Path

import typer
from rich.console import Console

from ._errors import handle_errors

app = typer.Typer()
console = Console(highlight=False)


@app.command("submit")
@handle_errors
def submit(
    job_file: Path = typer.Argument(..., help="ShotJob JSON file."),
    project: Path = typer.Option(None, "--project", help="Project root (default: the job's)."),
) -> None:
    """Validate a job and drop it into the project's queue (jobs/incoming)."""
    import schemas
    from chroma_recovery.loop import JobQueue, require_project

    job = schemas.load_job(job_file)
    target = JobQueue(require_project(project or Path(job.project.root))).submit(job_file, job.job_id)
    console.print(f"queued {target}")


@app.command("watch")
@handle_errors
def watch(
    project: Path = typer.Argument(..., help="Project root whose jobs/ queue to serve."),
    backend: str = typer.Option(None, "--backend", help="auto | nuke | native (default: each job's)."),
    stage: list[str] = typer.Option(None, "--stage", "-s", help="Restrict to these stages."),
    steps: int = typer.Option(None, "--steps", help="Override training steps."),
    poll: bool = typer.Option(False, "--poll", help="Poll instead of inotify (network shares)."),
    interval: float = typer.Option(2.0, "--interval", help="Seconds between sweeps / polls."),
    once: bool = typer.Option(False, "--once", help="Drain the queue, then exit."),
    max_jobs: int = typer.Option(None, "--max-jobs", help="Exit after this many jobs."),
    stale_after: float = typer.Option(120.0, "--stale-after", help="Requeue jobs whose heartbeat is older."),
) -> None:
    """Serve the job queue: claim jobs atomically, run them, publish manifests (render side)."""
    from chroma_engine.logs import console_lines
    from chroma_recovery.loop import Worker, engine_runner, positive_seconds, require_project

    interval = positive_seconds("--interval", interval)
    stale_after = positive_seconds("--stale-after", stale_after)
    worker = Worker(
        require_project(project), engine_runner(backend, stage or None, steps), stale_after=stale_after
    )
    console.print(f"worker {worker.worker} serving {project / 'jobs'} ({'polling' if poll else 'inotify'})")
    with console_lines():  # not a terminal (a service manager): timestamped lines, also between jobs
        if once:
            outcomes = worker.drain(max_jobs)
        else:
            try:
                outcomes = worker.watch(poll=poll, interval=interval, max_jobs=max_jobs)
            except KeyboardInterrupt:
                outcomes = []
    failed = [o for o in outcomes if not o.ok]
    console.print(
        f"{len(outcomes) - len(failed)} job(s) done, {len(failed)} failed; queue {worker.queue.counts()}"
    )


@app.command("watch-renders")
@handle_errors
def watch_renders(
    project: Path = typer.Argument(..., help="Project root whose pipeline/ renders to publish."),
    poll: bool = typer.Option(False, "--poll", help="Poll instead of inotify (network shares)."),
    interval: float = typer.Option(2.0, "--interval"),
    once: bool = typer.Option(False, "--once", help="Publish what is there, then exit."),
    resolve: bool = typer.Option(
        False, "--resolve", help="Import directly through Resolve Studio scripting."
    ),
) -> None:
    """Resolve side: verify finished renders' manifests and queue (or perform) their import."""
    from chroma_recovery.loop import ManifestWatcher, positive_seconds, require_project

    require_project(project)
    interval = positive_seconds("--interval", interval)
    hook = None
    if resolve:
        import resolve_bridge
        from chroma_recovery.resolve_host import in_process_tool

        host = resolve_bridge.get_resolve()
        tool = in_process_tool()  # this interpreter is the tool: no subprocess per manifest

        def hook(path, manifest):  # type: ignore[no-untyped-def]
            resolve_bridge.import_renders(host, tool, project, [path])

    watcher = ManifestWatcher(project, on_import=hook)
    if once:
        results = watcher.sweep()
        console.print(f"{results.count('queued')} queued, {results.count('rejected')} rejected")
        return
    console.print(f"watching {project / 'pipeline'} for **/_manifest.json")
    try:
        watcher.watch(threading.Event(), poll=poll, interval=interval)
    except KeyboardInterrupt:
        pass
