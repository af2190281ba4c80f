"""``synthesize_shot`` end to end: files, job, truth document, determinism, no overwrite, CLI."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import schemas
from chroma_engine import MediaError, StageError
from chroma_engine.colour import luma, rgb_to_ycbcr
from chroma_engine.io import image_info, read_image
from chroma_engine.synth import load_truth, synthesize_shot, to_linear

FRAMES, W, H, OFFSET = 12, 256, 192, 2
KINDS = ("SOURCE", "REF", "BAL", "TRUTH")


def _make(folder: Path, **extra):
    return synthesize_shot(
        folder, frames=FRAMES, width=W, height=H, seed=5, ref_frame_offset=OFFSET, progress=False, **extra
    )


@pytest.fixture(scope="module")
def shot(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synth") / "shot"
    _make(folder)
    return folder


def _read(shot: Path, kind: str, frame: int) -> np.ndarray:
    return read_image(shot / "media" / kind / f"DEMO_{kind}_{frame:04d}.exr")


def test_writes_four_sequences_as_half_dwaa_rec709(shot: Path) -> None:
    for kind in KINDS:
        files = sorted((shot / "media" / kind).glob("*.exr"))
        assert [f.name for f in files] == [f"DEMO_{kind}_{n}.exr" for n in range(1001, 1001 + FRAMES)]
    info = image_info(shot / "media" / "REF" / "DEMO_REF_1003.exr")
    assert (info["width"], info["height"], info["format"]) == (W, H, "half")
    assert str(info["compression"]).startswith("dwaa")
    assert info["chroma_recovery"] == "Gamma 2.4 Encoded Rec.709"
    truth = image_info(shot / "media" / "TRUTH" / "DEMO_TRUTH_1003.exr")
    assert (truth["format"], truth["compression"]) == ("half", "zip")  # the yardstick is lossless


def test_job_validates_and_points_at_the_media(shot: Path) -> None:
    job = schemas.load_job(shot / "job.json")
    assert (
        job.project.root == str(shot.absolute()) and job.project.name == "DEMO" and job.shot.name == "sh010"
    )
    assert job.media.source.path == "media/SOURCE/DEMO_SOURCE_####.exr"
    assert job.media.truth is not None and job.media.truth.path == "media/TRUTH/DEMO_TRUTH_####.exr"
    for seq in (job.media.source, job.media.reference, job.media.balanced, job.media.truth):
        assert seq is not None and (seq.first_frame, seq.last_frame) == (1001, 1000 + FRAMES)
        assert (shot / seq.frame_path(1000 + FRAMES)).is_file()
    assert job.training.patch_size == 128 and job.backend == "auto"
    assert (shot / "pipeline").is_dir()  # the lead's five-stage layout


def test_truth_document_records_what_was_done(shot: Path) -> None:
    truth = load_truth(shot)
    assert (truth.seed, truth.severity, truth.ref_frame_offset) == (5, "severe", OFFSET)
    assert abs(truth.kept[0] - 0.30) <= 0.03 and abs(truth.kept[2] - 0.40) <= 0.03
    assert truth.subtitle_frames and set(truth.subtitle_frames) <= set(range(1001, 1001 + FRAMES))
    assert truth.reference.frame_offset == OFFSET and truth.reference.scale > 1.0
    assert len(truth.exposures) == FRAMES and max(abs(e - 1) for e in truth.exposures) <= 0.01
    assert "/" not in truth.photo and not any(Path(p).is_absolute() for p in truth.media.values())


def test_truth_luma_is_the_scan_luma(shot: Path) -> None:
    source, truth = _read(shot, "SOURCE", 1004), _read(shot, "TRUTH", 1004)
    error = np.abs(luma(truth) - luma(source))
    assert np.quantile(error, 0.99) < 1e-2 and error.max() < 3e-2  # the scan is DWAA; in memory it is exact
    assert np.abs(rgb_to_ycbcr(truth)[..., 2].mean() - rgb_to_ycbcr(source)[..., 2].mean()) > 0.02


def test_scan_has_a_magenta_cast_and_balance_removes_it(shot: Path) -> None:
    source, truth, bal = (_read(shot, k, 1006) for k in ("SOURCE", "TRUTH", "BAL"))
    magenta = lambda x: float((x[..., 0].mean() + x[..., 2].mean()) / 2 - x[..., 1].mean())  # noqa: E731
    assert magenta(source) > magenta(truth) + 0.05
    means = to_linear(bal).reshape(-1, 3).mean(axis=0)
    assert np.ptp(means) / means.mean() < 0.05


def test_reference_has_other_luma_bars_and_subtitles(shot: Path) -> None:
    truth = load_truth(shot)
    ref_params = truth.reference
    subtitle = truth.subtitle_frames[0]
    plain = next(f for f in range(1001 + OFFSET, 1001 + FRAMES) if f not in truth.subtitle_frames)
    ref = _read(shot, "REF", plain)
    # REF frame f shows SOURCE frame f - offset: bring it into source geometry and compare luma.
    source = _read(shot, "SOURCE", plain - OFFSET)
    back = cv2.warpAffine(
        ref, np.asarray(ref_params.source_to_ref), (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    )
    inner = (slice(30, H - 30), slice(30, W - 30))
    assert np.abs(luma(back)[inner] - luma(source)[inner]).mean() > 0.03
    assert ref[: ref_params.border_top].max() < 1e-3 and ref[:, W - ref_params.border_right :].max() < 1e-3
    x0, y0, x1, y1 = ref_params.subtitle_box
    assert y0 > H // 2
    box = {f: _read(shot, "REF", f)[y0:y1, x0:x1] for f in (subtitle - 2, subtitle - 1, subtitle)}
    assert subtitle - 1 not in truth.subtitle_frames and subtitle - 1 >= 1001
    bright = {f: int((b > 0.8).all(-1).sum()) for f, b in box.items()}
    assert bright[subtitle] > bright[subtitle - 1] + 30  # the text appears between two adjacent frames
    jump = np.abs(box[subtitle] - box[subtitle - 1]).mean()
    still = np.abs(box[subtitle - 1] - box[subtitle - 2]).mean()
    assert jump > 3 * still


def test_same_seed_same_bytes(shot: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    _make(again)
    for kind in KINDS:
        for first in sorted((shot / "media" / kind).glob("*.exr")):
            assert (again / "media" / kind / first.name).read_bytes() == first.read_bytes(), first.name
    assert (again / "synth_truth.json").read_bytes() == (shot / "synth_truth.json").read_bytes()


def test_never_overwrites(shot: Path) -> None:
    before = (shot / "media" / "SOURCE" / "DEMO_SOURCE_1001.exr").stat().st_mtime_ns
    with pytest.raises(MediaError, match="refusing to overwrite") as err:
        _make(shot)
    assert "new OUT_DIR" in err.value.hint
    assert (shot / "media" / "SOURCE" / "DEMO_SOURCE_1001.exr").stat().st_mtime_ns == before


def test_rejects_impossible_arguments(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="ref_frame_offset"):
        synthesize_shot(tmp_path / "a", frames=4, width=64, height=64, ref_frame_offset=4)
    with pytest.raises(schemas.ValidationFailed, match="project.name"):
        synthesize_shot(tmp_path / "b", frames=2, width=64, height=64, project="no spaces")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_cli_synth_then_refuses_again(tmp_path: Path) -> None:
    from chroma_recovery.cli._app import app

    runner = CliRunner()
    args = [
        "synth",
        str(tmp_path / "cli"),
        "--frames",
        "3",
        "--size",
        "96x64",
        "--severity",
        "extreme",
        "--seed",
        "2",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert schemas.load_job(tmp_path / "cli" / "job.json").media.source.frame_count == 3
    assert load_truth(tmp_path / "cli").severity == "extreme"
    second = runner.invoke(app, args)
    assert second.exit_code == 2
    assert "refusing to overwrite" in second.output
    bad = runner.invoke(app, ["synth", str(tmp_path / "x"), "--size", "96by64"])
    assert bad.exit_code != 0 and not (tmp_path / "x").exists()
