"""What a job's run needs before its stages: its log, and a curation decision.

``job_log``: timestamped lines on the console and in ``pipeline/logs/<shot>/`` for every run.

``ensure_curation``: a curation decision exists before any stage that needs training frames runs.
The Nuke scripts (``nk build``, ``run --backend nuke``, the watcher's ``auto`` jobs on a Nuke machine)
need training frames. A job straight from ``synth`` or from Resolve's "Send Shot to ML" lists none and
leaves the choice to curation; then the native decision is made here (CPU only, seconds) and recorded
exactly as the native curation stage records it (``pipeline/01_dataset_curation/<shot>/v###/`` with
``curation.json``, the pairs sheet and the manifest), so later native stages, the Nuke builders and the
QC report read the same record.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from schemas import CurationRecord, ShotJob

from ..layout import logs_dir
from ..logs import console_lines, free_log_path, log_context, run_log, stage_log
from ._context import ShotContext
from ._prep_stages import run_curation

#: The log files open in this process, innermost last (a run inside a run writes to the outer file).
_OPEN: list[Path] = []
_log = logging.getLogger(__name__)


def job_log_path(job: ShotJob, kind: str = "run") -> Path:
    """``<root>/pipeline/logs/<shot>/<shot>_<YYYYmmdd-HHMMSS>-<pid>_<kind>.log`` (local time).

    The process id keeps apart the logs of farm tasks of one shot that start in the same second (on one
    host; the name is also checked free, see ``free_log_path``)."""
    stamp = f"{_dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    shot = job.shot.name
    return free_log_path(logs_dir(job.project.root, shot), f"{shot}_{stamp}_{kind}")


@contextmanager
def job_log(job: ShotJob, kind: str = "run") -> Iterator[Path]:
    """Within the block the job's log lines go to the console (timestamped lines when stdout is not a
    terminal) and to its log file; every line names the shot. Yields the log file's final path.

    ``kind``: ``run`` (native stages), ``nuke`` (the Nuke backend), ``nk-build`` (scripts only).
    Blocks nest: an inner ``job_log`` in the same process writes to the outer one's file.
    """
    shot = job.shot.name
    if _OPEN:
        with log_context(shot=shot):
            yield _OPEN[-1]
        return
    with console_lines(), log_context(shot=shot), run_log(job_log_path(job, kind)) as path:
        _OPEN.append(path)
        started = time.monotonic()
        try:
            yield path
        except BaseException as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            _log.error("%s %s failed after %.1fs: %s: %s", kind, job.job_id, time.monotonic() - started,
                       type(exc).__name__, first)  # fmt: skip
            raise
        finally:
            _OPEN.pop()


@dataclass(frozen=True)
class CurationInForce:
    """The curation decision the stages will use.

    Attributes:
        record: the newest complete curation record; None when the job lists its own training frames
            and no record exists (the job's ``curation.frames`` are used as they are).
        path: that record's ``curation.json`` (None with ``record``).
        made: True when the decision was made (and recorded) by this call.
    """

    record: CurationRecord | None
    path: Path | None
    made: bool = False


def ensure_curation(job: ShotJob) -> CurationInForce:
    """The curation record in force; when there is none and the job lists no training frames, the
    native curation stage runs now and records its decision (a new ``v###`` with its manifest).

    Raises:
        StageError, MediaError: the project root is missing, the shot's media cannot be read, or no
            usable training frame exists (the native stage's own errors).
    """
    existing = _newest_record(job)
    if existing is not None:
        record = CurationRecord.model_validate_json(existing.read_text(encoding="utf-8"))
        return CurationInForce(record, existing, made=False)
    if job.curation.frames:
        return CurationInForce(None, None, made=False)
    ctx = ShotContext.from_job(job)
    _log.info("no training frames listed and no curation record: curation decides now (native, CPU)")
    with stage_log(ctx.shot, "curation"):
        record = run_curation(ctx)
    path = _newest_record(job)
    _log.info(
        "curation chose frames %s, preview %s: %s", list(record.training_frames), record.preview_frame, path
    )
    return CurationInForce(record, path, made=True)


def _newest_record(job: ShotJob) -> Path | None:
    """``curation.json`` of the newest complete ``v###`` (partial versions are skipped), or None."""
    from ..io import newest_complete_version
    from ..layout import stage_dir

    folder = newest_complete_version(
        stage_dir(job.project.root, "curation") / job.shot.name, required=("curation.json",)
    ).folder
    return None if folder is None else folder / "curation.json"
