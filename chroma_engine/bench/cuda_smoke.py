"""The production path on a GPU: ``python -m chroma_engine.bench.cuda_smoke --out DIR [--size WxH]``.

Synthesises a severe shot and runs all five stages plus the QC report with ``device="cuda"``, so stage
04 takes the GPU layout (model in one thread, ACES2065-1 conversion on the GPU, half pixels to the
writer). Prints the stage metrics and the seconds per stage; checks every written frame opens and the
luma identity before encoding. Runs on CPU too (then it exercises the CPU layout). ``--half`` and
``--compile`` set the job's ``inference`` options (bfloat16 autocast, ``torch.compile``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    import torch

    from schemas import InferenceSpec

    from ..io import read_image, write_document, write_text_atomic
    from ..runner import run_job
    from ..synth import synthesize_shot

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", default="2048x1556")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--half", action="store_true", help="job.inference.half_precision")
    parser.add_argument("--compile", action="store_true", help="job.inference.compile")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    job = synthesize_shot(args.out / "shot", frames=args.frames, width=width, height=height, seed=2)
    if args.half or args.compile:
        spec = InferenceSpec(half_precision=args.half, compile=args.compile)
        job = job.model_copy(update={"inference": spec})
        write_document(args.out / "shot" / "job.json", job)  # the job on disk is the job that ran
    started = time.perf_counter()
    summary = run_job(job, steps=args.steps, device=device)
    seconds = time.perf_counter() - started
    output = summary.inference.output if summary.inference is not None else None
    if output is None:
        raise SystemExit("cuda smoke: stage 04 wrote no output sequence")
    frames = list(job.media.source.frames)
    written = [Path(job.project.root) / (output.printf_pattern() % f) for f in frames]
    opened = sum(1 for p in written if read_image(p).shape == (height, width, 3))
    record = {
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
        "size": [width, height],
        "frames": len(frames),
        "inference": job.inference.model_dump(),
        "frames_written_and_readable": opened,
        "seconds_all_stages": round(seconds, 2),
        "metrics": summary.metrics,
    }
    write_text_atomic(args.out / "cuda_smoke.json", json.dumps(record, indent=1) + "\n")
    print(json.dumps(record, indent=1))
    if opened != len(frames) or summary.metrics.get("ml_luma_max_abs_dY", 1.0) > 1e-3:
        raise SystemExit("cuda smoke: frames missing or luma identity broken")


if __name__ == "__main__":
    main()
