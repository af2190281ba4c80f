"""Stage orchestration of the native engine: run a job, publish manifests, build the QC report."""

from ._context import ShotContext
from ._evaluation import FrameScorer, evaluation_frames
from ._manifest import MANIFEST_NAME, verify_sequence, write_manifest
from ._render_stages import apply_cleanup, latest_model, limit_resolution
from ._run import ALL_STAGES, RunSummary, run_job
from ._verify import verify_manifest

__all__ = [
    "ALL_STAGES",
    "MANIFEST_NAME",
    "FrameScorer",
    "RunSummary",
    "ShotContext",
    "apply_cleanup",
    "evaluation_frames",
    "latest_model",
    "limit_resolution",
    "run_job",
    "verify_manifest",
    "verify_sequence",
    "write_manifest",
]
