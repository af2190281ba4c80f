"""The GPU targets with the job's default settings: ``python -m chroma_engine.bench.gpu_defaults --out DIR``.

With ``inference`` left at its defaults (``auto``: half precision and ``torch.compile`` where they
are measured safe on the shot's first frame, ``chroma_engine.training.plan_inference``), at 2048x1556:

1. time to quality: the 4-pair severe synthetic shot trained with the synthetic job's settings,
   scored on held-out frames at the steps of ``--schedule`` (finer early, where the curve moves);
   the time is training only, as ``bench gpu`` counts it, and the preparation before it is recorded
   beside it;
2. the model alone, frames/s, as ``auto`` chose to run it (and plain float32 beside it);
3. end to end (read, temporal mean, model, ACES2065-1, write half DWAA) against EXR read+write alone,
   alternating passes, best of each (as ``bench gpu``).

Writes ``gpu_defaults.json`` and ``gpu_defaults.md``; ``--quick`` shrinks everything for a CPU test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._record import machine_info, write_result
from ._throughput import (
    alternating_passes,
    model_alone_fps,
    write_test_sequence,
)

#: Steps at which time to quality is scored (the last is replaced by ``--steps``).
SCHEDULE = (1, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4000)
TARGETS = {"model_alone_fps": 110.0, "end_to_end_over_read_write": 0.95, "time_to_quality_s": 20.0}


def heldout_de00(shot: Path, frames: list[int], model: object, autocast: str | None, device: str) -> float:
    """Mean dE00 to TRUTH of the held-out ``frames`` of the shot in ``shot``, restored whole."""
    import numpy as np

    from schemas import load_job

    from ..metrics import delta_e00
    from ..runner import ShotContext
    from ..runner._prep_stages import model_input
    from ..training import restore_frame

    ctx = ShotContext.from_job(load_job(shot / "job.json"))
    inputs = model_input(ctx)
    scores = []
    for frame in frames:
        scan, mean = inputs(frame)
        size = max(scan.shape[:2])  # whole (a compiled model is compiled for the whole frame)
        out = restore_frame(model, mean, device=device, autocast=autocast, luma_from=scan, tile=size)  # type: ignore[arg-type]
        scores.append(delta_e00(out, ctx.truth.read(frame)))  # type: ignore[union-attr]
    return float(np.mean(scores))


def _inference(args: argparse.Namespace, model_path: str, device: str, width: int, height: int) -> dict:
    from schemas import InferenceSpec

    from ..io import read_image
    from ..training import load_model, plan_inference

    work = args.work
    frames = 4 if args.quick else args.frames
    model = load_model(model_path, device=device)
    pattern = write_test_sequence(work, frames, height, width)
    frame = read_image(pattern % 1)
    started = time.perf_counter()
    plan = plan_inference(model, InferenceSpec(), frame)  # the job defaults: auto, auto
    plan_seconds = time.perf_counter() - started
    repeats = 5 if args.quick else 50
    alone = {
        f"job defaults ({plan.describe()})": model_alone_fps(
            plan.model, frame, device, repeats, plan.autocast
        ),
        "float32, plain model": model_alone_fps(model, frame, device, repeats),
    }
    layouts = {
        "job defaults, temporal 3": (plan.model, plan.autocast, 3),
        "float32 plain, temporal 3": (model, None, 3),
        "job defaults, single frames": (plan.model, plan.autocast, 0),  # what the temporal mean costs
    }
    measured = alternating_passes(
        pattern, work, frames, device, layouts, repeats=2 if args.quick else args.passes
    )
    best = {**{f"read+write {k}": v for k, v in measured.read_write.items()}, **measured.end_to_end}
    passes = measured.passes
    read_write = max(v for k, v in best.items() if k.startswith("read+write"))
    held = getattr(args, "held_frames", None)
    quality = {}
    if held:  # the same held-out frames as time to quality, with the chosen way and with float32
        shot = args.work / "shot"
        quality = {
            "job defaults": heldout_de00(shot, held, plan.model, plan.autocast, device),
            "float32 plain": heldout_de00(shot, held, model, None, device),
        }
    return {
        "heldout_de00": quality,
        "plan": plan.describe(),
        "plan_seconds": plan_seconds,
        "plan_trials": [t.__dict__ for t in plan.trials],
        "plan_warning": plan.warning,
        "model_alone_fps": alone,
        "best_fps": best,
        "read_write_fps": read_write,
        "end_to_end_over_read_write": best["job defaults, temporal 3"] / read_write,
        "passes": passes,
        "frames": frames,
    }


def main(argv: list[str] | None = None) -> None:
    import torch

    from .gpu import _time_to_quality

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CPU smoke test)")
    parser.add_argument("--steps", type=int, default=4000, help="training steps of the time-to-quality run")
    parser.add_argument("--frames", type=int, default=64, help="frames of the end-to-end passes")
    parser.add_argument("--passes", type=int, default=3, help="alternating passes (best of each is kept)")
    parser.add_argument("--work", type=Path, help="scratch folder for shots and frames (default OUT/work)")
    parser.add_argument("--skip-training", action="store_true", help="inference only, an untrained model")
    args = parser.parse_args(argv)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    width, height = (160, 128) if args.quick else (2048, 1556)
    work = args.work = args.work or args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    data: dict[str, object] = {"machine": machine_info(), "device": device, "size": [width, height]}
    rows: list[list[object]] = []
    if args.skip_training:
        from ..training import build_model, export_torchscript

        model_path = str(export_torchscript(build_model("small"), work / "untrained.pt"))
    else:
        steps = 20 if args.quick else args.steps
        schedule = [s for s in SCHEDULE if s < steps]
        ttq = _time_to_quality(work, width, height, steps, 10, device, schedule=schedule)
        model_path = ttq["model_path"]
        args.held_frames = ttq["held_frames"]
        data["training"] = ttq
        rows += [
            ["time to within 5% of final held-out dE00 (s, training only)", ttq["time_to_within_5pct_s"]],
            ["steps to within 5%", ttq["steps_to_within_5pct"]],
            [
                "preparation before training (s: curation, alignment, pairs, temporal input)",
                ttq["prep_seconds"],
            ],
            *[[f"  of which {k} (s)", v] for k, v in ttq["prep_phases"].items()],
            [
                f"first training call (s: start fit, {ttq['curve'][0]['steps']} step(s), exports, preview)",
                ttq["first_training_call"]["seconds"],
            ],
            ["final held-out dE00 (ML)", ttq["final_heldout_de00"]],
            ["held-out dE00 of the MatchGrade LUT", ttq["lut_heldout_de00"]],
            ["training steps/s", ttq["steps_per_second"]],
        ]
        print(
            f"time to quality {ttq['time_to_within_5pct_s']:.1f}s (prep {ttq['prep_seconds']:.1f}s)",
            flush=True,
        )
    inference = _inference(args, model_path, device, width, height)
    data["inference"] = inference
    data["targets"] = TARGETS
    rows += [
        [f"inference auto chose (measured in {inference['plan_seconds']:.1f}s)", inference["plan"]],
        *[[f"model alone fps, {k} ({width}x{height})", v] for k, v in inference["model_alone_fps"].items()],
        *[[f"best fps, {k}", v] for k, v in inference["best_fps"].items()],
        ["end to end (job defaults) / EXR read+write", inference["end_to_end_over_read_write"]],
        *[[f"held-out dE00, {k} (whole frames)", v] for k, v in inference["heldout_de00"].items()],
    ]
    write_result(args.out, "gpu_defaults", data, ["measure", "value"], rows)
    for row in rows:
        print(f"{row[0]}: {row[1] if isinstance(row[1], str) else f'{row[1]:.3f}'}", flush=True)


if __name__ == "__main__":
    main()
