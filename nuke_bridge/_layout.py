"""Deterministic DAG positions (``xpos``/``ypos``) and stage backdrops.

Nuke nodes are about 80 x 18 units (y grows downwards). :func:`auto_layout` puts each node one row
below its deepest input and in the column of its input 0; sources and collisions move to the next
free column on the right. The result depends only on the graph's order and connections.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._graph import Graph, Node

COLUMN = 130
ROW = 60
NODE_W = 80
NODE_H = 18
_PAD = 40
_LABEL_H = 70


def auto_layout(graph: Graph, origin: tuple[int, int] = (0, 0)) -> None:
    """Assign ``xpos``/``ypos`` to every node that has none (BackdropNodes are left alone)."""
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    taken: set[tuple[int, int]] = set()
    next_source_col = 0
    for node in graph.topological_order():
        if node.cls == "BackdropNode":
            continue
        sources = [s for s in node.inputs if s is not None and s in rows]
        row = max((rows[s] + 1 for s in sources), default=0)
        first = node.inputs[0] if node.inputs else None
        if first is not None and first in cols:
            col = cols[first]
        else:
            col = next_source_col
        while (col, row) in taken:
            col += 1
        next_source_col = max(next_source_col, col + 1) if first is None else next_source_col
        rows[node.name], cols[node.name] = row, col
        taken.add((col, row))
        if node.xpos is None:
            node.xpos = origin[0] + col * COLUMN
        if node.ypos is None:
            node.ypos = origin[1] + row * ROW


def add_backdrop(
    graph: Graph, label: str, members: Iterable[Node | str], colour: int = 0x7171C600, name: str | None = None
) -> Node:
    """A ``BackdropNode`` framing ``members`` (already positioned), inserted first in the graph.

    Args:
        label: text shown on the backdrop (the stage's title).
        members: nodes (or names) to frame; they must have positions.
        colour: ``tile_color`` as 0xRRGGBBAA.
    """
    nodes = [graph[m] if isinstance(m, str) else m for m in members]
    placed = [n for n in nodes if n.xpos is not None and n.ypos is not None]
    if not placed:
        raise ValueError("backdrop members need positions; run auto_layout first")
    left = min(n.xpos for n in placed if n.xpos is not None) - _PAD
    top = min(n.ypos for n in placed if n.ypos is not None) - _LABEL_H
    right = max(n.xpos for n in placed if n.xpos is not None) + NODE_W + _PAD
    bottom = max(n.ypos for n in placed if n.ypos is not None) + NODE_H + _PAD
    backdrop = graph.add(
        "BackdropNode",
        {
            "tile_color": f"0x{colour:08x}",
            "label": label,
            "note_font_size": 42,
            "bdwidth": right - left,
            "bdheight": bottom - top,
        },
        name=name or graph.unique_name("BackdropNode"),
    )
    backdrop.xpos, backdrop.ypos = left, top
    graph.nodes.remove(backdrop)
    graph.nodes.insert(0, backdrop)
    return backdrop
