"""A job's log: timestamped lines on the console and in ``pipeline/logs/<shot>/`` for every run."""

from __future__ import annotations

import datetime as _dt
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from schemas import ShotJob

from ..layout import logs_dir
from ..logs import console_lines, free_log_path, log_context, run_log

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
