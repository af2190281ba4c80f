"""Timestamped log lines: one formatter, the console / file handlers that write them, run log files.

A line is ``<ISO-8601 local time with offset> <LEVEL> <shot> <stage> <message>``, e.g.::

    2026-12-07T14:03:12+01:00 INFO    sh010 training   steps 120/300 40% elapsed 0:00:41 ETA 0:01:02

Four space-separated fields, then the message (``-`` where no shot or stage is known), so a farm's
log parser splits them with one regular expression. The shot and stage come from the record's
``extra`` or from :func:`log_context` (set by ``stage_log`` around each stage).

A run's log file (:func:`run_log`) holds the same lines as the console. While the run goes the file is
the hidden ``.tmp-<pid>-<hex>-<name>`` beside its final name (``chroma_engine.io.durable_log``: flushed
every line, fsynced and renamed when the run ends, also when it fails). The file keeps INFO lines under
``--quiet`` (the console does not) and debug lines under ``--verbose``.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ..io import free_path
from ._verbosity import Verbosity, verbosity

#: The project's loggers: the CLI sets their level (``set_verbosity``), run logs lower it to INFO.
PROJECT_LOGGERS: tuple[str, ...] = ("chroma_engine", "chroma_recovery", "nuke_bridge", "resolve_bridge")

_SHOT: contextvars.ContextVar[str | None] = contextvars.ContextVar("chroma_log_shot", default=None)
_STAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("chroma_log_stage", default=None)
_log = logging.getLogger("chroma_engine.logs")


@contextmanager
def log_context(shot: str | None = None, stage: str | None = None) -> Iterator[None]:
    """Within the block, lines name ``shot`` / ``stage`` (None keeps the enclosing value)."""
    tokens = []
    if shot is not None:
        tokens.append((_SHOT, _SHOT.set(shot)))
    if stage is not None:
        tokens.append((_STAGE, _STAGE.set(stage)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_context() -> tuple[str | None, str | None]:
    """The (shot, stage) lines are written for now."""
    return _SHOT.get(), _STAGE.get()


def timestamp(created: float) -> str:
    """``2026-12-07T14:03:12+01:00``: local time with its UTC offset, to the second."""
    return _dt.datetime.fromtimestamp(created).astimezone().isoformat(timespec="seconds")


class LineFormatter(logging.Formatter):
    """``<time> <LEVEL> <shot> <stage> <message>``; a traceback, when attached, follows indented."""

    def format(self, record: logging.LogRecord) -> str:
        shot = getattr(record, "shot", None) or _SHOT.get() or "-"
        stage = getattr(record, "stage", None) or _STAGE.get() or "-"
        line = f"{timestamp(record.created)} {record.levelname:<7} {shot} {stage:<10} {record.getMessage()}"
        if record.exc_info:
            trace = self.formatException(record.exc_info)
            line += "\n" + "\n".join("    " + part for part in trace.splitlines())
        return line


#: Where a handler writes: ``lines`` (a console that is not a terminal), ``terminal`` (a terminal,
#: where the rich bars show progress: warnings and errors only, everything under ``--verbose``) or
#: ``file`` (a log file: progress even under ``--quiet``).
_MODES = ("lines", "terminal", "file")


def _threshold(mode: str) -> int:
    level = verbosity()
    if mode == "file":
        return logging.DEBUG if level is Verbosity.VERBOSE else logging.INFO
    if mode == "terminal":
        return logging.DEBUG if level is Verbosity.VERBOSE else logging.WARNING
    return level.logging_level


class _LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes formatted lines; the level is read from the verbosity at every record.

    ``stream=None`` writes to whatever ``sys.stdout`` (mode ``lines``) or ``sys.stderr`` (mode
    ``terminal``) is at that moment (rich's live display swaps them). A failing stream (a closed pipe,
    a full disk) is reported once on stderr and then left alone: a log must never stop a run.
    """

    def __init__(self, stream: TextIO | None, mode: str) -> None:
        if mode not in _MODES:
            raise ValueError(f"mode {mode!r}: choose {', '.join(_MODES)}")
        self.mode = mode
        self._follow = stream is None
        self._broken = False
        super().__init__(stream or self._console())
        self.setFormatter(LineFormatter())

    def _console(self) -> TextIO:
        return sys.stderr if self.mode == "terminal" else sys.stdout

    def filter(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        return not self._broken and record.levelno >= _threshold(self.mode) and bool(super().filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow:
            self.stream = self._console()
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if not self._broken:
            self._broken = True
            error = sys.exc_info()[1]
            name = getattr(self.stream, "name", self.stream)
            try:
                sys.stderr.write(f"warning: log lines to {name} stopped: {error}\n")
            except (OSError, ValueError):
                pass


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default stdout) is an interactive terminal."""
    target = stream if stream is not None else sys.stdout
    try:
        return bool(target.isatty())
    except (AttributeError, ValueError):
        return False


@contextmanager
def console_lines(stream: TextIO | None = None) -> Iterator[logging.Handler]:
    """Within the block, show the project's log on the console (nested blocks share the outer one).

    When ``stream`` (default stdout) is not a terminal (farm, service manager, CI, a pipe), progress
    goes to it as timestamped lines: ``--quiet`` keeps warnings and errors, ``--verbose`` adds debug
    lines. On a terminal the rich bars show progress, and the handler writes only warnings and errors
    (everything under ``--verbose``) to stderr.
    """
    root = logging.getLogger()
    for existing in root.handlers:
        if isinstance(existing, _LineHandler) and existing.mode != "file":
            yield existing
            return
    mode = "terminal" if is_terminal(stream) else "lines"
    handler = _LineHandler(None if mode == "terminal" else stream, mode)
    root.addHandler(handler)
    try:
        with project_levels(_threshold(mode)):
            yield handler
    finally:
        root.removeHandler(handler)


def line_handler(stream: TextIO, mode: str = "file") -> logging.Handler:
    """A handler writing timestamped lines to an open text stream (a run log, a job's queue log)."""
    return _LineHandler(stream, mode)


@contextmanager
def project_levels(level: int) -> Iterator[None]:
    """Within the block the project's loggers pass records of ``level`` and above (restored after)."""
    saved = []
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        if logger.getEffectiveLevel() > level:
            logger.setLevel(level)
    try:
        yield
    finally:
        for logger, previous in saved:
            logger.setLevel(previous)


@contextmanager
def run_log(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Within the block every log line of the process (the project's INFO and up, other libraries'
    warnings) also goes to ``path``; yields the final path. The file is complete when the block ends."""
    from ..io import durable_log

    final = Path(path)
    with durable_log(final) as stream, project_levels(logging.INFO):
        handler = line_handler(stream)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            _log.info("log file %s", final)
            yield final
        finally:
            root.removeHandler(handler)
            handler.close()


def free_log_path(folder: str | os.PathLike[str], stem: str) -> Path:
    """``folder/<stem>.log``, or ``<stem>_2.log``, ``_3``... when taken (earlier logs are kept)."""
    return free_path(folder, stem, ".log")
