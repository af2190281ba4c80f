"""The render-side worker: claims jobs, runs them on a backend, records the outcome.

``Worker.drain`` empties the queue once; ``Worker.watch`` keeps going, woken by watchdog events on
``jobs/incoming`` (inotify locally, ``PollingObserver`` for network shares, where other hosts' writes
raise no events) and by a periodic sweep that also requeues jobs of dead workers.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ._errors import ClaimLost
from ._queue import Claim, Heartbeat, JobQueue, positive_seconds, worker_id

#: A job runner: (job file, console) -> result dict. Raises on failure.
JobRunner = Callable[[Path, Console], dict]

_log = logging.getLogger(__name__)


def engine_runner(
    backend: str | None = None, stages: Sequence[str] | None = None, steps: int | None = None
) -> JobRunner:
    """Run a job file with ``chroma-recovery run`` semantics (backend choice included)."""

    def run(job_file: Path, console: Console) -> dict:
        import schemas
        from chroma_engine.runner import run_job
        from nuke_bridge import choose_backend

        job = schemas.load_job(job_file)
        if choose_backend(backend, job).uses_nuke:
            from nuke_bridge import run_job_with_nuke

            run_job_with_nuke(job, stages=list(stages) if stages else None, console=console)
            return {"backend": "nuke"}
        summary = run_job(job, stages=stages, steps=steps, console=console)
        return {
            "backend": "native",
            "stages": summary.stages,
            "metrics": summary.metrics,
            "report": str(summary.report) if summary.report else None,
        }

    return run


@dataclass
class Outcome:
    job_id: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class Worker:
    """One worker process's loop over a project's queue."""

    project_root: Path
    runner: JobRunner
    stale_after: float = 120.0
    #: Seconds between heartbeats; None = the queue's (``stale_after / 4``, at most 10 s).
    heartbeat_interval: float | None = None
    worker: str = field(default_factory=worker_id)
    console: Console = field(default_factory=lambda: Console(stderr=True))

    def __post_init__(self) -> None:
        self.queue = JobQueue(self.project_root, stale_after=self.stale_after)

    def process(self, claim: Claim) -> Outcome:
        """Run one claimed job; its log and error are kept whatever happens.

        The queue's log of the job holds the run's timestamped log lines (``chroma_engine.logs``; the
        run also writes them to ``pipeline/logs/<shot>/``) and, on failure, the traceback.
        """
        import schemas
        from chroma_engine.logs import line_handler

        buffer = io.StringIO()
        log_console = Console(file=buffer, width=120, record=False, force_terminal=False)
        started = time.perf_counter()
        self._say(logging.INFO, f"[bold]{self.worker}[/] running {claim.job_id}")
        lines = line_handler(buffer)
        logging.getLogger().addHandler(lines)
        try:
            try:
                with Heartbeat(self.queue, claim, self.heartbeat_interval):
                    result = self.runner(claim.path, log_console)
            finally:
                logging.getLogger().removeHandler(lines)
        except schemas.SchemaError as exc:
            error = f"invalid job: {str(exc).splitlines()[0]}"
        except Exception as exc:  # noqa: BLE001 - a job's failure must not stop the worker
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            buffer.write(traceback.format_exc())
        else:
            result["worker"] = self.worker
            if not self._publish(claim, True, buffer.getvalue(), "", result):
                return Outcome(claim.job_id, False, time.perf_counter() - started, "claim lost")
            seconds = time.perf_counter() - started
            self._say(logging.INFO, f"[green]done[/] {claim.job_id} in {seconds:.1f}s")
            return Outcome(claim.job_id, True, seconds)
        if not self._publish(claim, False, buffer.getvalue(), error, {"worker": self.worker}):
            return Outcome(claim.job_id, False, time.perf_counter() - started, "claim lost")
        self._say(logging.ERROR, f"[red]failed[/] {claim.job_id}: {error}")
        return Outcome(claim.job_id, False, time.perf_counter() - started, error)

    def _say(self, level: int, markup: str) -> None:
        """On a terminal, a rich line on the console; otherwise a timestamped log line (``watch``)."""
        if self.console.is_terminal:
            self.console.print(markup)
        else:
            from rich.text import Text

            _log.log(level, "%s", Text.from_markup(markup).plain)

    def _publish(self, claim: Claim, ok: bool, log: str, error: str, result: dict) -> bool:
        """``finish`` the claim; False (nothing published) when the claim went stale meanwhile."""
        try:
            self.queue.finish(claim, ok=ok, log=log, error=error, result=result)
        except ClaimLost as exc:
            self._say(logging.WARNING, f"[yellow]claim lost[/] {claim.job_id}: {exc}")
            return False
        return True

    def drain(self, max_jobs: int | None = None) -> list[Outcome]:
        """Process jobs until the queue is empty (or ``max_jobs`` were processed)."""
        outcomes: list[Outcome] = []
        self.queue.requeue_stale()
        while max_jobs is None or len(outcomes) < max_jobs:
            claim = self.queue.claim_next(self.worker)
            if claim is None:
                break
            outcomes.append(self.process(claim))
        return outcomes

    def watch(
        self,
        poll: bool = False,
        interval: float = 2.0,
        stop: threading.Event | None = None,
        max_jobs: int | None = None,
        idle_exit: float | None = None,
    ) -> list[Outcome]:
        """Watch ``jobs/incoming`` and process jobs as they arrive until ``stop`` is set."""
        from watchdog.events import FileSystemEvent, PatternMatchingEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        stop = stop or threading.Event()
        wake = threading.Event()

        class _Handler(PatternMatchingEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                wake.set()

        # watchdog 7 matches with full_match(): '*.json' alone would never match a full path.
        handler = _Handler(patterns=["**/*.json", "*.json"], ignore_directories=True)
        interval = positive_seconds("--interval", interval)
        observer = PollingObserver(timeout=interval) if poll else Observer()
        observer.schedule(handler, str(self.queue.folder("incoming")), recursive=False)
        observer.start()
        outcomes: list[Outcome] = []
        last_work = time.monotonic()
        try:
            while not stop.is_set():
                done = self.drain(None if max_jobs is None else max_jobs - len(outcomes))
                outcomes += done
                if done:
                    last_work = time.monotonic()
                if max_jobs is not None and len(outcomes) >= max_jobs:
                    break
                if idle_exit is not None and time.monotonic() - last_work > idle_exit:
                    break
                wake.wait(interval)
                wake.clear()
        finally:
            observer.stop()
            observer.join(timeout=5)
        return outcomes
