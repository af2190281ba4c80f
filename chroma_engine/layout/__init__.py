"""The five-stage project layout."""

from ._init import init_project, stage_dir
from ._template import STAGE_FOLDERS, StageFolder, pipeline_readme, stage_readme

__all__ = ["STAGE_FOLDERS", "StageFolder", "init_project", "pipeline_readme", "stage_dir", "stage_readme"]
