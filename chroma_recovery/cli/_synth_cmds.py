"""``synth``: write a synthetic faded shot (SOURCE, REF, BAL, TRUTH and its job) for demos and tests."""

from __future__ import annotations

import re
import time
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from ._errors import handle_errors

app = typer.Typer()
console = Console(highlight=False)

_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")


class SeverityChoice(str, Enum):
    """Fade presets (cyan and yellow lose most; ``extreme`` nearly removes cyan)."""

    mild = "mild"
    severe = "severe"
    extreme = "extreme"


def parse_size(text: str) -> tuple[int, int]:
    """``"512x384"`` -> (512, 384); anything else is a one-line usage error."""
    match = _SIZE.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not WIDTHxHEIGHT, e.g. 512x384", param_hint="--size")
    return int(match.group(1)), int(match.group(2))


@app.command("synth")
@handle_errors
def synth(
    out_dir: Path = typer.Argument(..., help="New shot folder (project root); must not hold a job yet."),
    frames: int = typer.Option(48, "--frames", min=1, help="Frames per sequence (1001..1000+N)."),
    size: str = typer.Option("512x384", "--size", help="Frame size WIDTHxHEIGHT."),
    severity: SeverityChoice = typer.Option(SeverityChoice.severe, "--severity", help="Fade preset."),
    seed: int = typer.Option(0, "--seed", help="Random seed (photo, camera, fade, grain, reference)."),
    project: str = typer.Option("DEMO", "--project", help="Project name used in file names."),
    shot: str = typer.Option("sh010", "--shot", help="Shot name."),
    ref_offset: int = typer.Option(0, "--ref-offset", help="REF frame n+K shows SOURCE frame n."),
    photo: str | None = typer.Option(None, "--photo", help="scikit-image photo (default: chosen by seed)."),
) -> None:
    """Synthesise a faded shot with known ground truth (Rec.709 EXR half DWAA) and its job.json."""
    from chroma_engine.synth import load_truth, synthesize_shot

    width, height = parse_size(size)
    started = time.perf_counter()
    job = synthesize_shot(
        out_dir,
        frames=frames,
        width=width,
        height=height,
        severity=severity.value,
        seed=seed,
        project=project,
        shot=shot,
        ref_frame_offset=ref_offset,
        photo=photo,
    )
    seconds = time.perf_counter() - started
    root = Path(job.project.root)
    truth = load_truth(root)
    src = job.media.source
    console.print(
        f"[green]synthesised[/] {root}: {src.frame_count} frames {width}x{height}, {severity.value} fade "
        f"(kept C {truth.kept[0]:.2f} M {truth.kept[1]:.2f} Y {truth.kept[2]:.2f}), photo {truth.photo}, "
        f"{seconds:.1f} s"
    )
    console.print(f"  job    {root / 'job.json'}")
    console.print(f"  truth  {root / 'synth_truth.json'}")
    for name in ("source", "reference", "balanced", "truth"):
        seq = getattr(job.media, name)
        console.print(f"  {name:<10}{seq.path} {seq.first_frame}-{seq.last_frame}")
