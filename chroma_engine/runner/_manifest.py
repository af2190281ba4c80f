"""RenderManifests: checked and written last, so a watcher never sees a partial render."""

from __future__ import annotations

import datetime as _dt
import platform
from collections.abc import Sequence
from pathlib import Path

from schemas import FileEntry, RenderManifest, SequenceRef, StageName

from .._errors import MediaError
from ..io import read_image, sha256_file, write_document
from ._context import ShotContext

MANIFEST_NAME = "_manifest.json"


def software_versions() -> dict[str, str]:
    """Versions of the pieces that produced a render."""
    import cv2
    import numpy
    import OpenImageIO
    import torch

    from .. import __version__

    return {
        "chroma-recovery": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "OpenImageIO": OpenImageIO.__version__,
        "opencv": cv2.__version__,
        "torch": torch.__version__,
    }


def verify_sequence(folder: Path, pattern: str, frames: Sequence[int]) -> list[Path]:
    """Every expected frame exists and opens (a truncated EXR fails to read)."""
    paths = [folder / (pattern % frame) for frame in frames]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise MediaError(f"{folder}: {len(missing)} expected file(s) missing: {', '.join(missing[:5])}")
    for path in paths:
        read_image(path)
    return paths


def write_manifest(
    ctx: ShotContext,
    stage: StageName,
    folder: Path,
    version: int,
    files: Sequence[Path],
    started: _dt.datetime,
    output: SequenceRef | None = None,
    metrics: dict[str, float] | None = None,
) -> RenderManifest:
    """Checksum ``files`` and write ``folder/_manifest.json`` atomically (always the last file)."""
    entries = tuple(
        FileEntry(name=str(p.relative_to(folder)), sha256=sha256_file(p), size=p.stat().st_size)
        for p in files
    )
    manifest = RenderManifest(
        job_id=ctx.job.job_id,
        shot=ctx.shot,
        stage=stage,
        version=version,
        backend="native",
        output=output,
        frame_count=output.frame_count if output else 0,
        files=entries,
        metrics={k: float(v) for k, v in (metrics or {}).items()},
        software=software_versions(),
        started_at=started,
        finished_at=_dt.datetime.now(_dt.timezone.utc),
    )
    write_document(folder / MANIFEST_NAME, manifest)
    return manifest


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)
