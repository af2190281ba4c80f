"""DDP training throughput on 1..N GPUs: ``python -m chroma_engine.bench.ddp_scaling --out DIR``.

Synthesises a severe 2048x1556 shot, runs curation and alignment once, then trains it with
``torchrun --nproc_per_node k -m chroma_engine.runner.ddp_main`` for each k in ``--gpus``. Every rank
draws its own batch of ``batch_size`` patches (effective batch = batch_size x k), so the figure that
scales is patches/s; steps/s per rank shows the synchronisation cost. Writes ``ddp.json``/``ddp.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from ._record import machine_info, write_result


def _prepare(work: Path, width: int, height: int, patch: int) -> Path:
    from chroma_engine.io import write_document
    from schemas import load_job

    from ..runner import ShotContext
    from ..runner._prep_stages import run_alignment, run_curation
    from ..synth import synthesize_shot

    synthesize_shot(work / "shot", frames=8, width=width, height=height, severity="severe", seed=2)
    job = load_job(work / "shot" / "job.json")
    training = job.training.model_copy(
        update={"patch_size": patch, "batch_size": 3, "checkpoint_interval": 10**6}
    )
    job = job.model_copy(update={"training": training})
    write_document(work / "shot" / "job.json", job)
    ctx = ShotContext.from_job(job)
    run_alignment(ctx, run_curation(ctx, count=4))
    return work / "shot" / "job.json"


def _run(job_file: Path, gpus: int, steps: int, out: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={gpus}",
        "-m",
        "chroma_engine.runner.ddp_main",
        "--job",
        str(job_file),
        "--steps",
        str(steps),
        "--out",
        str(out),
    ]
    env = dict(
        os.environ, NCCL_NVLS_ENABLE="0", TORCH_SYMM_MEM_DISABLE_MULTICAST="1", NVSHMEM_DISABLE_NVLS="1"
    )
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, check=False)
    reports = [json.loads(line[5:]) for line in done.stdout.splitlines() if line.startswith("ddp: ")]
    if done.returncode != 0 or not reports:
        raise RuntimeError(f"torchrun with {gpus} GPU(s) failed ({done.returncode}): {done.stderr[-2000:]}")
    return min(reports, key=lambda r: r["rank"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--gpus", default="1,2", help="comma-separated process counts")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="tiny CPU run (gloo)")
    args = parser.parse_args(argv)
    width, height, patch = (128, 96, 64) if args.quick else (2048, 1556, 512)
    work = args.out / "ddp_work"
    work.mkdir(parents=True, exist_ok=True)
    job_file = _prepare(work, width, height, patch)
    rows, results = [], {}
    for k in (int(v) for v in args.gpus.split(",")):
        report = _run(job_file, k, 20 if args.quick else args.steps, work / f"train_{k}" / "v001")
        results[k] = report
        rows.append([k, report["steps_per_second"], report["patches_per_second"], report["effective_batch"]])
        print(
            f"{k} process(es): {report['steps_per_second']} steps/s per rank, "
            f"{report['patches_per_second']} patches/s",
            flush=True,
        )
    base = results[min(results)]["patches_per_second"]
    for row in rows:
        row.append(round(row[2] / base, 3) if base else float("nan"))
    write_result(
        args.out,
        "ddp",
        {"machine": machine_info(), "size": [width, height], "patch": patch, "results": results},
        ["GPUs", "steps/s (per rank)", "patches/s", "effective batch", "scaling vs 1"],
        rows,
    )


if __name__ == "__main__":
    main()
