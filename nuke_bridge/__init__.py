"""Nuke bridge: build the five-stage NukeX CopyCat scripts (.nk) for a shot and read .nk scripts back.

Generation is pure Python (a node-graph model, a deterministic writer and a reader); running Nuke
lives in the runner modules. Nothing here imports ``nuke``.
"""

from ._errors import GraphError, NkParseError, NukeBridgeError, StageInputError
from ._graph import Array, Curve, Expr, Graph, KnobValue, Node, Raw, array
from ._writer import format_value, normalise_version, quote, write_nk

__all__ = [
    "Array",
    "Curve",
    "Expr",
    "Graph",
    "GraphError",
    "KnobValue",
    "NkParseError",
    "Node",
    "NukeBridgeError",
    "Raw",
    "StageInputError",
    "array",
    "format_value",
    "normalise_version",
    "quote",
    "write_nk",
]
