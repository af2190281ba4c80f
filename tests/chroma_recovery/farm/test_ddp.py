"""DDP training on CPU: ``torchrun --nproc_per_node 2`` with gloo on a tiny synthetic shot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import schemas
from chroma_recovery.farm import bind_job, run_prepare

from .conftest import REPO


def test_torchrun_two_ranks_gloo(shot: Path) -> None:
    data = json.loads(shot.read_text())
    data["training"]["device"] = "ddp"
    shot.write_text(json.dumps(data))
    job = bind_job(shot)
    run_prepare(job)
    out = shot.parent / "pipeline" / "03_copycat_training" / "sh010" / "v001"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += [
        "-m",
        "chroma_engine.runner.ddp_main",
        "--job",
        str(shot),
        "--steps",
        "20",
        "--out",
        str(out),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads(line[5:]) for line in result.stdout.splitlines() if line.startswith("ddp: ")]
    assert sorted(r["rank"] for r in reports) == [0, 1]
    assert all(r["world"] == 2 and r["device"] == "cpu" for r in reports)
    assert all(r["effective_batch"] == 2 * job.training.batch_size for r in reports)
    assert all(r["steps"] == 20 and r["steps_per_second"] > 0 for r in reports)
    # rank 0 alone wrote: one checkpoint at the last step, the model, the manifest (last)
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["ckpt_0000020.pt"]
    manifest = schemas.load_manifest(out / "_manifest.json")
    assert manifest.stage == "training" and manifest.metrics["world_size"] == 2.0
    assert {f.name for f in manifest.files} >= {"model.pt", "loss.csv"}
    from chroma_engine.runner import ShotContext, latest_model
    from chroma_engine.training import load_model, restore_frame

    ctx = ShotContext.from_job(job)
    assert latest_model(ctx) == out / "model.pt"
    frame = ctx.source.read(1001)
    restored = restore_frame(load_model(out / "model.pt"), frame)
    assert restored.shape == frame.shape and np.isfinite(restored).all()


def test_killed_ddp_run_resumes_from_its_checkpoint(shot: Path) -> None:
    data = json.loads(shot.read_text())
    data["training"]["device"] = "ddp"
    data["training"]["checkpoint_interval"] = 5
    shot.write_text(json.dumps(data))
    job = bind_job(shot)
    run_prepare(job)
    out = shot.parent / "pipeline" / "03_copycat_training" / "sh010" / "v001"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}

    def torchrun(steps: int) -> list[dict]:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
        command += ["-m", "chroma_engine.runner.ddp_main", "--job", str(shot), "--steps", str(steps)]
        result = subprocess.run(
            command + ["--out", str(out)], capture_output=True, text=True, env=env, timeout=240
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return [json.loads(line[5:]) for line in result.stdout.splitlines() if line.startswith("ddp: ")]

    first = torchrun(10)
    assert all(r["resumed_from"] is None for r in first)
    # a kill after the step-10 checkpoint: checkpoints stay, the outputs written at the end do not
    for name in ("_manifest.json", "model.pt"):
        (out / name).unlink()
    import torch

    saved = torch.load(out / "checkpoints" / "ckpt_0000010.pt", weights_only=True)
    assert len(saved["sampler_rngs"]) == 2 and "optimizer" in saved and saved["world_size"] == 2
    second = torchrun(20)
    assert sorted(r["rank"] for r in second) == [0, 1]
    assert all(r["resumed_from"] == 10 and r["steps"] == 20 for r in second)
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["ckpt_0000005.pt", "ckpt_0000010.pt", "ckpt_0000015.pt", "ckpt_0000020.pt"]
    final = torch.load(out / "checkpoints" / "ckpt_0000020.pt", weights_only=True)
    steps = [row["step"] for row in final["history"]]
    assert steps == sorted(steps) and steps[-1] == 20 and 10 in steps  # history carried on, not restarted
    assert schemas.load_manifest(out / "_manifest.json").stage == "training"
