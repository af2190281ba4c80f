"""One render path for stages 04 (inference, V2) and 05 (MatchGrade, V3).

A local run renders every frame into a new version folder; a farm job renders chunks of frames into a
version folder reserved for it and publishes it once every chunk is done. Both go through the same
four calls, so their frames are the same bytes:

- ``stage_output``: the names of a stage's files in a version folder (frame sequence, ``.cube``);
- ``fit_matchgrade``: the MatchGrade LUT of the shot (deterministic: every chunk fits the same one);
- ``render_frames``: restore or grade frames F into the folder, scoring each (``stage_scorers``);
- ``publish_render``: check every frame of the shot opens, write ``_manifest.json`` last.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from schemas import AlignmentRecord, CurationRecord, RenderManifest, SequenceRef, StageName

from .._errors import MediaError, StageError
from ..io import to_printf
from ._context import ShotContext
from ._evaluation import FrameScorer
from ._manifest import verify_sequence, write_manifest
from ._prep_stages import load_pairs
from ._restore import IO_WORKERS, Progress, grade_frames, no_progress, restore_frames

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..matchgrade import Lut3D

#: The stages ``render_frames`` renders.
RENDER_STAGES: tuple[str, ...] = ("inference", "matchgrade")

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageOutput:
    """A render stage's files in one version folder.

    Attributes:
        folder: the version folder (``pipeline/<0N_stage>/<shot>/v###``).
        pattern: printf pattern of the frame files, relative to ``folder``.
        sequence: the frame sequence as the manifest records it (path relative to the project root).
        cube: the MatchGrade ``.cube`` LUT (None for inference).
    """

    folder: Path
    pattern: str
    sequence: SequenceRef
    cube: Path | None

    def frame_path(self, frame: int) -> Path:
        return self.folder / (self.pattern % frame)


def _check_stage(stage: str) -> None:
    if stage not in RENDER_STAGES:
        hint = f"render stages: {', '.join(RENDER_STAGES)}"
        raise StageError(f"{stage!r} is not a render stage", hint=hint)


def stage_output(ctx: ShotContext, stage: str, folder: Path) -> StageOutput:
    """The one naming of a render stage's outputs: ``output.naming`` for inference; for MatchGrade the
    same with ``_ML_`` -> ``_MG_`` (else an ``MG_`` prefix) and ``<project>_<shot>_matchgrade.cube``."""
    _check_stage(stage)
    naming = ctx.job.output.naming
    cube = None
    if stage == "matchgrade":
        naming = naming.replace("_ML_", "_MG_") if "_ML_" in naming else "MG_" + naming
        cube = folder / f"{ctx.job.project.name}_{ctx.shot}_matchgrade.cube"
    name = naming.format(project=ctx.job.project.name, shot=ctx.shot)
    src = ctx.job.media.source
    sequence = SequenceRef(
        path=str((folder / name).relative_to(ctx.root)),
        first_frame=src.first_frame,
        last_frame=src.last_frame,
        colour_space=ctx.job.output.colour_space,
        frame_rate=src.frame_rate,
    )
    return StageOutput(folder=folder, pattern=to_printf(name), sequence=sequence, cube=cube)


def fit_matchgrade(ctx: ShotContext, curation: CurationRecord, alignment: AlignmentRecord) -> Lut3D:
    """The shot's MatchGrade LUT: fitted in log space on the curated training pairs (scan -> the
    median-cleaned reference warped into scan geometry, inside the training masks)."""
    from ..matchgrade import fit_lut
    from ..training import median_clean

    started = time.monotonic()
    spec = ctx.job.matchgrade
    pairs = load_pairs(ctx, curation, alignment, curation.training_frames)
    median = ctx.job.reference_cleanup.median_size
    targets = [median_clean(p.reference, median) if median > 1 else p.reference for p in pairs]
    _log.info("MatchGrade LUT: fitting %d^3 on %d pair(s)", spec.lut_size, len(pairs))
    lut = fit_lut(
        [p.source for p in pairs], targets, [p.mask for p in pairs], size=spec.lut_size, log=spec.log_pre_lut
    )
    _log.info("MatchGrade LUT fitted in %.1fs", time.monotonic() - started)
    return lut


def stage_scorers(
    ctx: ShotContext, curation: CurationRecord, alignment: AlignmentRecord, stage: str
) -> dict[str, FrameScorer]:
    """The per-frame scorers of a render stage, by name: ``ml`` (inference); ``lut`` and, with a
    balanced scan, ``bal`` (MatchGrade). Their summaries, in this order, are the manifest's metrics."""
    _check_stage(stage)
    names = ["ml"] if stage == "inference" else ["lut", *(["bal"] if ctx.balanced is not None else [])]
    return {name: FrameScorer(ctx, curation, alignment, name) for name in names}


@dataclass(frozen=True)
class FrameRender:
    """What ``render_frames`` wrote.

    Attributes:
        output: the stage's files in the version folder.
        frames: the frames written.
        scorers: the per-frame scorers (``stage_scorers``) holding these frames' values.
        model: the TorchScript model that restored them (None for MatchGrade).
    """

    output: StageOutput
    frames: tuple[int, ...]
    scorers: dict[str, FrameScorer]
    model: Path | None


def render_frames(
    ctx: ShotContext,
    stage: str,
    folder: Path,
    frames: Sequence[int],
    *,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    model: Path | None = None,
    device: str | None = None,
    io_workers: int = IO_WORKERS,
    progress: Progress = no_progress,
) -> FrameRender:
    """Render ``frames`` of ``stage`` (``inference`` or ``matchgrade``) into the version ``folder``.

    Inference restores with ``model`` (default: the newest finished training, ``latest_model``) on
    ``device``; MatchGrade fits the LUT (``fit_matchgrade``) and writes its ``.cube`` first (atomically,
    the same bytes from every chunk). Frames already in the folder are replaced atomically, so a retried
    chunk never leaves half a frame. Curation and alignment default to the shot's records in force.
    """
    from ._render_stages import latest_model

    _check_stage(stage)
    curation = curation or ctx.load_curation()
    alignment = alignment or ctx.load_alignment()
    output = stage_output(ctx, stage, folder)
    scorers = stage_scorers(ctx, curation, alignment, stage)
    wanted = list(frames)
    if stage == "inference":
        from ..training import load_model

        model = model or latest_model(ctx)
        net = load_model(model, device=device or "cpu")
        restore_frames(
            ctx, net, alignment, output.frame_path, wanted, scorers["ml"], device, io_workers, progress
        )
    else:
        lut = fit_matchgrade(ctx, curation, alignment)
        lut.write_cube(cast(Path, output.cube))  # a MatchGrade output always names its .cube
        grade_frames(ctx, lut, alignment, output.frame_path, wanted, scorers, io_workers, progress)
        model = None
    return FrameRender(output=output, frames=tuple(wanted), scorers=scorers, model=model)


def publish_render(
    ctx: ShotContext,
    stage: str,
    folder: Path,
    scorers: Mapping[str, FrameScorer],
    started: _dt.datetime,
) -> RenderManifest:
    """Finish a render version: every frame of the shot must exist and open (and the ``.cube`` of a
    MatchGrade), then ``_manifest.json`` is written last with the scorers' summaries as metrics.

    Raises:
        MediaError: a frame or the LUT is missing or unreadable.
    """
    output = stage_output(ctx, stage, folder)
    files = verify_sequence(folder, output.pattern, list(ctx.job.media.source.frames))
    if output.cube is not None:
        if not output.cube.is_file():
            raise MediaError(f"{output.cube}: the MatchGrade LUT is missing", hint="render the stage again")
        files.append(output.cube)
    metrics: dict[str, float] = {}
    for scorer in scorers.values():
        metrics.update(scorer.summary())
    version = int(folder.name[1:])
    name = cast(StageName, stage)  # a render stage (checked by stage_output)
    return write_manifest(ctx, name, folder, version, files, started, output=output.sequence, metrics=metrics)
