"""Injected faults: a full disk under every kind of output, a real tiny disk, corrupt checkpoints, racing
watchers and a stale worker. Each returns whether the project survived and how many files were lost.

Survived: the failure is one project error naming the file, every file that existed before is intact,
no file under a final name is unreadable, no temporary file is left. Lost: files that existed before
and are now missing or changed, plus files under a final name that do not open.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._common import copy_shot, lost_files, snapshot, temporaries, unreadable


@dataclass(frozen=True)
class FaultResult:
    """One injected fault: survived, files lost, and what happened (one line)."""

    name: str
    survived: bool
    lost: int
    detail: str
    skipped: bool = False


def full_disk_case(
    name: str, write: Callable[[Path], Path], after: int = 0
) -> Callable[[Path, Path], FaultResult]:
    """Write a good file, then write it again on a (simulated) full disk: the good file must stay.

    ``after``: durable writes that still succeed in the second attempt before the disk is full.
    """

    def run(work: Path, shot: Path) -> FaultResult:
        from chroma_engine import EngineError
        from chroma_engine.io import simulate_full_disk
        from chroma_recovery.loop import LoopError
        from resolve_bridge import BridgeError

        write(work)
        before = snapshot(work)
        error = ""
        with simulate_full_disk(after):
            try:
                write(work)
            except (EngineError, LoopError, BridgeError) as exc:
                error = str(exc).splitlines()[0]
        lost = lost_files(before) + unreadable(work) + temporaries(work)
        survived = "not written" in error and not lost
        return FaultResult(f"full disk: {name}", survived, len(lost), error or "no error raised")

    return run


def _exr(work: Path) -> Path:
    from chroma_engine.io import write_exr

    rgb = np.random.default_rng(len(list(work.iterdir()))).random((48, 64, 3), dtype=np.float32)
    return write_exr(work / "DEMO_ML_1001.exr", rgb, "ACES2065-1")


def _png(work: Path) -> Path:
    from chroma_engine.io import write_png

    return write_png(work / "sh010_report.png", np.random.default_rng(1).random((48, 64, 3)))


def _manifest(work: Path) -> Path:
    import datetime as _dt

    import schemas
    from chroma_engine.io import write_document

    now = _dt.datetime.now(_dt.timezone.utc)
    doc = schemas.RenderManifest(job_id="J", shot="sh010", stage="inference", version=1, backend="native",
                                 frame_count=0, files=(), started_at=now, finished_at=now)  # fmt: skip
    return write_document(work / "_manifest.json", doc)


def _cube(work: Path) -> Path:
    from chroma_engine.matchgrade import fit_lut

    rng = np.random.default_rng(2)
    src = rng.random((32, 32, 3)).astype(np.float32)
    return fit_lut([src], [np.clip(src * 1.1, 0, 1)], None, size=9).write_cube(work / "sh010.cube")


def _checkpoint(work: Path) -> Path:
    import torch

    from chroma_engine.training import checkpoint_path, save_checkpoint

    state = {"model_state": {"w": torch.ones(4)}, "optimizer": {}, "scheduler": {}, "step": 5}
    return save_checkpoint(checkpoint_path(work, 5), state)


def _otio(work: Path) -> Path:
    import opentimelineio as otio

    from chroma_engine.conform import write_timeline

    return write_timeline(otio.schema.Timeline(name="REEL1"), work / "conformed.otio")


def _nk(work: Path) -> Path:
    from chroma_engine.io import write_text_atomic
    from nuke_bridge import Graph, write_nk

    return write_text_atomic(work / "sh010_inference_v001.nk", write_nk(Graph(), "15.1v5"))


def _yaml(work: Path) -> Path:
    import yaml

    from chroma_engine.io import write_text_atomic

    text = yaml.safe_dump({"specificationVersion": "jobtemplate-2023-09"})
    return write_text_atomic(work / "template.yaml", text)


def _log(work: Path) -> Path:
    from chroma_engine.io import durable_log

    with durable_log(work / "render.log") as log:
        log.write("frame 1001 done\n")
    return work / "render.log"


def _queue_result(work: Path) -> Path:
    from chroma_engine.io import write_text_atomic
    from chroma_recovery.loop import JobQueue

    queue = JobQueue(work)
    job = write_text_atomic(work / f"job{len(list((work / 'jobs' / 'done').glob('*.json')))}.json", "{}")
    queue.submit(job)
    claim = queue.claim_next("w")
    assert claim is not None
    return queue.finish(claim, ok=True, log="log", result={"ok": True})


FULL_DISK_KINDS: tuple[tuple[str, Callable[[Path], Path], int], ...] = (
    ("EXR frame", _exr, 0),
    ("PNG picture", _png, 0),
    ("JSON manifest", _manifest, 0),
    (".cube LUT", _cube, 0),
    ("training checkpoint", _checkpoint, 0),
    ("OTIO timeline", _otio, 0),
    (".nk script", _nk, 0),
    ("YAML bundle file", _yaml, 0),
    ("render log", _log, 0),
    ("queue result (after submit and claim)", _queue_result, 3),
)


def real_full_disk(work: Path, shot: Path, size_kib: int = 0) -> FaultResult:
    """A whole ``run`` of the tiny shot on a real tmpfs with little room to spare (root only)."""
    import schemas
    from chroma_engine import EngineError
    from chroma_engine.runner import run_job

    mount = work / "disk"
    mount.mkdir(parents=True)
    media = sum(p.stat().st_size for p in shot.rglob("*") if p.is_file()) // 1024
    size = size_kib or media + 5400  # about the room curation, alignment and training take at this size
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}k", "tmpfs", str(mount)],
                          capture_output=True, check=False)  # fmt: skip
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip() or "mount refused"
        return FaultResult("real full disk (tmpfs): whole run", True, 0, f"skipped: {reason}", skipped=True)
    try:
        job_file = copy_shot(shot, mount / "shot")
        before = snapshot(mount)
        error = ""
        try:
            run_job(schemas.load_job(job_file), steps=2)
        except EngineError as exc:
            error = str(exc).splitlines()[0]
        lost = lost_files(before) + unreadable(mount) + temporaries(mount)
        survived = bool(error) and "not written" in error and not lost
        return FaultResult(f"real full disk (tmpfs {size} KiB): whole run", survived, len(lost),
                           error or "the run fitted on the disk")  # fmt: skip
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def corrupt_checkpoint(work: Path, shot: Path) -> FaultResult:
    """The newest checkpoint truncated: it is reported and the previous one is loaded."""
    import torch

    from chroma_engine.io import write_bytes_atomic
    from chroma_engine.training import checkpoint_path, load_checkpoint, save_checkpoint

    for step in (10, 20):
        state = {"model_state": {"w": torch.full((4,), step)}, "optimizer": {}, "scheduler": {}, "step": step}
        save_checkpoint(checkpoint_path(work, step), state)
    newest = checkpoint_path(work, 20)
    write_bytes_atomic(newest, newest.read_bytes()[:200])  # a copy cut short
    loaded = load_checkpoint(work)
    survived = loaded is not None and loaded.state["step"] == 10 and len(loaded.skipped) == 1
    detail = f"resumed from {loaded.path.name}, skipped {newest.name}" if loaded else "nothing loaded"
    return FaultResult("corrupt newest checkpoint", survived, 0, detail)


def stale_claim(work: Path, shot: Path) -> FaultResult:
    """A worker whose claim went stale finishes after another took the job over."""
    from chroma_engine.io import write_text_atomic
    from chroma_recovery.loop import ClaimLost, JobQueue

    queue = JobQueue(work, stale_after=30)
    queue.submit(write_text_atomic(work / "job_00.json", "{}"))
    slow = queue.claim_next("slow")
    assert slow is not None
    queue.requeue_stale(now=time.time() + 60)
    fresh = queue.claim_next("fresh")
    assert fresh is not None
    queue.finish(fresh, ok=True, result={"worker": "fresh"})
    try:
        queue.finish(slow, ok=True, result={"worker": "slow"})
        refused = False
    except ClaimLost:
        refused = True
    record = work / "jobs" / "done" / "job_00.result.json"
    kept = json.loads(record.read_text()) == {"worker": "fresh"}
    detail = "late result refused, the new owner's kept" if refused and kept else "overwritten"
    return FaultResult("stale worker publishes late", refused and kept, 0 if kept else 1, detail)


_WATCHER = """
import os, sys, time
from pathlib import Path
from rich.console import Console
from chroma_recovery.loop import Worker

def runner(job_file, console):
    with open({ledger!r}, "a") as ledger:
        ledger.write("start\\n")
    time.sleep(5)
    return {{"pid": os.getpid()}}

worker = Worker(Path({root!r}), runner, stale_after=2.0, console=Console(file=open(os.devnull, "w")))
worker.watch(poll=True, interval=0.2, idle_exit=7.0)
"""


def racing_watchers(work: Path, shot: Path) -> FaultResult:
    """Two watcher processes with ``--stale-after 2`` and a 5 s job: the job runs once."""
    from chroma_engine.io import write_text_atomic
    from chroma_recovery.loop import JobQueue

    queue = JobQueue(work)
    queue.submit(write_text_atomic(work / "job_00.json", "{}"))
    ledger = work / "ledger.txt"
    script = _WATCHER.format(ledger=str(ledger), root=str(work))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
    codes = [p.wait(timeout=120) for p in procs]
    starts = ledger.read_text().count("start") if ledger.exists() else 0
    counts = JobQueue(work).counts()
    survived = codes == [0, 0] and starts == 1 and counts["done"] == 1 and counts["running"] == 0
    detail = f"job started {starts}x, queue {counts}"
    return FaultResult("two watchers, --stale-after 2, 5 s job", survived, 0, detail)
