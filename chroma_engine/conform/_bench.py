"""Conform benchmark: a generated N-event CMX 3600 reel against a project with N shots.

Half the events match by clip name, a quarter by reel + record range, a quarter have no shot;
every matched shot has an ML render (v001; every fourth an approved v001 plus a newer v002) and a
MatchGrade render. Renders are manifests pointing at sequences (no pixels are read by a conform).
Timed: :func:`~chroma_engine.conform.conform_reel_file` end to end (read EDL, scan the project,
match, write OTIO), excluding interpreter start and the fixture generation.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import schemas
from schemas import RenderManifest, SequenceRef

from ..io import write_document, write_json_atomic, write_text_atomic
from ._conform import conform_reel_file

FILM = "BENCH"
EVENT_FRAMES = 48


def _tc(frame: int, rate: int = 24) -> str:
    seconds, frames = divmod(frame, rate)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frames:02d}"


def _manifest(root: Path, shot: str, stage: str, version: int) -> None:
    folder = root / "pipeline" / ("04_inference_render" if stage == "inference" else "05_matchgrade_render")
    folder = folder / shot / f"v{version:03d}"
    now = _dt.datetime.now(_dt.timezone.utc)
    doc = RenderManifest(
        job_id=f"job_{shot}", shot=shot, stage=stage, version=version, backend="native",
        output=SequenceRef(path=str((folder / f"{FILM}_{stage}_####.exr").relative_to(root)),
                           first_frame=1001, last_frame=1000 + EVENT_FRAMES),
        frame_count=EVENT_FRAMES, started_at=now, finished_at=now,
    )  # fmt: skip
    write_document(folder / "_manifest.json", doc)


def make_fixture(root: Path, events: int) -> Path:
    """Write the reel ``reel.edl`` and the project under ``root``; returns the reel path."""
    start = 86400
    lines = ["TITLE: BENCH_REEL", "FCM: NON-DROP FRAME", ""]
    for n in range(1, events + 1):
        rec = start + (n - 1) * EVENT_FRAMES
        shot = f"sh{n:05d}"
        kind = n % 4
        name = shot if kind in (0, 1) else f"clip{n:05d}"
        lines.append(f"{n:03d}  R{n % 7:<7} V     C        {_tc(86400)} {_tc(86400 + EVENT_FRAMES)} "
                     f"{_tc(rec)} {_tc(rec + EVENT_FRAMES)}")  # fmt: skip
        lines.append(f"* FROM CLIP NAME:  {name}")
        if kind == 3:
            continue  # no shot for this event
        job = schemas.ShotJob(
            job_id=f"job_{shot}",
            project=schemas.ProjectInfo(name=FILM, root=str(root)),
            shot=schemas.ShotInfo(name=shot, reel=f"R{n % 7}", record_in=rec, record_out=rec + EVENT_FRAMES),
            media=schemas.MediaSet(
                source=SequenceRef(path="src/s_####.exr", first_frame=1001, last_frame=1000 + EVENT_FRAMES),
                reference=SequenceRef(path="src/r_####.exr", first_frame=1, last_frame=EVENT_FRAMES),
            ),
        )
        write_document(root / "jobs" / "done" / f"{job.job_id}.json", job)
        _manifest(root, shot, "inference", 1)
        _manifest(root, shot, "matchgrade", 1)
        if n % 4 == 0:
            _manifest(root, shot, "inference", 2)
            approval = {"schema_version": "1", "shot": shot, "stage": "inference", "version": 1,
                        "history": [{"version": 1, "approved_at": "2024-01-01T00:00:00Z"}]}  # fmt: skip
            path = root / "pipeline" / "04_inference_render" / shot / "approved.json"
            write_json_atomic(path, approval)
    return write_text_atomic(root / "reel.edl", "\n".join(lines) + "\n")


def bench_conform(
    events: int = 1000, repeats: int = 3, out: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Time the conform of an ``events``-event reel (best of ``repeats``); optionally write JSON."""
    with tempfile.TemporaryDirectory(prefix="conform-bench-") as tmp:
        root = Path(tmp)
        reel = make_fixture(root, events)
        times, plan = [], None
        for _ in range(repeats):
            began = time.perf_counter()
            plan = conform_reel_file(reel, root, root / "conformed.otio")
            times.append(time.perf_counter() - began)
        assert plan is not None
        result: dict[str, Any] = {
            "benchmark": "conform",
            "events": events,
            "seconds_best": round(min(times), 4),
            "seconds_all": [round(t, 4) for t in times],
            "matched": sum(1 for r in plan.rows if r.shot),
            "ml_placed": sum(1 for r in plan.rows if r.ml),
            "approved": sum(1 for r in plan.rows if r.ml and r.ml.selection == "approved"),
            "limit_seconds": 2.0,
            "machine": {"processor": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                        "python": platform.python_version(), "platform": platform.platform()},
            "measured_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }  # fmt: skip
    if out is not None:
        write_json_atomic(out, result)
    return result
