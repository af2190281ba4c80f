"""Nuke bridge: build the five-stage NukeX CopyCat scripts (.nk) for a shot and read .nk scripts back.

Generation is pure Python (a node-graph model, a deterministic writer and a reader); running Nuke
lives in the runner modules. Nothing here imports ``nuke``.
"""

from ._backend import StageRun, apply_edition_limits, check_edition, run_stages_with_nuke
from ._build import BUILDERS, build_all, build_scripts, load_records, next_version, script_path
from ._catfile import CatFileError, build_catfile_graph, check_torchscript, create_cat_file
from ._choose import Backend, BackendDecision, BackendRequest, choose_backend
from ._commands import RunOptions, render_script, train_script
from ._errors import GraphError, NkParseError, NukeBridgeError, StageInputError
from ._graph import Array, Curve, Expr, Graph, KnobValue, Node, Raw, array
from ._job import run_job_with_nuke
from ._layout import add_backdrop, auto_layout
from ._locate import ENV_EXECUTABLE, NukeInstall, NukeNotFoundError, find_nuke, locate_nuke
from ._reader import parse_nk, read_nk
from ._runner import NukeEvent, NukeRenderError, NukeRunResult, NukeTimeoutError
from ._stage_common import NUKE_OCIO_CONFIG, STAGE_DIRS, BuildOptions, nuke_colourspace
from ._stages_prep import build_alignment, build_curation
from ._stages_render import build_inference, build_matchgrade, build_training
from ._writer import format_value, normalise_version, quote, write_nk

__all__ = [
    "Array",
    "BUILDERS",
    "Backend",
    "BackendDecision",
    "BackendRequest",
    "BuildOptions",
    "CatFileError",
    "Curve",
    "ENV_EXECUTABLE",
    "Expr",
    "Graph",
    "GraphError",
    "KnobValue",
    "NUKE_OCIO_CONFIG",
    "NkParseError",
    "Node",
    "NukeBridgeError",
    "NukeEvent",
    "NukeInstall",
    "NukeNotFoundError",
    "NukeRenderError",
    "NukeRunResult",
    "NukeTimeoutError",
    "Raw",
    "RunOptions",
    "STAGE_DIRS",
    "StageInputError",
    "StageRun",
    "add_backdrop",
    "apply_edition_limits",
    "array",
    "auto_layout",
    "build_alignment",
    "build_all",
    "build_catfile_graph",
    "build_curation",
    "build_inference",
    "build_matchgrade",
    "build_scripts",
    "build_training",
    "check_edition",
    "check_torchscript",
    "choose_backend",
    "create_cat_file",
    "find_nuke",
    "format_value",
    "load_records",
    "locate_nuke",
    "next_version",
    "normalise_version",
    "nuke_colourspace",
    "parse_nk",
    "quote",
    "read_nk",
    "render_script",
    "run_job_with_nuke",
    "run_stages_with_nuke",
    "script_path",
    "train_script",
    "write_nk",
]
