"""ShotJob contract: round trip, every rejection case, version dispatch, path containment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pydantic
import pytest

import schemas
from chroma_engine.io import write_document
from schemas import SchemaError, ShotJob, UnsupportedVersion, ValidationFailed


def make_job(root: Path, **overrides: object) -> dict:
    doc: dict = {
        "schema_version": "1",
        "job_id": "DEMO_sh010_0001",
        "project": {"name": "DEMO", "root": str(root)},
        "shot": {
            "name": "sh010",
            "reel": "R1",
            "record_in": 86400,
            "record_out": 86448,
            "record_timecode": "01:00:00:00",
        },
        "media": {
            "source": {"path": "media/SOURCE/DEMO_SOURCE_####.exr", "first_frame": 1001, "last_frame": 1048},
            "reference": {"path": "media/REF/DEMO_REF_%04d.exr", "first_frame": 1001, "last_frame": 1048},
        },
    }
    doc.update(overrides)
    return doc


def test_round_trip_is_lossless(tmp_path: Path) -> None:
    job = schemas.decode_shot_job(make_job(tmp_path))
    again = schemas.decode_shot_job(json.loads(job.model_dump_json()))
    assert again == job
    assert job.training.total_steps == 30_000  # batch 3 x 10,000
    assert job.training.patch_size == 512 and job.reference_cleanup.median_size == 10
    assert job.output.compression == "dwaa" and job.output.colour_space == "ACES2065-1"
    assert job.output_name() == "DEMO_ML_####.exr"


def test_models_are_frozen(tmp_path: Path) -> None:
    job = schemas.decode_shot_job(make_job(tmp_path))
    with pytest.raises(pydantic.ValidationError):
        job.job_id = "other"  # type: ignore[misc]


def _with(doc: dict, dotted: str, value: object) -> dict:
    node = doc
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return doc


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        pytest.param("job_id", "bad id!", "job_id", id="job id with spaces"),
        pytest.param("project.root", "relative/root", "project.root", id="relative root"),
        pytest.param("media.source.path", "src/no_token.exr", "media.source.path", id="no frame token"),
        pytest.param("media.source.last_frame", 10, "media.source", id="last before first"),
        pytest.param("shot.record_timecode", "1:00:00", "shot.record_timecode", id="bad timecode"),
        pytest.param("shot.record_out", 86400, "shot", id="record out not after in"),
        pytest.param("training.batch_size", 0, "training.batch_size", id="batch zero"),
        pytest.param("training.patch_size", 300, "training.patch_size", id="patch not a crop size"),
        pytest.param("training.model_size", "huge", "training.model_size", id="model size"),
        pytest.param("training.device", "tpu", "training.device", id="device"),
        pytest.param("alignment.mode", "manual", "alignment", id="manual without transform"),
        pytest.param("crop.mode", "box", "crop", id="box mode without box"),
        pytest.param("curation.auto_count", 2, "curation.auto_count", id="fewer than 3 pairs"),
        pytest.param("output.naming", "out/x_####.exr", "output.naming", id="naming with folder"),
        pytest.param("output.compression", "zip", "output.compression", id="not dwaa"),
        pytest.param("backend", "houdini", "backend", id="unknown backend"),
        pytest.param("inference.half_precision", "fast", "inference.half_precision", id="half not a switch"),
        pytest.param("inference.compile", "maybe", "inference.compile", id="compile not a switch"),
        pytest.param("surprise", 1, "surprise", id="unknown key"),
    ],
)
def test_rejections_name_the_field(tmp_path: Path, field: str, value: object, named: str) -> None:
    doc = _with(make_job(tmp_path), field, value)
    with pytest.raises(ValidationFailed) as info:
        schemas.decode_shot_job(doc, source="job.json")
    fields = [p.field for p in info.value.problems]
    assert any(f == named or f.startswith(named + ".") for f in fields), fields
    assert str(info.value).startswith("job.json:")


def test_inference_switches_default_to_auto_and_keep_explicit_values(tmp_path: Path) -> None:
    assert schemas.decode_shot_job(make_job(tmp_path)).inference.model_dump() == {
        "half_precision": "auto",
        "compile": "auto",
    }
    for half, comp in ((True, False), (False, True), ("auto", False)):
        doc = make_job(tmp_path, inference={"half_precision": half, "compile": comp})
        spec = schemas.decode_shot_job(doc).inference
        assert (spec.half_precision, spec.compile) == (half, comp)  # jobs written before "auto" read alike


def test_preview_frame_must_be_held_out(tmp_path: Path) -> None:
    doc = make_job(tmp_path, curation={"frames": [1001, 1010, 1020], "preview_frame": 1010})
    with pytest.raises(ValidationFailed, match="preview_frame 1010 is also a training frame"):
        schemas.decode_shot_job(doc)


def test_curation_frames_inside_source_range(tmp_path: Path) -> None:
    doc = make_job(tmp_path, curation={"frames": [1001, 2000, 1020]})
    with pytest.raises(ValidationFailed, match="2000 is outside the source range"):
        schemas.decode_shot_job(doc)


def test_every_bad_field_is_reported_at_once(tmp_path: Path) -> None:
    doc = make_job(tmp_path)
    doc["training"] = {"batch_size": -1, "seed": "x"}
    doc["extra"] = True
    with pytest.raises(ValidationFailed) as info:
        schemas.decode_shot_job(doc)
    assert {"training.batch_size", "training.seed", "extra"} <= {p.field for p in info.value.problems}


def test_unknown_schema_version_lists_supported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedVersion, match=r"'7' is not supported \(supported: 1\)"):
        schemas.decode_shot_job(make_job(tmp_path, schema_version="7"))


def test_missing_schema_version(tmp_path: Path) -> None:
    doc = make_job(tmp_path)
    del doc["schema_version"]
    with pytest.raises(ValidationFailed, match="schema_version: missing"):
        schemas.decode_shot_job(doc)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("../outside/X_####.exr", id="dot-dot"),
        pytest.param("/etc/X_####.exr", id="absolute elsewhere"),
        pytest.param("media/../../X_####.exr", id="dot-dot inside"),
    ],
)
def test_paths_escaping_the_root_are_rejected(tmp_path: Path, path: str) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    doc = _with(make_job(root), "media.reference.path", path)
    with pytest.raises(ValidationFailed, match="media.reference.path: escapes the project root"):
        schemas.decode_shot_job(doc)


def test_symlink_out_of_the_root_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "media").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, root / "media" / "link")
    doc = _with(make_job(root), "media.source.path", "media/link/X_####.exr")
    with pytest.raises(ValidationFailed, match="media.source.path: escapes the project root"):
        schemas.decode_shot_job(doc)


def test_absolute_path_inside_root_is_accepted(tmp_path: Path) -> None:
    doc = _with(make_job(tmp_path), "media.source.path", str(tmp_path / "media" / "S_####.exr"))
    assert isinstance(schemas.decode_shot_job(doc), ShotJob)


def test_load_job_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "job.json"
    bad.write_text('{"schema_version": "1", ', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"job.json: not valid JSON \(line 1"):
        schemas.load_job(bad)
    with pytest.raises(SchemaError, match="cannot read"):
        schemas.load_job(tmp_path / "missing.json")


def test_dump_document_is_atomic_and_reloads(tmp_path: Path) -> None:
    job = schemas.decode_shot_job(make_job(tmp_path))
    path = write_document(tmp_path / "jobs" / "job.json", job)
    assert schemas.load_job(path) == job
    assert [p.name for p in path.parent.iterdir()] == ["job.json"]


def test_json_schema_export(tmp_path: Path) -> None:
    found = schemas.json_schemas()
    assert sorted(found) == ["RenderManifest.schema.json", "SequenceRef.schema.json", "ShotJob.schema.json"]
    job_schema = found["ShotJob.schema.json"]
    assert job_schema["additionalProperties"] is False
    assert "schema_version" in job_schema["properties"]
