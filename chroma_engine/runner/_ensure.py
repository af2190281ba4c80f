"""``ensure_curation``: a curation decision exists before any stage that needs training frames runs.

The Nuke scripts (``nk build``, ``run --backend nuke``, the watcher's ``auto`` jobs on a Nuke machine)
need training frames. A job straight from ``synth`` or from Resolve's "Send Shot to ML" lists none and
leaves the choice to curation; then the native decision is made here (CPU only, seconds) and recorded
exactly as the native curation stage records it (``pipeline/01_dataset_curation/<shot>/v###/`` with
``curation.json``, the pairs sheet and the manifest), so later native stages, the Nuke builders and the
QC report read the same record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from schemas import CurationRecord, ShotJob

from ..logs import stage_log
from ._context import ShotContext
from ._prep_stages import run_curation

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CurationInForce:
    """The curation decision the stages will use.

    Attributes:
        record: the newest complete curation record; None when the job lists its own training frames
            and no record exists (the job's ``curation.frames`` are used as they are).
        path: that record's ``curation.json`` (None with ``record``).
        made: True when the decision was made (and recorded) by this call.
    """

    record: CurationRecord | None
    path: Path | None
    made: bool = False


def ensure_curation(job: ShotJob) -> CurationInForce:
    """The curation record in force; when there is none and the job lists no training frames, the
    native curation stage runs now and records its decision (a new ``v###`` with its manifest).

    Raises:
        StageError, MediaError: the project root is missing, the shot's media cannot be read, or no
            usable training frame exists (the native stage's own errors).
    """
    existing = _newest_record(job)
    if existing is not None:
        record = CurationRecord.model_validate_json(existing.read_text(encoding="utf-8"))
        return CurationInForce(record, existing, made=False)
    if job.curation.frames:
        return CurationInForce(None, None, made=False)
    ctx = ShotContext.from_job(job)
    _log.info("no training frames listed and no curation record: curation decides now (native, CPU)")
    with stage_log(ctx.shot, "curation"):
        record = run_curation(ctx)
    path = _newest_record(job)
    _log.info(
        "curation chose frames %s, preview %s: %s", list(record.training_frames), record.preview_frame, path
    )
    return CurationInForce(record, path, made=True)


def _newest_record(job: ShotJob) -> Path | None:
    """``curation.json`` of the newest complete ``v###`` (partial versions are skipped), or None."""
    from ..io import newest_complete_version
    from ..layout import stage_dir

    folder = newest_complete_version(
        stage_dir(job.project.root, "curation") / job.shot.name, required=("curation.json",)
    ).folder
    return None if folder is None else folder / "curation.json"
