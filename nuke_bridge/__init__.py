"""Nuke bridge: build the five-stage NukeX CopyCat scripts (.nk) for a shot and read .nk scripts back.

Generation is pure Python (a node-graph model, a deterministic writer and a reader); running Nuke
lives in the runner modules. Nothing here imports ``nuke``.
"""

from ._build import BUILDERS, build_all, build_scripts, load_records, next_version, script_path
from ._errors import GraphError, NkParseError, NukeBridgeError, StageInputError
from ._graph import Array, Curve, Expr, Graph, KnobValue, Node, Raw, array
from ._layout import add_backdrop, auto_layout
from ._reader import parse_nk, read_nk
from ._stage_common import NUKE_OCIO_CONFIG, STAGE_DIRS, BuildOptions, nuke_colourspace
from ._stages_prep import build_alignment, build_curation
from ._stages_render import build_inference, build_matchgrade, build_training
from ._writer import format_value, normalise_version, quote, write_nk

__all__ = [
    "Array",
    "BUILDERS",
    "BuildOptions",
    "Curve",
    "Expr",
    "Graph",
    "GraphError",
    "KnobValue",
    "NUKE_OCIO_CONFIG",
    "NkParseError",
    "Node",
    "NukeBridgeError",
    "Raw",
    "STAGE_DIRS",
    "StageInputError",
    "add_backdrop",
    "array",
    "auto_layout",
    "build_alignment",
    "build_all",
    "build_curation",
    "build_inference",
    "build_matchgrade",
    "build_scripts",
    "build_training",
    "format_value",
    "load_records",
    "next_version",
    "normalise_version",
    "nuke_colourspace",
    "parse_nk",
    "quote",
    "read_nk",
    "script_path",
    "write_nk",
]
