"""train(): loss falls on tiny synthetic pairs, checkpoints and resume, exports, reports; gpu_bench on CPU."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest
import torch

from chroma_engine.colour import luma, rgb_to_ycbcr
from chroma_engine.training import (
    TrainingPair,
    build_model,
    gpu_bench,
    ground_truth,
    load_model,
    newest_checkpoint,
    restore_frame,
    train,
)
from chroma_engine.training._start import init_global_lut
from chroma_engine.training._truth import flat_mask
from schemas import ShotJob


def _job(tmp_path, **training) -> ShotJob:
    seq = {"first_frame": 1, "last_frame": 4}
    settings = {
        "batch_size": 2,
        "patch_size": 64,
        "checkpoint_interval": 5,
        "contact_sheet_interval": 10,
        "model_size": "small",
        "device": "cpu",
        "learning_rate": 3e-3,
    }
    settings.update(training)
    return ShotJob.model_validate(
        {
            "job_id": "T_sh010",
            "project": {"name": "T", "root": str(tmp_path)},
            "shot": {"name": "sh010"},
            "media": {"source": {"path": "s.####.exr", **seq}, "reference": {"path": "r.####.exr", **seq}},
            "training": settings,
        }
    )


def _faded_pair(frame: int, seed: int, size: tuple[int, int] = (72, 88)) -> TrainingPair:
    """A smooth image faded by a colour matrix (magenta cast) + grain; truth = src Y' + clean CbCr."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    clean = np.stack(
        [0.5 + 0.35 * np.sin(xx / 9 + seed), 0.5 + 0.35 * np.cos(yy / 7), 0.5 + 0.3 * np.sin((xx + yy) / 11)],
        -1,
    )
    fade = np.array([[0.6, 0.3, 0.1], [0.1, 0.7, 0.1], [0.05, 0.25, 0.55]], np.float32)
    src = np.clip(clean @ fade.T + [0.08, 0.0, 0.1] + rng.normal(0, 0.01, clean.shape), 0, 1).astype(
        np.float32
    )
    mask = np.ones(size, bool)
    mask[:, :6] = False  # e.g. a border
    # the reference's chroma sits 3 px to the right: only the local (U-Net) branch can learn that,
    # so the loss must fall below the closed-form global fit's
    shifted = np.roll(clean, 3, axis=1).astype(np.float32)
    return TrainingPair(frame, src, ground_truth(src, shifted, 0), mask)


def _pair_l1(model, pairs) -> float:  # type: ignore[no-untyped-def]
    """Mean |CbCr error| of ``model`` over the usable pixels of whole training pairs."""
    errors = []
    for p in pairs:
        with torch.no_grad():
            pred = model.chroma(torch.from_numpy(p.source).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
        errors.append(float(np.abs(pred - rgb_to_ycbcr(p.target)[..., 1:])[p.mask].mean()))
    return float(np.mean(errors))


def test_training_reduces_loss_and_exports(tmp_path):
    pairs = [_faded_pair(1, 1), _faded_pair(2, 2)]
    preview = _faded_pair(4, 4)
    job = _job(tmp_path)
    before = float(np.abs(np.asarray(preview.target) - preview.source).mean())
    result = train(job, pairs, preview, tmp_path / "train", steps=60)
    assert result.steps == 60 and result.resumed_from is None and result.device == "cpu"
    rows = list(csv.DictReader(open(result.loss_csv)))
    assert [int(r["step"]) for r in rows] == list(range(1, 61))
    # Training starts from the closed-form fit (LUT + positional grid); only the local branch can
    # learn the reference's 3 px shift, so the fit to the pairs must improve on that start.
    start = build_model("small")
    flat = [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
    init_global_lut(start, flat, [p.mask for p in pairs])  # the same start train() makes
    assert _pair_l1(load_model(result.model_file), pairs) < 0.99 * _pair_l1(start, pairs)
    assert sum(1 for r in rows if r["preview_l1"]) == 6  # steps 10..60
    assert len(result.contact_sheets) == 6
    assert result.preview_cbcr_l1 is not None and result.preview_delta_e00 is not None
    assert result.preview_delta_e00 < 60 and np.isfinite(result.preview_delta_e00)
    # the exported model restores with exact scan luma and beats doing nothing on held-out chroma
    model = load_model(result.model_file)
    restored = restore_frame(model, preview.source)
    np.testing.assert_allclose(luma(restored), luma(preview.source), atol=1e-5)
    assert result.preview_cbcr_l1 < 0.5 * before
    scripted = load_model(result.torchscript)
    assert isinstance(scripted, torch.jit.ScriptModule)
    np.testing.assert_allclose(restore_frame(scripted, preview.source), restored, atol=1e-5)
    ckpts = sorted(p.name for p in (tmp_path / "train" / "checkpoints").iterdir())
    assert ckpts[0] == "ckpt_0000005.pt" and ckpts[-1] == "ckpt_0000060.pt" and len(ckpts) == 12
    assert (tmp_path / "train" / "loss.png").stat().st_size > 1000


class _Kill(Exception):
    pass


def test_resume_after_kill_matches_uninterrupted_run(tmp_path):
    pairs = [_faded_pair(1, 1), _faded_pair(2, 2)]
    job = _job(tmp_path, contact_sheet_interval=1000)
    full = train(job, pairs, None, tmp_path / "full", steps=20)

    def kill_at_12(step: int, total: int, loss: float) -> None:
        if step == 12:
            raise _Kill

    with pytest.raises(_Kill):
        train(job, pairs, None, tmp_path / "cut", steps=20, progress=kill_at_12)
    newest = newest_checkpoint(tmp_path / "cut")
    assert newest is not None and newest.name == "ckpt_0000010.pt"
    seen: list[int] = []
    resumed = train(job, pairs, None, tmp_path / "cut", steps=20, progress=lambda s, t, v: seen.append(s))
    assert resumed.resumed_from == 10 and resumed.steps == 20 and seen == list(range(11, 21))
    # the measured reference softness travels with the checkpoints
    assert full.reference_blur_px is not None and resumed.reference_blur_px == full.reference_blur_px
    rows = list(csv.DictReader(open(resumed.loss_csv)))
    full_rows = list(csv.DictReader(open(full.loss_csv)))
    assert [int(r["step"]) for r in rows] == list(range(1, 21))
    # the resumed run drew the same patches and reached the same weights as the uninterrupted one
    np.testing.assert_allclose(
        [float(r["loss"]) for r in rows], [float(r["loss"]) for r in full_rows], rtol=1e-4, atol=1e-6
    )
    a, b = load_model(full.model_file), load_model(resumed.model_file)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-5)
    # a finished run resumes to nothing
    again = train(job, pairs, None, tmp_path / "cut", steps=20)
    assert again.resumed_from == 20 and again.steps == 20


def test_resume_from_a_checkpoint_without_rank_states(tmp_path):
    """A one-process checkpoint of the earlier layout (one ``sampler_rng``, no ``sampler_rngs`` nor
    ``world_size``) still resumes exactly; the layout written now carries every rank's generator."""
    pairs = [_faded_pair(1, 1), _faded_pair(2, 2)]
    job = _job(tmp_path, contact_sheet_interval=1000)
    full = train(job, pairs, None, tmp_path / "full", steps=12)
    assert full.world_size == 1

    def kill_at_7(step: int, total: int, loss: float) -> None:
        if step == 7:
            raise _Kill

    with pytest.raises(_Kill):
        train(job, pairs, None, tmp_path / "cut", steps=12, progress=kill_at_7)
    path = newest_checkpoint(tmp_path / "cut")
    assert path is not None and path.name == "ckpt_0000005.pt"
    state = torch.load(path, weights_only=True)
    assert state["world_size"] == 1 and len(state["sampler_rngs"]) == 1
    assert torch.equal(state["sampler_rngs"][0], state["sampler_rng"])
    for key in ("sampler_rngs", "world_size"):
        del state[key]
    torch.save(state, path)
    resumed = train(job, pairs, None, tmp_path / "cut", steps=12)
    assert resumed.resumed_from == 5
    a, b = load_model(full.model_file), load_model(resumed.model_file)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-5)


def test_gpu_bench_runs_on_cpu_tiny():
    stats = gpu_bench(
        pairs=2,
        height=40,
        width=48,
        patch=32,
        batch=2,
        model_size="small",
        train_steps=2,
        infer_iters=2,
        warmup=1,
    )
    assert stats["device"] in ("cpu",) or torch.cuda.is_available()
    assert stats["train_steps_per_s"]["fp32"] > 0 and stats["infer_fps"]["fp32"] > 0
    assert stats["patch"] == 32 and stats["parameters"] > 1000
