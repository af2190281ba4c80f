"""``init``: the five-stage layout, idempotent, and the repository's pipeline/ equals the template."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chroma_engine import StageError
from chroma_engine.layout import STAGE_FOLDERS, init_project, pipeline_readme, stage_dir, stage_readme
from chroma_recovery.cli import app

EXPECTED = [
    "01_dataset_curation",
    "02_alignment",
    "03_copycat_training",
    "04_inference_render",
    "05_matchgrade_render",
]


def test_init_creates_the_layout(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    init_project(root)
    assert sorted(p.name for p in (root / "pipeline").iterdir() if p.is_dir()) == EXPECTED
    for name in EXPECTED:
        assert (root / "pipeline" / name / "QC").is_dir()
        assert (root / "pipeline" / name / "README.md").read_text().startswith(f"# {name}")
    for extra in ("nuke_base", "DOCS", "jobs/incoming"):
        assert (root / extra).is_dir()
    assert (root / "notes" / "experiments.md").read_text().startswith("# Experiments")
    assert stage_dir(root, "inference") == root / "pipeline" / "04_inference_render"


def test_init_is_idempotent_and_keeps_files(tmp_path: Path) -> None:
    init_project(tmp_path)
    notes = tmp_path / "notes" / "experiments.md"
    notes.write_text("my notes\n")
    assert init_project(tmp_path) == []
    assert notes.read_text() == "my notes\n"


def test_repository_pipeline_matches_template(repo_root: Path) -> None:
    assert (repo_root / "pipeline" / "README.md").read_text() == pipeline_readme()
    for stage in STAGE_FOLDERS:
        assert (repo_root / "pipeline" / stage.folder / "README.md").read_text() == stage_readme(stage)


def test_cli_init(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "pipeline" / "05_matchgrade_render" / "QC").is_dir()


def test_a_folder_another_worker_creates_meanwhile_is_no_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two watch workers completing the layout at once: the folder appears between the check and the
    mkdir of one of them (seen as a FileExistsError that failed a job)."""
    (tmp_path / "nuke_base").mkdir()
    real = Path.is_dir
    fooled: list[Path] = []

    def is_dir_once_wrong(self: Path) -> bool:
        if self.name == "nuke_base" and not fooled:
            fooled.append(self)
            return False  # the other worker has not made it yet ... when this one looked
        return real(self)

    monkeypatch.setattr(Path, "is_dir", is_dir_once_wrong)
    created = init_project(tmp_path)
    assert fooled and tmp_path / "nuke_base" not in created and (tmp_path / "jobs" / "failed").is_dir()


def test_a_file_where_a_layout_folder_goes_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "nuke_base").write_text("not a folder")
    with pytest.raises(StageError, match="nuke_base"):
        init_project(tmp_path)
