"""Stage 3 over several GPUs (or CPU processes): ``torchrun`` ranks running the one training loop.

Selected by ``training.device == "ddp"`` (``chroma-recovery farm task --step train`` launches it)::

    torchrun --standalone --nproc_per_node N -m chroma_engine.runner.ddp_main --job JOB --steps S

Every rank reads the curated pairs as a local run does (``training_set``) and runs ``train`` with its
``DistributedContext`` (``chroma_engine.training``: per-rank patches, averaged gradients, effective
batch ``batch_size x N``, rank 0 alone writes). Rank 0 then publishes the training version as a local
run does (``publish_training``: ``model.pt`` and ``_manifest.json`` last, so ``latest_model`` and the
Infer step find it). A killed run (checkpoints, no manifest) resumes from its newest checkpoint with
every rank's patch generator.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from schemas import ShotJob

from .._errors import TrainingError
from ..io import write_document
from ._context import ShotContext, write_json
from ._manifest import now
from ._prep_stages import training_set
from ._render_stages import latest_model, publish_training, training_folder

#: The ``torchrun`` entry module.
DDP_MODULE = "chroma_engine.runner.ddp_main"


@dataclass(frozen=True)
class RankReport:
    """What one rank did (printed by ``ddp_main`` as one ``ddp: {...}`` line per rank)."""

    rank: int
    world: int
    steps: int
    resumed_from: int | None
    seconds: float
    steps_per_second: float
    effective_batch: int
    device: str
    patches_per_second: float


def train_rank(job: ShotJob, out: Path | None = None, steps: int | None = None) -> RankReport:
    """Join the ``torchrun`` group, train this rank's share into ``out`` (default: the newest
    unfinished training version, else a new one, chosen by rank 0), publish on rank 0."""
    from ..training import init_distributed, train

    ranks = init_distributed()
    try:
        started = now()
        ctx = ShotContext.from_job(job)
        curated = training_set(ctx, ctx.load_curation(), ctx.load_alignment())
        folder = Path(ranks.broadcast(str((out or training_folder(ctx)).resolve()) if ranks.writes else None))
        result = train(
            job, curated.pairs, curated.preview, folder, steps=steps, resume=True, distributed=ranks
        )
        report = RankReport(
            rank=ranks.rank,
            world=ranks.world_size,
            steps=result.steps,
            resumed_from=result.resumed_from,
            seconds=result.seconds,
            steps_per_second=result.steps_per_second,
            effective_batch=result.batch_size * ranks.world_size,
            device=result.device,
            patches_per_second=result.patches_per_second,
        )
        if ranks.writes:
            stats = write_json(folder / "ddp.json", dataclasses.asdict(report))
            publish_training(ctx, folder, result, started, extra_files=[stats])
        ranks.barrier()  # the version is published before any rank reports success
    finally:
        ranks.close()
    return report


def launch_ddp(
    job: ShotJob, steps: int | None = None, nproc: int | None = None, job_file: str | None = None
) -> Path:
    """Run ``torchrun`` over ``nproc`` processes (default: every visible GPU); returns ``model.pt``."""
    import torch

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
    command += ["--standalone", "--nproc_per_node", str(count), "-m", DDP_MODULE, "--job", job_file]
    command += ["--out", str(out)]
    if steps is not None:
        command += ["--steps", str(steps)]
    if shutil.which(command[0]) is None and not Path(command[0]).is_file():
        raise TrainingError(f"{command[0]}: not found", hint="install torch (it provides torchrun)")
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise TrainingError(f"torchrun exited with status {result.returncode}", hint="see the log above")
    return latest_model(ShotContext.from_job(job))
