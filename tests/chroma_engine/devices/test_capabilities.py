"""Device choice (CUDA, then Apple's MPS, then CPU) and the capability records every device-specific
path asks. MPS is forced here: on this machine's CPU, the engine runs with MPS's capability record
while every CUDA-only API is booby-trapped, so a path that would reach one on a Mac fails the test."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

import schemas
from chroma_engine import TrainingError
from chroma_engine.devices import (
    CAPABILITIES,
    DeviceCapabilities,
    auto_device,
    device_capabilities,
    device_name,
    resolve_device,
)
from chroma_engine.io import read_image
from chroma_engine.training import build_model, export_torchscript, restore_frame, restore_frame_with_aces

CUDA_ONLY = (
    "Event",
    "Stream",
    "current_stream",
    "synchronize",
    "get_rng_state",
    "set_rng_state",
    "reset_peak_memory_stats",
    "max_memory_allocated",
    "get_device_name",
    "set_device",
)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _forbidden(name: str):  # type: ignore[no-untyped-def]
    def call(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"CUDA-only API reached on an MPS-like device: {name}")

    return call


@pytest.fixture
def mps_like(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU device gets MPS's capability record; every CUDA-only API raises."""
    monkeypatch.setitem(CAPABILITIES, "cpu", CAPABILITIES["mps"])
    trap_cuda(monkeypatch)


def trap_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CUDA_ONLY:
        monkeypatch.setattr(torch.cuda, name, _forbidden(f"torch.cuda.{name}"))
    monkeypatch.setattr(torch, "compile", _forbidden("torch.compile"))
    monkeypatch.setattr(torch, "autocast", _forbidden("torch.autocast (bfloat16 on CUDA)"))
    monkeypatch.setattr(torch.Tensor, "pin_memory", _forbidden("Tensor.pin_memory"))
    real_empty, real_to = torch.empty, torch.Tensor.to

    def empty(*args, pin_memory: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        if pin_memory:
            raise AssertionError("CUDA-only API reached on an MPS-like device: pinned host memory")
        return real_empty(*args, **kwargs)

    def to(self, *args, non_blocking: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        if non_blocking:
            raise AssertionError("CUDA-only API reached on an MPS-like device: non_blocking copy")
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch, "empty", empty)
    monkeypatch.setattr(torch.Tensor, "to", to)


def _has_mps(monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


@pytest.mark.parametrize(
    "cuda,mps,expected",
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu"), (True, False, "cuda")],
)
def test_auto_prefers_cuda_then_mps_then_cpu(
    monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool, expected: str
) -> None:
    _has_mps(monkeypatch, cuda, mps)
    assert auto_device().type == expected
    assert resolve_device("auto").type == expected and resolve_device(None).type == expected
    assert resolve_device("ddp").type == expected  # a single process takes the first GPU


def test_a_named_device_must_be_there(monkeypatch: pytest.MonkeyPatch) -> None:
    _has_mps(monkeypatch, cuda=False, mps=False)
    with pytest.raises(TrainingError, match="Apple's MPS is not available"):
        resolve_device("mps")
    with pytest.raises(TrainingError, match="CUDA is not available"):
        resolve_device("cuda:1")
    _has_mps(monkeypatch, cuda=False, mps=True)
    assert resolve_device("mps") == torch.device("mps") and resolve_device("cpu") == torch.device("cpu")


def test_one_record_decides_what_each_device_may_use() -> None:
    cuda, mps, cpu = (device_capabilities(t) for t in ("cuda:1", "mps", "cpu"))
    assert cuda.device_pipeline and cuda.pinned_memory and cuda.events and cuda.compile and cuda.rng_state
    assert cuda.half_autocast == "bf16" and cuda.cudnn and cuda.memory_stats and cuda.async_copies
    # MPS: the model on the GPU, one frame at a time; nothing CUDA-only
    assert mps.accelerator and mps.kind == "mps"
    assert dataclasses.replace(mps, accelerator=False, kind="cpu") == cpu == DeviceCapabilities("cpu")
    assert device_capabilities("meta") == cpu  # a device type nobody described gets nothing special
    assert device_name("cpu") == "cpu" and device_name("mps") == "Apple MPS"


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    model = build_model("small")
    with torch.no_grad():
        model.head.weight.normal_(0, 0.2)
    return model.eval()


class _CountingLock:
    def __init__(self) -> None:
        self.lock, self.entered = threading.Lock(), 0

    def __enter__(self) -> None:
        self.lock.acquire()
        self.entered += 1

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def test_mps_like_restore_runs_only_the_model_on_the_device_one_frame_at_a_time(
    mps_like: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chroma_engine.temporal import TemporalInput, motion_compensated_mean
    from chroma_engine.training import _inference

    lock = _CountingLock()
    monkeypatch.setattr(_inference, "_GPU_LOCK", lock)
    rng = np.random.default_rng(4)
    frames = {f: rng.random((40, 52, 3)).astype(np.float32) for f in range(3)}
    scan, neighbours, flows = TemporalInput(frames.__getitem__, frames, 1).stack(1)
    model = _model()
    display, aces = restore_frame_with_aces(model, scan, neighbours=neighbours, flows=flows, autocast=None)
    expected = restore_frame(model, motion_compensated_mean(scan, neighbours, flows), luma_from=scan)
    np.testing.assert_allclose(display, expected, atol=1e-6)
    assert lock.entered == 1 and aces.dtype == np.float32  # the CPU's OCIO conversion, not the GPU's


@pytest.fixture(scope="module")
def tiny_shot(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A 6-frame synthetic shot with its curation, an identity manual alignment and a random model."""
    from chroma_engine.runner import ShotContext
    from chroma_engine.runner._prep_stages import run_alignment, run_curation
    from chroma_engine.synth import synthesize_shot

    root = tmp_path_factory.mktemp("devices") / "shot"
    job = synthesize_shot(root, frames=6, width=128, height=96, seed=3, grain=0)
    manual = job.alignment.model_copy(update={"mode": "manual", "manual_transform": schemas.Transform2D()})
    spec = job.inference.model_copy(update={"half_precision": True, "compile": True})  # CUDA would use both
    job = job.model_copy(update={"alignment": manual, "inference": spec})
    ctx = ShotContext.from_job(job)
    curation = run_curation(ctx)
    alignment = run_alignment(ctx, curation)
    model = export_torchscript(_model(), root / "model.pt")
    return ctx, curation, alignment, model


def _render(tiny_shot) -> tuple[schemas.RenderManifest, list[np.ndarray]]:  # type: ignore[no-untyped-def]
    from chroma_engine.runner._render_stages import run_inference

    ctx, curation, alignment, model = tiny_shot
    manifest = run_inference(ctx, curation, alignment, model, device="cpu", io_workers=2)
    assert manifest.output is not None
    frames = [
        read_image(ctx.root / (manifest.output.printf_pattern() % f)) for f in ctx.job.media.source.frames
    ]
    return manifest, frames


def test_mps_like_inference_stage_reaches_no_cuda_api(tiny_shot, mps_like: None) -> None:  # type: ignore[no-untyped-def]
    manifest, frames = _render(tiny_shot)
    assert len(frames) == 6 and manifest.metrics["ml_luma_max_abs_dY"] <= 1e-3


def test_the_device_pipeline_without_cuda_extras_renders_what_the_cpu_path_renders(
    tiny_shot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A GPU that keeps frames on the device but has no pinned memory, events or inductor (the path an
    MPS device would take if its record turned the pipeline on) runs on the CPU and matches the CPU."""
    from chroma_engine import colour

    _, plain = _render(tiny_shot)
    pipeline = DeviceCapabilities("cpu", accelerator=True, device_pipeline=True)
    monkeypatch.setitem(CAPABILITIES, "cpu", pipeline)
    trap_cuda(monkeypatch)
    converted = []
    to_aces = colour.display_to_aces_torch
    monkeypatch.setattr(colour, "display_to_aces_torch", lambda rgb: converted.append(1) or to_aces(rgb))
    manifest, on_device = _render(tiny_shot)
    assert len(converted) == 6  # every frame took the device pipeline (ACES conversion on the device)
    assert manifest.metrics["ml_luma_max_abs_dY"] <= 1e-3
    for a, b in zip(plain, on_device, strict=True):
        # half EXRs; ACES on torch vs OCIO; the device's temporal mean differs only at the frame border
        assert np.abs(a - b).max() < 1e-2 and np.abs(a - b).mean() < 1e-4


def test_mps_like_training_saves_and_resumes_without_cuda_state(mps_like: None, tmp_path: Path) -> None:
    from chroma_engine.training import TrainingPair, ground_truth, train

    rng = np.random.default_rng(1)
    pairs = []
    for frame in range(2):
        src = rng.random((48, 64, 3)).astype(np.float32)
        pairs.append(TrainingPair(frame, src, ground_truth(src, src[:, ::-1].copy(), 0), None))
    seq = {"first_frame": 1, "last_frame": 2}
    job = schemas.ShotJob.model_validate(
        {
            "job_id": "T_sh010",
            "project": {"name": "T", "root": str(tmp_path)},
            "shot": {"name": "sh010"},
            "media": {"source": {"path": "s.####.exr", **seq}, "reference": {"path": "r.####.exr", **seq}},
            "training": {"batch_size": 1, "patch_size": 64, "model_size": "small", "device": "cpu"},
        }
    )
    first = train(job, pairs, pairs[-1], tmp_path / "train", steps=2)
    state = torch.load(first.checkpoint, map_location="cpu", weights_only=True)
    assert state["cuda_rng"] is None and len(state["history"]) == 2
    resumed = train(job, pairs, pairs[-1], tmp_path / "train", steps=3)  # restores the saved state
    assert resumed.resumed_from == 2 and resumed.steps == 3
