"""Fixtures of the conform tests: a fake project with finished jobs and tiny EXR renders."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

import schemas
from chroma_engine.io import write_document, write_exr
from schemas import FileEntry, RenderManifest, SequenceRef

FILM = "REELTEST"
STAGE_FOLDER = {"inference": "04_inference_render", "matchgrade": "05_matchgrade_render"}


def write_job(
    root: Path,
    shot: str,
    record_in: int | None = None,
    record_out: int | None = None,
    reel: str | None = None,
    first: int = 1001,
    count: int = 48,
    job_id: str | None = None,
) -> schemas.ShotJob:
    """A finished ShotJob in ``<root>/jobs/done/<job_id>.json`` (media paths need not exist)."""
    job = schemas.ShotJob(
        job_id=job_id or f"job_{shot}",
        project=schemas.ProjectInfo(name=FILM, root=str(root)),
        shot=schemas.ShotInfo(name=shot, reel=reel, record_in=record_in, record_out=record_out),
        media=schemas.MediaSet(
            source=SequenceRef(path=f"src/{shot}/{FILM}_SOURCE_####.exr", first_frame=first,
                               last_frame=first + count - 1),
            reference=SequenceRef(path=f"src/{shot}/{FILM}_REF_####.exr", first_frame=1, last_frame=count),
        ),
    )  # fmt: skip
    write_document(root / "jobs" / "done" / f"{job.job_id}.json", job)
    return job


def write_render(
    root: Path,
    shot: str,
    stage: str,
    version: int,
    first: int = 1001,
    count: int = 4,
    job_id: str | None = None,
    manifest: bool = True,
    value: float = 0.25,
) -> Path:
    """``pipeline/0N_<stage>_render/<shot>/v###/`` with ``count`` 4x4 EXRs and (last) its manifest."""
    folder = root / "pipeline" / STAGE_FOLDER[stage] / shot / f"v{version:03d}"
    tag = "ML" if stage == "inference" else "MG"
    entries = []
    for frame in range(first, first + count):
        path = write_exr(folder / f"{FILM}_{tag}_{frame:04d}.exr", np.full((4, 4, 3), value, np.float32),
                         "ACES2065-1", compression="zip")  # fmt: skip
        data = path.read_bytes()
        entries.append(FileEntry(name=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data)))
    if manifest:
        now = datetime.now(timezone.utc)
        doc = RenderManifest(
            job_id=job_id or f"job_{shot}", shot=shot, stage=stage, version=version, backend="native",
            output=SequenceRef(path=str((folder / f"{FILM}_{tag}_####.exr").relative_to(root)),
                               first_frame=first, last_frame=first + count - 1, colour_space="ACES2065-1"),
            frame_count=count, files=tuple(entries), started_at=now, finished_at=now,
        )  # fmt: skip
        write_document(folder / "_manifest.json", doc)
    return folder


def edl(events: list[tuple[str, str, int, int, int, int]], title: str = "REEL1", rate: int = 24) -> str:
    """CMX 3600 text: (clip name, reel, src_in, src_out, rec_in, rec_out) as absolute frames."""

    def tc(frame: int) -> str:
        s, f = divmod(frame, rate)
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{f:02d}"

    lines = [f"TITLE: {title}", "FCM: NON-DROP FRAME", ""]
    for number, (name, reel, si, so, ri, ro) in enumerate(events, start=1):
        lines.append(f"{number:03d}  {reel:<8} V     C        {tc(si)} {tc(so)} {tc(ri)} {tc(ro)}")
        lines.append(f"* FROM CLIP NAME:  {name}")
    return "\n".join(lines) + "\n"


def sample_project(root: Path) -> Path:
    """Four shots and a three-event reel (``root/reel.edl``): by name, by reel + record, no match.

    sh010 has ML and MatchGrade v001; sh020 (reel R2) ML v001 and v002; sh030's reel differs; sh040
    has a render but no job file (matched by job id only).
    """
    write_job(root, "sh010", 86400, 86448)  # matched by name
    write_render(root, "sh010", "inference", 1, count=48)
    write_render(root, "sh010", "matchgrade", 1, count=48)
    write_job(root, "sh020", 86448, 86472, reel="R2", first=2001, count=24)  # matched by reel+record
    write_render(root, "sh020", "inference", 1, first=2001, count=24)
    write_render(root, "sh020", "inference", 2, first=2001, count=24)
    write_job(root, "sh030", 86472, 86482, reel="R9")  # reel differs -> no match
    write_render(root, "sh030", "inference", 1, count=10)
    write_render(root, "sh040", "inference", 1, count=12, job_id="job_x40")  # no job file; by job id
    (root / "reel.edl").write_text(edl([
        ("sh010", "R1", 1001, 1049, 86400, 86448),
        ("other", "R2", 5, 29, 86448, 86472),
        ("nothing", "R3", 0, 10, 86472, 86482),
    ]))  # fmt: skip
    return root
