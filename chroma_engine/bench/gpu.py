"""All GPU numbers in one process: ``python -m chroma_engine.bench.gpu --out DIR`` (on the GPU machine).

1. Training: steps/s and time-to-quality for a 4-pair severe synthetic shot at 2048x1556, patch 512,
   batch 3. Training runs in chunks; after each chunk the held-out frames are restored and scored
   (mean CIEDE2000 vs TRUTH); time-to-quality = wall time (training only) until the held-out dE00 is
   within 5 % of the final value.
2. Inference at 2048x1556: model alone (fp32 / bf16 / fp16, resident frame), end to end with EXR I/O
   (read, restore, OCIO to ACES2065-1, write half DWAA, pipelined) vs EXR read+write alone.
Writes ``gpu.json`` and ``gpu.md``. ``--quick`` shrinks everything so the script is testable on a CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..logs import project_levels
from ._record import PhaseClock, machine_info, write_result
from ._throughput import (
    alternating_passes,
    end_to_end_fps,
    io_only_fps,
    model_alone_fps,
    write_test_sequence,
)


class _Lines(logging.Handler):
    """Collects the messages it is given, each with its seconds since the handler was made."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.t0 = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{time.perf_counter() - self.t0:7.2f}s {record.getMessage()}")


@contextlib.contextmanager
def _log_times() -> Iterator[list[str]]:
    """The engine's log lines within the block, with their times: where a training call's time goes
    (the start fit logs its least-squares fit, blur search and refit)."""
    handler = _Lines()
    logger = logging.getLogger("chroma_engine")
    logger.addHandler(handler)
    try:
        with project_levels(logging.INFO):
            yield handler.lines
    finally:
        logger.removeHandler(handler)


def _time_to_quality(
    out: Path,
    width: int,
    height: int,
    total_steps: int,
    chunk: int,
    device: str,
    schedule: Sequence[int] = (),
) -> dict:
    """Train in chunks (every ``chunk`` steps, or at the steps of ``schedule``), scoring the held-out
    frames after each; ``prep_seconds`` is the time from the job to the first training call (curation,
    alignment, pairs, temporal input)."""
    from schemas import load_job

    from ..metrics import delta_e00
    from ..runner import ShotContext
    from ..runner._prep_stages import load_pairs, model_input, reference_pairs, run_alignment, run_curation
    from ..synth import synthesize_shot
    from ..training import restore_frame, train

    synthesize_shot(out / "shot", frames=12, width=width, height=height, severity="severe", seed=1)
    job = load_job(out / "shot" / "job.json")
    job = job.model_copy(
        update={
            "training": job.training.model_copy(
                update={
                    "patch_size": 512 if min(width, height) >= 600 else 128,
                    "batch_size": 3,
                    "checkpoint_interval": chunk,
                    "contact_sheet_interval": 10 * chunk,
                    "device": device,
                }
            )
        }
    )
    clock = PhaseClock()
    ctx = ShotContext.from_job(job)
    curation = run_curation(ctx, count=4)
    clock.lap("curation")
    alignment = run_alignment(ctx, curation)
    clock.lap("alignment")
    frames = [*curation.training_frames, curation.preview_frame]
    loaded = load_pairs(ctx, curation, alignment, frames)
    clock.lap("load pairs")
    inputs = model_input(ctx, known={p.frame: p.source for p in loaded})  # as stage 3/4
    pairs = reference_pairs(ctx, loaded, inputs)
    clock.lap("reference pairs (temporal input)")
    phases = {name: lap["wall_s"] for name, lap in clock.phases.items()}
    prep_seconds = float(sum(phases.values()))
    held = [f for f in job.media.source.frames if f not in curation.training_frames][::3][:3]
    truths = {f: ctx.truth.read(f) for f in held}  # type: ignore[union-attr]
    sources = {f: inputs(f) for f in held}
    curve: list[dict[str, float]] = []
    train_seconds, steps_done = 0.0, 0
    first_call: dict[str, object] = {}
    folder = out / "train"
    result = None
    stops = sorted({s for s in schedule if 0 < s < total_steps} | {total_steps}) if schedule else []
    while steps_done < total_steps:
        steps_done = stops.pop(0) if stops else min(total_steps, steps_done + chunk)
        started = time.perf_counter()
        with _log_times() if not curve else contextlib.nullcontext() as lines:  # the first call's phases
            result = train(job, pairs[:-1], pairs[-1], folder, steps=steps_done, device=device, resume=True)
        train_seconds += time.perf_counter() - started
        if lines is not None:
            first_call = {"seconds": time.perf_counter() - started, "log": lines}
        model = result.model if hasattr(result, "model") else None
        if model is None:
            from ..training import load_model

            model = load_model(result.torchscript, device=device)
        scores = [
            delta_e00(restore_frame(model, sources[f][1], device=device, luma_from=sources[f][0]), truths[f])
            for f in held
        ]
        curve.append(
            {"steps": steps_done, "train_seconds": train_seconds, "heldout_de00": float(np.mean(scores))}
        )
    final = curve[-1]["heldout_de00"]
    from ..colour import recombine
    from ..matchgrade import fit_lut
    from ..training import median_clean

    lut = fit_lut(
        [p.source for p in loaded[:-1]],
        [median_clean(p.reference, job.reference_cleanup.median_size) for p in loaded[:-1]],
        [p.mask for p in loaded[:-1]],
        size=job.matchgrade.lut_size,
        log=True,
    )
    lut_de = float(
        np.mean([delta_e00(recombine(sources[f][0], lut.apply(sources[f][0])), truths[f]) for f in held])
    )
    reached = next(c for c in curve if c["heldout_de00"] <= 1.05 * final)
    return {
        "steps_per_second": total_steps / train_seconds if train_seconds else float("nan"),
        "final_heldout_de00": final,
        "lut_heldout_de00": lut_de,
        "ml_over_lut": final / lut_de if lut_de else float("nan"),
        "time_to_within_5pct_s": reached["train_seconds"],
        "prep_seconds": prep_seconds,
        "prep_phases": phases,
        "first_training_call": first_call,
        "held_frames": held,
        "steps_to_within_5pct": reached["steps"],
        "curve": curve,
        "model_path": str(result.torchscript) if result else "",
        "patch": job.training.patch_size,
        "batch": job.training.batch_size,
    }


def _pipeline_sweep(args: argparse.Namespace) -> None:
    """End to end fps per pipeline layout (workers in threads, or the model in one thread) vs read+write."""
    import torch

    from ..io import read_image
    from ..training import build_model

    device = "cuda" if torch.cuda.is_available() else "cpu"
    width, height, frames = (160, 128, 4) if args.quick else (2048, 1556, args.frames)
    work = args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    model = build_model("small").to(device).eval()
    pattern = write_test_sequence(work, frames, height, width)
    alone = model_alone_fps(model, read_image(pattern % 1), device, repeats=5 if args.quick else 30)
    rows: list[list[object]] = [["model alone fp32", alone]]
    rw = {
        f"x{w} {'half' if half else 'float'} depth {d}": io_only_fps(
            pattern, work / f"rw_{w}_{half}_{d}", frames, workers=w, colour=False, half=half, depth=d
        )
        for w, half, d in ((16, False, 16), (16, True, 16), (16, True, 32), (32, True, 32))
    }
    rows += [[f"read+write only {k}", v] for k, v in rw.items()]
    from ..training import export_torchscript, load_model

    scripted = load_model(export_torchscript(model, work / "scripted.pt"), device=device)
    layouts = [
        ("eager", False, 16, 16),
        ("TorchScript", False, 16, 16),
        ("eager", True, 16, 32),
        ("TorchScript", True, 16, 32),
        ("eager", True, 32, 32),
        ("eager", True, 32, 64),
    ]
    e2e = {}
    for kind, ordered, workers, depth in layouts:
        name = f"{kind} {'model in one thread' if ordered else 'frame workers'} x{workers} depth {depth}"
        e2e[name] = end_to_end_fps(
            scripted if kind == "TorchScript" else model,
            pattern,
            work / f"e2e_{kind}_{int(ordered)}_{workers}_{depth}",
            frames,
            device,
            workers=workers,
            ordered=ordered,
            depth=depth,
        )
        rows.append([f"end to end {name}", e2e[name]])
    best = max(rw.values())
    rows += [[f"e2e / read+write: {k}", v / best] for k, v in e2e.items()]
    data = {
        "machine": machine_info(),
        "device": device,
        "size": [width, height],
        "frames": frames,
        "model_alone_fps": alone,
        "read_write_fps": rw,
        "end_to_end_fps": e2e,
    }
    write_result(args.out, "pipeline_sweep", data, ["measure", "value"], rows)
    for row in rows:
        print(f"{row[0]}: {float(row[1]):.3f}", flush=True)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CPU smoke test)")
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument(
        "--pipeline-sweep",
        action="store_true",
        help="inference only: an untrained model through each pipeline layout (weights do not change speed)",
    )
    args = parser.parse_args(argv)
    if args.pipeline_sweep:
        _pipeline_sweep(args)
        return
    device = "cuda" if torch.cuda.is_available() else "cpu"
    width, height = (160, 128) if args.quick else (2048, 1556)
    steps, chunk, frames = (40, 20, 4) if args.quick else (args.steps, args.chunk, args.frames)
    work = args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    ttq = _time_to_quality(work, width, height, steps, chunk, device)
    print(
        f"training: {ttq['steps_per_second']:.1f} steps/s, "
        f"final held-out dE00 {ttq['final_heldout_de00']:.3f}, "
        f"within 5 % after {ttq['time_to_within_5pct_s']:.1f}s",
        flush=True,
    )

    from ..io import read_image
    from ..training import load_model
    from ..training._inference import compile_for_frames

    model = load_model(ttq["model_path"], device=device)
    pattern = write_test_sequence(work, frames, height, width)
    frame = read_image(pattern % 1)
    repeats = 5 if args.quick else 50
    precisions = (None, "bf16", "fp16")
    alone = {p or "fp32": model_alone_fps(model, frame, device, repeats, autocast=p) for p in precisions}
    # job.inference.compile: torch.compile once per shot (compile_for_frames), timed separately.
    compiled = {}
    compile_seconds: dict[str, float] = {}
    for p in (None, "bf16"):
        started = time.perf_counter()
        compiled[p] = compile_for_frames(model, height, width, p)
        compile_seconds[f"compiled {p or 'fp32'}"] = time.perf_counter() - started
        alone[f"compiled {p or 'fp32'}"] = model_alone_fps(compiled[p], frame, device, repeats, autocast=p)
    # Same pipeline and the same worker counts for both; the best of each is compared.
    io_by_workers = {16: io_only_fps(pattern, work / "io_only_16", frames, workers=16)}
    # The target's baseline: pure EXR read + write, no colour conversion at all. End to end runs the
    # production layout (``run_inference`` on CUDA: the model in one thread, 16 reader/encoder
    # threads, 32 frames in flight, cuDNN's default algorithms) with each ``job.inference`` setting.
    # Host load drifts (measured: the same pass 13-18 fps from run to run, and 14.3-18.1 fps on one
    # host), so all are measured in alternation, three times, and the best of each is compared;
    # every pass is kept in the record.
    # name: (model, autocast, temporal radius); all with the model in one thread, x16, depth 32. The
    # job default reads 7 frames per output frame (training.temporal_radius 3: the flows and warps of
    # the temporal mean run in the reader threads); radius 0 is the single-frame render.
    layouts = {
        "fp32, temporal 3 (job default)": (model, None, 3),
        "fp32, single frames": (model, None, 0),
        "compiled bf16, temporal 3 (half_precision + compile)": (compiled["bf16"], "bf16", 3),
        "compiled bf16, single frames": (compiled["bf16"], "bf16", 0),
    }
    measured = alternating_passes(pattern, work, frames, device, layouts, repeats=3)
    rw_by_workers, e2e, passes = measured.read_write, measured.end_to_end, measured.passes
    io_fps = max(io_by_workers.values())
    rw_fps = max(rw_by_workers.values())
    best_e2e = max(e2e.values())
    data = {
        "machine": machine_info(),
        "device": device,
        "size": [width, height],
        "training": ttq,
        "inference_model_alone_fps": alone,
        "compile_seconds": compile_seconds,
        "io_only_fps": io_fps,
        "io_only_fps_by_workers": io_by_workers,
        "end_to_end_fps": e2e,
        "read_write_only_fps": rw_fps,
        "read_write_only_fps_by_workers": rw_by_workers,
        "alternating_passes": passes,
        "end_to_end_over_io": best_e2e / io_fps,
        "end_to_end_over_read_write": best_e2e / rw_fps,
        "targets": {"time_to_quality_s": 300, "model_alone_fps": 100, "e2e_over_io": 0.9},
    }
    rows = [
        ["training steps/s (patch %d, batch %d)" % (ttq["patch"], ttq["batch"]), ttq["steps_per_second"]],
        ["time to within 5% of final held-out dE00 (s)", ttq["time_to_within_5pct_s"]],
        ["final held-out dE00 (ML)", ttq["final_heldout_de00"]],
        ["held-out dE00 of the MatchGrade LUT (chroma on scan luma)", ttq["lut_heldout_de00"]],
        *[[f"model alone fps {k} ({width}x{height})", v] for k, v in alone.items()],
        *[[f"EXR read+write only fps {k} (no colour)", v] for k, v in rw_by_workers.items()],
        *[[f"EXR read+OCIO+write fps x{w} workers", v] for w, v in io_by_workers.items()],
        *[[f"end to end fps {k}", v] for k, v in e2e.items()],
        *[[f"compile seconds, {k}", v] for k, v in compile_seconds.items()],
        *[[f"end to end / EXR read+write only, {k}", v / rw_fps] for k, v in e2e.items()],
        ["end to end (best setting) / EXR read+write only", best_e2e / rw_fps],
        ["end to end (best setting) / EXR read+OCIO+write", best_e2e / io_fps],
    ]
    write_result(args.out, "gpu", data, ["measure", "value"], rows)
    for row in rows:
        print(f"{row[0]}: {row[1]:.3f}", flush=True)


if __name__ == "__main__":
    main()
