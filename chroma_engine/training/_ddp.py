"""Data-parallel training of the shot model over several GPUs (or CPU processes) with ``torchrun``.

Selected by ``training.device == "ddp"`` (``chroma-recovery farm task --step train`` launches it)::

    torchrun --standalone --nproc_per_node N -m chroma_engine.training.ddp_main --job JOB --steps S

- Backend: NCCL on CUDA (rank r uses ``cuda:LOCAL_RANK``), gloo on CPU.
- Each rank samples its own patches (``PatchSampler`` seeded ``training.seed + rank``); DDP averages the
  gradients, so one optimiser step sees ``batch_size x world_size`` patches: the EFFECTIVE BATCH grows
  with the number of GPUs while the learning rate and step count stay the job's. ``S`` steps on N GPUs
  therefore see N times the patches of ``S`` steps on one.
- Only rank 0 writes: checkpoints, ``loss.csv``/``loss.png``, the model and TorchScript exports, and the
  training stage's ``model.pt`` + ``_manifest.json`` (the layout ``run_training`` writes, so
  ``latest_model`` and the Infer step find it). Every rank reports its steps/s; rank 0 prints the sum.
- Resume: a killed run (its folder has checkpoints but no manifest) continues from the newest checkpoint:
  weights, optimiser, schedule, loss history and every rank's patch generator (gathered into rank 0's
  checkpoints); with another world size the ranks draw fresh patches.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from schemas import ShotJob

from .._errors import TrainingError
from ..io import write_document
from ._checkpoints import LoadedCheckpoint
from ._model import ChromaNet


class _ChromaHead(nn.Module):
    """Routes ``forward`` to ``ChromaNet.chroma`` so DDP's gradient hooks see the training call."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.chroma(x)  # type: ignore[operator]


def _setup() -> tuple[int, int, torch.device]:
    import torch.distributed as dist

    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local = int(os.environ.get("LOCAL_RANK", 0))
    cuda = torch.cuda.is_available() and os.environ.get("CHROMA_DDP_CPU") != "1"
    if cuda:
        torch.cuda.set_device(local)
    dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)
    return rank, world, torch.device(f"cuda:{local}") if cuda else torch.device("cpu")


def ddp_train(job: ShotJob, pairs: list[Any], out_dir: Path, steps: int | None = None) -> dict[str, Any]:
    """The DDP loop on this rank; returns its report (rank, world, steps, seconds, steps/s, ...)."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from ._checkpoints import load_checkpoint
    from ._model import build_model
    from ._patches import PatchSampler, effective_patch, masked_l1
    from ._train import LUT_LR_SCALE, _lr_lambda, _save, checkpoint_path, init_global_lut
    from ._truth import flat_mask

    rank, world, dev = _setup()
    cfg = job.training
    total = int(steps if steps is not None else cfg.total_steps)
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank (DDP also broadcasts them)
    model = build_model(cfg.model_size).to(dev)
    # Same data and start as train(): flat-region masks, global LUT from the closed-form fit.
    usable = [p.mask for p in pairs]
    whole = pairs  # the start fits every usable pixel (see train)
    pairs = [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
    if cfg.initial_weights:
        from ._train import _initial_state

        model.load_state_dict(_initial_state(cfg.initial_weights, job)["model_state"])
    else:
        init_global_lut(model, whole, usable)  # deterministic, so every rank starts alike
    head = DistributedDataParallel(_ChromaHead(model), device_ids=[dev.index] if dev.type == "cuda" else None)
    groups: list[dict[str, Any]] = [
        {"params": [p for n, p in model.named_parameters() if n not in ("lut", "field")]},
        {"params": [model.lut, model.field], "lr": cfg.learning_rate * LUT_LR_SCALE},
    ]
    optimizer = torch.optim.Adam(groups, lr=cfg.learning_rate)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(total))
    sampler = PatchSampler(pairs, effective_patch(cfg.patch_size, pairs), dev, cfg.seed + rank)
    history: list[dict[str, Any]] = []
    start = _resume(load_checkpoint(out_dir), model, optimizer, scheduler, sampler, rank, world, history)
    started = time.perf_counter()
    rngs: list[Any] = []
    for step in range(start + 1, total + 1):
        src, tgt, mask = sampler.sample(cfg.batch_size)
        loss = masked_l1(head(src), tgt, mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if rank == 0 and (step % 25 == 0 or step == total):
            value = float(loss.detach())
            if not math.isfinite(value):
                raise TrainingError(f"DDP training diverged at step {step} (loss {value})")
            history.append(
                {
                    "step": step,
                    "loss": value,
                    "lr": float(scheduler.get_last_lr()[0]),
                    "seconds": time.perf_counter() - started,
                    "preview_l1": None,
                }
            )
        if step % cfg.checkpoint_interval == 0 or step == total:
            # every rank's patch generator, so a resumed run draws the patches an unbroken one would
            rngs = [None] * world
            dist.all_gather_object(rngs, sampler.state())
        if rank == 0 and (step % cfg.checkpoint_interval == 0 or step == total):
            _save(
                checkpoint_path(out_dir, step),
                {
                    "format": "chroma-recovery/ChromaNet/1",
                    "model_config": model.config(),  # type: ignore[operator]
                    "model_size": cfg.model_size,
                    "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "sampler_rngs": rngs,
                    "step": step,
                    "total_steps": total,
                    "world_size": world,
                    "history": history,
                },
            )
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    seconds = time.perf_counter() - started
    ran = total - start
    speed = torch.tensor([ran / seconds if seconds > 0 else 0.0], dtype=torch.float64, device=dev)
    dist.all_reduce(speed)  # sum of per-rank steps/s (each rank runs the same number of steps)
    report = {
        "rank": rank,
        "world": world,
        "steps": total,
        "resumed_from": start or None,
        "seconds": round(seconds, 3),
        "steps_per_second": round(ran / seconds, 3) if seconds > 0 and ran > 0 else 0.0,
        "effective_batch": cfg.batch_size * world,
        "device": str(dev),
        "patches_per_second": round(float(speed.item()) * cfg.batch_size, 1),
    }
    if rank == 0:
        _publish(job, model, out_dir, history, report)
    dist.barrier()
    dist.destroy_process_group()
    return report


def _resume(
    latest: LoadedCheckpoint | None,
    model: ChromaNet,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    sampler: Any,
    rank: int,
    world: int,
    history: list[dict[str, Any]],
) -> int:
    """Continue from the newest checkpoint of a killed run (the folder has no manifest); returns its step.

    Weights, optimizer, schedule and loss history come back on every rank. Each rank's patch generator
    comes back too when the world size is unchanged; with another world size the ranks draw fresh
    patches (seeded by step and rank), which changes the patches but not the optimisation.
    """
    if latest is None:  # no checkpoint, or none that loads (damaged ones are reported and skipped)
        return 0
    state = latest.state
    model.load_state_dict(state["model_state"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    step = int(state["step"])
    rngs = state.get("sampler_rngs") or []
    if int(state.get("world_size", 0)) == world and len(rngs) == world:
        sampler.set_state(rngs[rank])
    else:
        sampler.generator.manual_seed(int(step) * 1000 + rank)
    history.extend(row for row in state.get("history", []) if row["step"] <= step)
    return step


def _publish(
    job: ShotJob, model: nn.Module, out_dir: Path, history: list[dict[str, Any]], report: dict
) -> None:
    """Rank 0: loss files, model exports, ``model.pt`` and the training manifest (written last)."""
    from ..runner import ShotContext, write_manifest
    from ..runner._context import write_json
    from ..runner._manifest import now
    from ._checkpoints import newest_checkpoint
    from ._inference import export_torchscript
    from ._report import write_loss_csv, write_loss_png

    csv = write_loss_csv(out_dir / "loss.csv", history)
    png = write_loss_png(out_dir / "loss.png", history, title=f"{job.project.name} {job.shot.name} (DDP)")
    script = export_torchscript(model, out_dir / "model.pt")
    stats = write_json(out_dir / "ddp.json", report)
    ckpt = newest_checkpoint(out_dir)
    files = [p for p in (script, ckpt, csv, png, stats) if p is not None and p.exists()]
    metrics = {
        "steps": float(report["steps"]),
        "seconds": float(report["seconds"]),
        "world_size": float(report["world"]),
        "effective_batch": float(report["effective_batch"]),
    }
    ctx = ShotContext.from_job(job)
    write_manifest(ctx, "training", out_dir, int(out_dir.name[1:]), files, now(), metrics=metrics)


def launch_ddp(
    job: ShotJob, steps: int | None = None, nproc: int | None = None, job_file: str | None = None
) -> Path:
    """Run ``torchrun`` over ``nproc`` processes (default: every visible GPU); returns ``model.pt``."""

    from ..runner import ShotContext, latest_model
    from ..runner._render_stages import training_folder

    count = nproc or torch.cuda.device_count()
    if count < 1:
        raise TrainingError(
            "training.device is 'ddp' but no GPU is visible", hint="use device 'auto' or 'cpu'"
        )
    out = training_folder(ShotContext.from_job(job))
    if job_file is None:  # the job as this process sees it (a farm task may have re-rooted it)
        job_file = str(out / "ddp_job.json")
        write_document(job_file, job)
    torchrun = Path(sys.executable).parent / "torchrun"
    command = [str(torchrun)] if torchrun.is_file() else [sys.executable, "-m", "torch.distributed.run"]
    command += [
        "--standalone",
        "--nproc_per_node",
        str(count),
        "-m",
        "chroma_engine.training.ddp_main",
        "--job",
        job_file,
        "--out",
        str(out),
    ]
    if steps is not None:
        command += ["--steps", str(steps)]
    if shutil.which(command[0]) is None and not Path(command[0]).is_file():
        raise TrainingError(f"{command[0]}: not found", hint="install torch (it provides torchrun)")
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise TrainingError(f"torchrun exited with status {result.returncode}", hint="see the log above")
    return latest_model(ShotContext.from_job(job))
