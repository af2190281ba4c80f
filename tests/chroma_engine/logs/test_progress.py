"""Progress lines: every ~10 % or 30 s, with elapsed time and an ETA; stage start/end lines."""

from __future__ import annotations

import logging

import pytest

from chroma_engine.logs import ProgressLog, ProgressReporter, clock_text, stage_log


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "chroma_engine.progress"]


def test_one_line_per_ten_percent_with_an_eta(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chroma_engine")
    clock = _Clock()
    loop = ProgressLog("steps", 300, clock=clock)
    for done in range(1, 301):
        clock.now += 0.1
        loop.update(done)
    lines = _lines(caplog)
    assert len(lines) == 11, lines  # the first item (a line soon after the start), 10 %, ... 100 %
    assert lines[0] == "steps 1/300 0% elapsed 0:00:00 ETA 0:00:30"
    assert lines[1] == "steps 30/300 10% elapsed 0:00:03 ETA 0:00:27"
    assert lines[-1] == "steps 300/300 100% elapsed 0:00:30"
    loop.update(300)
    assert len(_lines(caplog)) == 11  # the end is written once


def test_a_slow_loop_writes_every_thirty_seconds(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chroma_engine")
    clock = _Clock()
    loop = ProgressLog("frames", 1000, clock=clock)
    for done in range(1, 21):  # 2 % in 200 s: no 10 % step, a line every 30 s
        clock.now += 10.0
        loop.update(done)
    lines = _lines(caplog)
    assert len(lines) == 7, lines  # the first item, then every 30 s
    assert lines[1].startswith("frames 4/1000 0% elapsed 0:00:40 ETA 2:46:")


def test_reporter_names_units_and_restarts_a_loop(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chroma_engine")
    report = ProgressReporter()
    for done in range(1, 5):
        report("inference", done, 4)
    for done in range(1, 3):
        report("inference", done, 2)  # a second render under the same label
    lines = _lines(caplog)
    assert [line.split(" elapsed")[0] for line in lines] == [
        "frames 1/4 25%",
        "frames 2/4 50%",
        "frames 3/4 75%",
        "frames 4/4 100%",
        "frames 1/2 50%",
        "frames 2/2 100%",
    ]


def test_stage_log_frames_a_stage(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chroma_engine")
    with stage_log("sh010", "alignment"):
        pass
    with pytest.raises(ValueError), stage_log("sh010", "training"):
        raise ValueError("no pairs\nsecond line")
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert (
        messages[0] == ("INFO", "start")
        and messages[1][1].startswith("end ")
        and messages[1][1].endswith("s")
    )
    assert messages[3][0] == "ERROR" and messages[3][1].endswith("ValueError: no pairs")


def test_clock_text() -> None:
    assert [clock_text(s) for s in (0, 61.4, 3725, -3)] == ["0:00:00", "0:01:01", "1:02:05", "0:00:00"]
