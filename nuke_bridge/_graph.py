"""The node-graph model written to and read from ``.nk`` scripts.

A :class:`Graph` is an ordered list of :class:`Node` objects (one scope: the script's top level or a
Group's inside) plus the script's ``Root`` settings. Inputs refer to other nodes of the same scope by
name; ``None`` leaves an input empty (``push 0``). Knob values are typed so that the writer quotes
them correctly and the reader gives back equal values:

- ``bool`` -> ``true``/``false``; ``int``; ``float`` (written with ``repr`` so ``1.0`` stays a float);
  ``str`` (bare when safe, else double-quoted with TCL escapes);
- :class:`Array` -> ``{a b c}``; :class:`Curve` -> ``{{curve K x1 0 x7 1}}`` (one per array field);
- :class:`Expr` -> ``{{Transform1.translate.x}}``; :class:`Raw` -> verbatim text (what the reader keeps
  for values it does not model, e.g. a ``label {multi word}`` block).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Union

from ._errors import GraphError

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KNOB_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")

#: Classes whose nodes take no input by default (the reader pops nothing without an ``inputs`` line).
SOURCE_CLASSES = frozenset(
    {
        "BackdropNode",
        "CatFileCreator",
        "CheckerBoard2",
        "ColorBars",
        "ColorWheel",
        "Constant",
        "Input",
        "Read",
        "StickyNote",
    }
)
#: Classes that hold child nodes up to ``end_group``.
GROUP_CLASSES = frozenset({"Group", "LiveGroup"})


@dataclass(frozen=True)
class Curve:
    """An animation curve: ``curve [flags] x<frame> <value> ...``.

    Attributes:
        keys: ``(frame, value)`` pairs in frame order.
        flags: interpolation flags written before the first key (``K`` constant/step, ``L`` linear,
            ``""`` Nuke's default smooth).
    """

    keys: tuple[tuple[int | float, int | float], ...]
    flags: str = "K"

    @classmethod
    def step(cls, keys: Mapping[int, int | float] | Iterable[tuple[int, int | float]]) -> Curve:
        """A constant-interpolation (step) curve, keys sorted by frame."""
        items = keys.items() if isinstance(keys, Mapping) else keys
        return cls(tuple(sorted((int(f), v) for f, v in items)), "K")

    def value_at(self, frame: float) -> int | float:
        """Step evaluation: the last key at or before ``frame`` (else the first key)."""
        if not self.keys:
            raise GraphError("empty curve has no value")
        value = self.keys[0][1]
        for key_frame, key_value in self.keys:
            if key_frame <= frame:
                value = key_value
        return value


@dataclass(frozen=True)
class Expr:
    """A TCL expression, e.g. ``Transform1.translate.x`` -> ``{{Transform1.translate.x}}``."""

    text: str


@dataclass(frozen=True)
class Raw:
    """Knob text kept verbatim (written exactly as stored, no quoting)."""

    text: str


@dataclass(frozen=True)
class Array:
    """A brace array, one item per field: ``box {120 40 1800 1040}``."""

    items: tuple[KnobValue, ...]


KnobValue = Union[bool, int, float, str, Array, Curve, Expr, Raw]


def array(*items: KnobValue) -> Array:
    """Shorthand: ``array(1, 2)`` is ``Array((1, 2))``."""
    return Array(tuple(items))


@dataclass
class Node:
    """One node.

    Attributes:
        cls: Nuke class (``Read``, ``OFXuk.co.thefoundry.furnace.f_align_v403``...).
        name: unique name inside its scope (``Read_SOURCE``).
        knobs: knob name -> value, in write order (``name``/``xpos``/``ypos``/``inputs`` excluded).
        inputs: input node names by index (input 0 first); ``None`` = empty input.
        mask_inputs: trailing inputs that are masks (written ``inputs 1+1``).
        xpos, ypos: DAG position (``None`` = not written).
        children: the inside of a Group (its own scope, with ``Input``/``Output`` nodes).
    """

    cls: str
    name: str
    knobs: dict[str, KnobValue] = field(default_factory=dict)
    inputs: list[str | None] = field(default_factory=list)
    mask_inputs: int = 0
    xpos: int | None = None
    ypos: int | None = None
    children: Graph | None = None

    def __getitem__(self, knob: str) -> KnobValue:
        return self.knobs[knob]

    def input_node(self, index: int) -> str | None:
        """Name of the node on input ``index`` (``None`` when empty or absent)."""
        return self.inputs[index] if index < len(self.inputs) else None


@dataclass
class Graph:
    """An ordered scope of nodes plus (top level only) the script's ``Root`` knobs and version.

    Attributes:
        nodes: the nodes, in a stable order (the writer emits them depth-first from it).
        root: the ``Root`` node (``None`` inside groups; the writer then writes no Root block).
        version: Nuke version of the ``version`` line, ``"15.1 v5"`` form.
        layers: ``add_layer`` arguments kept verbatim (``{l l.red l.green l.blue}``).
    """

    nodes: list[Node] = field(default_factory=list)
    root: Node | None = None
    version: str = "15.1 v5"
    layers: list[str] = field(default_factory=list)

    # -- lookup ------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, name: object) -> bool:
        return any(n.name == name for n in self.nodes)

    def __getitem__(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise GraphError(f"no node named {name!r} in the graph", "names are case-sensitive")

    def by_class(self, cls: str) -> list[Node]:
        """All nodes of one class, in graph order."""
        return [n for n in self.nodes if n.cls == cls]

    def consumers(self, name: str) -> list[tuple[Node, int]]:
        """``(node, input index)`` of every connection fed by ``name``."""
        return [(n, i) for n in self.nodes for i, src in enumerate(n.inputs) if src == name]

    # -- building ----------------------------------------------------------------------------------
    def unique_name(self, stem: str) -> str:
        """``stem1``, ``stem2``... the first not yet used (Nuke's naming)."""
        index = 1
        while f"{stem}{index}" in self:
            index += 1
        return f"{stem}{index}"

    def add(
        self,
        cls: str,
        knobs: Mapping[str, KnobValue] | None = None,
        *,
        name: str | None = None,
        inputs: Iterable[Node | str | None] = (),
        mask_inputs: int = 0,
    ) -> Node:
        """Append a node; ``inputs`` may be nodes, names or ``None``. Returns the node."""
        name = name or self.unique_name(re.sub(r"(_v)?\d+$", "", cls.rsplit(".", 1)[-1]) or "Node")
        if not _NAME_RE.match(name):
            raise GraphError(f"node name {name!r} is not a valid Nuke name", "use letters, digits and _")
        if name in self:
            raise GraphError(f"duplicate node name {name!r}", "node names must be unique in a scope")
        input_names: list[str | None] = []
        for item in inputs:
            src = item.name if isinstance(item, Node) else item
            if src is not None and src not in self:
                raise GraphError(f"{name}: input {src!r} is not in the graph", "add inputs before consumers")
            input_names.append(src)
        node = Node(cls, name, dict(knobs or {}), input_names, mask_inputs)
        for knob in node.knobs:
            if not _KNOB_RE.match(knob) or knob in ("name", "inputs", "xpos", "ypos"):
                raise GraphError(f"{name}: {knob!r} is not a settable knob name")
        self.nodes.append(node)
        return node

    def add_group(
        self,
        name: str,
        inputs: Iterable[Node | str | None] = (),
        knobs: Mapping[str, KnobValue] | None = None,
    ) -> tuple[Node, Graph]:
        """A Group node with one ``Input`` per input and an inner scope; returns (group, inside)."""
        input_list = list(inputs)
        group = self.add("Group", knobs, name=name, inputs=input_list)
        inside = Graph(version=self.version)
        for index in range(len(input_list)):
            inside.add("Input", {"number": index} if index else {}, name=f"Input{index + 1}")
        group.children = inside
        return group, inside

    # -- checks ------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`GraphError` for unknown inputs, duplicate names or cycles (all scopes)."""
        names = [n.name for n in self.nodes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise GraphError(f"duplicate node names: {', '.join(dupes)}")
        known = set(names)
        for node in self.nodes:
            for src in node.inputs:
                if src is not None and src not in known:
                    raise GraphError(f"{node.name}: input {src!r} is not in the graph")
            if node.mask_inputs > len(node.inputs):
                raise GraphError(f"{node.name}: mask_inputs exceeds the number of inputs")
            if node.children is not None:
                node.children.validate()
        self.topological_order()

    def topological_order(self) -> list[Node]:
        """Nodes ordered so every input precedes its consumer (stable w.r.t. graph order)."""
        by_name = {n.name: n for n in self.nodes}
        state: dict[str, int] = {}
        order: list[Node] = []

        def visit(node: Node, trail: tuple[str, ...]) -> None:
            if state.get(node.name) == 2:
                return
            if state.get(node.name) == 1:
                raise GraphError(f"cycle in the graph: {' -> '.join((*trail, node.name))}")
            state[node.name] = 1
            for src in node.inputs:
                if src is not None:
                    visit(by_name[src], (*trail, node.name))
            state[node.name] = 2
            order.append(node)

        for node in self.nodes:
            visit(node, ())
        return order
