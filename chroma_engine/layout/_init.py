"""``init_project``: create (or complete) a project's five-stage layout; never overwrite a file."""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import StageError
from ..io import write_text_atomic
from ._template import EXPERIMENTS_HEADER, EXTRA_FOLDERS, STAGE_FOLDERS, pipeline_readme, stage_readme


def _write_once(path: Path, text: str, created: list[Path]) -> None:
    if not path.exists():
        write_text_atomic(path, text)
        created.append(path)


def _make_folder(folder: Path, created: list[Path]) -> None:
    """Create ``folder`` unless it exists; another process (a second watch worker) may create it at the
    same moment, which is no error."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        if not folder.is_dir():
            raise StageError(f"{folder}: exists and is not a folder", hint="move the file away") from None
        return
    created.append(folder)


def init_project(root: str | os.PathLike[str]) -> list[Path]:
    """Create the layout under ``root``; existing files are kept. Returns the paths created."""
    base = Path(root)
    if base.exists() and not base.is_dir():
        raise StageError(f"{base}: exists and is not a folder", hint="choose another project folder")
    created: list[Path] = []
    for stage in STAGE_FOLDERS:
        _make_folder(base / "pipeline" / stage.folder / "QC", created)
        _write_once(base / "pipeline" / stage.folder / "README.md", stage_readme(stage), created)
    _write_once(base / "pipeline" / "README.md", pipeline_readme(), created)
    for extra in EXTRA_FOLDERS:
        _make_folder(base / extra, created)
    _write_once(base / "notes" / "experiments.md", EXPERIMENTS_HEADER, created)
    return created


def stage_dir(root: str | os.PathLike[str], stage: str) -> Path:
    """``<root>/pipeline/<0N_folder>`` for an engine stage name (``curation`` ... ``matchgrade``)."""
    for folder in STAGE_FOLDERS:
        if folder.stage == stage:
            return Path(root) / "pipeline" / folder.folder
    raise StageError(f"unknown stage {stage!r}", hint=", ".join(s.stage for s in STAGE_FOLDERS))


def logs_dir(root: str | os.PathLike[str], shot: str) -> Path:
    """``<root>/pipeline/logs/<shot>``: the shot's run logs (not created here)."""
    return Path(root) / "pipeline" / "logs" / shot
