"""CatFileCreator: the generated .nk (parsed back), the TorchScript contract check, the Nuke run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nuke_bridge._catfile import (
    NODE_NAME,
    CatFileError,
    build_catfile_graph,
    check_torchscript,
    create_cat_file,
    model_id_for,
)
from nuke_bridge._locate import NukeInstall
from nuke_bridge._reader import parse_nk, read_nk
from nuke_bridge._runner import NukeRenderError
from nuke_bridge._wrapper import PressStep, read_spec
from nuke_bridge._writer import write_nk
from tests.nuke_bridge.fake_nuke import calls, make_fake_nuke


class _Chroma(torch.nn.Module):
    """A tiny colour model honouring Foundry's contract (1xCxHxW in, same size out)."""

    def __init__(self, out_channels: int = 3, scale: int = 1) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, out_channels, 1)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.scale != 1:
            y = torch.nn.functional.interpolate(y, scale_factor=float(self.scale), mode="nearest")
        return y


def _save(tmp_path: Path, name: str = "sh010 model.pt", **kwargs: int) -> Path:
    path = tmp_path / name
    torch.jit.script(_Chroma(**kwargs)).save(str(path))
    return path


def test_graph_parses_back_with_every_knob(tmp_path: Path) -> None:
    graph = build_catfile_graph(
        tmp_path / "sh010 [v2].pt", tmp_path / "out" / "sh010.cat", model_id="sh010_v2"
    )
    text = write_nk(graph)
    back = parse_nk(text)
    (node,) = back.by_class("CatFileCreator")
    assert node.name == NODE_NAME
    assert node.inputs == []
    assert node.knobs["torchScriptFile"] == str(tmp_path / "sh010 [v2].pt")
    assert node.knobs["catFile"] == str(tmp_path / "out" / "sh010.cat")
    assert node.knobs["channelsIn"] == "rgba.red, rgba.green, rgba.blue"
    assert node.knobs["channelsOut"] == "rgba.red, rgba.green, rgba.blue"
    assert node.knobs["modelId"] == "sh010_v2"
    assert node.knobs["outputScale"] == 1
    assert '"rgba.red, rgba.green, rgba.blue"' in text
    assert "\\[v2\\]" in text  # TCL brackets escaped in the path
    assert text == write_nk(
        build_catfile_graph(tmp_path / "sh010 [v2].pt", tmp_path / "out" / "sh010.cat", model_id="sh010_v2")
    )


def test_model_id_from_file_name() -> None:
    assert model_id_for("/p/sh010 v2.pt") == "sh010_v2"
    assert model_id_for("/p/---.pt") == "chroma_model"


def test_check_torchscript(tmp_path: Path) -> None:
    assert check_torchscript(_save(tmp_path)) == 1
    assert check_torchscript(_save(tmp_path, "up.pt", scale=2)) == 2
    with pytest.raises(CatFileError, match=r"forward returned \(1, 1, 16, 16\)"):
        check_torchscript(_save(tmp_path, "mono.pt", out_channels=1))
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a zip")
    with pytest.raises(CatFileError, match="not a TorchScript model"):
        check_torchscript(junk)


def test_create_cat_file_runs_the_button_in_nuke(tmp_path: Path) -> None:
    fake = make_fake_nuke(tmp_path / "bin")
    model = _save(tmp_path)
    cat = tmp_path / "models" / "sh010.cat"
    result = create_cat_file(NukeInstall(executable=str(fake)), model, cat)
    assert cat.is_file() and cat.stat().st_size > 0
    assert result.outputs == (str(cat),)
    script = cat.with_name("sh010_catfile.nk")
    node = read_nk(script)[NODE_NAME]
    assert (node.knobs["torchScriptFile"], node.knobs["catFile"]) == (str(model), str(cat))
    assert node.knobs["modelId"] == "sh010_model"
    wrapper = cat.with_name("sh010_catfile.catfile.wrapper.py")
    spec = read_spec(wrapper)
    assert spec.steps == (PressStep(node=NODE_NAME, knob="createCatFile"),)
    assert spec.expected == (str(cat),)
    assert calls(fake)[0]["argv"] == [str(fake), "--nukex", "-V", "2", "-t", str(wrapper)]
    with pytest.raises(CatFileError, match="already exists"):
        create_cat_file(NukeInstall(executable=str(fake)), model, cat)


def test_create_cat_file_errors(tmp_path: Path) -> None:
    ok = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bin")))
    model = _save(tmp_path)
    with pytest.raises(CatFileError, match="not found"):
        create_cat_file(ok, tmp_path / "missing.pt", tmp_path / "a.cat")
    with pytest.raises(CatFileError, match="must end in .cat"):
        create_cat_file(ok, model, tmp_path / "a.nk")
    with pytest.raises(CatFileError, match="needs NukeX"):
        create_cat_file(ok.model_copy(update={"edition": "nuke"}), model, tmp_path / "a.cat")
    failing = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bad", mode="fail")))
    with pytest.raises(NukeRenderError) as info:
        create_cat_file(failing, model, tmp_path / "b.cat")
    assert info.value.returncode == 1
    assert not (tmp_path / "b.cat").exists()
    silent = NukeInstall(executable=str(make_fake_nuke(tmp_path / "silent", mode="no_outputs")))
    with pytest.raises(NukeRenderError, match="exit status 3") as info:
        create_cat_file(silent, model, tmp_path / "c.cat")
    assert info.value.missing == (str(tmp_path / "c.cat"),)
