"""A job queue on the filesystem: ``jobs/incoming -> running -> done | failed``.

Claims are atomic renames, so any number of workers on any number of machines sharing the folder
process each job once: of two workers renaming the same ``incoming/X.json``, one gets
``FileNotFoundError``. A claim carries a random token: the job lives in ``running/X.<token>/X.json``
next to a heartbeat its worker rewrites every ``stale_after / 4`` seconds (at most 10 s). A job whose
heartbeat is older than ``stale_after`` (its worker died or hung) is renamed back to ``incoming``.

Publishing is token-checked: a worker first renames *its own* ``running/X.<token>/X.json`` into the
target folder. When its claim went stale and the job was taken back (or taken over by another
worker), that file is gone, the rename fails and the worker publishes nothing (``ClaimLost``); it can
never overwrite the result of the worker that took the job over. A failed job keeps its log and error.
"""

from __future__ import annotations

import math
import os
import secrets
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from chroma_engine.io import write_bytes_atomic, write_json_atomic, write_text_atomic

from ._errors import ClaimLost, QueueError

STATES = ("incoming", "running", "done", "failed")
#: Heartbeats per ``stale_after`` period: a live worker beats this many times before it could look dead.
BEATS_PER_STALE = 4
#: Longest heartbeat interval (seconds), whatever ``stale_after`` is.
MAX_HEARTBEAT = 10.0
#: Shortest accepted ``stale_after`` (seconds): below it a busy machine's scheduling jitter alone
#: would make live workers look dead.
MIN_STALE_AFTER = 1.0
_HEARTBEAT = "heartbeat.json"
_STAGED = ".publishing-"


def positive_seconds(name: str, value: float, minimum: float = 0.0) -> float:
    """``value`` as seconds: finite and > 0 (and >= ``minimum``), else ``QueueError`` naming ``name``."""
    number = float(value)
    if not math.isfinite(number) or number <= 0 or number < minimum:
        floor = f" and at least {minimum:g}" if minimum > 0 else ""
        raise QueueError(f"{name} {value!r}: must be a finite number of seconds > 0{floor}")
    return number


def require_project(root: str | os.PathLike[str]) -> Path:
    """``root`` when it is an existing chroma-recovery project (``pipeline/`` or ``jobs/`` in it).

    The watchers and ``submit`` call it first, so a mistyped path is refused instead of silently
    becoming a new, empty queue that nothing else ever looks at.
    """
    path = Path(root)
    if not path.is_dir():
        raise QueueError(
            f"{path}: no such project folder", hint="check the path (`chroma-recovery init` makes one)"
        )
    if not ((path / "pipeline").is_dir() or (path / "jobs").is_dir()):
        raise QueueError(
            f"{path}: not a chroma-recovery project (no pipeline/ or jobs/ folder in it)",
            hint="check the path, or run `chroma-recovery init` there first",
        )
    return path


def heartbeat_interval(stale_after: float) -> float:
    """How often a worker beats so that a live claim never looks stale: ``stale_after / 4``, <= 10 s."""
    return min(MAX_HEARTBEAT, stale_after / BEATS_PER_STALE)


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
    """A job this worker owns: its file under ``running/X.<token>/``, its heartbeat and its token."""

    job_id: str
    path: Path
    heartbeat: Path
    worker: str
    token: str = ""


def _job_id(path: Path) -> str:
    return path.name.split(".")[0]


class JobQueue:
    """The four queue folders under ``<project>/jobs``."""

    def __init__(self, project_root: str | os.PathLike[str], stale_after: float = 120.0) -> None:
        self.base = Path(project_root) / "jobs"
        self.stale_after = positive_seconds("--stale-after", stale_after, MIN_STALE_AFTER)
        for state in STATES:
            (self.base / state).mkdir(parents=True, exist_ok=True)

    @property
    def heartbeat_interval(self) -> float:
        return heartbeat_interval(self.stale_after)

    def folder(self, state: str) -> Path:
        return self.base / state

    def jobs(self, state: str) -> list[Path]:
        """Job files in a state, oldest first (by modification time, then name)."""
        folder = self.folder(state)
        # Job ids have no dots (schemas.SafeName), so <id>.result.json side files are not jobs.
        found = [p for p in folder.glob("*.json") if not p.name.startswith(".") and len(p.suffixes) == 1]
        if state == "running":  # claimed jobs live in running/<id>.<token>/<id>.json
            found += [p for p in folder.glob("*.*/*.json") if _job_id(p.parent) == p.stem]
        return sorted(found, key=lambda p: (_mtime(p), p.name))

    def submit(self, job_file: str | os.PathLike[str], job_id: str | None = None) -> Path:
        """Copy a job file into ``incoming`` durably (temporary name, fsync, rename)."""
        source = Path(job_file)
        name = f"{job_id or source.stem}.json"
        if any((self.folder(s) / name).exists() for s in STATES) or any(
            self.folder("running").glob(f"{Path(name).stem}.*/{name}")
        ):
            raise QueueError(f"job {name} is already queued or processed", hint="use a new job id")
        return write_bytes_atomic(self.folder("incoming") / name, source.read_bytes())

    def claim(self, path: Path, worker: str) -> Claim | None:
        """Take ``incoming/X.json``; None if another worker got it first."""
        token = secrets.token_hex(6)
        folder = self.folder("running") / f"{path.stem}.{token}"
        folder.mkdir()
        target = folder / path.name
        try:
            os.rename(path, target)  # atomic: exactly one worker wins
        except FileNotFoundError:
            folder.rmdir()
            return None
        claim = Claim(path.stem, target, folder / _HEARTBEAT, worker, token)
        self.beat(claim)
        return claim

    def claim_next(self, worker: str) -> Claim | None:
        """Claim the oldest incoming job, or None when the queue is empty."""
        for path in self.jobs("incoming"):
            claim = self.claim(path, worker)
            if claim is not None:
                return claim
        return None

    def owns(self, claim: Claim) -> bool:
        """Whether ``claim`` is still this worker's (its job was not taken back as stale)."""
        return claim.path.exists()

    def beat(self, claim: Claim) -> None:
        """Rewrite the claim's heartbeat (worker, token, time)."""
        data = {"worker": claim.worker, "token": claim.token, "time": time.time()}
        write_json_atomic(claim.heartbeat, data)

    def finish(
        self, claim: Claim, ok: bool, log: str = "", error: str = "", result: dict | None = None
    ) -> Path:
        """Move a claimed job to ``done`` or ``failed`` with its log, error and result.

        Raises ``ClaimLost`` (and publishes nothing) when the claim is no longer this worker's.
        """
        folder = self.folder("done" if ok else "failed")
        staged = folder / f"{_STAGED}{claim.job_id}.{claim.token}.json"
        try:
            os.rename(claim.path, staged)  # token-checked: only the owner's file is there to move
        except FileNotFoundError as exc:
            raise ClaimLost(
                f"job {claim.job_id}: this worker's claim went stale and the job was taken back; "
                "its result is discarded",
                hint="raise --stale-after above the longest pause a worker can have",
            ) from exc
        try:
            self.beat(claim)  # publishing counts as alive: the sweep judges staged jobs by this beat
            if log:
                write_text_atomic(folder / f"{claim.job_id}.log", log)
            if error:
                write_text_atomic(folder / f"{claim.job_id}.error.txt", error + "\n")
            if result is not None:
                write_json_atomic(folder / f"{claim.job_id}.result.json", result)
        except BaseException:
            os.rename(staged, claim.path)  # still this worker's claim: nothing is published
            raise
        target = folder / f"{claim.job_id}.json"
        os.replace(staged, target)
        shutil.rmtree(claim.path.parent, ignore_errors=True)
        return target

    def reject(self, path: Path, reason: str) -> Path | None:
        """Move an unreadable incoming file straight to ``failed`` with the reason."""
        target = self.folder("failed") / path.name
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return None
        write_text_atomic(self.folder("failed") / f"{path.stem}.error.txt", reason + "\n")
        return target

    def _heartbeat_of(self, path: Path) -> Path:
        if path.parent == self.folder("running"):  # a claim made before claim tokens existed
            return path.with_suffix(".heartbeat")
        return path.parent / _HEARTBEAT

    def requeue_stale(self, now: float | None = None) -> list[str]:
        """Send running jobs whose heartbeat is stale back to ``incoming``; returns their ids.

        Jobs left half-published by a killed worker (``done``/``failed`` staging files older than
        ``stale_after``) go back too.
        """
        now = time.time() if now is None else now
        moved = []
        for path in self.jobs("running"):
            heartbeat = self._heartbeat_of(path)
            last = _mtime(heartbeat) or _mtime(path) or now  # no heartbeat yet: the claim's own time
            if now - last <= self.stale_after:
                continue
            try:
                os.rename(path, self.folder("incoming") / path.name)
            except FileNotFoundError:
                continue  # another reaper or the worker itself moved it
            if path.parent != self.folder("running"):
                shutil.rmtree(path.parent, ignore_errors=True)
            heartbeat.unlink(missing_ok=True)
            moved.append(path.stem)
        self._sweep_leftovers(now)
        return moved

    def _sweep_leftovers(self, now: float) -> None:
        """Claim folders without a job (a beat that raced a requeue) and half-published jobs."""
        for folder in self.folder("running").glob("*.*"):
            jobs = [p for p in folder.glob("*.json") if p.name != _HEARTBEAT] if folder.is_dir() else [None]
            if not jobs and now - _mtime(folder) > self.stale_after:
                shutil.rmtree(folder, ignore_errors=True)
        for state in ("done", "failed"):
            for staged in self.folder(state).glob(f"{_STAGED}*.json"):
                job_id, token = staged.name[len(_STAGED) :].split(".")[:2]
                heartbeat = self.folder("running") / f"{job_id}.{token}" / _HEARTBEAT
                if now - _mtime(heartbeat) <= self.stale_after:
                    continue  # its worker is publishing it right now
                try:
                    os.rename(staged, self.folder("incoming") / f"{job_id}.json")
                except FileNotFoundError:
                    continue

    def counts(self) -> dict[str, int]:
        return {state: len(self.jobs(state)) for state in STATES}


class Heartbeat:
    """Context manager that rewrites a claim's heartbeat every ``interval`` seconds in a thread.

    ``interval`` defaults to the queue's (``stale_after / 4``, at most 10 s). It stops beating as soon
    as the claim is no longer this worker's.
    """

    def __init__(self, queue: JobQueue, claim: Claim, interval: float | None = None) -> None:
        self.queue, self.claim = queue, claim
        self.interval = queue.heartbeat_interval if interval is None else interval
        if self.interval * 2 > queue.stale_after:
            raise QueueError(
                f"heartbeat every {self.interval:g} s with --stale-after {queue.stale_after:g} s would let "
                "live jobs look dead",
                hint=f"use --stale-after of at least {2 * self.interval:g} s",
            )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.queue.owns(self.claim):
                return
            try:
                self.queue.beat(self.claim)
            except Exception:  # noqa: BLE001 - a missed beat (full disk, claim just lost) is retried
                continue

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
