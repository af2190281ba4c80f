"""Frame sequences refuse what would break a stage later: grey frames, size changes, two paddings,
symlinks out of the project root. Each is one error naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest

from chroma_engine import MediaError
from chroma_engine.io import ResolvedSequence, write_exr
from schemas import SequenceRef

FRAMES = range(1, 5)


def _sequence(root: Path, size: tuple[int, int] = (64, 48)) -> ResolvedSequence:
    folder = root / "media"
    for frame in FRAMES:
        rgb = np.full((size[1], size[0], 3), 0.2 * frame, np.float32)
        write_exr(folder / f"scan_{frame:04d}.exr", rgb, "Gamma 2.4 Encoded Rec.709")
    ref = SequenceRef(path="media/scan_####.exr", first_frame=1, last_frame=4)
    return ResolvedSequence(ref, str(folder / "scan_%04d.exr"), str(root))


def _grey(path: Path, channels: int) -> None:
    spec = oiio.ImageSpec(64, 48, channels, oiio.FLOAT)
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec)
    out.write_image(np.zeros((48, 64, channels), np.float32))
    out.close()


def test_a_clean_sequence_passes(tmp_path: Path) -> None:
    seq = _sequence(tmp_path)
    seq.check()
    assert seq.read(2).shape == (48, 64, 3)


@pytest.mark.parametrize("channels", [1, 2])
def test_grey_frames_are_refused(tmp_path: Path, channels: int) -> None:
    seq = _sequence(tmp_path)
    _grey(seq.path(3), channels)
    with pytest.raises(MediaError, match=rf"scan_0003.exr: {channels} channel\(s\); a colour \(RGB\)"):
        seq.check()
    with pytest.raises(MediaError, match="scan_0003.exr"):
        seq.read(3)


def test_a_frame_of_another_size_is_refused(tmp_path: Path) -> None:
    seq = _sequence(tmp_path)
    write_exr(seq.path(4), np.zeros((40, 50, 3), np.float32), "Gamma 2.4 Encoded Rec.709")
    with pytest.raises(MediaError, match=r"scan_0004.exr: 50x40, but frame 1 .* is 64x48") as info:
        seq.check()
    assert "one size" in info.value.hint
    with pytest.raises(MediaError, match="50x40"):
        seq.read(4)


def test_two_paddings_of_one_frame_are_refused(tmp_path: Path) -> None:
    seq = _sequence(tmp_path)
    write_exr(tmp_path / "media" / "scan_004.exr", np.zeros((48, 64, 3), np.float32), "ACES2065-1")
    with pytest.raises(MediaError, match=r"frame 4 exists as scan_0004.exr and scan_004.exr"):
        seq.check()


def test_a_frame_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    seq = _sequence(tmp_path / "proj")
    outside = write_exr(tmp_path / "elsewhere.exr", np.zeros((48, 64, 3), np.float32), "ACES2065-1")
    seq.path(2).unlink()
    os.symlink(outside, seq.path(2))
    with pytest.raises(MediaError, match="outside the project root"):
        seq.check()
    with pytest.raises(MediaError, match="outside the project root"):
        seq.read(2)
