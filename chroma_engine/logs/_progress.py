"""Progress as log lines (every ~10 % or 30 s, with an ETA), stage start/end lines, and the rich bars.

Long loops report through :class:`ProgressLog` (``update(done)``): it writes an INFO line when a
10 % step is crossed, when 30 s passed since its last line, and at the end, and feeds the rich bars
that :func:`progress_bars` shows while a terminal is attached. :func:`stage_log` frames a stage with
``start`` and ``end <seconds>s`` lines (``failed after <seconds>s: <error>`` at ERROR) and names the
shot and stage in every line written inside it.
"""

from __future__ import annotations

import contextvars
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._lines import log_context
from ._verbosity import Verbosity, verbosity

#: ``(label, done, total)``: what the rich bars are fed with.
BarSink = Callable[[str, int, int], None]

_BARS: contextvars.ContextVar[BarSink | None] = contextvars.ContextVar("chroma_log_bars", default=None)
_log = logging.getLogger("chroma_engine.progress")


def clock_text(seconds: float) -> str:
    """``0:01:02`` (hours unbounded)."""
    whole = max(0, int(round(seconds)))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class ProgressLog:
    """Throttled progress lines for one loop: ``<what> <done>/<total> <pct>% elapsed H:MM:SS ETA H:MM:SS``.

    Args:
        what: what is counted (``steps``, ``frames scored``).
        total: the count at the end (may change through ``update``).
        label: the rich bar's name (default ``what``).
        logger: the logger the lines go to (default ``chroma_engine.progress``).
        every: fraction of the total between lines (0.1: one line per 10 %).
        interval_s: a line at least this often while updates come.
        clock: monotonic seconds (tests).
    """

    def __init__(
        self,
        what: str,
        total: int,
        *,
        label: str | None = None,
        logger: logging.Logger | None = None,
        every: float = 0.1,
        interval_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.label = label or what
        self.total = max(0, int(total))
        self.logger = logger or _log
        self.every = every
        self.interval_s = interval_s
        self.clock = clock
        self.started = clock()
        self._last_time = self.started
        self._last_step = -1
        self._finished = False
        self.done = 0

    def _step(self, done: int) -> int:
        return math.floor(done / self.total / self.every + 1e-9) if self.total else 0

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` items are finished; writes a line when one is due."""
        if total is not None:
            self.total = max(0, int(total))
        self.done = done
        sink = _BARS.get()
        if sink is not None:
            sink(self.label, done, self.total)
        now = self.clock()
        step = self._step(done)
        finished = self.total > 0 and done >= self.total
        if finished and self._finished:
            return
        if finished or step > self._last_step or now - self._last_time >= self.interval_s:
            self._last_step, self._last_time, self._finished = step, now, finished
            self.logger.info("%s", self.line(done, now))

    def line(self, done: int, now: float | None = None) -> str:
        """The progress text for ``done`` items at ``now``."""
        now = self.clock() if now is None else now
        elapsed = now - self.started
        if not self.total:
            return f"{self.what} {done} elapsed {clock_text(elapsed)}"
        percent = 100.0 * done / self.total
        text = f"{self.what} {done}/{self.total} {percent:.0f}% elapsed {clock_text(elapsed)}"
        if 0 < done < self.total:
            text += f" ETA {clock_text(elapsed / done * (self.total - done))}"
        return text


#: What the stages' progress labels count, as the lines say it.
UNITS = {
    "training": "steps",
    "inference": "frames",
    "matchgrade": "frames",
    "curation": "frames",
    "alignment": "frames",
}


class ProgressReporter:
    """A ``progress(label, done, total)`` callback (the stages' signature) writing throttled lines,
    one :class:`ProgressLog` per label (lines say what is counted: ``UNITS``)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger
        self.loops: dict[str, ProgressLog] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        loop = self.loops.get(label)
        if loop is None or done < loop.done:  # a new loop under the same label starts over
            loop = self.loops[label] = ProgressLog(
                UNITS.get(label, label), total, label=label, logger=self.logger
            )
        loop.update(done, total)


@contextmanager
def stage_log(shot: str | None, stage: str, logger: logging.Logger | None = None) -> Iterator[None]:
    """Frame a stage: ``start``, then ``end 12.3s`` (or ``failed after 3.2s: <error>`` at ERROR).

    Every line written inside names ``shot`` and ``stage``.
    """
    target = logger or _log
    started = time.monotonic()
    with log_context(shot, stage):
        target.info("start")
        try:
            yield
        except BaseException as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            target.error(
                "failed after %.1fs: %s%s",
                time.monotonic() - started,
                type(exc).__name__,
                f": {first}" if first else "",
            )
            raise
        target.info("end %.1fs", time.monotonic() - started)


@contextmanager
def progress_bars(console: object | None) -> Iterator[ProgressReporter]:
    """Within the block, progress feeds rich bars on ``console`` when it is a terminal (and the
    verbosity is not quiet); lines are written either way. Yields the stages' progress callback."""
    from rich.console import Console

    show = isinstance(console, Console) and console.is_terminal and verbosity() is not Verbosity.QUIET
    if not show:
        yield ProgressReporter()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]{task.description:<11}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,  # type: ignore[arg-type]
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def sink(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total or None)
        bar.update(tasks[label], completed=done, total=total or None)

    token = _BARS.set(sink)
    try:
        with bar:
            yield ProgressReporter()
    finally:
        _BARS.reset(token)
