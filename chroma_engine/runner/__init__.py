"""Stage orchestration of the native engine: run a job, publish manifests, build the QC report.

One render path serves a local run and a farm job alike: ``stage_output`` names a render stage's
files, ``fit_matchgrade`` fits the MatchGrade LUT, ``render_frames`` renders frames F of a stage into
a version folder (scored by ``stage_scorers``) and ``publish_render`` writes its manifest last.
Training runs in one process (``run_job``) or over ``torchrun`` ranks (``launch_ddp``,
``chroma_engine.runner.ddp_main``); both publish with ``publish_training``.
"""

from ._context import ShotContext
from ._ddp import DDP_MODULE, RankReport, launch_ddp, train_rank
from ._evaluation import FrameScorer, HeldOut, evaluation_frames, held_out_frames, shot_held_out
from ._job import CurationInForce, ensure_curation, job_log, job_log_path
from ._manifest import MANIFEST_NAME, verify_sequence, write_manifest
from ._prep_stages import TrainingSet, load_pairs, model_input, reference_pairs, training_set
from ._render import (
    RENDER_STAGES,
    FrameRender,
    StageOutput,
    fit_matchgrade,
    publish_render,
    render_frames,
    stage_output,
    stage_scorers,
)
from ._render_stages import latest_model, publish_training, training_folder
from ._restore import apply_cleanup, limit_resolution
from ._run import ALL_STAGES, RunSummary, run_job
from ._verify import verify_manifest

__all__ = [
    "ALL_STAGES",
    "DDP_MODULE",
    "CurationInForce",
    "MANIFEST_NAME",
    "RENDER_STAGES",
    "FrameRender",
    "FrameScorer",
    "HeldOut",
    "RankReport",
    "RunSummary",
    "ShotContext",
    "StageOutput",
    "TrainingSet",
    "apply_cleanup",
    "ensure_curation",
    "evaluation_frames",
    "fit_matchgrade",
    "held_out_frames",
    "job_log",
    "job_log_path",
    "latest_model",
    "launch_ddp",
    "limit_resolution",
    "load_pairs",
    "model_input",
    "publish_render",
    "publish_training",
    "render_frames",
    "reference_pairs",
    "run_job",
    "shot_held_out",
    "stage_output",
    "stage_scorers",
    "train_rank",
    "training_folder",
    "training_set",
    "verify_manifest",
    "verify_sequence",
    "write_manifest",
]
