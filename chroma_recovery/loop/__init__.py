"""The loop: a filesystem job queue, render-side watchers and publishing for re-import."""

from ._bench import bench_watch_latency
from ._errors import ClaimLost, LoopError, QueueError
from ._publish import IMPORT_STAGES, ImportQueue, ManifestWatcher
from ._queue import (
    STATES,
    Claim,
    Heartbeat,
    JobQueue,
    heartbeat_interval,
    positive_seconds,
    require_project,
    worker_id,
)
from ._reel import ReelSettings, bench_reel
from ._worker import JobRunner, Outcome, Worker, engine_runner

__all__ = [
    "Claim",
    "ClaimLost",
    "Heartbeat",
    "IMPORT_STAGES",
    "ImportQueue",
    "JobQueue",
    "JobRunner",
    "LoopError",
    "ManifestWatcher",
    "Outcome",
    "QueueError",
    "ReelSettings",
    "STATES",
    "Worker",
    "bench_reel",
    "bench_watch_latency",
    "engine_runner",
    "heartbeat_interval",
    "positive_seconds",
    "require_project",
    "worker_id",
]
