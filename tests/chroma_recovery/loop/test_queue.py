"""The filesystem queue: atomic claims, exactly-once with two processes, stale requeue, bad jobs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from chroma_recovery.loop import JobQueue, Worker

REPO = Path(__file__).resolve().parents[3]


def _jobs(root: Path, count: int) -> list[str]:
    queue = JobQueue(root)
    ids = []
    for i in range(count):
        path = root / f"job_{i:02d}.json"
        path.write_text(json.dumps({"n": i}))
        ids.append(queue.submit(path).stem)
    return ids


def test_claim_is_exclusive(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    _jobs(tmp_path, 1)
    path = queue.jobs("incoming")[0]
    first = queue.claim(path, "w1")
    second = queue.claim(path, "w2")
    assert first is not None and second is None
    assert queue.counts() == {"incoming": 0, "running": 1, "done": 0, "failed": 0}
    assert json.loads(first.heartbeat.read_text())["worker"] == "w1"


def test_finish_keeps_log_and_error(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    _jobs(tmp_path, 2)
    a = queue.claim_next("w")
    b = queue.claim_next("w")
    assert a and b
    queue.finish(a, ok=True, log="all good", result={"x": 1})
    queue.finish(b, ok=False, log="trace", error="boom")
    assert (tmp_path / "jobs/done/job_00.log").read_text() == "all good"
    assert (tmp_path / "jobs/failed/job_01.error.txt").read_text() == "boom\n"
    assert not a.heartbeat.exists() and not b.heartbeat.exists()


def test_stale_job_goes_back_to_incoming(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, stale_after=30)
    _jobs(tmp_path, 2)
    dead = queue.claim_next("dead-worker")
    alive = queue.claim_next("alive-worker")
    assert dead and alive
    old = time.time() - 60
    os.utime(dead.heartbeat, (old, old))
    assert queue.requeue_stale() == ["job_00"]
    assert [p.stem for p in queue.jobs("incoming")] == ["job_00"]
    assert alive.path.exists()


def test_submit_refuses_a_duplicate_id(tmp_path: Path) -> None:
    import pytest

    from chroma_recovery.loop import QueueError

    _jobs(tmp_path, 1)
    with pytest.raises(QueueError, match="already queued"):
        JobQueue(tmp_path).submit(tmp_path / "job_00.json")


def test_invalid_job_fails_and_the_worker_keeps_going(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    (queue.folder("incoming") / "bad.json").write_text("{not json")
    (queue.folder("incoming") / "good.json").write_text("{}")

    def runner(job_file: Path, console: Console) -> dict:
        import schemas

        data = job_file.read_text()
        if data.startswith("{not"):
            schemas.load_job(job_file)  # raises DocumentUnreadable (a SchemaError)
        return {"ok": True}

    outcomes = Worker(tmp_path, runner, console=Console(file=open(os.devnull, "w"))).drain()
    assert sorted((o.job_id, o.ok) for o in outcomes) == [("bad", False), ("good", True)]
    error = (queue.folder("failed") / "bad.error.txt").read_text()
    assert error.startswith("invalid job:") and "not valid JSON" in error


WORKER_SCRIPT = """
import os, sys, time
from pathlib import Path
from rich.console import Console
sys.path.insert(0, {repo!r})
from chroma_recovery.loop import Worker

def runner(job_file, console):
    with open({ledger!r}, "a") as ledger:
        ledger.write(job_file.stem + " " + str(os.getpid()) + "\\n")
    time.sleep(0.02)
    return {{}}

Worker(Path({root!r}), runner, console=Console(file=open(os.devnull, "w"))).drain()
"""


def test_two_worker_processes_process_each_job_exactly_once(tmp_path: Path) -> None:
    ids = _jobs(tmp_path, 40)
    ledger = tmp_path / "ledger.txt"
    script = WORKER_SCRIPT.format(repo=str(REPO), ledger=str(ledger), root=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lines = ledger.read_text().split()
    processed = lines[0::2]
    assert sorted(processed) == sorted(ids)  # every job once, none twice
    assert len(set(lines[1::2])) == 2  # both processes took work
    queue = JobQueue(tmp_path)
    assert queue.counts() == {"incoming": 0, "running": 0, "done": 40, "failed": 0}
