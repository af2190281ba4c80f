"""SequenceRef patterns, RenderManifest consistency, decision records, the public surface."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import schemas
from schemas import CropBox, CurationRecord, RenderManifest, SequenceRef, ValidationFailed


def test_sequence_patterns() -> None:
    hashes = SequenceRef(path="a/X_####.exr", first_frame=1001, last_frame=1010)
    printf = SequenceRef(path="a/X_%04d.exr", first_frame=1001, last_frame=1010)
    assert hashes.printf_pattern() == printf.printf_pattern() == "a/X_%04d.exr"
    assert printf.hash_pattern() == "a/X_####.exr"
    assert hashes.frame_path(1005) == "a/X_1005.exr"
    assert hashes.frame_count == 10 and list(hashes.frames)[-1] == 1010


@pytest.mark.parametrize("path", ["a/X.exr", "a/X_####_####.exr", "a/X_%04d_####.exr"])
def test_sequence_needs_exactly_one_token(path: str) -> None:
    with pytest.raises(Exception, match="exactly one frame token"):
        SequenceRef(path=path, first_frame=1, last_frame=2)


def _manifest(**kw: object) -> dict:
    now = datetime(2026, 11, 26, tzinfo=timezone.utc)
    doc = {
        "schema_version": "1",
        "job_id": "J1",
        "shot": "sh010",
        "stage": "inference",
        "version": 1,
        "backend": "native",
        "output": {"path": "X_ML_####.exr", "first_frame": 1, "last_frame": 3},
        "frame_count": 3,
        "files": [{"name": f"X_ML_000{i}.exr", "sha256": "0" * 64, "size": 10} for i in (1, 2, 3)],
        "started_at": now.isoformat(),
        "finished_at": (now + timedelta(seconds=5)).isoformat(),
    }
    doc.update(kw)
    return doc


def test_manifest_round_trip() -> None:
    manifest = schemas.decode_manifest(_manifest())
    assert isinstance(manifest, RenderManifest)
    assert schemas.decode_manifest(manifest.model_dump(mode="json")) == manifest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"frame_count": 2}, "does not match the output range"),
        ({"stage": "grading"}, "stage"),
        ({"version": 0}, "version"),
        ({"finished_at": "2026-11-25T00:00:00+00:00"}, "finished_at is before started_at"),
    ],
)
def test_manifest_rejections(change: dict, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        schemas.decode_manifest(_manifest(**change))


def test_crop_box_and_curation_record() -> None:
    with pytest.raises(Exception, match="r > x"):
        CropBox(x=10, y=0, r=5, t=10)
    record = CurationRecord(job_id="J1", training_frames=(1, 5, 9), preview_frame=7, reference_offset=2)
    assert record.reference_frame_for(5) == 7
    with pytest.raises(Exception, match="preview_frame is also a training frame"):
        CurationRecord(job_id="J1", training_frames=(1, 5), preview_frame=5)


def test_public_surface_is_sorted_and_complete() -> None:
    assert schemas.__all__ == sorted(schemas.__all__)
    for name in schemas.__all__:
        assert hasattr(schemas, name), name


def test_committed_json_schemas_are_current(tmp_path, repo_root) -> None:  # type: ignore[no-untyped-def]
    from chroma_engine.io import write_json_atomic

    for name, schema in schemas.json_schemas().items():
        write_json_atomic(tmp_path / name, schema, sort_keys=True)
    for fresh in sorted(tmp_path.iterdir()):
        committed = repo_root / "schemas" / "json" / fresh.name
        assert committed.read_text() == fresh.read_text(), (
            f"run `chroma-recovery schema export` ({fresh.name})"
        )
