"""``build_scripts`` (versioning, records from disk, no overwrite), ``nk build`` CLI, golden scripts.

Golden files in ``tests/sample_data/nk/`` are our writer's own output; regenerate them with
``CHROMA_REGEN_GOLDEN=1 python -m pytest tests/nuke_bridge/test_nk_build.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chroma_recovery.cli import app
from nuke_bridge import (
    BuildOptions,
    NukeBridgeError,
    StageInputError,
    build_all,
    build_scripts,
    read_nk,
    write_nk,
)
from tests.nuke_bridge.nkjobs import make_alignment, make_curation, make_job

GOLDEN = Path(__file__).resolve().parents[1] / "sample_data" / "nk"


def _write_records(root: Path) -> None:
    cur = root / "pipeline" / "01_dataset_curation" / "sh010"
    ali = root / "pipeline" / "02_alignment" / "sh010"
    cur.mkdir(parents=True)
    ali.mkdir(parents=True)
    (cur / "curation.json").write_text(make_curation().model_dump_json(), encoding="utf-8")
    (ali / "alignment.json").write_text(make_alignment().model_dump_json(), encoding="utf-8")


def test_build_scripts_versions_and_records(tmp_path: Path) -> None:
    job = make_job(str(tmp_path))
    _write_records(tmp_path)
    first = build_scripts(job)
    assert list(first) == ["curation", "alignment", "training", "inference", "matchgrade"]
    assert first["training"] == tmp_path / "pipeline/03_copycat_training/sh010/nuke/sh010_training_v001.nk"
    graph = read_nk(first["curation"])
    # records were read from disk: engine frames 1020/1060, not the job's 1010/1050/1090
    assert [graph[f"FrameHold_SOURCE_{i}"]["firstFrame"] for i in (1, 2)] == [1020, 1060]
    assert graph.root is not None and graph.root["name"] == str(first["curation"])
    assert read_nk(first["alignment"])["Dissolve_PATH"]["which"] == 1
    before = first["training"].read_bytes()
    second = build_scripts(job, stages=["training"], nuke_version="14.1v4")
    assert second["training"].name == "sh010_training_v002.nk"
    assert first["training"].read_bytes() == before  # never overwritten
    text = second["training"].read_text(encoding="utf-8")
    assert "version 14.1 v4" in text and "/v002/copycat" in text
    # a render folder v003 makes the next build v004
    (tmp_path / "pipeline/04_inference_render/sh010/v003").mkdir(parents=True)
    third = build_scripts(job, stages=["inference"], options=BuildOptions(model_file="/m/x.cat"))
    assert third["inference"].name == "sh010_inference_v004.nk"
    assert read_nk(third["inference"])["Inference1"]["modelFile"] == "/m/x.cat"
    assert not list(tmp_path.rglob(".*.tmp-*"))


def test_build_scripts_errors(tmp_path: Path) -> None:
    job = make_job(str(tmp_path), curation={"frames": [], "preview_frame": None})
    with pytest.raises(StageInputError, match="curation.frames"):
        build_scripts(job, stages=["training"])
    assert not (tmp_path / "pipeline/03_copycat_training").exists()  # nothing half-written
    with pytest.raises(NukeBridgeError, match="unknown stage"):
        build_scripts(job, stages=["bogus"])
    bad = tmp_path / "pipeline/01_dataset_curation/sh010"
    bad.mkdir(parents=True)
    (bad / "curation.json").write_text('{"job_id": "job_sh010"}', encoding="utf-8")
    with pytest.raises(NukeBridgeError, match="curation.json") as info:
        build_scripts(job, stages=["inference"])
    assert info.value.hint
    (bad / "curation.json").write_text(make_curation("other_job").model_dump_json(), encoding="utf-8")
    with pytest.raises(StageInputError, match="other_job"):
        build_scripts(job, stages=["inference"])


def test_cli_nk_build(tmp_path: Path) -> None:
    job = make_job(str(tmp_path))
    job_file = tmp_path / "job.json"
    job_file.write_text(job.model_dump_json(), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app, ["nk", "build", str(job_file), "--stage", "inference", "--nuke-version", "15.0v2"]
    )
    assert result.exit_code == 0, result.output
    script = tmp_path / "pipeline/04_inference_render/sh010/nuke/sh010_inference_v001.nk"
    assert script.is_file() and "version 15.0 v2" in script.read_text(encoding="utf-8")
    result = runner.invoke(app, ["nk", "build", str(job_file), "--stage", "nope"])
    assert result.exit_code == 2 and "unknown stage" in result.output


@pytest.mark.parametrize(
    ("name", "stage", "records"),
    [
        ("sh010_training_v001.nk", "training", False),
        ("sh010_alignment_keyed_v001.nk", "alignment", True),
    ],
)
def test_golden_scripts(name: str, stage: str, records: bool) -> None:
    job = make_job("/proj/FILM")
    curation, alignment = (make_curation(), make_alignment()) if records else (None, None)
    graph = build_all(job, curation, alignment, stages=[stage])[stage]
    text = write_nk(graph)
    path = GOLDEN / name
    if os.environ.get("CHROMA_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.read_text(encoding="utf-8") == text
    back = read_nk(path)
    assert write_nk(back) == text


def test_source_size_probed_from_first_frame(tmp_path: Path) -> None:
    oiio = pytest.importorskip("OpenImageIO")
    job = make_job(str(tmp_path))
    media = tmp_path / "media"
    media.mkdir()
    image = oiio.ImageBuf(oiio.ImageSpec(64, 48, 3, "half"))
    assert image.write(str(media / "FILM_SOURCE_1001.exr"))
    script = build_scripts(job, stages=["inference"], use_records=False)["inference"]
    graph = read_nk(script)
    assert graph.root is not None and graph.root["format"] == "64 48 0 0 64 48 1 sh010_64x48"
    assert graph["Crop_CLEANUP"]["box"].items == (0, 0, 64, 48)  # type: ignore[union-attr]
