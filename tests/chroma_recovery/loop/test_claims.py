"""Claims carry a token: a worker whose claim went stale never publishes over the one that took over.

Also: the heartbeat follows ``--stale-after``, so a short stale time no longer requeues a live job, and
two real watcher processes with a 2 s stale time run a 5 s job exactly once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chroma_recovery.loop import ClaimLost, Heartbeat, JobQueue, QueueError, heartbeat_interval

REPO = Path(__file__).resolve().parents[3]


def _submit(root: Path, job_id: str = "job_00") -> None:
    path = root / f"{job_id}.json"
    path.write_text(json.dumps({"id": job_id}))
    JobQueue(root).submit(path)


def test_a_stale_worker_cannot_publish_over_the_new_owner(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, stale_after=30)
    _submit(tmp_path)
    slow = queue.claim_next("slow")
    assert slow is not None
    old = time.time() - 60
    os.utime(slow.heartbeat, (old, old))  # the slow worker paused past the stale time
    assert queue.requeue_stale() == ["job_00"]
    fresh = queue.claim_next("fresh")
    assert fresh is not None and fresh.token != slow.token
    queue.finish(fresh, ok=True, log="fresh log", result={"worker": "fresh"})
    with pytest.raises(ClaimLost, match="job_00: this worker's claim went stale"):
        queue.finish(slow, ok=True, log="slow log", result={"worker": "slow"})
    done = tmp_path / "jobs" / "done"
    assert json.loads((done / "job_00.result.json").read_text()) == {"worker": "fresh"}
    assert (done / "job_00.log").read_text() == "fresh log"
    assert queue.counts() == {"incoming": 0, "running": 0, "done": 1, "failed": 0}


def test_a_stale_worker_cannot_publish_while_the_job_waits_again(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, stale_after=30)
    _submit(tmp_path)
    slow = queue.claim_next("slow")
    assert slow is not None
    queue.requeue_stale(now=time.time() + 60)
    with pytest.raises(ClaimLost):
        queue.finish(slow, ok=False, error="late failure")
    assert (
        queue.counts()["incoming"] == 1 and not (tmp_path / "jobs" / "failed" / "job_00.error.txt").exists()
    )


def test_heartbeat_interval_follows_stale_after(tmp_path: Path) -> None:
    assert heartbeat_interval(120) == 10.0 and heartbeat_interval(3) == 0.75
    queue = JobQueue(tmp_path, stale_after=3)
    _submit(tmp_path)
    claim = queue.claim_next("w")
    assert claim is not None
    with Heartbeat(queue, claim) as beat:
        assert beat.interval == 0.75
        time.sleep(4)  # longer than stale_after: the beats keep the claim fresh
        assert queue.requeue_stale() == []
    with pytest.raises(QueueError, match="would let live jobs look dead"):
        Heartbeat(queue, claim, interval=2.0)
    with pytest.raises(QueueError, match="--stale-after 0.1"):
        JobQueue(tmp_path, stale_after=0.1)


WATCHER = """
import os, sys, time
from pathlib import Path
from rich.console import Console
sys.path.insert(0, {repo!r})
from chroma_recovery.loop import Worker

def runner(job_file, console):
    with open({ledger!r}, "a") as ledger:
        ledger.write(f"start {{os.getpid()}}\\n")
    time.sleep(5)
    with open({ledger!r}, "a") as ledger:
        ledger.write(f"end {{os.getpid()}}\\n")
    return {{"pid": os.getpid()}}

worker = Worker(Path({root!r}), runner, stale_after=2.0, console=Console(file=open(os.devnull, "w")))
worker.watch(poll=True, interval=0.2, idle_exit=7.0)
"""


def test_two_watchers_with_a_short_stale_time_run_a_job_once(tmp_path: Path) -> None:
    _submit(tmp_path)
    ledger = tmp_path / "ledger.txt"
    script = WATCHER.format(repo=str(REPO), ledger=str(ledger), root=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    events = ledger.read_text().split("\n")
    assert sum(e.startswith("start") for e in events) == 1, events  # never taken over while alive
    result = json.loads((tmp_path / "jobs" / "done" / "job_00.result.json").read_text())
    assert f"end {result['pid']}" in events
    assert JobQueue(tmp_path).counts() == {"incoming": 0, "running": 0, "done": 1, "failed": 0}


def test_a_job_being_published_is_not_swept_back(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, stale_after=2)
    _submit(tmp_path)
    old = time.time() - 60
    os.utime(queue.jobs("incoming")[0], (old, old))  # submitted long ago: the staged file keeps that time
    claim = queue.claim_next("w")
    assert claim is not None
    staged = tmp_path / "jobs" / "done" / f".publishing-job_00.{claim.token}.json"
    os.rename(claim.path, staged)  # the moment between staging and the final rename in finish()
    queue.beat(claim)
    queue.requeue_stale()
    assert staged.exists() and queue.counts()["incoming"] == 0
    old_beat = time.time() - 60
    os.utime(claim.heartbeat, (old_beat, old_beat))  # the publishing worker died there
    queue.requeue_stale()
    assert not staged.exists() and queue.counts()["incoming"] == 1
