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


class RasterChoice(str, Enum):
    """Where the reference was made: at the scan's size, or on an SD raster."""

    scan = "scan"
    pal = "pal"
    ntsc = "ntsc"


class AspectChoice(str, Enum):
    """Display aspect of an SD raster."""

    standard = "4:3"
    wide = "16:9"


class FramingChoice(str, Enum):
    """How far the reference's framing strays from the scan's."""

    subtle = "subtle"
    wide = "wide"


class LevelsChoice(str, Enum):
    """Full-range or legal (video) levels as decoded."""

    full = "full"
    legal = "legal"


class ChromaChoice(str, Enum):
    """Chroma sampling of the reference's codec."""

    c420 = "420"
    c444 = "444"


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
    ref_raster: RasterChoice = typer.Option(
        RasterChoice.scan,
        "--ref-raster",
        help="Reference raster: scan size, or PAL 720x576 / NTSC 720x480 SD.",
    ),
    ref_aspect: AspectChoice = typer.Option(AspectChoice.wide, "--ref-aspect", help="SD display aspect."),
    ref_framing: FramingChoice = typer.Option(
        FramingChoice.subtle, "--ref-framing", help="wide: scale 0.95-1.05, up to 1 deg, up to 20 px."
    ),
    ref_lift: float = typer.Option(0.0, "--ref-lift", min=0.0, max=0.25, help="Black level of the grade."),
    ref_clip: float = typer.Option(
        1.0, "--ref-clip", min=0.5, max=1.0, help="Graded level that clips to white (1 = none)."
    ),
    ref_levels: LevelsChoice = typer.Option(
        LevelsChoice.full, "--ref-levels", help="legal: video levels left unexpanded (0.063-0.92)."
    ),
    ref_chroma: ChromaChoice = typer.Option(ChromaChoice.c420, "--ref-chroma", help="Chroma sampling."),
    ref_quality: int = typer.Option(
        60, "--ref-quality", min=0, max=100, help="JPEG (DCT block) quality; 0 = no block compression."
    ),
    ref_grain: float = typer.Option(
        0.0, "--ref-grain", min=0.0, max=0.2, help="The reference print's own grain (std)."
    ),
    ref_softness: float = typer.Option(
        0.6, "--ref-softness", min=0.0, max=4.0, help="Telecine blur, raster pixels (SD only)."
    ),
) -> None:
    """Synthesise a faded shot with known ground truth (Rec.709 EXR half DWAA) and its job.json.

    The --ref-* options make other references (an SD telecine or DVD, a wider framing, a grade with
    lifted blacks and clipped whites, legal levels); the defaults make the reference synth always
    made. reference_transform.json holds the true scan -> reference matrix.
    """
    from chroma_engine.synth import ReferenceOptions, load_truth, synthesize_shot

    width, height = parse_size(size)
    options = ReferenceOptions(
        raster=ref_raster.value,
        aspect=ref_aspect.value,
        framing=ref_framing.value,
        black_lift=ref_lift,
        white_clip=ref_clip,
        levels=ref_levels.value,
        chroma=ref_chroma.value,
        quality=ref_quality or None,
        grain=ref_grain,
        softness=ref_softness,
    )
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
        reference=None if options.is_default else options,
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
    console.print(f"  geometry {root / 'reference_transform.json'}")
    for name in ("source", "reference", "balanced", "truth"):
        seq = getattr(job.media, name)
        console.print(f"  {name:<10}{seq.path} {seq.first_frame}-{seq.last_frame}")
