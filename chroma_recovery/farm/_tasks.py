"""One farm task per step: ``prepare``, ``train``, ``model``, ``infer``, ``matchgrade``, ``finalize``.

Every task loads the job file, re-roots it at the ``ProjectRoot`` job parameter (farm workers mount
the project elsewhere than the workstation that wrote the job; OpenJD path-maps ``PATH`` parameters,
never the contents of the job file) and calls the engine. Errors of the engine and of the Nuke bridge
reach the task log as one line and exit status 2 (``handle_errors``); OpenJD then fails the task and
cancels the dependent steps.
"""

from __future__ import annotations

import os
from pathlib import Path

from schemas import ShotJob

from ._bundle import load_job_checked
from ._chunks import STAGE_OF_STEP, parse_frames, render_chunk, version_folder
from ._errors import FarmError

TASK_STEPS = ("prepare", "train", "model", "infer", "matchgrade", "finalize")


def bind_job(job_file: str | os.PathLike[str], project_root: str | os.PathLike[str] | None = None) -> ShotJob:
    """Load ``job_file``; with ``project_root``, the job's ``project.root`` is replaced by it."""
    job = load_job_checked(job_file)
    if project_root is None or str(project_root) == job.project.root:
        return job
    root = Path(project_root)
    if not root.is_absolute():
        raise FarmError(f"--project-root {root}: must be an absolute path")
    return job.model_copy(update={"project": job.project.model_copy(update={"root": str(root)})})


def _uses_nuke(job: ShotJob, backend: str) -> bool:
    """The ``Backend`` parameter decided once, as everywhere (``nuke_bridge.choose_backend``)."""
    from nuke_bridge import choose_backend

    return choose_backend(backend, job).uses_nuke


def _nuke_stages(job: ShotJob, stages: list[str]) -> None:
    from nuke_bridge import run_job_with_nuke

    run_job_with_nuke(job, stages=stages)


def run_prepare(job: ShotJob, backend: str = "native") -> None:
    """Stages 01 and 02 (curation, alignment)."""
    if _uses_nuke(job, backend):
        _nuke_stages(job, ["curation", "alignment"])
        return
    from chroma_engine.runner import run_job

    run_job(job, stages=["curation", "alignment"])


def run_train(
    job: ShotJob, backend: str = "native", steps: int | None = None, device: str | None = None
) -> Path:
    """Stage 03; ``training.device == "ddp"`` trains with ``torchrun`` over every local GPU.

    Returns the trained model (TorchScript) path, or the training folder for Nuke.
    """
    if _uses_nuke(job, backend):
        _nuke_stages(job, ["training"])
        from chroma_engine.layout import stage_dir

        return stage_dir(job.project.root, "training") / job.shot.name
    if (device or job.training.device) == "ddp":
        from chroma_engine.runner import launch_ddp

        return launch_ddp(job, steps=steps)
    from chroma_engine.runner import run_job

    summary = run_job(job, stages=["training"], steps=steps, device=device)
    if summary.model is None:
        raise FarmError(f"training of {job.job_id} produced no model")
    return summary.model


def pin_model(job: ShotJob, session_dir: str | os.PathLike[str]) -> Path:
    """Copy the newest finished model into the OpenJD session folder; every chunk run there uses it."""
    from chroma_engine.runner import ShotContext, latest_model

    source = latest_model(ShotContext.from_job(job))
    from chroma_engine.io import copy_file_atomic

    return copy_file_atomic(source, Path(session_dir) / "chroma_model" / source.name)


def run_chunk(
    job: ShotJob,
    step: str,
    frames: str,
    version_dir: str,
    backend: str = "native",
    model: str | None = None,
    device: str | None = None,
) -> Path:
    """Render ``frames`` (``FIRST-LAST``) of ``step`` (``infer``/``matchgrade``) into ``version_dir``."""
    if step not in STAGE_OF_STEP:
        raise FarmError(f"step {step!r} is not chunked", hint="chunked steps: infer, matchgrade")
    if backend == "nuke":
        raise FarmError(
            "chunked Infer/MatchGrade renders run on the native engine only",
            hint="submit with -p Backend=native, or render with `chroma-recovery run --backend nuke`",
        )
    wanted = parse_frames(frames, job)
    folder = version_folder(job, version_dir, STAGE_OF_STEP[step])
    return render_chunk(job, step, wanted, folder, model=model or None, device=device)


def require(value: object, option: str, step: str) -> None:
    """A task option the step cannot do without."""
    if value in (None, "", [], ()):
        raise FarmError(f"--step {step} needs {option}")
