"""A job queue on the filesystem: ``jobs/incoming -> running -> done | failed``.

Claims are atomic renames, so any number of workers on any number of machines sharing the folder
process each job exactly once: of two workers renaming the same ``incoming/X.json``, one gets
``FileNotFoundError``. A running job carries a heartbeat file its worker touches; a job whose heartbeat
is older than ``stale_after`` seconds (its worker died) is renamed back to ``incoming``. A failed job
keeps its log and error next to it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ._errors import QueueError

STATES = ("incoming", "running", "done", "failed")


def _mtime(path: Path) -> float:
    """Modification time, or 0 when another worker has just moved the file away (a normal race)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def worker_id() -> str:
    """``host:pid:random`` — unique per worker process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Claim:
    """A job this worker owns: its file under ``running/`` and its heartbeat."""

    job_id: str
    path: Path
    heartbeat: Path
    worker: str


class JobQueue:
    """The four queue folders under ``<project>/jobs``."""

    def __init__(self, project_root: str | os.PathLike[str], stale_after: float = 120.0) -> None:
        self.base = Path(project_root) / "jobs"
        self.stale_after = stale_after
        for state in STATES:
            (self.base / state).mkdir(parents=True, exist_ok=True)

    def folder(self, state: str) -> Path:
        return self.base / state

    def jobs(self, state: str) -> list[Path]:
        """Job files in a state, oldest first (by modification time, then name)."""
        # Job ids have no dots (schemas.SafeName), so <id>.result.json side files are not jobs.
        files = [
            p
            for p in self.folder(state).glob("*.json")
            if not p.name.startswith(".") and len(p.suffixes) == 1
        ]
        return sorted(files, key=lambda p: (_mtime(p), p.name))

    def submit(self, job_file: str | os.PathLike[str], job_id: str | None = None) -> Path:
        """Copy a job file into ``incoming`` atomically (temporary name, then rename)."""
        source = Path(job_file)
        name = f"{job_id or source.stem}.json"
        target = self.folder("incoming") / name
        if any((self.folder(s) / name).exists() for s in STATES):
            raise QueueError(f"job {name} is already queued or processed", hint="use a new job id")
        tmp = target.with_name(f".{name}.tmp-{os.getpid()}")
        tmp.write_bytes(source.read_bytes())
        os.replace(tmp, target)
        return target

    def claim(self, path: Path, worker: str) -> Claim | None:
        """Take ``incoming/X.json``; None if another worker got it first."""
        target = self.folder("running") / path.name
        try:
            os.rename(path, target)  # atomic: exactly one worker wins
        except FileNotFoundError:
            return None
        heartbeat = target.with_suffix(".heartbeat")
        claim = Claim(path.stem, target, heartbeat, worker)
        self.beat(claim)
        return claim

    def claim_next(self, worker: str) -> Claim | None:
        """Claim the oldest incoming job, or None when the queue is empty."""
        for path in self.jobs("incoming"):
            claim = self.claim(path, worker)
            if claim is not None:
                return claim
        return None

    def beat(self, claim: Claim) -> None:
        data = {"worker": claim.worker, "time": time.time()}
        tmp = claim.heartbeat.with_name(f".{claim.heartbeat.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, claim.heartbeat)

    def finish(
        self, claim: Claim, ok: bool, log: str = "", error: str = "", result: dict | None = None
    ) -> Path:
        """Move a claimed job to ``done`` or ``failed`` with its log, error and result."""
        state = "done" if ok else "failed"
        folder = self.folder(state)
        if log:
            (folder / f"{claim.job_id}.log").write_text(log, encoding="utf-8")
        if error:
            (folder / f"{claim.job_id}.error.txt").write_text(error + "\n", encoding="utf-8")
        if result is not None:
            (folder / f"{claim.job_id}.result.json").write_text(json.dumps(result, indent=2, default=str))
        target = folder / claim.path.name
        os.replace(claim.path, target)
        claim.heartbeat.unlink(missing_ok=True)
        return target

    def reject(self, path: Path, reason: str) -> Path | None:
        """Move an unreadable incoming file straight to ``failed`` with the reason."""
        target = self.folder("failed") / path.name
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return None
        (self.folder("failed") / f"{path.stem}.error.txt").write_text(reason + "\n", encoding="utf-8")
        return target

    def requeue_stale(self, now: float | None = None) -> list[str]:
        """Send running jobs whose heartbeat is stale back to ``incoming``; returns their ids."""
        now = time.time() if now is None else now
        moved = []
        for path in self.jobs("running"):
            heartbeat = path.with_suffix(".heartbeat")
            try:
                last = heartbeat.stat().st_mtime
            except FileNotFoundError:
                last = _mtime(path) or now  # no heartbeat yet: the claim's own time
            if now - last <= self.stale_after:
                continue
            try:
                os.rename(path, self.folder("incoming") / path.name)
            except FileNotFoundError:
                continue  # another reaper or the worker itself moved it
            heartbeat.unlink(missing_ok=True)
            moved.append(path.stem)
        return moved

    def counts(self) -> dict[str, int]:
        return {state: len(self.jobs(state)) for state in STATES}


class Heartbeat:
    """Context manager that touches a claim's heartbeat every ``interval`` seconds in a thread."""

    def __init__(self, queue: JobQueue, claim: Claim, interval: float = 10.0) -> None:
        self.queue, self.claim, self.interval = queue, claim, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.claim.path.exists():
                self.queue.beat(self.claim)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
