"""``nk build`` and ``run --backend nuke`` (stand-in Nuke) on a job straight from ``synth``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import schemas
from chroma_recovery.cli import app

runner = CliRunner()
FOLDERS = (
    "01_dataset_curation",
    "02_alignment",
    "03_copycat_training",
    "04_inference_render",
    "05_matchgrade_render",
)


def test_nk_build_on_a_fresh_job_writes_all_five_scripts(tiny_shot: Path) -> None:
    job = str(tiny_shot / "job.json")
    assert not schemas.load_job(job).curation.frames
    result = runner.invoke(app, ["nk", "build", job])
    assert result.exit_code == 0, result.output
    scripts = sorted((tiny_shot / "pipeline").glob("*/sh010/nuke/*.nk"))
    assert [p.parent.parent.parent.name for p in scripts] == list(FOLDERS)
    assert (tiny_shot / "pipeline/01_dataset_curation/sh010/v001/_manifest.json").is_file()
    assert len(list((tiny_shot / "pipeline/logs/sh010").glob("sh010_*_nk-build.log"))) == 1


def test_run_backend_nuke_on_a_fresh_job(tiny_shot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.nuke_bridge.fake_nuke import calls, make_fake_nuke

    fake = make_fake_nuke(tiny_shot.parent / "bin")
    monkeypatch.setenv("CHROMA_RECOVERY_NUKE", str(fake))
    result = runner.invoke(app, ["run", str(tiny_shot / "job.json"), "--backend", "nuke"])
    assert result.exit_code == 0, result.output
    assert len(calls(fake)) == 5
    for folder in FOLDERS:  # every stage rendered into the scripts' version
        assert any(p.is_file() for p in (tiny_shot / "pipeline" / folder / "sh010" / "v002").rglob("*"))
    curation = schemas.CurationRecord.model_validate_json(
        (tiny_shot / "pipeline/01_dataset_curation/sh010/v001/curation.json").read_text()
    )
    assert curation.training_frames and curation.preview_frame not in curation.training_frames
