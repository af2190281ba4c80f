"""Conform against a fake project: matching, placement, approved vs latest, markers, approval."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest

from chroma_engine.conform import (
    ConformError,
    VersionInForce,
    approve,
    conform_reel_file,
    read_approval,
    select_version,
)
from tests.chroma_engine.conform.conform_helpers import sample_project, write_render


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return sample_project(tmp_path / "proj")


def test_matches_places_and_marks(project: Path, tmp_path: Path) -> None:
    plan = conform_reel_file(project / "reel.edl", project, tmp_path / "c.otio")
    one, two, three = plan.rows
    assert (one.shot, one.match, two.shot, two.match, three.shot) == (
        "sh010",
        "name",
        "sh020",
        "reel+record",
        None,
    )
    assert one.ml is not None and (one.ml.first_frame, one.ml.last_frame, one.ml.record_in) == (
        1001,
        1048,
        86400,
    )
    assert two.ml is not None and (two.ml.version, two.ml.selection, two.ml.first_frame) == (
        2,
        "latest",
        2001,
    )
    assert two.matchgrade is None and one.matchgrade is not None
    timeline = otio.adapters.read_from_file(str(tmp_path / "c.otio"))
    assert timeline.global_start_time == otio.opentime.RationalTime(86400, 24)
    ml = timeline.tracks[1].find_clips()
    assert [c.metadata["chroma_recovery"]["version"] for c in ml] == [1, 2]
    assert [c.metadata["chroma_recovery"]["selection"] for c in ml] == ["latest", "latest"]
    ref = ml[1].media_reference
    assert (ref.rate, ref.frame_zero_padding, ref.start_frame) == (24, 4, 2001)
    assert ref.target_url_for_image_number(0).endswith("sh020/v002/REELTEST_ML_2001.exr")
    assert Path(ref.target_url_for_image_number(0)).is_file()
    assert timeline.global_start_time + ml[1].range_in_parent().start_time == otio.opentime.RationalTime(
        86448, 24
    )
    markers = {m.name: m for m in timeline.tracks.markers}
    assert set(markers) == {"no render: nothing", "no MatchGrade: sh020"}
    red = markers["no render: nothing"]
    assert red.color == otio.schema.MarkerColor.RED
    assert red.marked_range.start_time.value == 86472 - 86400 and red.marked_range.duration.value == 10
    assert red.metadata["Resolve_OTIO"]["Note"] == red.comment


def test_job_id_metadata_and_partial_cover(project: Path, tmp_path: Path) -> None:
    reel = otio.schema.Timeline("R", global_start_time=otio.opentime.RationalTime(86400, 24))
    track = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    track.append(otio.schema.Clip("renamed", source_range=tr(rt(0, 24), rt(20, 24)),
                                  metadata={"chroma_recovery": {"job_id": "job_x40"}}))  # fmt: skip
    reel.tracks.append(track)
    otio.adapters.write_to_file(reel, str(tmp_path / "r.otio"))
    plan = conform_reel_file(tmp_path / "r.otio", project, tmp_path / "c.otio")
    (row,) = plan.rows
    assert (row.shot, row.match) == ("sh040", "job_id")
    assert row.ml is not None and (row.ml.record_in, row.ml.record_out) == (86400, 86412)  # 12 frames of 20


def test_approved_beats_latest_and_survives_a_rerender(project: Path, tmp_path: Path) -> None:
    assert select_version(project, "sh020", "inference") == VersionInForce(2, "latest")
    record = approve(project, "sh020", 1, approved_by="colorist", note="better skin")
    assert record.version == 1 and len(record.history) == 1
    assert select_version(project, "sh020", "inference") == VersionInForce(1, "approved")
    write_render(project, "sh020", "inference", 3, first=2001, count=24)  # a re-render: new folder
    write_render(project, "sh020", "inference", 4, first=2001, count=24, manifest=False)  # still rendering
    assert select_version(project, "sh020", "inference") == VersionInForce(1, "approved")
    assert (project / "pipeline/04_inference_render/sh020/v001/_manifest.json").is_file()
    plan = conform_reel_file(project / "reel.edl", project, tmp_path / "c.otio")
    assert plan.rows[1].ml is not None and (plan.rows[1].ml.version, plan.rows[1].ml.selection) == (
        1,
        "approved",
    )
    approve(project, "sh020", 3)
    history = read_approval(project, "sh020", "inference")
    assert history is not None and [e.version for e in history.history] == [1, 3]
    assert select_version(project, "sh020", "inference") == VersionInForce(3, "approved")


def test_approve_refuses_missing_unfinished_and_corrupt(project: Path) -> None:
    with pytest.raises(ConformError, match="no finished render"):
        approve(project, "sh020", 7)
    write_render(project, "sh020", "inference", 5, first=2001, count=2, manifest=False)
    with pytest.raises(ConformError, match="no finished render"):
        approve(project, "sh020", 5)
    frame = project / "pipeline/04_inference_render/sh020/v002/REELTEST_ML_2001.exr"
    frame.write_bytes(frame.read_bytes()[:-7] + b"corrupt")
    with pytest.raises(ConformError, match="checksum"):
        approve(project, "sh020", 2)
    assert read_approval(project, "sh020", "inference") is None
    with pytest.raises(ConformError, match="no finished"):
        select_version(project, "nope", "inference")


def test_bench_fixture_small(tmp_path: Path) -> None:
    from chroma_engine.conform import bench_conform

    result = bench_conform(events=40, repeats=1, out=tmp_path / "conform.json")
    assert (result["matched"], result["ml_placed"], result["approved"]) == (30, 30, 10)
    assert json.loads((tmp_path / "conform.json").read_text())["events"] == 40
