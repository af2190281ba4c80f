"""A fresh job (no training frames listed, no curation record): the engine's curation decides first,
recorded exactly as the native curation stage records it, then all five scripts build and render."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import schemas
from chroma_engine.io import is_temporary, write_document
from chroma_engine.runner import run_job, verify_manifest
from nuke_bridge import build_scripts, read_nk, run_job_with_nuke
from tests.nuke_bridge.fake_nuke import calls, make_fake_nuke

CURATION = Path("pipeline/01_dataset_curation/sh010")


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chroma_engine.synth import synthesize_shot

    root = tmp_path_factory.mktemp("fresh") / "shot"
    synthesize_shot(root, frames=8, width=96, height=64, severity="severe", seed=3, progress=False)
    return root


def _fresh(template: Path, root: Path) -> schemas.ShotJob:
    shutil.copytree(template, root)
    job = schemas.load_job(root / "job.json", check_paths=False)
    job = job.model_copy(update={"project": job.project.model_copy(update={"root": str(root)})})
    write_document(root / "job.json", job)
    assert not job.curation.frames  # as synth (and Send Shot to ML) write it
    return job


def test_build_scripts_records_the_native_curation_decision(fresh_template: Path, tmp_path: Path) -> None:
    job = _fresh(fresh_template, tmp_path / "nk")
    scripts = build_scripts(job)
    assert list(scripts) == list(schemas.STAGES) and all(p.is_file() for p in scripts.values())
    record = tmp_path / "nk" / CURATION / "v001"
    assert sorted(p.name for p in record.iterdir()) == ["_manifest.json", "curation.json", "sh010_pairs.png"]
    verify_manifest(record / "_manifest.json")
    # The very record the native curation stage writes for the same shot.
    native = _fresh(fresh_template, tmp_path / "native")
    run_job(native, stages=["curation"])
    native_record = tmp_path / "native" / CURATION / "v001" / "curation.json"
    assert (record / "curation.json").read_bytes() == native_record.read_bytes()
    decided = schemas.CurationRecord.model_validate_json((record / "curation.json").read_text())
    assert read_nk(scripts["curation"]).by_class("Read")
    text = scripts["curation"].read_text(encoding="utf-8")
    assert all(f"firstFrame {frame}" in text for frame in decided.training_frames)
    # Built again: the recorded decision is read, not made a second time.
    again = build_scripts(job)
    assert again["training"].name == "sh010_training_v003.nk"
    assert sorted(p.name for p in (tmp_path / "nk" / CURATION).iterdir()) == ["nuke", "v001"]
    assert not [p for p in (tmp_path / "nk").rglob("*") if is_temporary(p)]


def test_inference_alone_needs_no_decision(fresh_template: Path, tmp_path: Path) -> None:
    job = _fresh(fresh_template, tmp_path / "shot")
    build_scripts(job, stages=["inference"])
    assert not (tmp_path / "shot" / CURATION).exists()


def test_run_job_with_nuke_renders_all_five_stages_of_a_fresh_job(
    fresh_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = make_fake_nuke(tmp_path / "bin")
    monkeypatch.setenv("CHROMA_RECOVERY_NUKE", str(fake))
    job = _fresh(fresh_template, tmp_path / "shot")
    runs = run_job_with_nuke(job)
    assert list(runs) == list(schemas.STAGES) and all(run.outputs for run in runs.values())
    assert len(calls(fake)) == 5
    decided = schemas.CurationRecord.model_validate_json(
        (tmp_path / "shot" / CURATION / "v001" / "curation.json").read_text()
    )
    assert len(runs["curation"].outputs) == 2 * len(decided.training_frames)  # SOURCE and REF pairs
    logs = list((tmp_path / "shot" / "pipeline" / "logs" / "sh010").glob("sh010_*_nuke.log"))
    assert len(logs) == 1
    text = logs[0].read_text(encoding="utf-8")
    for stage in schemas.STAGES:
        assert f" {stage:<10} start" in text and f" {stage:<10} end " in text
