"""Finding Nuke: env var > project config > PATH > install folders (newest first), and editions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nuke_bridge._locate import (
    ENV_EDITION,
    ENV_EXECUTABLE,
    NukeInstall,
    NukeNotFoundError,
    edition_from_path,
    find_nuke,
    install_globs_for,
    locate_nuke,
    version_key,
    version_of,
)
from tests.nuke_bridge.fake_nuke import make_stub


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """One Nuke in each place: env target, config target, PATH folder, install folder."""
    monkeypatch.delenv(ENV_EXECUTABLE, raising=False)
    monkeypatch.delenv(ENV_EDITION, raising=False)
    places = {
        "env": make_stub(tmp_path / "env" / "Nuke16.0"),
        "config": make_stub(tmp_path / "cfg" / "Nuke15.0"),
        "path": make_stub(tmp_path / "bin" / "Nuke14.1"),
        "install": make_stub(tmp_path / "usr_local" / "Nuke13.2v9" / "Nuke13.2"),
    }
    project = tmp_path / "project"
    project.mkdir()
    (project / "chroma_recovery.toml").write_text(f'nuke_executable = "{places["config"]}"\n')
    monkeypatch.setenv(ENV_EXECUTABLE, str(places["env"]))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    places["project"] = project
    places["installs"] = tmp_path / "usr_local"
    return places


def _locate(world: dict[str, Path], **kwargs: object) -> NukeInstall:
    return locate_nuke(world["project"], install_globs=[(str(world["installs"]), "Nuke*/Nuke*")], **kwargs)  # type: ignore[arg-type]


def test_order_env_then_config_then_path_then_install(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    found = _locate(world)
    assert (found.executable, found.found_by, found.version) == (str(world["env"]), "env", "16.0")
    monkeypatch.delenv(ENV_EXECUTABLE)
    found = _locate(world)
    assert (found.executable, found.found_by) == (str(world["config"]), "config")
    (world["project"] / "chroma_recovery.toml").unlink()
    found = _locate(world)
    assert (found.executable, found.found_by) == (str(world["path"]), "path")
    monkeypatch.setenv("PATH", "")
    found = _locate(world)
    assert (found.executable, found.found_by, found.version) == (str(world["install"]), "install", "13.2v9")


def test_install_folders_newest_version_first(tmp_path: Path) -> None:
    for folder, exe in [("Nuke14.1v4", "Nuke14.1"), ("Nuke15.1v2", "Nuke15.1"), ("Nuke15.1v5", "Nuke15.1")]:
        make_stub(tmp_path / folder / exe)
    (tmp_path / "Nuke15.1v5" / "Nuke15.1.py").write_text("")  # not an executable name
    found = locate_nuke(None, env={"PATH": ""}, install_globs=[(str(tmp_path), "Nuke*/Nuke*")])
    assert found.executable == str(tmp_path / "Nuke15.1v5" / "Nuke15.1")
    assert found.version == "15.1v5"


def test_macos_install_glob_matches_app_bundle(tmp_path: Path) -> None:
    ((root, pattern),) = install_globs_for("darwin")
    assert root == "/Applications"
    exe = make_stub(tmp_path / "Nuke15.1v5" / "NukeX15.1v5.app" / "Contents" / "MacOS" / "Nuke15.1v5")
    found = locate_nuke(None, env={"PATH": ""}, platform="darwin", install_globs=[(str(tmp_path), pattern)])
    assert found.executable == str(exe)
    assert install_globs_for("win32")[0] == ("C:\\Program Files", "Nuke*/Nuke*.exe")
    assert install_globs_for("linux")[0] == ("/usr/local", "Nuke*/Nuke*")


def test_path_skips_non_nuke_and_non_executable(tmp_path: Path) -> None:
    make_stub(tmp_path / "bin" / "nuke_bridge_helper")
    (tmp_path / "bin" / "Nuke16.0").write_text("not executable")
    make_stub(tmp_path / "bin2" / "nuke")
    path = os.pathsep.join([str(tmp_path / "bin"), str(tmp_path / "bin2")])
    found = locate_nuke(None, env={"PATH": path}, install_globs=[])
    assert found.executable == str(tmp_path / "bin2" / "nuke")
    assert found.version is None


def test_not_found_names_env_var_and_native_backend(tmp_path: Path) -> None:
    with pytest.raises(NukeNotFoundError) as info:
        locate_nuke(tmp_path, env={"PATH": str(tmp_path)}, install_globs=[(str(tmp_path), "Nuke*/Nuke*")])
    assert ENV_EXECUTABLE in str(info.value)
    assert "--backend native" in str(info.value)
    assert not info.value.explicit
    assert find_nuke(tmp_path, env={"PATH": ""}, install_globs=[]) is None


def test_explicit_setting_to_missing_file_is_an_error(tmp_path: Path) -> None:
    env = {ENV_EXECUTABLE: str(tmp_path / "nope" / "Nuke15.1"), "PATH": ""}
    with pytest.raises(NukeNotFoundError, match="not an executable file") as info:
        find_nuke(None, env=env, install_globs=[])
    assert info.value.explicit
    (tmp_path / "chroma_recovery.toml").write_text('nuke_executable = "/nope/Nuke15.1"\n')
    with pytest.raises(NukeNotFoundError, match="chroma_recovery.toml: nuke_executable"):
        locate_nuke(tmp_path, env={"PATH": ""}, install_globs=[])


def test_bad_config_toml(tmp_path: Path) -> None:
    (tmp_path / "chroma_recovery.toml").write_text("nuke_executable = [unclosed\n")
    with pytest.raises(NukeNotFoundError, match="cannot read the project config"):
        locate_nuke(tmp_path, env={"PATH": ""}, install_globs=[])
    (tmp_path / "chroma_recovery.toml").write_text("nuke_executable = 3\n")
    with pytest.raises(NukeNotFoundError, match="must be a string"):
        locate_nuke(tmp_path, env={"PATH": ""}, install_globs=[])


@pytest.mark.parametrize(
    ("edition", "flags", "suffix", "limit"),
    [
        pytest.param("nukex", ("--nukex",), ".nk", None, id="nukex"),
        pytest.param("nc", ("--nc",), ".nknc", (1920, 1080), id="non-commercial"),
        pytest.param("indie", ("--indie",), ".nkind", None, id="indie"),
        pytest.param("nuke", (), ".nk", None, id="plain nuke"),
    ],
)
def test_edition_flags(
    tmp_path: Path, edition: str, flags: tuple[str, ...], suffix: str, limit: tuple[int, int] | None
) -> None:
    exe = make_stub(tmp_path / "Nuke15.1")
    found = locate_nuke(None, env={ENV_EXECUTABLE: str(exe), ENV_EDITION: edition}, install_globs=[])
    assert found.edition == edition
    assert found.licence_flags == flags
    assert found.script_suffix == suffix
    assert found.max_resolution == limit
    assert found.has_nukex_features == (edition != "nuke")


def test_edition_from_config_and_path(tmp_path: Path) -> None:
    exe = make_stub(tmp_path / "Nuke15.1v5 Non-commercial" / "Nuke15.1")
    found = locate_nuke(None, env={ENV_EXECUTABLE: str(exe)}, install_globs=[])
    assert found.edition == "nc"
    (tmp_path / "chroma_recovery.toml").write_text(f'nuke_executable = "{exe}"\nnuke_edition = "indie"\n')
    assert locate_nuke(tmp_path, env={"PATH": ""}, install_globs=[]).edition == "indie"
    (tmp_path / "chroma_recovery.toml").write_text(f'nuke_executable = "{exe}"\nnuke_edition = "deluxe"\n')
    with pytest.raises(NukeNotFoundError, match="unknown Nuke edition 'deluxe'"):
        locate_nuke(tmp_path, env={"PATH": ""}, install_globs=[])


def test_version_parsing() -> None:
    assert version_of("/usr/local/Nuke15.1v5/Nuke15.1") == "15.1v5"
    assert version_of("/opt/Nuke15.1") == "15.1"
    assert version_key("/usr/local/Nuke15.1v5/Nuke15.1") == (15, 1, 5)
    assert version_key("Nuke15.1v5") > version_key("Nuke15.1v2") > version_key("Nuke14.1v9")
    assert version_key("nuke") == (-1, -1, -1)
    assert edition_from_path("/opt/NukeIndie15.1/Nuke15.1") == "indie"
    assert edition_from_path("/usr/local/Nuke15.1v5/Nuke15.1") == "nukex"
