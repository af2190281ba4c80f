"""Farm fixtures: a tiny synthetic shot with a known reference offset, and the CLI command string."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def cli_command() -> str:
    """``ChromaRecoveryCommand`` that starts this checkout's CLI with this interpreter."""
    code = "from chroma_recovery.cli import main; main()"
    return f"env PYTHONPATH={shlex.quote(str(REPO))} {shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def make_shot(root: Path, frames: int = 6) -> Path:
    """A 96x64 synthetic shot; the job pins ``reference_offset`` 0 (the synthetic REF is in sync)."""
    from chroma_engine.synth import synthesize_shot

    synthesize_shot(root, frames=frames, width=96, height=64, progress=False)
    job_file = root / "job.json"
    data = json.loads(job_file.read_text())
    data["curation"]["reference_offset"] = 0
    job_file.write_text(json.dumps(data, indent=1))
    return job_file


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    return make_shot(tmp_path / "proj")
