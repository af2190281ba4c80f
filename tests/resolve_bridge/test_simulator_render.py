"""Simulator: render queue; jobs write real EXR files that OpenImageIO reads back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import OpenImageIO as oiio
import pytest

from resolve_bridge import RenderMarks
from resolve_bridge.simulator import Resolve


def write_plates(folder: Path, prefix: str, first: int, count: int) -> str:
    """EXR frames whose red channel is (frame - 1000) / 40 (so a render reveals which frame it read)."""
    folder.mkdir(parents=True, exist_ok=True)
    for frame in range(first, first + count):
        pixels = np.full((24, 32, 3), ((frame - 1000) / 40.0, 0.25, 0.5), np.float32)
        assert oiio.ImageBuf(pixels).write(str(folder / f"{prefix}{frame:04d}.exr"), "half")
    return str(folder / f"{prefix}%04d.exr")


class Shot:
    """A 32x24 project with a 20-frame plate (1001-1020) cut in at 01:00:01:00 for frames 1005-1012."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.resolve = Resolve(render_polls=2)
        self.project = self.resolve.GetProjectManager().CreateProject("FILM_ChromaRecovery")
        self.project.SetSetting("timelineResolutionWidth", "32")
        self.project.SetSetting("timelineResolutionHeight", "24")
        self.pool = self.project.GetMediaPool()
        pattern = write_plates(tmp / "scan", "scan_", 1001, 20)
        self.clip = self.pool.ImportMedia([{"FilePath": pattern, "StartIndex": 1001, "EndIndex": 1020}])[0]
        self.timeline = self.pool.CreateEmptyTimeline("cut")
        (self.item,) = self.pool.AppendToTimeline(
            [{"mediaPoolItem": self.clip, "startFrame": 1005, "endFrame": 1013, "recordFrame": 86424}]
        )
        assert self.project.SetCurrentRenderFormatAndCodec("exr", "RGBHalfDWAA")
        assert self.project.SetCurrentRenderMode(1)

    def render(self, **settings: Any) -> tuple[str, dict[str, Any]]:
        marks = RenderMarks.from_item(self.item).as_settings()
        base = {"TargetDir": str(self.tmp / "out"), "CustomName": "FILM_SOURCE_"}
        assert self.project.SetRenderSettings(marks | base | settings)
        job = self.project.AddRenderJob()
        assert job and self.project.StartRendering([job], isInteractiveMode=False)
        while self.project.IsRenderingInProgress():
            pass
        return job, self.project.GetRenderJobStatus(job)


@pytest.fixture
def shot(tmp_path: Path) -> Shot:
    return Shot(tmp_path)


def test_render_writes_half_dwaa_exr_named_by_record_frame(shot: Shot) -> None:
    job, status = shot.render()
    assert (
        status["JobStatus"] == "Complete" and status["CompletionPercentage"] == 100 and "Error" not in status
    )
    names = sorted(os.listdir(shot.tmp / "out"))
    assert names == [f"FILM_SOURCE_{f:08d}.exr" for f in range(86424, 86432)]
    first = oiio.ImageInput.open(str(shot.tmp / "out" / names[0]))
    spec = first.spec()
    pixels = first.read_image()
    first.close()
    assert spec.format == oiio.TypeDesc("half") and spec.nchannels == 3
    assert spec.getattribute("compression").startswith("dwaa")
    assert (spec.width, spec.height) == (32, 24)
    assert pixels[0, 0, 0] == pytest.approx(5 / 40.0, abs=2e-3)  # first used source frame
    last = oiio.ImageBuf(str(shot.tmp / "out" / names[-1])).getpixel(0, 0)
    assert last[0] == pytest.approx(12 / 40.0, abs=2e-3)


@pytest.mark.parametrize(("codec", "compression"), [("RGBHalfPIZ", "piz"), ("RGBHalfZIP", "zip")])
def test_codec_sets_compression(shot: Shot, codec: str, compression: str) -> None:
    assert shot.project.SetCurrentRenderFormatAndCodec("exr", codec)
    shot.render(MarkOut=86424)
    spec = oiio.ImageBuf(str(shot.tmp / "out" / "FILM_SOURCE_00086424.exr")).spec()
    assert spec.getattribute("compression") == compression


def test_unknown_codec_or_format_refused(shot: Shot) -> None:
    assert shot.project.SetCurrentRenderFormatAndCodec("exr", "RGB half (DWAA)") is False
    assert shot.project.SetCurrentRenderFormatAndCodec("webm", "VP9") is False
    assert "RGBHalfDWAA" in shot.project.GetRenderCodecs("exr").values()
    assert shot.project.GetRenderFormats()["OpenEXR"] == "exr"


def test_offline_media_fails_the_job(shot: Shot) -> None:
    os.remove(shot.tmp / "scan" / "scan_1008.exr")
    _job, status = shot.render()
    assert status["JobStatus"] == "Failed" and status["Error"] == "Media offline"
    assert status["CompletionPercentage"] < 100


def test_render_settings_layer_onto_stale_state(shot: Shot) -> None:
    assert shot.project.SetRenderSettings({"FormatWidth": 16, "FormatHeight": 12}) is True
    shot.render(MarkOut=86424)  # FormatWidth was never reset: the stale 16x12 wins
    spec = oiio.ImageBuf(str(shot.tmp / "out" / "FILM_SOURCE_00086424.exr")).spec()
    assert (spec.width, spec.height) == (16, 12)


def test_bad_render_settings_change_nothing(shot: Shot) -> None:
    assert shot.project.SetRenderSettings({"MarkIn": "86424"}) is False
    assert shot.project.SetRenderSettings({"TargetDir": "x", "Bogus": 1}) is False
    assert shot.project.AddRenderJob() == ""  # TargetDir never got set


def test_job_is_a_snapshot(shot: Shot) -> None:
    marks = RenderMarks.from_item(shot.item).as_settings()
    shot.project.SetRenderSettings(marks | {"TargetDir": str(shot.tmp / "snap"), "CustomName": "A_"})
    job = shot.project.AddRenderJob()
    shot.project.SetRenderSettings({"CustomName": "B_"})
    shot.timeline.SetTrackEnable("video", 1, False)
    shot.project.StartRendering(job)
    assert sorted(os.listdir(shot.tmp / "snap"))[0] == "A_00086424.exr"
    assert shot.project.GetRenderJobList()[0]["MarkOut"] == 86431


def test_relative_marks_render_nothing(shot: Shot) -> None:
    _job, status = shot.render(MarkIn=24, MarkOut=31)  # relative frames: clamped to the start
    assert status["JobStatus"] == "Complete"
    assert not (shot.tmp / "out").exists() or os.listdir(shot.tmp / "out") == []


def test_polling_and_delete(shot: Shot) -> None:
    marks = RenderMarks.from_item(shot.item).as_settings()
    shot.project.SetRenderSettings(marks | {"TargetDir": str(shot.tmp / "p")})
    job = shot.project.AddRenderJob()
    assert shot.project.GetRenderJobStatus(job)["JobStatus"] == "Ready"
    assert shot.project.StartRendering([job], False) is True
    assert [shot.project.IsRenderingInProgress() for _ in range(3)] == [True, True, False]
    assert sorted(os.listdir(shot.tmp / "p"))[0] == "cut00086424.exr"  # CustomName defaults to the timeline
    assert shot.project.DeleteRenderJob(job) is True and shot.project.GetRenderJobStatus(job) == {}
    assert shot.project.StartRendering(["nope"]) is False


def test_black_where_no_clip_and_top_track_wins(shot: Shot) -> None:
    shot.timeline.AddTrack("video")
    shot.pool.AppendToTimeline(
        [
            {
                "mediaPoolItem": shot.clip,
                "startFrame": 1020,
                "endFrame": 1021,
                "recordFrame": 86425,
                "trackIndex": 2,
            }
        ]
    )
    shot.render(MarkIn=86423, MarkOut=86425)
    out = shot.tmp / "out"
    assert oiio.ImageBuf(str(out / "FILM_SOURCE_00086423.exr")).getpixel(0, 0) == (0.0, 0.0, 0.0)
    assert oiio.ImageBuf(str(out / "FILM_SOURCE_00086424.exr")).getpixel(0, 0)[0] == pytest.approx(
        5 / 40.0, abs=2e-3
    )
    assert oiio.ImageBuf(str(out / "FILM_SOURCE_00086425.exr")).getpixel(0, 0)[0] == pytest.approx(
        20 / 40.0, abs=2e-3
    )
