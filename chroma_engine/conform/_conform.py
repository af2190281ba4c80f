"""``conform_reel_file``: reel in, conformed OTIO out — the host-free entry point of the conform."""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import ConformError
from ._plan import ConformPlan, plan_conform
from ._timeline import build_timeline, write_timeline


def conform_reel_file(
    reel: str | os.PathLike[str],
    project: str | os.PathLike[str],
    out: str | os.PathLike[str],
    rate: float | None = None,
    track: int = 1,
) -> ConformPlan:
    """Conform ``reel`` against ``project``'s renders and write the OTIO timeline ``out``.

    Args:
        reel: ``.edl`` / ``.xml`` / ``.otio`` cut.
        project: project root (``jobs/done``, ``pipeline/04_inference_render``...).
        out: the conformed ``.otio`` to write (atomically).
        rate: record rate; EDLs need it (default 24).
        track: 1-based video track of the cut to conform.

    Returns:
        The plan: one row per event with the shot matched and the versions placed.

    Raises:
        ConformError: unreadable reel, missing project, ``out`` equal to the reel, overlapping events.
    """
    if not Path(project).is_dir():
        raise ConformError(f"project root {project} does not exist", hint="pass --project <root>")
    if Path(out).resolve() == Path(reel).resolve():
        raise ConformError(f"{out}: would overwrite the reel", hint="choose another --out")
    plan, read = plan_conform(reel, project, rate, track)
    write_timeline(build_timeline(plan, read), out)
    return plan
