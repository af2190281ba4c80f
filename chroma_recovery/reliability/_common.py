"""What the reliability cases share: a tiny synthetic shot, running the CLI in-process, file checks."""

from __future__ import annotations

import hashlib
import json
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import schemas


@dataclass(frozen=True)
class CliOutcome:
    """One CLI call: its exit status, its output, and the traceback if an exception escaped."""

    exit_code: int
    output: str
    traceback: str = ""

    @property
    def clean_error(self) -> bool:
        """Exit 2 with an ``error:`` (or usage) line naming the problem, and no traceback."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        said = any(line.startswith("error:") or "Invalid value" in line for line in lines)
        return self.exit_code == 2 and said and not self.traceback and "Traceback" not in self.output

    @property
    def first_line(self) -> str:
        for line in self.output.splitlines():
            if line.startswith("error:") or "Invalid value" in line:
                return line.strip(" │")
        return (self.output.strip().splitlines() or [""])[0]


def run_cli(args: Sequence[str]) -> CliOutcome:
    """``chroma-recovery ARGS`` in this process (typer's test runner): exit status and output."""
    from typer.testing import CliRunner

    from chroma_recovery.cli._app import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    trace = "".join(traceback.format_exception(result.exception)) if escaped and result.exception else ""
    return CliOutcome(int(result.exit_code), result.output, trace)


def make_shot(root: Path, frames: int = 6, size: tuple[int, int] = (96, 64)) -> Path:
    """A tiny synthetic shot (job pinned to reference offset 0); returns its job file."""
    from chroma_engine.io import write_document
    from chroma_engine.synth import synthesize_shot

    synthesize_shot(root, frames=frames, width=size[0], height=size[1], progress=False)
    job = schemas.load_job(root / "job.json")
    curation = job.curation.model_copy(update={"reference_offset": 0})
    return write_document(root / "job.json", job.model_copy(update={"curation": curation}))


def copy_shot(template: Path, root: Path) -> Path:
    """A private copy of a shot made by ``make_shot`` (its job re-rooted); returns the job file."""
    from chroma_engine.io import copy_file_atomic, write_document

    for source in sorted(template.rglob("*")):
        target = root / source.relative_to(template)
        if source.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(source))
        elif source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            copy_file_atomic(source, target)
    job = schemas.load_job(root / "job.json", check_paths=False)
    job = job.model_copy(update={"project": job.project.model_copy(update={"root": str(root)})})
    return write_document(root / "job.json", job)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(root: Path) -> dict[Path, str]:
    """Checksums of every file under ``root`` (temporary files left out)."""
    from chroma_engine.io import is_temporary

    return {p: sha256(p) for p in sorted(root.rglob("*")) if p.is_file() and not is_temporary(p)}


def lost_files(before: dict[Path, str]) -> list[Path]:
    """Files of ``before`` that are gone or changed."""
    return [p for p, digest in before.items() if not p.is_file() or sha256(p) != digest]


def temporaries(root: Path) -> list[Path]:
    """Temporary files of the durable-write helper left under ``root``."""
    from chroma_engine.io import is_temporary

    return [p for p in root.rglob("*") if is_temporary(p)]


def unreadable(root: Path) -> list[Path]:
    """Files under a final name that do not open: images that do not decode, JSON that does not parse."""
    from chroma_engine import EngineError
    from chroma_engine.io import is_temporary, read_image

    bad = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or is_temporary(path):
            continue
        try:
            if path.suffix in (".exr", ".png"):
                read_image(path)
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
        except (EngineError, ValueError, OSError):
            bad.append(path)
    return bad


Check = Callable[[], bool]
