"""ChromaNet: CatFileCreator TorchScript contract, luma identity, tiling == untiled, load_model."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest
import torch
from torch.nn import functional

from chroma_engine import TrainingError
from chroma_engine.colour import luma
from chroma_engine.training import (
    RECEPTIVE_RADIUS,
    ChromaNet,
    build_model,
    export_torchscript,
    load_model,
    parameter_count,
    restore_frame,
    restore_frame_with_aces,
)
from chroma_engine.training._inference import compile_for_frames, eager_model
from chroma_engine.training._model import _double, _replicate_pad


def _random_model(size: str = "small", seed: int = 0) -> ChromaNet:
    torch.manual_seed(seed)
    model = build_model(size)
    with torch.no_grad():  # the head starts at zero; give the local branch a real effect
        model.head.weight.normal_(0, 0.2)
        model.head.bias.normal_(0, 0.05)
    return model.eval()


def _y(t: torch.Tensor) -> torch.Tensor:
    return 0.2126 * t[:, 0] + 0.7152 * t[:, 1] + 0.0722 * t[:, 2]


def test_sizes_grow():
    counts = [parameter_count(build_model(s)) for s in ("small", "medium", "large")]
    assert counts[0] < counts[1] < counts[2]


def test_torchscript_contract(tmp_path):
    model = _random_model("medium")
    path = export_torchscript(model, tmp_path / "m.pt")
    scripted = torch.jit.load(str(path))
    x = torch.rand(1, 3, 64, 80) * 1.3 - 0.1  # raw values may leave 0-1
    with torch.no_grad():
        out = scripted(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert float((_y(out) - _y(x)).abs().max()) < 1e-5
    # same numbers as the eager model, and the CbCr changed (the model does something)
    np.testing.assert_allclose(out.numpy(), model(x).detach().numpy(), atol=1e-5)
    assert float((out - x).abs().max()) > 1e-3
    # odd sizes work (internal replicate padding)
    assert scripted(torch.rand(1, 3, 37, 51)).shape == (1, 3, 37, 51)
    # float16 on CPU: tensors follow x.dtype
    half = scripted.half()(x.half())
    assert half.dtype == torch.float16 and half.shape == x.shape
    assert float((half.float() - out).detach().abs().max()) < 2e-2


# Every operator the exported model may call: ATen operators that kept their schema since torch 1.12
# (Nuke 14's libtorch), plus TorchScript builtins. A torch 2.13 export of ``F.pad`` / ``F.interpolate``
# named ``aten::pad`` and ``aten::_upsample_lanczos2d_aa`` and did not load in torch 2.11.
PORTABLE_OPS = {
    "__is__", "__isnot__", "add", "arange", "avg_pool2d", "cat", "clamp", "conv2d", "div", "eq",
    "expand", "format", "ge", "grid_sampler", "gt", "leaky_relu", "leaky_relu_", "log2", "mul", "ne",
    "permute", "pow", "remainder", "replication_pad2d", "select", "size", "slice", "sub", "to",
    "unsqueeze", "upsample_nearest2d", "view", "warn", "dim", "len", "append", "__not__",
}  # fmt: skip


def test_torchscript_names_only_long_standing_operators(tmp_path):
    path = export_torchscript(_random_model(), tmp_path / "m.pt")
    with zipfile.ZipFile(path) as archive:
        code = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".py"))
    called = set(re.findall(r"\btorch\.(_?[A-Za-z0-9_]+)\(", code))
    assert "conv2d" in called and "upsample_nearest2d" in called  # the parse sees the model's calls
    assert called <= PORTABLE_OPS, sorted(called - PORTABLE_OPS)


def test_portable_resampling_equals_functional():
    x = torch.rand(2, 5, 13, 17)
    assert torch.equal(_replicate_pad(x, [0, 3, 0, 1]), functional.pad(x, [0, 3, 0, 1], mode="replicate"))
    assert torch.equal(_replicate_pad(x, [2, 2, 2, 2]), functional.pad(x, [2, 2, 2, 2], mode="replicate"))
    assert torch.equal(_double(x), functional.interpolate(x, scale_factor=2.0, mode="nearest"))


def test_tiled_equals_untiled():
    model = _random_model("small")
    rng = np.random.default_rng(3)
    frame = rng.random((150, 203, 3), dtype=np.float32)
    whole = restore_frame(model, frame, tile=1024)
    tiled = restore_frame(model, frame, tile=48, overlap=8)  # overlap raised to the receptive radius
    assert tiled.shape == frame.shape
    assert np.abs(tiled - whole).max() < 1e-4
    np.testing.assert_allclose(luma(tiled), luma(frame), atol=1e-5)


def test_receptive_radius_is_honest():
    model = _random_model("small")
    x = torch.rand(1, 3, 128, 128, requires_grad=True)
    model.chroma(x)[0, :, 64, 64].sum().backward()
    grad = x.grad.abs().sum(dim=(0, 1))
    rows, cols = torch.nonzero(grad, as_tuple=True)
    reach = max(64 - int(rows.min()), int(rows.max()) - 64, 64 - int(cols.min()), int(cols.max()) - 64)
    assert 8 < reach <= RECEPTIVE_RADIUS


def test_load_model_checkpoint_and_torchscript(tmp_path):
    model = _random_model("small", seed=4)
    ckpt = tmp_path / "c.pt"
    torch.save({"model_config": model.config(), "model_state": model.state_dict()}, ckpt)
    script = export_torchscript(model, tmp_path / "s.pt")
    frame = np.random.default_rng(0).random((32, 40, 3), dtype=np.float32)
    ref = restore_frame(model, frame)
    for path in (ckpt, script):
        loaded = load_model(path, "cpu")
        np.testing.assert_allclose(restore_frame(loaded, frame), ref, atol=1e-5)
    with pytest.raises(TrainingError, match="not found"):
        load_model(tmp_path / "missing.pt")
    torch.save({"weights": 1}, tmp_path / "bad.pt")
    with pytest.raises(TrainingError, match="not a chroma-recovery checkpoint"):
        load_model(tmp_path / "bad.pt")


def test_eager_model_of_a_torchscript(tmp_path):
    model = _random_model("small", seed=5)
    with torch.no_grad():
        model.lut.normal_(0, 0.05)  # every parameter and buffer must come across
        model.input_range[:, 0] = 0.2
    scripted = load_model(export_torchscript(model, tmp_path / "s.pt"), "cpu")
    eager = eager_model(scripted)
    assert isinstance(eager, ChromaNet) and not isinstance(eager, torch.jit.ScriptModule)
    assert eager.config() == model.config()
    x = torch.rand(1, 3, 36, 44)
    with torch.no_grad():
        np.testing.assert_array_equal(eager(x).numpy(), scripted(x).numpy())
    assert eager_model(model) is model  # already eager
    other = torch.jit.script(torch.nn.Conv2d(3, 3, 1))
    assert eager_model(other) is other  # not a ChromaNet: left alone


def test_compile_for_frames_warms_up_at_the_frame_size(monkeypatch):
    model = _random_model("small")
    shapes: list[tuple[int, ...]] = []

    class Recorder(torch.nn.Module):  # what torch.compile returns: a module wrapping the model
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shapes.append(tuple(x.shape))
            return self.inner(x)

    def fake_compile(module):
        return Recorder(module)

    monkeypatch.setattr(torch, "compile", fake_compile)
    compiled = compile_for_frames(model, 40, 56)
    assert shapes == [(1, 3, 40, 56)]  # the first (compiling) call happens before any frame
    assert isinstance(compiled, Recorder)
    frame = np.random.default_rng(1).random((40, 56, 3), dtype=np.float32)
    np.testing.assert_allclose(restore_frame(compiled, frame), restore_frame(model, frame), atol=1e-6)


def test_compile_for_frames_falls_back_with_a_warning(monkeypatch):
    model = _random_model("small")

    def broken(_module):
        def run(_x):
            raise RuntimeError("no C++ compiler found")

        return run

    monkeypatch.setattr(torch, "compile", broken)
    with pytest.warns(UserWarning, match="torch.compile failed.*no C\\+\\+ compiler"):
        assert compile_for_frames(model, 16, 16) is model


def test_restore_frame_with_aces_takes_half_frames():
    from chroma_engine.colour import ACES2065_1, REC709_DISPLAY, convert

    model = _random_model("small", seed=6)
    frame = np.random.default_rng(2).random((24, 40, 3), dtype=np.float32).astype(np.float16)
    display, aces = restore_frame_with_aces(model, frame, device="cpu")
    ref = restore_frame(model, frame.astype(np.float32))
    assert display.dtype == np.float32
    np.testing.assert_array_equal(display, ref)  # a half frame is its float32 values, exactly
    np.testing.assert_allclose(aces, convert(ref, REC709_DISPLAY, ACES2065_1), atol=1e-6)
    np.testing.assert_allclose(luma(display), luma(frame.astype(np.float32)), atol=1e-6)


def test_luma_from_keeps_the_scan_luma_and_the_inputs_chroma() -> None:
    from chroma_engine.colour import rgb_to_ycbcr
    from chroma_engine.training._inference import _reluma_torch, reluma

    rng = np.random.default_rng(3)
    model = _random_model()
    scan = rng.random((40, 52, 3)).astype(np.float32)
    model_in = np.clip(scan + rng.normal(0, 0.05, scan.shape), 0, 1).astype(
        np.float32
    )  # e.g. its temporal mean
    own = restore_frame(model, model_in)
    out = restore_frame(model, model_in, luma_from=scan)
    assert np.abs(luma(out) - luma(scan)).max() < 1e-6
    np.testing.assert_allclose(rgb_to_ycbcr(out)[..., 1:], rgb_to_ycbcr(own)[..., 1:], atol=1e-6)
    tiled = restore_frame(model, model_in, luma_from=scan, tile=16)  # the tiled path re-lumas the same way
    np.testing.assert_allclose(tiled, out, atol=1e-5)
    on_device = _reluma_torch(
        torch.from_numpy(own).permute(2, 0, 1)[None], torch.from_numpy(scan).permute(2, 0, 1)[None]
    )
    np.testing.assert_allclose(on_device[0].permute(1, 2, 0).numpy(), reluma(own, scan), atol=1e-6)
    _, aces = restore_frame_with_aces(model, model_in, luma_from=scan)
    assert aces.shape == scan.shape
    with pytest.raises(TrainingError, match="luma_from"):
        restore_frame(model, model_in, luma_from=scan[:10])


@pytest.mark.parametrize(("shape", "tile"), [((40, 52), 16), ((40, 52), 24), ((70, 1030), 1024)])
def test_a_last_tile_narrower_than_the_blend_band_joins_its_neighbour(
    shape: tuple[int, int], tile: int
) -> None:
    # Used to fail: the cross-fade band ran past the frame when the last core was under 8 px wide.
    model = _random_model()
    frame = np.random.default_rng(5).random((*shape, 3)).astype(np.float32)
    np.testing.assert_allclose(
        restore_frame(model, frame, tile=tile), restore_frame(model, frame, tile=4096), atol=1e-5
    )


def test_restore_with_neighbours_runs_the_model_on_the_temporal_mean() -> None:
    from chroma_engine.temporal import TemporalInput, motion_compensated_mean

    rng = np.random.default_rng(4)
    frames = {f: rng.random((40, 52, 3)).astype(np.float32) for f in range(3)}
    scan, neighbours, flows = TemporalInput(frames.__getitem__, frames, 1).stack(1)
    model = _random_model()
    display, _ = restore_frame_with_aces(model, scan, neighbours=neighbours, flows=flows)
    expected = restore_frame(model, motion_compensated_mean(scan, neighbours, flows), luma_from=scan)
    np.testing.assert_allclose(display, expected, atol=1e-6)
    assert np.abs(luma(display) - luma(scan)).max() < 1e-6
