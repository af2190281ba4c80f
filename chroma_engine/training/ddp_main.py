"""``torchrun`` entry point of DDP training (see ``chroma_engine.training._ddp``).

    torchrun --standalone --nproc_per_node 2 -m chroma_engine.training.ddp_main --job JOB --steps 300

Every rank loads the curated pairs (curation + alignment must have run), trains its share, and rank 0
publishes the model into the training folder (``--out``; default: the newest unfinished training
version of the shot, else the next one, the same name on every rank).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _pairs(job):  # type: ignore[no-untyped-def]
    from chroma_engine.runner import ShotContext
    from chroma_engine.runner._prep_stages import load_pairs
    from chroma_engine.runner._render_stages import reference_pairs

    ctx = ShotContext.from_job(job)
    curation, alignment = ctx.load_curation(), ctx.load_alignment()
    loaded = load_pairs(ctx, curation, alignment, list(curation.training_frames))
    return ctx, reference_pairs(ctx, loaded)  # the temporal-mean input and blown highlights, as stage 3


def _out_dir(ctx) -> Path:  # type: ignore[no-untyped-def]
    from chroma_engine.io import existing_versions
    from chroma_engine.runner import MANIFEST_NAME

    base = ctx.shot_dir("training")
    versions = existing_versions(base)
    if versions and not (base / f"v{versions[-1]:03d}" / MANIFEST_NAME).exists():
        return base / f"v{versions[-1]:03d}"
    folder = base / f"v{(versions[-1] if versions else 0) + 1:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def main(argv: list[str] | None = None) -> dict:
    """Parse ``--job``/``--steps``/``--out``, train on this rank, print the rank's report as JSON."""
    import schemas
    from chroma_engine.training._ddp import ddp_train

    parser = argparse.ArgumentParser(prog="chroma_engine.training.ddp_main")
    parser.add_argument("--job", required=True, help="ShotJob JSON")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the job's)")
    parser.add_argument("--out", default=None, help="training version folder")
    args = parser.parse_args(argv)
    job = schemas.load_job(args.job)
    ctx, pairs = _pairs(job)
    out = Path(args.out) if args.out else _out_dir(ctx)
    report = ddp_train(job, pairs, out, steps=args.steps)
    # Every rank shares the launcher's stdout: one write of a whole line (under PIPE_BUF, so atomic on a
    # pipe) keeps the ranks' reports from interleaving, which print()'s separate newline did not.
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), ("ddp: " + json.dumps(report, sort_keys=True) + "\n").encode())
    return report


if __name__ == "__main__":
    main()
