"""Timestamped log lines: the format, the console's modes under each verbosity, run log files."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from chroma_engine.io import is_temporary
from chroma_engine.logs import (
    VERBOSITY_ENV,
    LineFormatter,
    console_lines,
    free_log_path,
    log_context,
    run_log,
    stage_log,
)

#: ``<ISO time with offset> <LEVEL> <shot> <stage> <message>``.
LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d) (\w+) +(\S+) (\S+) +(.*)$")
_log = logging.getLogger("chroma_engine.tests_lines_probe")


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_line_has_time_level_shot_stage_and_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "steps %d/%d", (3, 10), None)
    with log_context(shot="sh010", stage="training"):
        text = LineFormatter().format(record)
    match = LINE.match(text)
    assert match is not None, text
    assert match.group(2, 3, 4, 5) == ("INFO", "sh010", "training", "steps 3/10")
    bare = LineFormatter().format(record)
    assert LINE.match(bare).group(3, 4) == ("-", "-")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        ("quiet", ["failed"]),
        ("normal", ["start", "note", "failed"]),
        ("verbose", ["start", "detail", "note", "failed"]),
    ],
)
def test_a_pipe_gets_lines_by_verbosity(
    level: str, shown: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VERBOSITY_ENV, level)
    out = _Pipe()
    with console_lines(out):
        with log_context(shot="sh010", stage="alignment"):
            _log.info("start")
            _log.debug("detail")
            _log.info("note")
            _log.error("failed")
    messages = [LINE.match(line).group(5) for line in out.getvalue().splitlines()]  # type: ignore[union-attr]
    assert messages == shown
    _log.info("after the block")  # the handler is gone
    assert "after the block" not in out.getvalue()


def test_a_terminal_gets_warnings_only_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(VERBOSITY_ENV, "normal")
    with console_lines(_Tty()):
        _log.info("progress is the bars' job")
        _log.warning("look at this")
    err = capsys.readouterr().err
    assert "look at this" in err and "progress is the bars' job" not in err


def test_run_log_is_complete_under_its_final_name_even_when_the_run_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VERBOSITY_ENV, "quiet")  # the file keeps INFO lines whatever the console shows
    target = tmp_path / "logs" / "sh010_run.log"
    with pytest.raises(RuntimeError), run_log(target) as path:
        assert path == target and not target.exists()  # a temporary name while the run goes
        assert [p for p in target.parent.iterdir() if is_temporary(p)]
        with stage_log("sh010", "curation"):
            _log.info("frames read 4/8")
            raise RuntimeError("disk on fire")
    assert [p.name for p in target.parent.iterdir()] == ["sh010_run.log"]
    lines = target.read_text(encoding="utf-8").splitlines()
    assert all(LINE.match(line) for line in lines), lines
    messages = [LINE.match(line).group(2, 4, 5) for line in lines]  # type: ignore[union-attr]
    assert messages[1:3] == [("INFO", "curation", "start"), ("INFO", "curation", "frames read 4/8")]
    assert messages[3][0] == "ERROR" and "failed after" in messages[3][2] and "disk on fire" in messages[3][2]


def test_free_log_path_never_reuses_a_name(tmp_path: Path) -> None:
    first = free_log_path(tmp_path, "sh010_run")
    first.write_text("x")
    second = free_log_path(tmp_path, "sh010_run")
    assert (first.name, second.name) == ("sh010_run.log", "sh010_run_2.log")
