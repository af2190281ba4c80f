"""The durable-write helper: full disks (simulated and a real small tmpfs), verification, versions."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from chroma_engine import WriteError
from chroma_engine.io import (
    atomic_target,
    durable_log,
    newest_complete_version,
    read_image,
    simulate_full_disk,
    write_exr,
    write_json_atomic,
    write_png,
    write_text_atomic,
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".tmp-*"))


def test_full_disk_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    good = write_text_atomic(tmp_path / "x.json", "good\n")
    with simulate_full_disk() as failed, pytest.raises(WriteError) as info:
        write_json_atomic(good, {"new": 1})
    assert str(info.value).startswith(f"{good}: not written (No space left on device)")
    assert "disk is full" in info.value.hint
    assert good.read_text() == "good\n" and failed == [good] and _leftovers(tmp_path) == []


def test_simulated_full_disk_lets_the_first_writes_through(tmp_path: Path) -> None:
    with simulate_full_disk(after=2):
        write_text_atomic(tmp_path / "a.txt", "a")
        write_text_atomic(tmp_path / "b.txt", "b")
        with pytest.raises(WriteError):
            write_text_atomic(tmp_path / "c.txt", "c")
    write_text_atomic(tmp_path / "c.txt", "c")  # the simulation ends with the block
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_a_writer_that_leaves_an_empty_or_bad_file_is_refused(tmp_path: Path) -> None:
    target = write_text_atomic(tmp_path / "x.bin", "old")
    with pytest.raises(WriteError, match="empty file"), atomic_target(target) as tmp:
        tmp.touch()

    def refuse(path: Path) -> None:
        raise ValueError("checksum mismatch")

    with pytest.raises(WriteError, match="does not check out \\(checksum mismatch\\)"):
        with atomic_target(target, verify=refuse) as tmp:
            tmp.write_text("new")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


def test_images_are_verified_and_a_full_disk_replaces_nothing(tmp_path: Path) -> None:
    rgb = np.random.default_rng(0).random((48, 64, 3), dtype=np.float32)
    exr = write_exr(tmp_path / "f.exr", rgb, "ACES2065-1")
    png = write_png(tmp_path / "f.png", rgb)
    before = exr.read_bytes(), png.read_bytes()
    with simulate_full_disk():
        with pytest.raises(WriteError, match="f.exr: not written"):
            write_exr(exr, rgb * 0.5, "ACES2065-1")
        with pytest.raises(WriteError, match="f.png: not written"):
            write_png(png, rgb * 0.5)
    assert (exr.read_bytes(), png.read_bytes()) == before and _leftovers(tmp_path) == []


def test_a_log_is_kept_when_its_process_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), durable_log(tmp_path / "run.log") as log:
        log.write("started\n")
        raise RuntimeError("render failed")
    assert (tmp_path / "run.log").read_text() == "started\n" and _leftovers(tmp_path) == []


def test_newest_complete_version_skips_partial_ones(tmp_path: Path) -> None:
    for name in ("v001", "v002", "v003"):
        (tmp_path / name).mkdir()
    write_text_atomic(tmp_path / "v001" / "_manifest.json", "{}")
    write_text_atomic(tmp_path / "v002" / "_manifest.json", "{}")
    pick = newest_complete_version(tmp_path)
    assert pick.folder == tmp_path / "v002" and pick.partial == (tmp_path / "v003",)
    assert "v003 partial" in pick.describe()
    assert newest_complete_version(tmp_path, required=("model.pt",)).folder is None


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs (needs root and a kernel that lets us mount; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_real_full_disk_never_leaves_a_bad_file_under_a_final_name(tiny_disk: Path) -> None:
    rng = np.random.default_rng(1)
    written: list[Path] = []
    with pytest.raises(WriteError) as info:
        for n in range(200):
            rgb = rng.random((96, 128, 3), dtype=np.float32)
            written.append(write_exr(tiny_disk / f"f_{n:04d}.exr", rgb, "ACES2065-1"))
    assert "not written" in str(info.value) and "f_" in str(info.value)
    assert written and _leftovers(tiny_disk) == []
    names = sorted(p.name for p in tiny_disk.iterdir())
    assert names == sorted(p.name for p in written)
    for path in written:  # every file under a final name opens
        assert read_image(path).shape == (96, 128, 3)
    # the disk is still full: a PNG and a text file fail the same way, an existing file is untouched
    first = written[0].read_bytes()
    with pytest.raises(WriteError):
        write_png(written[0], rng.random((96, 128, 3), dtype=np.float32))
    with pytest.raises(WriteError):
        write_text_atomic(tiny_disk / "notes.txt", "x" * 100_000)
    assert written[0].read_bytes() == first and _leftovers(tiny_disk) == []
    assert not (tiny_disk / "notes.txt").exists()
    assert os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize < 64 * 1024
