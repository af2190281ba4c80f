"""How much the tools say, and how: verbosity, timestamped log lines, progress, run log files.

The CLI's ``--quiet`` / ``--verbose`` call :func:`set_verbosity`; the level is kept in the
environment (``CHROMA_RECOVERY_VERBOSITY``), so render workers, farm tasks and Nuke renders started
from this process inherit it, and it sets the level of the engine's Python loggers.

Everything is Python ``logging`` with one formatter (:class:`LineFormatter`:
``<ISO-8601 time> <LEVEL> <shot> <stage> <message>``). :func:`console_lines` shows it on the console
(timestamped lines when stdout is not a terminal; warnings only beside the rich bars on one),
:func:`run_log` copies it into a run's log file, :func:`stage_log` frames a stage with start/end lines
and :class:`ProgressLog` writes a loop's progress every ~10 % or 30 s with an ETA.
"""

from ._lines import (
    PROJECT_LOGGERS,
    LineFormatter,
    console_lines,
    current_context,
    free_log_path,
    is_terminal,
    line_handler,
    log_context,
    project_levels,
    run_log,
    timestamp,
)
from ._progress import ProgressLog, ProgressReporter, clock_text, progress_bars, stage_log
from ._verbosity import VERBOSITY_ENV, Verbosity, set_verbosity, verbosity

__all__ = [
    "PROJECT_LOGGERS",
    "VERBOSITY_ENV",
    "LineFormatter",
    "ProgressLog",
    "ProgressReporter",
    "Verbosity",
    "clock_text",
    "console_lines",
    "current_context",
    "free_log_path",
    "is_terminal",
    "line_handler",
    "log_context",
    "progress_bars",
    "project_levels",
    "run_log",
    "set_verbosity",
    "stage_log",
    "timestamp",
    "verbosity",
]
