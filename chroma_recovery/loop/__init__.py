"""The loop: a filesystem job queue, render-side watchers and publishing for re-import."""

from ._errors import LoopError, PublishError, QueueError
from ._publish import IMPORT_STAGES, ImportQueue, ManifestWatcher, verify_manifest
from ._queue import STATES, Claim, Heartbeat, JobQueue, worker_id
from ._worker import JobRunner, Outcome, Worker, engine_runner

__all__ = [
    "Claim",
    "Heartbeat",
    "IMPORT_STAGES",
    "ImportQueue",
    "JobQueue",
    "JobRunner",
    "LoopError",
    "ManifestWatcher",
    "Outcome",
    "PublishError",
    "QueueError",
    "STATES",
    "Worker",
    "engine_runner",
    "verify_manifest",
    "worker_id",
]
