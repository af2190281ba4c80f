"""Render-farm scale-out: Open Job Description bundles (``openjd run``, AWS Deadline Cloud) per shot.

``write_bundle(job_file, out_dir)`` writes ``template.yaml`` (``jobtemplate-2023-09``: Prepare ->
Train -> chunked Infer, chunked MatchGrade -> Finalize), ``parameter_values.yaml`` and
``asset_references.yaml``; the tasks call ``chroma-recovery farm task`` (``run_prepare``, ``run_train``,
``pin_model``, ``run_chunk``, ``finalize_version``). ``openjd_check`` / ``openjd_run`` drive the
``openjd`` CLI.
"""

from ._bundle import BundleInfo, load_job_checked, validate_template, write_bundle
from ._chunks import parse_frames, version_folder
from ._errors import FarmError
from ._finalize import finalize_version
from ._openjd import find_openjd, openjd_check, openjd_run
from ._tasks import TASK_STEPS, bind_job, pin_model, run_chunk, run_prepare, run_train
from ._template import MODEL_ENV, SPEC_VERSION, BundleSpec, build_template

__all__ = [
    "MODEL_ENV",
    "SPEC_VERSION",
    "TASK_STEPS",
    "BundleInfo",
    "BundleSpec",
    "FarmError",
    "bind_job",
    "build_template",
    "finalize_version",
    "find_openjd",
    "load_job_checked",
    "openjd_check",
    "openjd_run",
    "parse_frames",
    "pin_model",
    "run_chunk",
    "run_prepare",
    "run_train",
    "validate_template",
    "version_folder",
    "write_bundle",
]
