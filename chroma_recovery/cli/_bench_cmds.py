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
    severity: list[str] = typer.Option(None, "--severity", help="mild, severe, extreme (default: all)."),
    frames: int = typer.Option(24, "--frames"),
    size: str = typer.Option("384x288", "--size"),
    steps: int = typer.Option(600, "--steps"),
    seed: int = typer.Option(0, "--seed"),
    oracle: bool = typer.Option(
        False, "--oracle", help="Also train on TRUTH: the ceiling for the ML column."
    ),
    pairs: int = typer.Option(4, "--pairs", min=3, max=11, help="Training pairs picked per shot (4, 7, 11)."),
) -> None:
    """Synthetic shots per severity: held-out dE00 of balanced / LUT / ML, luma identity, grain, time."""
    from chroma_engine.bench import bench_quality

    os.environ.setdefault("MPLBACKEND", "Agg")
    from ._synth_cmds import parse_size

    width, height = parse_size(size)
    data = bench_quality(
        out,
        tuple(severity or ("mild", "severe", "extreme")),
        frames,
        (width, height),
        steps,
        seed,
        oracle,
        pairs,
    )
    _print(data["columns"], data["rows"], "quality (held-out frames)")  # type: ignore[arg-type]
    severe = data["results"].get("severe", {})  # type: ignore[attr-defined]
    if "targets_met" in severe:
        console.print(f"severe targets: {severe['targets_met']}")
    console.print(f"wrote {out / 'quality.json'} and {out / 'quality.md'}")


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
    """The real La Muralla Verde frame: our chroma distance to the reference next to CopyCat's."""
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
