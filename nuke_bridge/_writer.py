"""Deterministic ``.nk`` writer: the same :class:`Graph` always gives byte-identical text.

Layout of the output (Nuke 13-15 conventions, see ``shared/reference/nuke_nk.md`` §1)::

    #! /usr/local/Nuke15.1v5/libnuke-15.1.5.so -nx
    version 15.1 v5
    Root {
     inputs 0
     ...
    }
    Read {
     inputs 0
     file /proj/a_####.exr
     name Read_SOURCE
     xpos 0
     ypos 0
    }
    set N0000001 [stack 0]
    ...

Nodes are emitted depth-first from each node nothing consumes: before a node, its inputs are put on
the stack in reverse order (last input first), either by writing the input's own subtree or by
``push $N...`` when it was written before, or ``push 0`` when empty. The node then pops them (top of
stack = input 0). Nodes feeding more than one connection get a ``set N<hex> [stack 0]`` variable.
"""

from __future__ import annotations

import math
import re

from ._errors import GraphError
from ._graph import GROUP_CLASSES, Array, Curve, Expr, Graph, KnobValue, Node, Raw

DEFAULT_VERSION = "15.1 v5"

_BARE_RE = re.compile(r"^[A-Za-z0-9_.:/%@+\-,=][A-Za-z0-9_.:/%#@+\-,=]*$")
INT_RE = re.compile(r"^-?\d+$")
FLOAT_RE = re.compile(r"^-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")
_VERSION_RE = re.compile(r"^\s*(\d+)\.(\d+)\s*v(\d+)\s*$")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "[": "\\[",
    "]": "\\]",
    "{": "\\{",
    "}": "\\}",
    "\n": "\\n",
    "\t": "\\t",
}


def normalise_version(version: str) -> str:
    """``"15.1v5"`` or ``"15.1 v5"`` -> ``"15.1 v5"``; anything else raises :class:`GraphError`."""
    match = _VERSION_RE.match(version)
    if not match:
        raise GraphError(f"Nuke version {version!r} is not like 15.1v5", "write MAJOR.MINORvREV, e.g. 15.1v5")
    major, minor, rev = match.groups()
    return f"{major}.{minor} v{rev}"


def header_line(version: str) -> str:
    """The ``#!`` comment naming the (conventional Linux) binary of that version."""
    major, minor, rev = _VERSION_RE.match(normalise_version(version)).groups()  # type: ignore[union-attr]
    return f"#! /usr/local/Nuke{major}.{minor}v{rev}/libnuke-{major}.{minor}.{rev}.so -nx"


def quote(text: str) -> str:
    """A string as a knob value: bare when unambiguous, else ``"..."`` with TCL escapes."""
    if _BARE_RE.match(text) and not INT_RE.match(text) and not FLOAT_RE.match(text):
        if text not in ("true", "false"):
            return text
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def _number(value: int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if not math.isfinite(value):
        raise GraphError(f"knob value {value} is not a finite number")
    return repr(value)


def _balanced(text: str) -> bool:
    depth = 0
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not escaped


def curve_text(curve: Curve) -> str:
    """``curve K x1 0 x7 1`` (no braces)."""
    parts = ["curve"]
    if curve.flags:
        parts.append(curve.flags)
    for frame, value in curve.keys:
        parts.append(f"x{_number(frame)}")
        parts.append(_number(value))
    return " ".join(parts)


def _field(value: KnobValue) -> str:
    """One field inside an array's braces."""
    if isinstance(value, Curve):
        return "{" + curve_text(value) + "}"
    if isinstance(value, Expr):
        if not _balanced(value.text):
            raise GraphError(f"expression {value.text!r} has unbalanced braces")
        return "{" + value.text + "}"
    return format_value(value)


def format_value(value: KnobValue) -> str:
    """The text of one knob value (see :mod:`nuke_bridge._graph` for the typing rules)."""
    if isinstance(value, (bool, int, float)):
        return _number(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, (Curve, Expr)):
        return "{" + _field(value) + "}"
    if isinstance(value, Array):
        return "{" + " ".join(_field(item) for item in value.items) + "}"
    raise GraphError(f"unsupported knob value {value!r} ({type(value).__name__})")


class _Emitter:
    """Writes one scope's nodes with the set/push stack discipline."""

    def __init__(self, lines: list[str], counter: list[int]) -> None:
        self.lines = lines
        self.counter = counter

    def scope(self, graph: Graph, depth: int) -> None:
        graph.validate()
        by_name = {n.name: n for n in graph.nodes}
        uses: dict[str, int] = {}
        for node in graph.nodes:
            for src in node.inputs:
                if src is not None:
                    uses[src] = uses.get(src, 0) + 1
        variables: dict[str, str] = {}
        written: set[str] = set()
        pad = " " * depth

        def emit(node: Node) -> None:
            for src in reversed(node.inputs):
                if src is None:
                    self.lines.append(f"{pad}push 0")
                elif src in written:
                    self.lines.append(f"{pad}push ${variables[src]}")
                else:
                    emit(by_name[src])
            self.node(node, depth)
            written.add(node.name)
            if uses.get(node.name, 0) > 1:
                self.counter[0] += 1
                variables[node.name] = f"N{self.counter[0]:07x}"
                self.lines.append(f"{pad}set {variables[node.name]} [stack 0]")

        for node in graph.nodes:
            if node.name not in written and uses.get(node.name, 0) == 0:
                emit(node)

    def node(self, node: Node, depth: int) -> None:
        pad = " " * depth
        inner = pad + " "
        self.lines.append(f"{pad}{node.cls} {{")
        count = len(node.inputs)
        if node.mask_inputs:
            self.lines.append(f"{inner}inputs {count - node.mask_inputs}+{node.mask_inputs}")
        else:
            self.lines.append(f"{inner}inputs {count}")
        for knob, value in node.knobs.items():
            self.lines.append(f"{inner}{knob} {format_value(value)}")
        self.lines.append(f"{inner}name {node.name}")
        if node.xpos is not None:
            self.lines.append(f"{inner}xpos {node.xpos}")
        if node.ypos is not None:
            self.lines.append(f"{inner}ypos {node.ypos}")
        self.lines.append(f"{pad}}}")
        if node.cls in GROUP_CLASSES or node.children is not None:
            if node.children is not None:
                self.scope(node.children, depth + 1)
            self.lines.append(f"{pad}end_group")


def write_nk(graph: Graph, version: str | None = None) -> str:
    """The ``.nk`` text of ``graph`` (``version`` overrides ``graph.version``, e.g. ``"14.1v4"``).

    Raises:
        GraphError: the graph is inconsistent (unknown input, duplicate name, cycle) or a value
            cannot be written (non-finite float, unbalanced expression).
    """
    target = normalise_version(version or graph.version or DEFAULT_VERSION)
    lines = [header_line(target), f"version {target}"]
    if graph.root is not None:
        root = graph.root
        lines.append("Root {")
        lines.append(" inputs 0")
        lines.extend(f" {knob} {format_value(value)}" for knob, value in root.knobs.items())
        lines.append("}")
    for layer in graph.layers:
        lines.append(f"add_layer {layer}")
    _Emitter(lines, [0]).scope(graph, 0)
    return "\n".join(lines) + "\n"
