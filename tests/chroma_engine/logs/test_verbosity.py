"""The process-wide verbosity: kept in the environment, read back, applied to loggers."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from chroma_engine.logs import VERBOSITY_ENV, Verbosity, set_verbosity, verbosity


def test_unset_or_unknown_reads_as_normal() -> None:
    assert verbosity({}) is Verbosity.NORMAL
    assert verbosity({VERBOSITY_ENV: "chatty"}) is Verbosity.NORMAL
    assert verbosity({VERBOSITY_ENV: " Verbose "}) is Verbosity.VERBOSE


def test_set_verbosity_stores_the_name_and_sets_logger_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    env: dict[str, str] = {}
    logger = logging.getLogger("chroma_engine.tests_verbosity_probe")
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    assert set_verbosity(Verbosity.QUIET, loggers=(logger.name,), environ=env) is Verbosity.QUIET
    assert env == {VERBOSITY_ENV: "quiet"} and verbosity(env) is Verbosity.QUIET
    assert logger.level == logging.WARNING and not logger.isEnabledFor(logging.INFO)
    set_verbosity(Verbosity.VERBOSE, loggers=(logger.name,), environ=env)
    assert logger.isEnabledFor(logging.DEBUG) and verbosity(env) is Verbosity.VERBOSE


def test_child_processes_inherit_the_verbosity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VERBOSITY_ENV, "normal")
    set_verbosity(Verbosity.QUIET, loggers=())
    code = "from chroma_engine.logs import verbosity; print(verbosity().name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "QUIET"
