"""Benchmark: a reel of synthetic shots through the job queue (``submit``, then ``watch`` workers).

``shots`` jobs are made in one project (``distinct`` synthesised shots, the others hard links of their
media under new shot names: every job is curated, aligned, trained and rendered on its own) and queued
with ``JobQueue.submit`` (what ``chroma-recovery submit`` does). The clock starts when the workers do:
``chroma-recovery watch PROJECT --once`` processes, one per GPU with ``CUDA_VISIBLE_DEVICES`` set to
it, or ``workers`` of them on a machine without one. It stops when the last worker has drained the
queue and exited, so worker start-up, every stage and the QC report are inside the time. The stage
manifests give where the time went; the rate gives what a reel of ``reel_shots`` / ``reel_frames``
costs (each stage's time per shot plus the render stages' time per frame, scaled).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import schemas
from chroma_engine.io import copy_file_atomic, durable_log

from ._queue import JobQueue

#: Stages whose time grows with the shot's frame count (the others are per shot).
PER_FRAME_STAGES = ("inference", "matchgrade")
#: A 90-minute feature: about 130,000 frames at 24 fps in about 1,000 shots.
REEL_FRAMES = 130_000
REEL_SHOTS = 1_000


@dataclass(frozen=True)
class ReelSettings:
    """What the benchmark runs.

    Attributes:
        shots: jobs in the queue.
        frames: frames per shot.
        size: (width, height) of every shot.
        steps: training steps per shot (None: the synthetic job's own).
        workers: worker processes on a machine without a GPU (with GPUs: one per GPU).
        gpus: GPUs to use (0: none, the CPU; None: every GPU torch sees).
        distinct: shots actually synthesised (the others share their media).
        severity: the fade of the synthetic shots.
    """

    shots: int = 8
    frames: int = 48
    size: tuple[int, int] = (640, 272)
    steps: int | None = None
    workers: int = 1
    gpus: int | None = None
    distinct: int = 2
    severity: str = "severe"


def _gpu_count(wanted: int | None) -> int:
    if wanted == 0:
        return 0
    import torch

    found = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return found if wanted is None else min(wanted, found)


def make_reel(root: Path, settings: ReelSettings, progress: Callable[[str], None]) -> list[Path]:
    """Synthesise the reel's shots under ``root`` (one project) and write one job file per shot."""
    from chroma_engine.io import write_document
    from chroma_engine.synth import synthesize_shot

    width, height = settings.size
    distinct = max(1, min(settings.distinct, settings.shots))
    (root / "pipeline").mkdir(parents=True, exist_ok=True)
    jobs = []
    for index in range(settings.shots):
        shot = f"sh{(index + 1) * 10:04d}"
        folder = root / "shots" / shot
        if index < distinct:
            synthesize_shot(
                folder,
                frames=settings.frames,
                width=width,
                height=height,
                severity=settings.severity,  # type: ignore[arg-type]
                seed=index,
                project="REEL",
                shot=shot,
                progress=False,
            )
            progress(f"synthesised {shot} ({settings.frames} frames {width}x{height}, seed {index})")
        else:
            _link_media(root / "shots" / f"sh{(index % distinct + 1) * 10:04d}" / "media", folder / "media")
        job = schemas.load_job(
            root / "shots" / f"sh{(index % distinct + 1) * 10:04d}" / "job.json", check_paths=False
        )
        jobs.append(write_document(root / "reel_jobs" / f"REEL_{shot}.json", _in_reel(job, root, shot)))
    return jobs


def _link_media(source: Path, target: Path) -> None:
    """The same media files under another shot's folder: hard links, copies across file systems."""
    for path in sorted(source.rglob("*")):
        if path.is_file():
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, dest)
            except OSError:
                copy_file_atomic(path, dest)


def _in_reel(job: schemas.ShotJob, root: Path, shot: str) -> schemas.ShotJob:
    """``job`` as shot ``shot`` of the reel project at ``root`` (media under ``shots/<shot>/``)."""
    media = {
        name: seq.model_copy(update={"path": f"shots/{shot}/{seq.path}"})
        for name in ("source", "reference", "balanced", "truth")
        if (seq := getattr(job.media, name)) is not None
    }
    return job.model_copy(
        update={
            "job_id": f"REEL_{shot}",
            "project": job.project.model_copy(update={"root": str(root)}),
            "shot": job.shot.model_copy(update={"name": shot, "reel": "REEL"}),
            "media": job.media.model_copy(update=media),
            "backend": "native",
        }
    )


def _worker_command(root: Path, steps: int | None) -> list[str]:
    command = [sys.executable, "-m", "chroma_recovery", "watch", str(root), "--once", "--backend", "native"]
    return command + (["--steps", str(steps)] if steps is not None else []) + ["--stale-after", "3600"]


def run_workers(root: Path, count: int, gpus: int, steps: int | None, logs: Path) -> float:
    """Start ``count`` workers (GPU ``i`` each when ``gpus``) on the queue; seconds until all exited."""
    logs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        running = []
        for index in range(count):
            env = dict(os.environ)
            if gpus:
                env["CUDA_VISIBLE_DEVICES"] = str(index)
            else:  # the CPU: the cores shared out, so that the workers' math threads do not oversubscribe
                env["CUDA_VISIBLE_DEVICES"] = ""
                env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // count))
            log = stack.enter_context(durable_log(logs / f"worker_{index}.log"))
            running.append(subprocess.Popen(_worker_command(root, steps), env=env, stdout=log, stderr=log))
        codes = [proc.wait() for proc in running]
    seconds = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"a worker exited with {codes}; see {logs}")
    return seconds


@dataclass(frozen=True)
class StageTimes:
    """Seconds of each stage summed over the reel's shots (from the stages' manifests)."""

    seconds: dict[str, float]
    shots: int

    def per_shot(self) -> dict[str, float]:
        return {k: v / self.shots for k, v in self.seconds.items()} if self.shots else {}


def stage_times(root: Path) -> StageTimes:
    """Every stage manifest under ``root/pipeline``: its finished - started, summed per stage."""
    totals: dict[str, float] = {}
    shots = set()
    for path in sorted((root / "pipeline").glob("*/*/v*/_manifest.json")):
        manifest = schemas.load_manifest(path)
        seconds = (manifest.finished_at - manifest.started_at).total_seconds()
        totals[manifest.stage] = totals.get(manifest.stage, 0.0) + seconds
        shots.add(manifest.shot)
    return StageTimes(totals, len(shots))


def reel_cost(
    wall: float, workers: int, shots: int, frames: int, times: StageTimes, reel_shots: int, reel_frames: int
) -> dict[str, float]:
    """Hours of one worker (one GPU) for a reel: the measured time per shot split into a part per shot
    and a part per frame (the render stages), scaled to ``reel_shots`` shots of ``reel_frames`` frames."""
    per_shot_worker = wall * workers / shots  # one worker's seconds per shot, start-up and queue included
    per_frame = sum(times.per_shot().get(s, 0.0) for s in PER_FRAME_STAGES) / frames
    fixed = max(0.0, per_shot_worker - per_frame * frames)
    frames_per_shot = reel_frames / reel_shots
    seconds = reel_shots * (fixed + per_frame * frames_per_shot)
    return {
        "reel_shots": reel_shots,
        "reel_frames": reel_frames,
        "seconds_per_shot_fixed": fixed,
        "seconds_per_frame_rendered": per_frame,
        "worker_hours": seconds / 3600.0,
    }


def bench_reel(
    work: Path, settings: ReelSettings, progress: Callable[[str], None] = lambda _line: None
) -> dict[str, object]:
    """Make, queue and run the reel in ``work`` (a new folder); the numbers of the run."""
    root = work / "reel"
    if root.exists():
        raise FileExistsError(f"{root} exists: give the benchmark a new --work folder")
    gpus = _gpu_count(settings.gpus)
    workers = gpus or settings.workers
    jobs = make_reel(root, settings, progress)
    queue = JobQueue(root, stale_after=3600)
    for job in jobs:
        queue.submit(job, job.stem)
    progress(
        f"queued {len(jobs)} jobs; starting {workers} worker(s)" + (f" on {gpus} GPU(s)" if gpus else "")
    )
    wall = run_workers(root, workers, gpus, settings.steps, work / "logs")
    counts = queue.counts()
    if counts["done"] != settings.shots:
        raise RuntimeError(f"{counts['done']} of {settings.shots} jobs done ({counts}); see {work / 'logs'}")
    times = stage_times(root)
    frames = settings.shots * settings.frames
    metrics = _quality(queue, [p.stem for p in jobs])
    progress(f"{settings.shots} shots, {frames} frames in {wall:.1f}s with {workers} worker(s)")
    hours = wall / 3600.0
    return {
        "settings": {**asdict(settings), "size": list(settings.size)},
        "workers": workers,
        "gpus": gpus,
        "wall_seconds": wall,
        "frames": frames,
        "frames_per_second": frames / wall,
        "shots_per_hour": settings.shots / hours,
        "shots_per_gpu_hour": settings.shots / (hours * gpus) if gpus else None,
        "shots_per_worker_hour": settings.shots / (hours * workers),
        "stage_seconds": times.seconds,
        "stage_seconds_per_shot": times.per_shot(),
        "heldout_de00_ml": metrics.get("ml"),
        "heldout_de00_lut": metrics.get("lut"),
        "reel": reel_cost(wall, workers, settings.shots, settings.frames, times, REEL_SHOTS, REEL_FRAMES),
    }


def _quality(queue: JobQueue, job_ids: list[str]) -> dict[str, float]:
    """Mean held-out dE00 of ML and LUT over the jobs' results (``done/<id>.result.json``)."""
    import json

    found: dict[str, list[float]] = {"ml": [], "lut": []}
    for job_id in job_ids:
        result = json.loads((queue.folder("done") / f"{job_id}.result.json").read_text())
        for key in found:
            value = result.get("metrics", {}).get(f"{key}_de00_truth_heldout")
            if value is not None:
                found[key].append(float(value))
    return {k: sum(v) / len(v) for k, v in found.items() if v}
