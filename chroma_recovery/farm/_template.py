"""The Open Job Description template (``jobtemplate-2023-09``, base syntax only) for one shot.

Step graph::

    Prepare (curation + alignment, 1 task) ──> Train (1 task, GPU host) ──> Infer (frame chunks) ─┐
            └──────────────────────────────> MatchGrade (frame chunks) ─────────────────────────┴─> Finalize

Every task runs one fixed bash launcher (an ``embeddedFiles`` entry) with the values as separate argv
items of the action (``args``): ``bash LAUNCHER COMMAND farm task JOB --project-root ROOT --step ...``.
No parameter value is ever substituted into script text, so a path holding ``$(...)``, backticks,
quotes, spaces, newlines or any other character reaches ``farm task`` as exactly one argument and is
never run by a shell. The one exception by design is ``ChromaRecoveryCommand``: it is a command line and
is run as one (``eval``), so it may carry its own quoted arguments (``python -c '...'``,
``env PYTHONPATH=...``); it is set by whoever sets up the workers, like ``PATH``.

Chunks use base syntax so the template runs on every OpenJD implementation (``openjd run``, Deadline
Cloud) without the ``TASK_CHUNKING`` extension: the INT task parameter ``ChunkStart`` ranges over
``FIRST-LAST:{{Param.ChunkSize}}`` (resolved when the job is created, so ``-p ChunkSize=N`` at
submission changes the chunking) and each task renders ``ChunkStart .. min(ChunkStart+ChunkSize-1,
LAST)``.

The ``Infer`` step environment ``ChromaModel`` runs once per worker session before that worker's first
Infer task: it resolves the newest finished model, copies it into the session's working directory and
exports ``CHROMA_RECOVERY_MODEL`` (``openjd_env: NAME=value``), so every chunk on that worker uses the
same, local model file. Plain OpenJD cannot keep a Python process alive between tasks (that needs an
adaptor daemon, as Deadline Cloud's Nuke adaptor does), so each task still starts Python and loads the
model; with the small per-shot model that costs about a second, not a reason for chunks of one frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas import ShotJob

SPEC_VERSION = "jobtemplate-2023-09"
#: The task parameter of the chunked steps.
CHUNK_PARAM = "ChunkStart"
#: The model variable the Infer step environment exports.
MODEL_ENV = "CHROMA_RECOVERY_MODEL"

_PREAMBLE = "#!/usr/bin/env bash\nset -euo pipefail\n"
#: The launcher every task runs. ``$1`` is ``ChromaRecoveryCommand``: a command line, run as one (it may
#: carry its own quoted arguments). Every other value (paths, backend, steps, version folders) arrives as a
#: separate argv item and reaches the CLI as one argument: no shell ever parses a parameter value.
_LAUNCH = _PREAMBLE + 'command=$1\nshift\neval "exec $command \\"\\$@\\""\n'
#: The chunk launcher: ``$2`` is the chunk's first frame, ``$3`` the chunk size, ``$4`` the shot's last
#: frame (all integers, checked); the frame range is appended as ``--frames FIRST-LAST``.
_CHUNK = _PREAMBLE + (
    "command=$1 first=$2 size=$3 final=$4\n"
    "shift 4\n"
    'for n in "$first" "$size" "$final"; do\n'
    '  case "$n" in ""|*[!0-9]*) echo "error: chunk bounds must be integers, got $n" >&2; exit 2;; esac\n'
    "done\n"
    "last=$(( first + size - 1 ))\n"
    'if [ "$last" -gt "$final" ]; then last=$final; fi\n'
    'set -- "$@" --frames "$first-$last"\n'
    'eval "exec $command \\"\\$@\\""\n'
)
_COMMAND = "{{Param.ChromaRecoveryCommand}}"
#: ``farm task JOB --project-root ROOT`` as argv items.
_TASK = ["farm", "task", "{{Param.JobFile}}", "--project-root", "{{Param.ProjectRoot}}"]


@dataclass(frozen=True)
class BundleSpec:
    """What the template is generated from.

    Attributes:
        job: the validated shot job.
        job_file: absolute path of the job file (``JobFile`` in ``parameter_values.yaml``).
        project_root: ``ProjectRoot`` in ``parameter_values.yaml``.
        infer_version_dir: reserved inference version folder, relative to the project root.
        matchgrade_version_dir: reserved MatchGrade version folder (None: MatchGrade disabled).
        backend, steps, chunk_size, command: defaults of the job parameters of the same names.
    """

    job: ShotJob
    job_file: str
    project_root: str
    infer_version_dir: str
    matchgrade_version_dir: str | None
    backend: str
    steps: int
    chunk_size: int
    command: str = "chroma-recovery"


def _script(args: list[str], chunked: bool = False, name: str = "Run") -> dict[str, Any]:
    """A task script: the launcher as an embedded file, the values as separate ``args``."""
    return {
        "embeddedFiles": [{"name": name, "type": "TEXT", "data": _CHUNK if chunked else _LAUNCH}],
        "actions": {
            "onRun": {
                "command": "bash",
                "args": [f"{{{{Task.File.{name}}}}}", *args],
                "cancelation": {"mode": "NOTIFY_THEN_TERMINATE", "notifyPeriodInSeconds": 30},
            }
        },
    }


def _chunk_args(spec: BundleSpec, step: str, version_dir: str, extra: list[str] | None = None) -> list[str]:
    last = spec.job.media.source.last_frame
    bounds = [f"{{{{Task.Param.{CHUNK_PARAM}}}}}", "{{Param.ChunkSize}}", str(last)]
    return [_COMMAND, *bounds, *_TASK, "--backend", "{{Param.Backend}}", "--step", step,
            "--version-dir", version_dir, *(extra or [])]  # fmt: skip


def _chunk_space(spec: BundleSpec) -> dict[str, Any]:
    src = spec.job.media.source
    return {
        "taskParameterDefinitions": [
            {
                "name": CHUNK_PARAM,
                "type": "INT",
                "range": f"{src.first_frame}-{src.last_frame}:{{{{Param.ChunkSize}}}}",
            }
        ]
    }


def _parameters(spec: BundleSpec) -> list[dict[str, Any]]:
    """The job parameters. OpenJD only allows relative PATH defaults (joined to the template's folder),
    so ``JobFile`` and ``ProjectRoot`` get their absolute values from ``parameter_values.yaml``."""
    return [
        {
            "name": "JobFile",
            "type": "PATH",
            "objectType": "FILE",
            "dataFlow": "IN",
            "description": "The shot's ShotJob JSON (schemas.ShotJob).",
        },
        {
            "name": "ProjectRoot",
            "type": "PATH",
            "objectType": "DIRECTORY",
            "dataFlow": "INOUT",
            "description": "Project root on the worker; replaces the job's project.root.",
        },
        {
            "name": "Backend",
            "type": "STRING",
            "allowedValues": ["nuke", "native"],
            "default": spec.backend,
            "description": "native: chroma_engine; nuke: NukeX CopyCat for Prepare/Train.",
        },
        {
            "name": "Steps",
            "type": "INT",
            "minValue": 1,
            "default": spec.steps,
            "description": "Training steps.",
        },
        {
            "name": "ChunkSize",
            "type": "INT",
            "minValue": 1,
            "default": spec.chunk_size,
            "description": "Frames per Infer / MatchGrade task.",
        },
        {
            "name": "ChromaRecoveryCommand",
            "type": "STRING",
            "minLength": 1,
            "default": spec.command,
            "description": "How workers start the CLI (may carry quoted arguments).",
        },
    ]


def build_template(spec: BundleSpec) -> dict[str, Any]:
    """The job template as a plain dict, ready for ``yaml.safe_dump`` (key order kept)."""
    job = spec.job
    steps: list[dict[str, Any]] = [
        {
            "name": "Prepare",
            "description": "Stages 01 curation and 02 alignment (one task).",
            "script": _script([_COMMAND, *_TASK, "--backend", "{{Param.Backend}}", "--step", "prepare"]),
        },
        {
            "name": "Train",
            "description": "Stage 03: train the shot's chroma model (one task on a GPU worker).",
            "dependencies": [{"dependsOn": "Prepare"}],
            "hostRequirements": {
                "amounts": [{"name": "amount.worker.gpu", "min": 1}],
                "attributes": [{"name": "attr.worker.os.family", "anyOf": ["linux"]}],
            },
            "script": _script(
                [
                    _COMMAND,
                    *_TASK,
                    "--backend",
                    "{{Param.Backend}}",
                    "--step",
                    "train",
                    "--steps",
                    "{{Param.Steps}}",
                ]
            ),
        },
        {
            "name": "Infer",
            "description": "Stage 04: restore frame chunks into the reserved inference version.",
            "dependencies": [{"dependsOn": "Train"}],
            "parameterSpace": _chunk_space(spec),
            "stepEnvironments": [
                {
                    "name": "ChromaModel",
                    "description": f"Pins the newest model in the session folder; exports {MODEL_ENV}.",
                    "script": {
                        "embeddedFiles": [
                            {
                                "name": "Enter",
                                "type": "TEXT",
                                "data": _LAUNCH,
                            }
                        ],
                        "actions": {
                            "onEnter": {
                                "command": "bash",
                                "args": [
                                    "{{Env.File.Enter}}",
                                    _COMMAND,
                                    *_TASK,
                                    "--step",
                                    "model",
                                    "--session-dir",
                                    "{{Session.WorkingDirectory}}",
                                ],  # fmt: skip
                            }
                        },
                    },
                }
            ],
            # the model path reaches ``farm task`` in the environment the step environment exported
            "script": _script(_chunk_args(spec, "infer", spec.infer_version_dir), chunked=True),
        },
    ]
    finalize_deps = [{"dependsOn": "Infer"}]
    finalize = [_COMMAND, *_TASK, "--step", "finalize", "--version-dir", spec.infer_version_dir]
    if spec.matchgrade_version_dir is not None:
        steps.append(
            {
                "name": "MatchGrade",
                "description": "Stage 05: the 3D-LUT baseline over frame chunks (LUT fitted per task).",
                "dependencies": [{"dependsOn": "Prepare"}],
                "parameterSpace": _chunk_space(spec),
                "script": _script(_chunk_args(spec, "matchgrade", spec.matchgrade_version_dir), chunked=True),
            }
        )
        finalize_deps.append({"dependsOn": "MatchGrade"})
        finalize += ["--version-dir", spec.matchgrade_version_dir]
    steps.append(
        {
            "name": "Finalize",
            "description": "Verify every frame, merge the chunk metrics, write the manifests last.",
            "dependencies": finalize_deps,
            "script": _script(finalize),
        }
    )
    return {
        "specificationVersion": SPEC_VERSION,
        "name": f"chroma-recovery {job.project.name} {job.shot.name}",
        "description": f"Restore shot {job.shot.name} of {job.project.name} ({job.job_id}).",
        "parameterDefinitions": _parameters(spec),
        "steps": steps,
    }


def parameter_values(spec: BundleSpec) -> dict[str, Any]:
    """``parameter_values.yaml`` content (Deadline Cloud bundle format)."""
    values = {
        "JobFile": spec.job_file,
        "ProjectRoot": spec.project_root,
        "Backend": spec.backend,
        "Steps": spec.steps,
        "ChunkSize": spec.chunk_size,
        "ChromaRecoveryCommand": spec.command,
    }
    return {"parameterValues": [{"name": k, "value": v} for k, v in values.items()]}


def asset_references(spec: BundleSpec, input_dirs: list[str]) -> dict[str, Any]:
    """``asset_references.yaml``: the job file and the media folders in, the pipeline folder out."""
    root = spec.project_root.rstrip("/")
    return {
        "assetReferences": {
            "inputs": {"filenames": [spec.job_file], "directories": sorted(set(input_dirs))},
            "outputs": {"directories": [f"{root}/pipeline"]},
            "referencedPaths": [],
        }
    }
