"""``run`` with stdout to a pipe (farm, service manager, CI): timestamped lines as it goes, one start and
one end line per stage, and the same lines in the run's log file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d (\w+) +(\S+) (\S+) +(.*)$")
STAGES = ("curation", "alignment", "training", "inference", "matchgrade", "qc")


@pytest.fixture
def small_shot(tmp_path: Path) -> Path:
    from chroma_engine.synth import synthesize_shot

    root = tmp_path / "shot"
    synthesize_shot(root, frames=8, width=96, height=64, severity="severe", seed=0, progress=False)
    return root


def test_a_piped_run_prints_timestamped_lines_as_it_goes(small_shot: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    env.pop("CHROMA_RECOVERY_VERBOSITY", None)
    command = [sys.executable, "-m", "chroma_recovery", "run", str(small_shot / "job.json")]
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, "--backend", "native", "--steps", "2", "--device", "cpu"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert process.stdout is not None
    arrivals: list[tuple[float, str]] = []
    for line in process.stdout:
        arrivals.append((time.monotonic() - started, line.rstrip("\n")))
    error = process.stderr.read() if process.stderr else ""
    assert process.wait(timeout=300) == 0, error
    stamped = [(t, text) for t, text in arrivals if LINE.match(text)]
    assert stamped, arrivals
    first, last = stamped[0][0], stamped[-1][0]
    assert first < 30.0 and first < last / 2, (first, last)  # the first line comes while the run goes
    fields = [LINE.match(text).groups() for _, text in stamped]  # type: ignore[union-attr]
    for stage in STAGES:
        assert [m for _, _, s, m in fields if s == stage and m == "start"] == ["start"], stage
        ends = [m for _, _, s, m in fields if s == stage and m.startswith("end ")]
        assert len(ends) == 1 and re.fullmatch(r"end \d+\.\ds", ends[0]), (stage, ends)
    assert any(s == "training" and m.startswith("steps 2/2 100%") for _, _, s, m in fields)
    assert any(s == "curation" and "frames read" in m for _, _, s, m in fields)
    assert any(s == "training" and m.startswith("start fit done") for _, _, s, m in fields)
    logs = list((small_shot / "pipeline/logs/sh010").iterdir())
    assert len(logs) == 1 and logs[0].name.endswith("_run.log")
    assert logs[0].read_text(encoding="utf-8").splitlines() == [text for _, text in stamped]
