"""``bench``: benchmarks that write a table (Markdown) and JSON, with the machine they ran on."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ._errors import handle_errors

bench_app = typer.Typer(help="Benchmarks (table + JSON in bench_results/).", no_args_is_help=True)
console = Console(highlight=False)
OUT = typer.Option(Path("bench_results"), "--out", help="Folder for <name>.json and <name>.md.")


def _print(columns: list[str], rows: list[list[object]], title: str) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


@bench_app.command("quality")
@handle_errors
def quality(
    out: Path = OUT,
    quick: bool = typer.Option(False, "--quick", help="Two seeds, tiny frames, a few steps (CPU smoke run)."),
    tune: bool = typer.Option(
        False, "--tune", help="Choose the matched LUT's smoothness and the learning rate on the tune seeds."
    ),
    tune_first: bool = typer.Option(
        False, "--tune-first", help="Choose on the tune seeds, then run the test seeds with the choices."
    ),
    seeds: str = typer.Option("test", "--seeds", help="test (reported) or tune (may be chosen on)."),
    count: int = typer.Option(None, "--count", help="Use the first N seeds of the set."),
    severity: list[str] = typer.Option(None, "--severity", help="mild, severe, extreme (default: all)."),
    no_conditions: bool = typer.Option(False, "--no-conditions", help="Skip the harder conditions."),
    no_ablations: bool = typer.Option(False, "--no-ablations", help="Skip the model-without-a-part runs."),
    no_oracle: bool = typer.Option(False, "--no-oracle", help="Skip the model trained on TRUTH."),
    device: str = typer.Option("auto", "--device", help="Training device: auto, cuda, cpu."),
    workers: int = typer.Option(None, "--workers", help="Shot processes (default: cores - 2; 0 = this one)."),
    budget_s: float = typer.Option(None, "--budget-s", help="Start no shot that would end after this."),
) -> None:
    """The quality test protocol: tune vs test seeds, held-out frames far from training frames, the
    Nuke-style and matched LUTs, the model's start, the ablations, 95 % intervals of every ratio."""
    from chroma_engine.bench.quality_protocol import main as protocol

    if seeds not in ("test", "tune"):
        raise typer.BadParameter("--seeds is test or tune")
    argv = ["--out", str(out), "--device", device, "--seeds", seeds]
    argv += ["--quick"] * quick + ["--tune"] * tune + ["--tune-first"] * tune_first
    argv += ["--no-conditions"] * no_conditions
    argv += ["--no-ablations"] * no_ablations + ["--no-oracle"] * no_oracle
    for name in severity or ():
        argv += ["--severity", name]
    for flag, value in (("--count", count), ("--workers", workers), ("--budget-s", budget_s)):
        if value is not None:
            argv += [flag, str(value)]
    os.environ.setdefault("MPLBACKEND", "Agg")
    protocol(argv)
    name = "quality_tune" if tune else "quality"
    console.print(f"wrote {out / (name + '.json')} and {out / (name + '.md')}")


@bench_app.command("alignment")
@handle_errors
def alignment(
    out: Path = OUT,
    quick: bool = typer.Option(False, "--quick", help="A few tiny shots (seconds)."),
    shots: int = typer.Option(None, "--shots", min=0, help="SD shots (default 30; quick 2)."),
    scan_shots: int = typer.Option(
        None, "--scan-shots", min=0, help="Shots with the default reference (default 10; quick 1)."
    ),
    size: str = typer.Option(None, "--size", help="Scan size WIDTHxHEIGHT (default 640x360)."),
    frames: int = typer.Option(None, "--frames", min=1, help="Frames per shot (default 6)."),
    pairs: int = typer.Option(4, "--pairs", min=1, max=11, help="Training frames aligned per shot."),
    tune: bool = typer.Option(
        False,
        "--tune",
        help="Run the tune seeds (the only ones that may steer a change) instead of the test seeds.",
    ),
    name: str = typer.Option("alignment", "--name", help="Record name (<name>.json / .md)."),
) -> None:
    """Registration error on synthetic SD (DVD/telecine) and default references with known transforms."""
    import time

    from chroma_engine.bench import bench_alignment

    from ._synth_cmds import parse_size

    def line(text: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}", flush=True)

    data = bench_alignment(
        out,
        quick=quick,
        shots=shots,
        scan_shots=scan_shots,
        size=parse_size(size) if size else None,
        frames=frames,
        pairs=pairs,
        tune=tune,
        name=name,
        progress=line,
    )
    for kind, s in data["summary"].items():  # type: ignore[attr-defined]
        if s["shots"]:
            console.print(
                f"{kind}: {s['on_target']}/{s['shots']} on target, worst max {s['worst_max_px']:.2f} px, "
                f"fallbacks {s['fell_back']}, over 3 px unflagged {s['over_3px_not_flagged']}"
            )
    console.print(f"wrote {out / (name + '.json')} and {out / (name + '.md')}")


@bench_app.command("median")
@handle_errors
def median(
    out: Path = OUT, size: int = typer.Option(10, "--size"), repeats: int = typer.Option(3, "--repeats")
) -> None:
    """Reference median clean-up at 2K: ours vs OpenImageIO's median_filter (target >= 10x faster)."""
    from chroma_engine.bench import bench_median_table

    columns, rows = bench_median_table(out, size=size, repeats=repeats)
    _print(columns, rows, "median filter, 2048x1556")


@bench_app.command("realdata")
@handle_errors
def realdata(
    out: Path = OUT,
    case: Path = typer.Option(
        None, "--case", help="Folder with scan.png, reference.png, copycat_result.png."
    ),
    steps: int = typer.Option(800, "--steps"),
) -> None:
    """The real La Muralla Verde frame, a single-frame fit (trained and scored on the same frame against
    the same reference): CbCr distance and dE00 to the reference for ours, the LUT and CopyCat's 8-bit
    screen capture (a different luma pipeline: not a ranking)."""
    from chroma_engine.bench import bench_realdata

    folder = case or Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "muralla_verde_1503"
    columns, rows = bench_realdata(folder, out, steps=steps)
    _print(columns, rows, "real case: La Muralla Verde 1503")


@bench_app.command("gpu")
@handle_errors
def gpu(
    out: Path = OUT, quick: bool = typer.Option(False, "--quick", help="Tiny sizes (CPU smoke test).")
) -> None:
    """Training and inference speed on this machine's GPU (see chroma_engine/bench/gpu.py)."""
    from chroma_engine.bench import gpu as gpu_bench

    gpu_bench.main(["--out", str(out)] + (["--quick"] if quick else []))


@bench_app.command("watch-latency")
@handle_errors
def watch_latency(
    out: Path = OUT,
    trials: int = typer.Option(10, "--trials"),
    frames: int = typer.Option(24, "--frames"),
    poll: bool = typer.Option(False, "--poll", help="PollingObserver instead of inotify."),
) -> None:
    """Resolve-side watcher: manifest landed -> import queued (target <= 2 s with inotify)."""
    import tempfile

    from chroma_engine.bench import write_result
    from chroma_recovery.loop import bench_watch_latency

    with tempfile.TemporaryDirectory() as tmp:
        data = bench_watch_latency(Path(tmp), trials=trials, frames=frames, poll=poll)
    rows = [[data["observer"], data["frames"], data["median_s"], data["max_s"]]]
    columns = ["observer", "frames per render", "median s", "max s"]
    write_result(out, "watch_latency", data, columns, rows)
    _print(columns, rows, "manifest landed -> import queued")


@bench_app.command("reliability")
@handle_errors
def reliability(
    out: Path = OUT,
    kills: bool = typer.Option(True, "--kills/--no-kills", help="Also kill -9 each stage of a run."),
) -> None:
    """Bad inputs and injected faults: inputs handled cleanly, faults survived, files lost (target 0)."""
    from chroma_recovery.reliability import bench_reliability

    os.environ.setdefault("MPLBACKEND", "Agg")

    def progress(line: str) -> None:
        console.print(line, markup=False, soft_wrap=True)

    data = bench_reliability(out, kills=kills, progress=progress)
    _print(data["columns"], data["rows"], "reliability")
    console.print(f"wrote {out / 'reliability.json'} and {out / 'reliability.md'}")


@bench_app.command("reel")
@handle_errors
def reel(
    out: Path = OUT,
    work: Path = typer.Option(
        ..., "--work", help="New folder for the reel's project (shots, queue, renders)."
    ),
    shots: int = typer.Option(8, "--shots", min=1, help="Jobs in the queue."),
    frames: int = typer.Option(48, "--frames", min=8, help="Frames per shot."),
    size: str = typer.Option("640x272", "--size", help="Frame size WIDTHxHEIGHT."),
    steps: int = typer.Option(None, "--steps", min=1, help="Training steps per shot (default: the job's)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes without a GPU."),
    gpus: int = typer.Option(None, "--gpus", min=0, help="GPUs, one worker each (default: all; 0: CPU)."),
    distinct: int = typer.Option(
        2, "--distinct", min=1, help="Shots synthesised; the rest reuse their media."
    ),
    name: str = typer.Option("reel", "--name", help="Record name (<name>.json / .md)."),
) -> None:
    """A reel of synthetic shots through submit + watch workers: shots per GPU-hour, frames per second."""
    import time

    from chroma_engine.bench import write_result
    from chroma_recovery.loop import ReelSettings, bench_reel

    from ._synth_cmds import parse_size

    os.environ.setdefault("MPLBACKEND", "Agg")

    def line(text: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}", flush=True)

    settings = ReelSettings(
        shots=shots,
        frames=frames,
        size=parse_size(size),
        steps=steps,
        workers=workers,
        gpus=gpus,
        distinct=distinct,
    )
    data = bench_reel(work, settings, progress=line)
    cost: dict = data["reel"]  # type: ignore[assignment]
    unit = "GPU" if data["gpus"] else "worker"
    rows: list[list[object]] = [
        ["shots x frames", f"{shots} x {frames} ({size})"],
        ["workers", f"{data['workers']} ({data['gpus']} GPU)" if data["gpus"] else str(data["workers"])],
        ["wall seconds (workers started -> queue drained)", data["wall_seconds"]],
        ["frames per second, whole queue (training included)", data["frames_per_second"]],
        [f"shots per {unit}-hour", data["shots_per_gpu_hour"] or data["shots_per_worker_hour"]],
        *[[f"seconds per shot: {k}", v] for k, v in data["stage_seconds_per_shot"].items()],  # type: ignore[attr-defined]
        ["held-out dE00 ML (mean over shots)", data["heldout_de00_ml"]],
        ["held-out dE00 LUT (mean over shots)", data["heldout_de00_lut"]],
        [f"{unit}-hours for {cost['reel_shots']} shots / {cost['reel_frames']} frames", cost["worker_hours"]],
    ]
    write_result(out, name, data, ["measure", "value"], rows)
    _print(["measure", "value"], rows, "reel through the job queue")
    console.print(f"wrote {out / (name + '.json')} and {out / (name + '.md')}")
