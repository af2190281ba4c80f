"""Command lines, the -t wrapper, streaming, failures and timeouts, against a stand-in ``nuke``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import OpenImageIO as oiio
import pytest

from nuke_bridge._commands import (
    RunOptions,
    execute_command,
    frame_arg,
    render_command,
    render_script,
    terminal_command,
    train_script,
)
from nuke_bridge._errors import NukeBridgeError
from nuke_bridge._locate import NukeInstall
from nuke_bridge._runner import NukeEvent, NukeRenderError, NukeTimeoutError, parse_line, run_nuke
from nuke_bridge._wrapper import ExecuteStep, PressStep, SetKnobStep, WrapperSpec, read_spec, wrapper_source
from tests.nuke_bridge.fake_nuke import calls, make_fake_nuke


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "shot" / "sh010_inference_v001.nk"
    path.parent.mkdir(parents=True)
    path.write_text(f"Write {{\n file {tmp_path}/out/FILM_ML_%04d.exr\n}}\n")
    return path


def _frames(tmp_path: Path, frames: range | list[int]) -> list[Path]:
    return [tmp_path / "out" / f"FILM_ML_{f:04d}.exr" for f in frames]


@pytest.mark.parametrize(
    ("line", "kind", "fields"),
    [
        pytest.param("Frame 1001 (1 of 100)", "progress", (1001, 1, 100), id="progress"),
        pytest.param("Writing x.exr Frame 7 (3 of 9) took 1s", "progress", (7, 3, 9), id="progress inside"),
        pytest.param("ERROR: Write1: cannot open", "error", None, id="ERROR"),
        pytest.param("RuntimeError: Read1: missing frame", "error", None, id="python error"),
        pytest.param("Eddy[ERROR] - compile failed", "error", None, id="eddy"),
        pytest.param("ERROR: Frame 3 (1 of 2) failed", "error", None, id="error beats progress"),
        pytest.param("Loading script", "line", None, id="plain"),
    ],
)
def test_parse_line(line: str, kind: str, fields: tuple[int, int, int] | None) -> None:
    event = parse_line(line + "\n")
    assert event.kind == kind
    assert event.line == line
    if fields:
        assert (event.frame, event.index, event.total) == fields


def test_parse_cat_line() -> None:
    event = parse_line("CHROMA_RECOVERY_CAT=/p/copycat/Training_1_30000.cat\n")
    assert (event.kind, event.path) == ("cat", "/p/copycat/Training_1_30000.cat")


def test_command_lines_exact() -> None:
    nukex = NukeInstall(executable="/usr/local/Nuke15.1v5/Nuke15.1")
    options = RunOptions(gpu=True, threads=8)
    assert render_command(nukex, "/p/a.nk", 1001, 1100, options) == [
        "/usr/local/Nuke15.1v5/Nuke15.1",
        "--nukex",
        "-x",
        "-F",
        "1001-1100",
        "--gpu",
        "-m",
        "8",
        "-V",
        "2",
        "/p/a.nk",
    ]
    assert execute_command(nukex, "/p/t.nk", ["CopyCat1"], 1, 1, RunOptions()) == [
        "/usr/local/Nuke15.1v5/Nuke15.1",
        "--nukex",
        "-X",
        "CopyCat1",
        "-F",
        "1",
        "-V",
        "2",
        "/p/t.nk",
    ]
    nc = NukeInstall(executable="/opt/Nuke15.1", edition="nc")
    assert terminal_command(nc, "/p/w.py", RunOptions(threads=2)) == [
        "/opt/Nuke15.1",
        "--nc",
        "-m",
        "2",
        "-V",
        "2",
        "-t",
        "/p/w.py",
    ]
    plain = NukeInstall(executable="/opt/Nuke15.1", edition="nuke")
    assert render_command(plain, "a.nk", 5, 5, RunOptions())[1:4] == ["-x", "-F", "5"]
    with pytest.raises(NukeBridgeError, match="reversed"):
        frame_arg(10, 9)


def test_wrapper_source_is_deterministic_valid_python_and_round_trips(tmp_path: Path) -> None:
    spec = WrapperSpec(
        script="/p/sh010 [v1].nk",
        steps=(
            SetKnobStep(node="Inference1", knob="modelFile", value="/p/m'o\"del.cat"),
            PressStep(node="MatchGrade1", knob="analyzeRefFrames"),
            ExecuteStep(nodes=("Write_EXR",), first=1001, last=1003),
        ),
        expected=("/p/out.1001.exr",),
    )
    text = wrapper_source(spec)
    assert text == wrapper_source(spec)
    compile(text, "wrapper.py", "exec")
    path = tmp_path / "w.py"
    path.write_text(text)
    assert read_spec(path) == spec


def test_render_through_wrapper_streams_progress_and_writes_log(tmp_path: Path, script: Path) -> None:
    fake = make_fake_nuke(tmp_path / "bin")
    install = NukeInstall(executable=str(fake))
    events: list[NukeEvent] = []
    expected = _frames(tmp_path, range(1001, 1004))
    options = RunOptions(extra_env={"FN_NUKE_DISABLE_GPU_ACCELERATION": "1"})
    result = render_script(
        install, script, first=1001, last=1003, expected=expected, options=options, on_event=events.append
    )
    assert [(e.frame, e.index, e.total) for e in events if e.kind == "progress"] == [
        (1001, 1, 3),
        (1002, 2, 3),
        (1003, 3, 3),
    ]
    assert result.frames_done == 3
    assert result.returncode == 0
    assert result.outputs == tuple(str(p) for p in expected)
    spec = oiio.ImageInput.open(str(expected[1])).spec()
    assert (spec.width, spec.height, spec.nchannels) == (4, 2, 3)
    wrapper = script.with_name("sh010_inference_v001.render.wrapper.py")
    (call,) = calls(fake)
    assert call["argv"] == [str(fake), "--nukex", "-V", "2", "-t", str(wrapper)]
    assert call["env"]["FN_NUKE_DISABLE_GPU_ACCELERATION"] == "1"  # type: ignore[index]
    assert call["cwd"] == str(script.parent)
    assert read_spec(wrapper).steps == (ExecuteStep(first=1001, last=1003),)
    log = Path(result.log_path)
    assert log == script.with_name("sh010_inference_v001.render.log")
    lines = log.read_text().splitlines()
    assert lines[0].startswith("# command: ")
    assert "Frame 1002 (2 of 3)" in lines
    assert lines[-1].startswith("# exit status 0")


def test_second_run_keeps_the_first_log(tmp_path: Path, script: Path) -> None:
    install = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bin")))
    first = render_script(install, script, first=1, last=1)
    second = render_script(install, script, first=2, last=2)
    assert Path(first.log_path).name == "sh010_inference_v001.render.log"
    assert Path(second.log_path).name == "sh010_inference_v001.render.2.log"
    assert "Frame 1 (1 of 1)" in Path(first.log_path).read_text()
    assert "Frame 2 (1 of 1)" in Path(second.log_path).read_text()


def test_direct_mode_runs_the_bare_command_and_checks_outputs(tmp_path: Path, script: Path) -> None:
    fake = make_fake_nuke(tmp_path / "bin")
    install = NukeInstall(executable=str(fake))
    options = RunOptions(use_wrapper=False, gpu=True)
    result = render_script(
        install, script, first=7, last=8, expected=_frames(tmp_path, range(7, 9)), options=options
    )
    assert calls(fake)[0]["argv"] == render_command(install, script.absolute(), 7, 8, options)
    assert result.frames_done == 2
    with pytest.raises(NukeRenderError, match="expected output") as info:
        render_script(
            install, script, first=9, last=9, expected=_frames(tmp_path, range(50, 51)), options=options
        )
    assert info.value.missing == (str(_frames(tmp_path, [50])[0]),)


@pytest.mark.parametrize(
    ("mode", "returncode", "error"),
    [
        pytest.param("fail", 1, "ERROR: Write1: cannot open file for writing", id="exit 1 with ERROR line"),
        pytest.param("raise", 1, "RuntimeError: Write_EXR: render failed", id="exception in nuke.execute"),
        pytest.param("no_outputs", 3, "expected output missing or empty", id="outputs missing"),
        pytest.param("error_exit0", 0, "ERROR: CopyCat1: CUDA out of memory", id="ERROR line, exit 0"),
    ],
)
def test_failures_reach_the_caller(
    tmp_path: Path, script: Path, mode: str, returncode: int, error: str
) -> None:
    install = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bin", mode=mode)))
    expected = _frames(tmp_path, range(1, 3))
    with pytest.raises(NukeRenderError) as info:
        render_script(install, script, first=1, last=2, nodes=["Write_EXR"], expected=expected)
    exc = info.value
    assert exc.returncode == returncode
    assert any(error in line for line in exc.error_lines)
    assert Path(exc.log_path).is_file()
    assert error in Path(exc.log_path).read_text()
    assert exc.hint and exc.log_path in exc.hint
    if mode in ("raise", "no_outputs"):
        assert exc.missing == tuple(str(p) for p in expected)


def test_timeout_kills_the_process_group(tmp_path: Path, script: Path) -> None:
    install = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bin", mode="hang")))
    events: list[NukeEvent] = []
    started = time.monotonic()
    with pytest.raises(NukeTimeoutError) as info:
        render_script(
            install, script, first=1, last=2, options=RunOptions(timeout_s=1.0), on_event=events.append
        )
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 8.0
    assert info.value.returncode is None
    assert [e.frame for e in events if e.kind == "progress"] == [1]
    assert "killed after the 1 s timeout" in Path(info.value.log_path).read_text()


def test_missing_executable_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(NukeRenderError, match="cannot start Nuke"):
        run_nuke([str(tmp_path / "Nuke99.0")], log_path=tmp_path / "x.log")


def test_train_reports_the_new_cat(tmp_path: Path, script: Path) -> None:
    fake = make_fake_nuke(tmp_path / "bin")
    data = tmp_path / "copycat"
    data.mkdir()
    old = data / "Training_old.cat"
    old.write_bytes(b"old")
    stamp = time.time() - 3600
    os.utime(old, (stamp, stamp))
    result = train_script(NukeInstall(executable=str(fake)), script, data_directory=data, node="CopyCat1")
    assert result.cat_file is not None
    assert Path(result.cat_file).parent == data
    assert Path(result.cat_file) != old
    spec = read_spec(script.with_name("sh010_inference_v001.train.wrapper.py"))
    assert spec.steps == (ExecuteStep(nodes=("CopyCat1",), first=1, last=1, per_frame=False),)
    assert spec.cat_dir == str(data)
    train_nk = script.with_name("sh010_training_v001.nk")
    train_nk.write_text(f"CopyCat {{\n dataDirectory {data}\n name CopyCat1\n}}\n")
    direct = train_script(
        NukeInstall(executable=str(fake)),
        train_nk,
        data_directory=data,
        options=RunOptions(use_wrapper=False),
    )
    assert calls(fake)[-1]["argv"][1:5] == ["--nukex", "-X", "CopyCat1", "-F"]  # type: ignore[index]
    assert direct.cat_file is not None and direct.cat_file != result.cat_file


def test_train_needs_nukex(tmp_path: Path, script: Path) -> None:
    install = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bin")), edition="nuke")
    with pytest.raises(NukeBridgeError, match="needs NukeX"):
        train_script(install, script, data_directory=tmp_path)
    assert calls(Path(install.executable)) == []
