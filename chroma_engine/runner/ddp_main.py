"""``torchrun`` entry point of DDP training (see ``chroma_engine.runner._ddp``).

    torchrun --standalone --nproc_per_node 2 -m chroma_engine.runner.ddp_main --job JOB --steps 300

Every rank loads the curated pairs (curation + alignment must have run), trains its share, and rank 0
publishes the model into the training folder (``--out``; default: the newest unfinished training
version of the shot, else the next one, chosen by rank 0). Each rank prints one line
``ddp: {json report}``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> dict:
    """Parse ``--job``/``--steps``/``--out``, train on this rank, print the rank's report as JSON."""
    import schemas
    from chroma_engine.runner import train_rank

    parser = argparse.ArgumentParser(prog="chroma_engine.runner.ddp_main")
    parser.add_argument("--job", required=True, help="ShotJob JSON")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the job's)")
    parser.add_argument("--out", default=None, help="training version folder")
    args = parser.parse_args(argv)
    job = schemas.load_job(args.job)
    report = dataclasses.asdict(train_rank(job, Path(args.out) if args.out else None, steps=args.steps))
    # Every rank shares the launcher's stdout: one write of a whole line (under PIPE_BUF, so atomic on a
    # pipe) keeps the ranks' reports from interleaving, which print()'s separate newline did not.
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), ("ddp: " + json.dumps(report, sort_keys=True) + "\n").encode())
    return report


if __name__ == "__main__":
    main()
