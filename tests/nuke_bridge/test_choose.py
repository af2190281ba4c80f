"""``choose_backend``: the request beats the job, ``auto`` looks for Nuke, a named decision comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuke_bridge import BackendDecision, NukeBridgeError, choose_backend
from nuke_bridge._locate import ENV_EXECUTABLE, NukeNotFoundError
from tests.nuke_bridge.fake_nuke import make_fake_nuke
from tests.nuke_bridge.nkjobs import make_job


@pytest.mark.parametrize(
    ("job_backend", "requested", "nuke_present", "expected"),
    [
        pytest.param("auto", None, True, "nuke", id="auto with nuke"),
        pytest.param("auto", None, False, "native", id="auto without nuke"),
        pytest.param("native", None, True, "native", id="job native"),
        pytest.param("nuke", "native", True, "native", id="request native beats job nuke"),
        pytest.param("native", "nuke", True, "nuke", id="request nuke beats job native"),
        pytest.param("nuke", "auto", True, "nuke", id="request auto keeps job choice"),
        pytest.param("auto", "auto", False, "native", id="both auto without nuke"),
    ],
)
def test_choose_backend(
    tmp_path: Path, job_backend: str, requested: str | None, nuke_present: bool, expected: str
) -> None:
    env = {"PATH": str(tmp_path / "bin")}
    if nuke_present:
        make_fake_nuke(tmp_path / "bin")
    job = make_job(str(tmp_path), backend=job_backend)
    got = choose_backend(requested, job, env=env, install_globs=[])
    assert isinstance(got, BackendDecision)
    assert got.backend == expected and got.uses_nuke == (expected == "nuke")
    assert got.requested == (requested if requested in ("nuke", "native") else job_backend)
    assert (got.install is not None) == got.uses_nuke
    if got.install is not None:
        assert Path(got.install.executable).parent == tmp_path / "bin"


def test_nuke_without_nuke_says_what_to_do(tmp_path: Path) -> None:
    no_nuke = {"PATH": str(tmp_path / "empty")}
    with pytest.raises(NukeNotFoundError) as info:
        choose_backend("nuke", make_job(str(tmp_path)), env=no_nuke, install_globs=[])
    assert ENV_EXECUTABLE in str(info.value) and "--backend native" in str(info.value)


def test_unknown_request_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NukeBridgeError, match=r"--backend 'houdini': choose auto, nuke or native"):
        choose_backend("houdini", make_job(str(tmp_path)))


def test_without_detection_nothing_is_looked_for(tmp_path: Path) -> None:
    """A farm bundle decides for workers: ``auto`` is native, ``nuke`` is trusted, no Nuke is needed."""
    no_nuke = {"PATH": str(tmp_path / "empty")}
    auto, nuke = make_job(str(tmp_path), backend="auto"), make_job(str(tmp_path), backend="nuke")
    assert choose_backend(None, auto, detect=False, env=no_nuke, install_globs=[]).backend == "native"
    decided = choose_backend(None, nuke, detect=False, env=no_nuke, install_globs=[])
    assert decided == BackendDecision("nuke", "nuke", None)
    assert choose_backend("native", nuke, detect=False).backend == "native"


def test_reads_env_and_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = make_fake_nuke(tmp_path / "elsewhere")
    job = make_job(str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(ENV_EXECUTABLE, raising=False)
    assert choose_backend(None, job, install_globs=[]).backend == "native"
    (tmp_path / "chroma_recovery.toml").write_text(f'nuke_executable = "{fake}"\n')
    assert choose_backend(None, job, install_globs=[]).backend == "nuke"
    monkeypatch.setenv(ENV_EXECUTABLE, str(tmp_path / "gone"))
    with pytest.raises(NukeNotFoundError, match="CHROMA_RECOVERY_NUKE"):
        choose_backend(None, job, install_globs=[])  # a wrong explicit path is never skipped
