"""The five-stage project layout."""

from ._init import init_project, logs_dir, stage_dir
from ._template import STAGE_FOLDERS, StageFolder, pipeline_readme, stage_readme

__all__ = [
    "STAGE_FOLDERS",
    "StageFolder",
    "init_project",
    "logs_dir",
    "pipeline_readme",
    "stage_dir",
    "stage_readme",
]
