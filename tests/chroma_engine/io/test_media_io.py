"""Media I/O: EXR half DWAA round trip, colour-space metadata, sequences, atomic and versioned writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest

from chroma_engine import MediaError, MissingFramesError
from chroma_engine.io import (
    image_info,
    next_version_dir,
    read_image,
    resolve_sequence,
    scan_sequence,
    write_exr,
    write_png,
)
from schemas import SequenceRef, decode_shot_job


def smooth_image(h: int = 64, w: int = 96) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([xx / w, yy / h, 0.5 + 0.25 * np.sin(xx / 9.0)], axis=-1).astype(np.float32)


def test_exr_half_dwaa_round_trip(tmp_path: Path) -> None:
    rgb = smooth_image()
    path = write_exr(tmp_path / "a.exr", rgb, "ACES2065-1")
    info = image_info(path)
    assert info["format"] == "half" and info["compression"] == "dwaa"
    assert info["chroma_recovery"] == "ACES2065-1"
    back = read_image(path)
    assert back.shape == rgb.shape and back.dtype == np.float32
    # DWAA is lossy (about 1e-2 at worst on display-referred values); the mean error stays tiny.
    assert np.abs(back - rgb).max() < 1e-2
    assert np.abs(back - rgb).mean() < 1e-3


def test_exr_uncompressed_is_exact_to_half(tmp_path: Path) -> None:
    rgb = smooth_image()
    back = read_image(write_exr(tmp_path / "b.exr", rgb, "ACES2065-1", compression="none"))
    assert np.abs(back - rgb.astype(np.float16).astype(np.float32)).max() == 0.0


def test_keep_half_reads_half_files_exactly_and_nothing_else(tmp_path: Path) -> None:
    rgb = smooth_image()
    half_file = write_exr(tmp_path / "h.exr", rgb, "ACES2065-1")
    kept = read_image(half_file, keep_half=True)
    assert kept.dtype == np.float16 and kept.shape == rgb.shape
    assert np.array_equal(kept.astype(np.float32), read_image(half_file))  # the same values
    float_file = write_exr(tmp_path / "f.exr", rgb, "ACES2065-1", bit_depth="float", compression="zip")
    assert read_image(float_file, keep_half=True).dtype == np.float32  # would lose precision as half
    assert read_image(write_png(tmp_path / "p.png", rgb), keep_half=True).dtype == np.float32


def test_non_finite_pixels_are_made_finite(tmp_path: Path) -> None:
    rgb = smooth_image()
    rgb[0, 0] = [np.nan, np.inf, -np.inf]
    back = read_image(write_exr(tmp_path / "n.exr", rgb, "ACES2065-1", compression="none"))
    assert np.isfinite(back).all()


def test_png_and_other_formats_read_as_rgb(tmp_path: Path) -> None:
    rgb = smooth_image()
    back = read_image(write_png(tmp_path / "a.png", rgb))
    assert back.shape == rgb.shape and np.abs(back - rgb).max() <= 1 / 255 + 1e-6
    grey = oiio.ImageBuf(oiio.ImageSpec(8, 4, 1, oiio.UINT16))
    grey.write(str(tmp_path / "g.tif"))
    assert read_image(tmp_path / "g.tif").shape == (4, 8, 3)


def test_truncated_exr_names_the_file(tmp_path: Path) -> None:
    good = write_exr(tmp_path / "good.exr", smooth_image(), "ACES2065-1")
    bad = tmp_path / "bad.exr"
    bad.write_bytes(good.read_bytes()[:400])
    with pytest.raises(MediaError, match=r"bad\.exr: unreadable image"):
        read_image(bad)
    with pytest.raises(MediaError, match=r"missing\.exr: file not found"):
        read_image(tmp_path / "missing.exr")


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(MediaError):
        write_exr(tmp_path / "x.exr", np.zeros((4, 4), np.float32), "ACES2065-1")
    assert list(tmp_path.iterdir()) == []


def test_scan_reports_gaps_and_duplicates(tmp_path: Path) -> None:
    rgb = smooth_image(8, 8)
    for frame in (1, 2, 3, 6, 7):
        write_exr(tmp_path / f"S_{frame:04d}.exr", rgb, "ACES2065-1")
    write_exr(tmp_path / "S_007.exr", rgb, "ACES2065-1")
    scan = scan_sequence(tmp_path / "S_####.exr")
    assert scan.frames == (1, 2, 3, 6, 7)
    assert scan.gaps == (4, 5)
    assert scan.duplicates == {7: ("S_0007.exr", "S_007.exr")}


def test_missing_frames_are_listed(tmp_path: Path) -> None:
    job = decode_shot_job(
        {
            "schema_version": "1",
            "job_id": "J",
            "project": {"name": "P", "root": str(tmp_path)},
            "shot": {"name": "s"},
            "media": {
                "source": {"path": "S_####.exr", "first_frame": 1, "last_frame": 5},
                "reference": {"path": "R_####.exr", "first_frame": 1, "last_frame": 5},
            },
        }
    )
    for frame in (1, 2, 5):
        write_exr(tmp_path / f"S_{frame:04d}.exr", smooth_image(8, 8), "ACES2065-1")
    seq = resolve_sequence(job, job.media.source)
    with pytest.raises(MissingFramesError, match="2 missing frame.*3, 4") as info:
        seq.check()
    assert info.value.missing == [3, 4]
    assert seq.read(2).shape == (8, 8, 3)
    with pytest.raises(MediaError, match="outside 1-5"):
        seq.read(9)
    assert SequenceRef(path="S_####.exr", first_frame=1, last_frame=5).frame_count == 5


def test_versions_never_overwrite(tmp_path: Path) -> None:
    first = next_version_dir(tmp_path / "out")
    (first / "keep.txt").write_text("earlier render")
    second = next_version_dir(tmp_path / "out")
    assert (first.name, second.name) == ("v001", "v002")
    assert (first / "keep.txt").read_text() == "earlier render"
