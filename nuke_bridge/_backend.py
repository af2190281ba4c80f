"""Run a shot's stage scripts through Nuke (the backend itself is chosen by ``choose_backend``).

``run_stages_with_nuke`` renders the ``.nk`` scripts that ``build_scripts`` wrote, in pipeline order.
What to run is read from each script itself (with the ``.nk`` reader), so it follows the graph as built:

- every stage: the enabled ``Write`` nodes over the Root range (or a Write's own ``use_limit`` range);
  their frames are the expected outputs, which must not exist yet (earlier renders are never replaced);
- alignment: F_Align's ``analyse`` button is pressed first; matchgrade: MatchGrade's
  ``analyzeRefFrames`` (both unconfirmed headless [U]);
- training: each ``CopyCat`` node is executed over frame 1; the newest ``.cat`` in its
  ``dataDirectory`` is copied to the inference script's ``modelFile`` path when that is free (so the
  saved script stays true), else set on the ``Inference`` node by the wrapper before rendering.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from schemas import STAGES, SchemaModel, SequenceRef, ShotJob, StageName

from ._commands import RunOptions, render_script, train_script
from ._errors import NukeBridgeError
from ._graph import Graph, KnobValue, Node, Raw
from ._locate import NukeInstall, locate_nuke
from ._reader import read_nk
from ._runner import NukeEvent
from ._wrapper import PressStep, SetKnobStep

StageEventCallback = Callable[[str, NukeEvent], None]

_PRESS_BEFORE: dict[str, tuple[tuple[str, str], ...]] = {
    "alignment": (("OFXuk.co.thefoundry.furnace.f_align_v403", "analyse"),),
    "matchgrade": (("MatchGrade", "analyzeRefFrames"),),
}


class StageRun(SchemaModel):
    """What one stage's Nuke run produced.

    Attributes:
        stage: pipeline stage.
        script: the ``.nk`` that was run.
        outputs: verified output files (frames; for training the ``.cat``).
        log_path: Nuke's log next to the script.
        duration_s: wall-clock seconds.
        cat_file: training only: the newest ``.cat``.
    """

    stage: StageName
    script: str
    outputs: tuple[str, ...]
    log_path: str
    duration_s: float
    cat_file: str | None = None


def apply_edition_limits(job: ShotJob, install: NukeInstall) -> ShotJob:
    """The job adjusted to what the edition renders: Non-Commercial caps the output at 1920x1080.

    Returns ``job`` itself when nothing changes, else a copy with ``output.max_resolution`` clamped.
    """
    limit = install.max_resolution
    if limit is None:
        return job
    current = job.output.max_resolution
    clamped = limit if current is None else (min(current[0], limit[0]), min(current[1], limit[1]))
    if clamped == current:
        return job
    output = job.output.model_copy(update={"max_resolution": clamped})
    return job.model_copy(update={"output": output})


def check_edition(job: ShotJob, install: NukeInstall, stages: Sequence[str]) -> None:
    """Fail before starting Nuke when the edition cannot run the stages or the job exceeds its limits.

    Raises:
        NukeBridgeError: plain Nuke asked to train / MatchGrade / F_Align, or a Non-Commercial run of a
            job whose output is not limited to 1920x1080.
    """
    needs_x = sorted(set(stages) & {"alignment", "training", "matchgrade"})
    if needs_x and not install.has_nukex_features:
        raise NukeBridgeError(
            f"stages {', '.join(needs_x)} need NukeX (CopyCat, F_Align, MatchGrade); this is plain Nuke",
            hint="set CHROMA_RECOVERY_NUKE_EDITION=nukex or use --backend native",
        )
    limit = install.max_resolution
    if limit is not None and {"inference", "matchgrade"} & set(stages):
        current = job.output.max_resolution
        if current is None or current[0] > limit[0] or current[1] > limit[1]:
            raise NukeBridgeError(
                f"Nuke Non-Commercial renders at most {limit[0]}x{limit[1]}; job {job.job_id} has "
                f"output.max_resolution {current}",
                hint="build the scripts from apply_edition_limits(job, install) (adds the 1080p Reformat)",
            )


def _text(value: KnobValue | None) -> str | None:
    if value is None:
        return None
    return value.text if isinstance(value, Raw) else str(value)


def _int(node: Node | None, knob: str, default: int) -> int:
    value = None if node is None else node.knobs.get(knob)
    try:
        return int(str(_text(value)))
    except (TypeError, ValueError):
        return default


def _absolute(path: str, base: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base / candidate


@dataclass(frozen=True)
class WriteOutputs:
    """What a script's enabled Write nodes render.

    Attributes:
        names: the Write nodes.
        first, last: the frame range to render (the union of the Writes' ranges).
        files: every file they are expected to write (absolute).
    """

    names: list[str]
    first: int
    last: int
    files: list[str]


def write_outputs(graph: Graph, base: Path) -> WriteOutputs:
    """The enabled Writes of a script, their frame range and expected files.

    A Write renders the Root range, or its own ``first``-``last`` when ``use_limit`` is on; the
    returned range is the union over the Writes (Nuke skips frames outside a Write's limit).
    Relative ``file`` paths are taken relative to ``base`` (the project root).
    """
    first, last = _int(graph.root, "first_frame", 1), _int(graph.root, "last_frame", 1)
    names: list[str] = []
    files: list[str] = []
    ranges: list[tuple[int, int]] = []
    for node in graph.by_class("Write"):
        if _text(node.knobs.get("disable")) == "true" or node.knobs.get("disable") is True:
            continue
        pattern = _text(node.knobs.get("file"))
        if not pattern:
            raise NukeBridgeError(f"{node.name}: Write without a file knob", hint="rebuild the script")
        names.append(node.name)
        lo, hi = first, last
        if node.knobs.get("use_limit") is True or _text(node.knobs.get("use_limit")) == "true":
            lo, hi = _int(node, "first", first), _int(node, "last", last)
        ranges.append((lo, hi))
        try:
            seq = SequenceRef(path=pattern, first_frame=lo, last_frame=hi)
            files += [str(_absolute(seq.frame_path(f), base)) for f in seq.frames]
        except ValueError:  # no frame token: a single file (e.g. a LUT)
            files.append(str(_absolute(pattern, base)))
    if ranges:
        first, last = min(lo for lo, _ in ranges), max(hi for _, hi in ranges)
    return WriteOutputs(names=names, first=first, last=last, files=files)


def publish_model(cat: str | os.PathLike[str], target: str | os.PathLike[str]) -> bool:
    """Copy a trained ``.cat`` to the path the inference script names, if that path is still free.

    Returns True when copied (temp name, then ``os.replace``); False when ``target`` already exists
    (an earlier model is never replaced; the caller then points the node at ``cat`` instead).
    """
    destination = Path(target)
    if destination.exists():
        return False
    from chroma_engine.io import copy_file_atomic

    copy_file_atomic(cat, destination)
    return True


def _stage_steps(stage: str, graph: Graph, model: str | None, root: Path) -> list[PressStep | SetKnobStep]:
    steps: list[PressStep | SetKnobStep] = []
    for cls, knob in _PRESS_BEFORE.get(stage, ()):
        steps += [PressStep(node=n.name, knob=knob) for n in graph.by_class(cls)]
    if stage == "inference" and model is not None:
        for node in graph.by_class("Inference"):
            named = _text(node.knobs.get("modelFile"))
            # The script's own modelFile gets the new model when free, so the saved .nk stays truthful.
            if named and publish_model(model, _absolute(named, root)):
                continue
            steps.append(SetKnobStep(node=node.name, knob="modelFile", value=model))
    return steps


@dataclass(frozen=True)
class _StageContext:
    """One stage's run: Nuke options, its event forwarder and its start time."""

    stage: str
    options: RunOptions | None
    on_event: StageEventCallback | None
    started: float = field(default_factory=time.monotonic)

    def forward(self, event: NukeEvent) -> None:
        if self.on_event is not None:
            self.on_event(self.stage, event)

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)


def _ordered(stages: Sequence[str], scripts: Mapping[str, str | os.PathLike[str]]) -> list[StageName]:
    """``stages`` in pipeline order, each with a script."""
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise NukeBridgeError(f"unknown stage(s) {', '.join(unknown)}", hint=f"use {', '.join(STAGES)}")
    ordered = [s for s in STAGES if s in set(stages)]
    missing = [s for s in ordered if s not in scripts]
    if missing:
        raise NukeBridgeError(
            f"no script for stage(s) {', '.join(missing)}", hint="build them with build_scripts"
        )
    return ordered


def _train(install: NukeInstall, script: Path, graph: Graph, root: Path, run: _StageContext) -> StageRun:
    """Execute every CopyCat node of the training script; the newest ``.cat`` is the model."""
    copycats = graph.by_class("CopyCat")
    if not copycats:
        raise NukeBridgeError(f"{script}: no CopyCat node to train", hint="rebuild the training script")
    cat: str | None = None
    log = ""
    for node in copycats:
        data_dir = _text(node.knobs.get("dataDirectory"))
        if not data_dir:
            raise NukeBridgeError(f"{script}: {node.name} has no dataDirectory", hint="rebuild the script")
        result = train_script(
            install,
            script,
            data_directory=_absolute(data_dir, root),
            node=node.name,
            options=run.options,
            on_event=run.forward,
        )
        cat, log = result.cat_file, result.log_path
    return StageRun(
        stage="training",
        script=str(script),
        outputs=(cat,) if cat else (),
        log_path=log,
        duration_s=run.elapsed(),
        cat_file=cat,
    )


def _check_model(script: Path, graph: Graph, root: Path) -> None:
    """Inference without a model trained in this run: every Inference node's modelFile must exist."""
    for node in graph.by_class("Inference"):
        path = _text(node.knobs.get("modelFile"))
        if not path or not _absolute(path, root).is_file():
            raise NukeBridgeError(
                f"{script}: {node.name} modelFile {path!r} does not exist",
                hint="run the training stage first, or convert the engine's .pt with create_cat_file",
            )


def _render(
    install: NukeInstall,
    stage: StageName,
    script: Path,
    graph: Graph,
    root: Path,
    model: str | None,
    run: _StageContext,
) -> StageRun:
    """Render the enabled Writes of a stage script into files that do not exist yet."""
    writes = write_outputs(graph, root)
    if not writes.names:
        raise NukeBridgeError(f"{script}: no enabled Write node to render", hint="rebuild the script")
    existing = [p for p in writes.files if os.path.exists(p)]
    if existing:
        raise NukeBridgeError(
            f"stage {stage}: {existing[0]} already exists; earlier renders are never overwritten",
            hint="build a new script version (chroma-recovery nk build): outputs go to a new v### folder",
        )
    if stage == "inference" and model is None:
        _check_model(script, graph, root)
    result = render_script(
        install,
        script,
        first=writes.first,
        last=writes.last,
        nodes=writes.names,
        expected=writes.files,
        before=_stage_steps(stage, graph, model, root),
        options=run.options,
        on_event=run.forward,
    )
    return StageRun(
        stage=stage,
        script=str(script),
        outputs=result.outputs,
        log_path=result.log_path,
        duration_s=run.elapsed(),
    )


def run_stages_with_nuke(
    job: ShotJob,
    stages: Sequence[str],
    scripts: Mapping[str, str | os.PathLike[str]],
    *,
    install: NukeInstall | None = None,
    options: RunOptions | None = None,
    on_event: StageEventCallback | None = None,
) -> dict[str, StageRun]:
    """Run the stage scripts through Nuke in pipeline order; stop at the first failure.

    Args:
        job: the shot (its ``project.root`` resolves relative Write paths and finds the config).
        stages: stage names to run (any order; run as curation, alignment, training, inference, matchgrade).
        scripts: stage -> ``.nk`` path, as returned by ``build_scripts``.
        install: the Nuke to use (default ``locate_nuke(job.project.root)``).
        options: GPU, threads, timeout per run.
        on_event: ``(stage, event)`` for every line of Nuke output (progress bars, logs).
            Each stage is framed by ``start`` / ``end`` log lines (``chroma_engine.logs.stage_log``).

    Returns:
        stage -> ``StageRun``, in run order.

    Raises:
        NukeNotFoundError, NukeRenderError, NukeTimeoutError, NukeBridgeError (unknown stage, missing
        script, outputs that already exist, edition limits, inference without a model).
    """
    ordered = _ordered(stages, scripts)
    root = Path(job.project.root)
    install = install or locate_nuke(root)
    check_edition(job, install, ordered)
    results: dict[str, StageRun] = {}
    model: str | None = None
    from chroma_engine.logs import stage_log

    for stage in ordered:
        script = Path(scripts[stage])
        graph = read_nk(script)
        run = _StageContext(stage, options, on_event)
        with stage_log(job.shot.name, stage):
            if stage == "training":
                results[stage] = _train(install, script, graph, root, run)
                model = results[stage].cat_file
            else:
                results[stage] = _render(install, stage, script, graph, root, model, run)
    return results
