"""``conform`` (reel -> V1 Original / V2 ML / V3 MatchGrade OTIO), ``approve`` and ``conform-bench``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from ._errors import handle_errors

if TYPE_CHECKING:
    from chroma_engine.conform import Placement

app = typer.Typer()
console = Console(highlight=False)


def _version(placement: Placement | None) -> str:
    if placement is None:
        return "[red]no render[/]"
    version, selection = placement.version, placement.selection
    colour = "green" if selection == "approved" else "cyan"
    return f"[{colour}]v{version:03d} ({selection})[/]"


@app.command("conform")
@handle_errors
def conform(
    reel: Path = typer.Argument(..., help="The reel's cut: CMX 3600 .edl, FCP 7 .xml or Resolve .otio."),
    project: Path = typer.Option(..., "--project", help="Project root (jobs/done, pipeline/...)."),
    out: Path = typer.Option(..., "--out", help="Conformed OTIO timeline to write."),
    rate: float = typer.Option(None, "--rate", help="Record frame rate (EDLs; default 24)."),
    track: int = typer.Option(1, "--track", help="Video track of the cut to conform (1-based)."),
) -> None:
    """Conform a reel: V1 original, V2 ML, V3 MatchGrade (approved version, else latest)."""
    from chroma_engine.conform import conform_reel_file
    from resolve_bridge import TimelineRate, frame_to_timecode

    plan = conform_reel_file(reel, project, out, rate=rate, track=track)
    tc_rate = TimelineRate.parse(plan.rate)
    table = Table(title=f"{plan.name}  start {frame_to_timecode(plan.start_frame, tc_rate)} @ {plan.rate:g}")
    for column in ("event", "clip", "record in", "record out", "shot matched", "ML", "MatchGrade"):
        table.add_column(column, no_wrap=column in ("ML", "MatchGrade", "record in", "record out"))
    for row in plan.rows:
        event = row.event
        shot = f"{row.shot} [dim]({row.match})[/]" if row.shot else "[red]-[/]"
        table.add_row(
            str(event.number),
            event.name,
            frame_to_timecode(event.record_in, tc_rate),
            frame_to_timecode(event.record_out, tc_rate),
            shot,
            _version(row.ml),
            _version(row.matchgrade),
        )
    console.print(table)
    for note in plan.notes:
        console.print(f"[yellow]note:[/] {note}")
    placed = sum(1 for r in plan.rows if r.ml)
    console.print(f"{len(plan.rows)} event(s), {placed} with ML, {len(plan.missing)} marked; wrote {out}")


@app.command("approve")
@handle_errors
def approve(
    shot: str = typer.Argument(..., help="Shot name."),
    version: str = typer.Argument(..., help="Version to approve: 3, 003 or v003."),
    project: Path = typer.Option(..., "--project", help="Project root."),
    stage: str = typer.Option("inference", "--stage", help="inference (ML) or matchgrade."),
    by: str = typer.Option(None, "--by", help="Approver (default: login name)."),
    note: str = typer.Option("", "--note", help="Free text kept in the history."),
) -> None:
    """Approve one render version of a shot (verified first; history kept in approved.json)."""
    from chroma_engine.conform import ConformError
    from chroma_engine.conform import approve as do_approve

    text = version.lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        raise ConformError(f"version {version!r} is not a version number", hint="e.g. 3, 003 or v003")
    record = do_approve(project, shot, int(text), stage=stage, approved_by=by, note=note)
    console.print(
        f"approved {shot} {stage} v{record.version:03d} ({len(record.history)} approval(s) in history)"
    )


@app.command("conform-bench")
@handle_errors
def conform_bench(
    events: int = typer.Option(1000, "--events", min=1, help="Events in the generated reel."),
    repeats: int = typer.Option(3, "--repeats", min=1),
    out: Path = typer.Option(Path("bench_results/conform.json"), "--out", help="Result JSON."),
) -> None:
    """Time the conform of a generated N-event EDL (limit: 2 s for 1,000 events)."""
    from chroma_engine.conform import bench_conform

    result = bench_conform(events, repeats, out)
    verdict = "[green]OK[/]" if result["seconds_best"] <= 2.0 or events != 1000 else "[red]over 2 s[/]"
    console.print(
        f"conform of {events} events: {result['seconds_best']:.3f} s best of {repeats} {verdict} "
        f"({result['matched']} matched, {result['ml_placed']} ML, {result['approved']} approved) "
        f"on {result['machine']['processor']} x{result['machine']['cores']}; wrote {out}"
    )
