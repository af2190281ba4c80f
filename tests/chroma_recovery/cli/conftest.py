"""A tiny synthetic shot shared by the end-to-end CLI tests (synthesised once per session)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chroma_engine.io import write_document


@pytest.fixture(scope="session")
def tiny_shot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chroma_engine.synth import synthesize_shot

    root = tmp_path_factory.mktemp("template") / "shot"
    synthesize_shot(root, frames=8, width=256, height=192, severity="severe", seed=3)
    return root


@pytest.fixture
def tiny_shot(tiny_shot_template: Path, tmp_path: Path) -> Path:
    """A private copy (the project root is inside the job, so rewrite it)."""
    import schemas

    root = tmp_path / "shot"
    shutil.copytree(tiny_shot_template, root)
    job = schemas.load_job(root / "job.json", check_paths=False)
    job = job.model_copy(update={"project": job.project.model_copy(update={"root": str(root)})})
    write_document(root / "job.json", job)
    return root
