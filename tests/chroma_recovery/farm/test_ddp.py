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
        "chroma_engine.training.ddp_main",
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
