"""Simulator: Media Pool imports (current folder, dict-form sequences, dedupe, silent misses), clip API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest

from resolve_bridge.simulator import Folder, MediaPool, Resolve


def write_plates(folder: Path, prefix: str, first: int, count: int, size: tuple[int, int] = (32, 24)) -> str:
    """EXR frames ``<prefix>%04d.exr`` whose red channel encodes the frame number / 10000."""
    folder.mkdir(parents=True, exist_ok=True)
    for frame in range(first, first + count):
        pixels = np.full((size[1], size[0], 3), frame / 10000.0, np.float32)
        assert oiio.ImageBuf(pixels).write(str(folder / f"{prefix}{frame:04d}.exr"), "half")
    return str(folder / f"{prefix}%04d.exr")


@pytest.fixture
def pool() -> MediaPool:
    project = Resolve().GetProjectManager().CreateProject("M")
    return project.GetMediaPool()


def _bin(pool: MediaPool, name: str) -> Folder:
    folder = pool.AddSubFolder(pool.GetRootFolder(), name)
    assert folder is not None
    return folder


def test_dict_form_makes_one_clip_with_string_properties(pool: MediaPool, tmp_path: Path) -> None:
    pattern = write_plates(tmp_path / "scan", "plate.", 1001, 12)
    clips = pool.ImportMedia([{"FilePath": pattern, "StartIndex": 1001, "EndIndex": 1012}])
    assert len(clips) == 1
    props = clips[0].GetClipProperty()
    assert props["File Name"] == "plate.[1001-1012].exr"
    assert props["File Path"] == str(tmp_path / "scan" / "plate.[1001-1012].exr")
    assert (props["Start"], props["End"], props["Frames"]) == ("1001", "1012", "12")
    assert (props["FPS"], props["Resolution"], props["Type"]) == ("24.0", "32x24", "Video")
    assert all(isinstance(v, str) for v in props.values())
    assert clips[0].GetClipProperty("End") == "1012" and clips[0].GetName() == "plate.[1001-1012].exr"


def test_imports_land_in_the_current_folder(pool: MediaPool, tmp_path: Path) -> None:
    pattern = write_plates(tmp_path / "scan", "s_", 1, 3)
    source = _bin(pool, "SOURCE")
    pool.ImportMedia([{"FilePath": pattern, "StartIndex": 1, "EndIndex": 3}])
    assert pool.GetRootFolder().GetClipList() != [] and source.GetClipList() == []
    write_plates(tmp_path / "ref", "r_", 1, 3)
    assert pool.SetCurrentFolder(source) is True and pool.GetCurrentFolder() is source
    clips = pool.ImportMedia(
        [{"FilePath": str(tmp_path / "ref" / "r_%04d.exr"), "StartIndex": 1, "EndIndex": 3}]
    )
    assert source.GetClipList() == clips and len(pool.GetRootFolder().GetClipList()) == 1


def test_missing_files_are_a_silent_empty_list(pool: MediaPool, tmp_path: Path) -> None:
    assert (
        pool.ImportMedia([{"FilePath": str(tmp_path / "x_%04d.exr"), "StartIndex": 1, "EndIndex": 9}]) == []
    )
    assert pool.ImportMedia([str(tmp_path / "nothing.exr")]) == []


def test_dedupe_by_path(pool: MediaPool, tmp_path: Path) -> None:
    pattern = write_plates(tmp_path / "scan", "p_", 1, 4)
    entry = {"FilePath": pattern, "StartIndex": 1, "EndIndex": 4}
    assert len(pool.ImportMedia([entry])) == 1
    pool.SetCurrentFolder(_bin(pool, "AGAIN"))
    assert pool.ImportMedia([entry]) == []
    assert len(pool.GetRootFolder().GetClipList()) == 1


def test_plain_path_list_and_folder_import(pool: MediaPool, tmp_path: Path) -> None:
    write_plates(tmp_path / "seqs", "a_", 1, 5)
    write_plates(tmp_path / "seqs", "b_", 10, 2)
    clips = pool.ImportMedia([str(tmp_path / "seqs")])
    assert sorted(c.GetName() for c in clips) == ["a_[0001-0005].exr", "b_[0010-0011].exr"]
    still = pool.ImportMedia([str(tmp_path / "seqs" / "a_0003.exr")])
    assert len(still) == 1 and still[0].GetClipProperty("Type") == "Still"


def test_dict_form_for_a_single_file_is_none_on_21_1(tmp_path: Path) -> None:
    write_plates(tmp_path, "one_", 1, 1)
    single = {"FilePath": str(tmp_path / "one_0001.exr"), "StartIndex": 1, "EndIndex": 1}
    new = Resolve(version=(21, 1, 0, 3, "")).GetProjectManager().CreateProject("N").GetMediaPool()
    assert new.ImportMedia([single]) is None
    old = Resolve().GetProjectManager().CreateProject("O").GetMediaPool()
    assert len(old.ImportMedia([single])) == 1


def test_add_sub_folder_and_lists(pool: MediaPool) -> None:
    root = pool.GetRootFolder()
    assert root.GetName() == "Master"
    first = _bin(pool, "SOURCE")
    second = _bin(pool, "SOURCE")  # Resolve allows two bins of one name: find before you add
    assert first is not second and [f.GetName() for f in root.GetSubFolderList()] == ["SOURCE", "SOURCE"]
    assert pool.AddSubFolder(root, "") is None
    assert pool.SetCurrentFolder("SOURCE") is False


def test_clip_colour_only_valid_names(pool: MediaPool, tmp_path: Path) -> None:
    clip = pool.ImportMedia(
        [{"FilePath": write_plates(tmp_path, "c_", 1, 2), "StartIndex": 1, "EndIndex": 2}]
    )[0]
    assert clip.SetClipColor("Red") is False
    assert clip.SetClipColor("Teal") is True and clip.GetClipColor() == "Teal"


def test_metadata_fields_and_third_party(pool: MediaPool, tmp_path: Path) -> None:
    clip = pool.ImportMedia(
        [{"FilePath": write_plates(tmp_path, "m_", 1, 2), "StartIndex": 1, "EndIndex": 2}]
    )[0]
    assert clip.SetMetadata("Comments", '{"shot": "sh010"}') is True
    assert clip.GetMetadata("Comments") == '{"shot": "sh010"}'
    assert clip.SetMetadata("chroma_recovery", "x") is False
    assert clip.SetMetadata({"Shot": "sh010", "Scene": "12"}) is True
    assert clip.SetThirdPartyMetadata("chroma_recovery.job", "j1") is True
    assert clip.GetThirdPartyMetadata() == {"chroma_recovery.job": "j1"}


def test_input_colour_space_needs_colour_management(tmp_path: Path) -> None:
    project = Resolve().GetProjectManager().CreateProject("ICS")
    pool = project.GetMediaPool()
    clip = pool.ImportMedia(
        [{"FilePath": write_plates(tmp_path, "i_", 1, 2), "StartIndex": 1, "EndIndex": 2}]
    )[0]
    assert clip.SetClipProperty("Input Color Space", "Rec.709 Gamma 2.4") is False
    project.SetSetting("colorScienceMode", "davinciYRGBColorManagedv2")
    assert clip.SetClipProperty("Input Color Space", "Rec.709 Gamma 2.4") is True
    assert clip.SetClipProperty("Resolution", "1x1") is False


def test_replace_clip_on_sequence_picks_first_sequence_of_folder(pool: MediaPool, tmp_path: Path) -> None:
    clip = pool.ImportMedia(
        [{"FilePath": write_plates(tmp_path / "v1", "x_", 1, 2), "StartIndex": 1, "EndIndex": 2}]
    )[0]
    write_plates(tmp_path / "v2", "a_", 5, 2)
    write_plates(tmp_path / "v2", "z_", 1, 9)
    assert clip.ReplaceClip(str(tmp_path / "v2" / "z_0001.exr")) is True
    assert clip.GetClipProperty("File Name") == "a_[0005-0006].exr"  # pitfall 3: not the one asked for
    assert clip.ReplaceClip(str(tmp_path / "none.exr")) is False


def test_delete_clips(pool: MediaPool, tmp_path: Path) -> None:
    clip = pool.ImportMedia(
        [{"FilePath": write_plates(tmp_path, "d_", 1, 2), "StartIndex": 1, "EndIndex": 2}]
    )[0]
    assert pool.DeleteClips([clip]) is True
    assert pool.GetRootFolder().GetClipList() == []
    assert pool.DeleteClips([clip]) is False


def test_media_storage_add_items(tmp_path: Path) -> None:
    resolve = Resolve()
    resolve.GetProjectManager().CreateProject("MS")
    write_plates(tmp_path, "ms_", 100, 3)
    storage = resolve.GetMediaStorage()
    clips = storage.AddItemListToMediaPool(
        [{"media": str(tmp_path / "ms_%04d.exr"), "startFrame": 100, "endFrame": 102}]
    )
    assert len(clips) == 1 and clips[0].GetClipProperty("Frames") == "3"
    assert str(tmp_path / "ms_0100.exr") in storage.GetFileList(str(tmp_path))
