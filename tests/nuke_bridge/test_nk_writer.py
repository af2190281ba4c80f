"""Graph model and writer: quoting, value typing, the set/push stack, groups, determinism, errors."""

from __future__ import annotations

import math

import pytest

from nuke_bridge import (
    Array,
    Curve,
    Expr,
    Graph,
    GraphError,
    Node,
    Raw,
    array,
    format_value,
    normalise_version,
    parse_nk,
    quote,
    write_nk,
)
from nuke_bridge._reader import Word, parse_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("rgba.red", "rgba.red", id="bare channel"),
        pytest.param("/proj/a_####.exr", "/proj/a_####.exr", id="bare path"),
        pytest.param("/proj/my film/a.exr", '"/proj/my film/a.exr"', id="space"),
        pytest.param('say "hi"', '"say \\"hi\\""', id="quotes"),
        pytest.param("a[b]c", '"a\\[b\\]c"', id="brackets"),
        pytest.param("x{y}z", '"x\\{y\\}z"', id="braces"),
        pytest.param("C:\\dir\\f.exr", '"C:\\\\dir\\\\f.exr"', id="backslashes"),
        pytest.param("16 bit half", '"16 bit half"', id="words"),
        pytest.param("1001", '"1001"', id="number-like string"),
        pytest.param("true", '"true"', id="bool-like string"),
        pytest.param("", '""', id="empty"),
        pytest.param("#hash", '"#hash"', id="leading hash"),
        pytest.param("line1\nline2", '"line1\\nline2"', id="newline"),
    ],
)
def test_quote(text: str, expected: str) -> None:
    assert quote(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        0,
        -12,
        1001,
        1.0,
        0.594774,
        -2.5e-07,
        "ACES2065-1",
        '/proj/my film [v2] {a} "b" \\c$d/x_####.exr',
        "16 bit half",
        "1001",
        array(120, 40, 1800, 1040),
        array(1.5, -4.0),
        Curve.step({1: 0, 7: 1, 12: 0}),
        Curve(((2, 1.74), (7, 0.42)), ""),
        Expr("Transform1.translate.x"),
        array(Curve.step({1: 64}), Curve.step({1: 40, 3: 200}), 1984, Expr("parent.t")),
        Raw("{multi word\n label}"),
    ],
    ids=repr,
)
def test_value_round_trip(value: object) -> None:
    """Every typed value reads back equal (type included) from the text the writer gives it."""
    text = format_value(value)  # type: ignore[arg-type]
    kind = "brace" if text.startswith("{") else "quote" if text.startswith('"') else "bare"
    inner = text[1:-1] if kind != "bare" else text
    back = parse_value(Word(kind, inner))
    assert back == value
    assert type(back) is type(value)


def test_curve_and_array_text() -> None:
    assert format_value(Curve.step({7: 1, 1: 0})) == "{{curve K x1 0 x7 1}}"
    assert format_value(array(Curve.step({1: 0}), 5)) == "{{curve K x1 0} 5}"
    assert format_value(Expr("a.b")) == "{{a.b}}"
    assert Curve.step({1: 0, 7: 1}).value_at(6) == 0
    assert Curve.step({1: 0, 7: 1}).value_at(7) == 1


def test_non_finite_and_unbalanced_values_raise() -> None:
    with pytest.raises(GraphError, match="finite"):
        format_value(math.nan)
    with pytest.raises(GraphError, match="unbalanced"):
        format_value(Expr("a}"))


def _merge_graph() -> Graph:
    graph = Graph()
    read2 = graph.add("Read", {"file": "b.exr"}, name="Read2")
    read1 = graph.add("Read", {"file": "a.exr"}, name="Read1")
    merge = graph.add("Merge2", {"operation": "difference"}, inputs=[read1, read2])
    graph.add("Write", {"file": "out_####.exr"}, name="Write1", inputs=[merge])
    graph.add("Viewer", name="Viewer1", inputs=[read2, None, merge])
    return graph


def test_stack_discipline_and_connections() -> None:
    graph = _merge_graph()
    text = write_nk(graph)
    lines = text.splitlines()
    # Read2 is pushed first (below), Read1 on top: Merge's input 0 (B) is Read1.
    assert lines.index(" name Read2") < lines.index(" name Read1") < lines.index(" name Merge1")
    assert "push 0" in lines
    # Read2 and Merge1 feed two connections each -> exactly two variables.
    assert sum(1 for line in lines if line.startswith("set N")) == 2
    back = parse_nk(text)
    assert back["Merge1"].inputs == ["Read1", "Read2"]
    assert back["Write1"].inputs == ["Merge1"]
    assert back["Viewer1"].inputs == ["Read2", None, "Merge1"]
    assert [n.name for n in back] == ["Read2", "Read1", "Merge1", "Write1", "Viewer1"]


def test_deterministic_and_stable_round_trip() -> None:
    first = write_nk(_merge_graph())
    assert first == write_nk(_merge_graph())
    assert write_nk(parse_nk(first)) == first


def test_header_version_and_root() -> None:
    graph = _merge_graph()
    graph.root = Node("Root", "Root", {"name": "/p/my script.nk", "first_frame": 1001, "fps": 24.0})
    text = write_nk(graph, version="14.1v4")
    assert text.startswith(
        "#! /usr/local/Nuke14.1v4/libnuke-14.1.4.so -nx\nversion 14.1 v4\nRoot {\n inputs 0\n"
    )
    back = parse_nk(text)
    assert back.version == "14.1 v4"
    assert back.root is not None and back.root.knobs == graph.root.knobs
    assert normalise_version("15.1v5") == "15.1 v5"
    with pytest.raises(GraphError, match="15.1v5"):
        normalise_version("fifteen")


def test_group_round_trip() -> None:
    graph = Graph()
    read = graph.add("Read", {"file": "a.exr"}, name="Read1")
    group, inside = graph.add_group("Group1", [read, None])
    blur = inside.add("Blur", {"size": 4.0}, inputs=["Input1"])
    merge = inside.add("Merge2", inputs=[blur, "Input2"])
    inside.add("Output", name="Output1", inputs=[merge])
    graph.add("Write", {"file": "o.exr"}, name="Write1", inputs=[group])
    text = write_nk(graph)
    assert "end_group" in text and "  name Blur1" in text
    back = parse_nk(text)
    assert back["Group1"].inputs == ["Read1", None]
    assert back["Write1"].inputs == ["Group1"]
    children = back["Group1"].children
    assert children is not None
    assert [(n.cls, n.inputs) for n in children] == [
        ("Input", []),
        ("Input", []),
        ("Blur", ["Input1"]),
        ("Merge2", ["Blur1", "Input2"]),
        ("Output", ["Merge1"]),
    ]
    assert children["Input2"].knobs == {"number": 1}
    assert write_nk(back) == text


def test_mask_inputs_written_as_plus() -> None:
    graph = Graph()
    a = graph.add("Constant", name="Constant1")
    m = graph.add("Constant", name="Constant2")
    graph.add("Grade", {"white": 2.0}, name="Grade1", inputs=[a, m], mask_inputs=1)
    text = write_nk(graph)
    assert " inputs 1+1" in text
    back = parse_nk(text)
    assert back["Grade1"].inputs == ["Constant1", "Constant2"] and back["Grade1"].mask_inputs == 1


def test_graph_errors() -> None:
    graph = Graph()
    graph.add("Read", name="Read1")
    with pytest.raises(GraphError, match="duplicate"):
        graph.add("Read", name="Read1")
    with pytest.raises(GraphError, match="not in the graph"):
        graph.add("Blur", inputs=["Nope"])
    with pytest.raises(GraphError, match="valid Nuke name"):
        graph.add("Blur", name="bad name")
    with pytest.raises(GraphError, match="knob"):
        graph.add("Blur", {"name": "x"})
    a = graph.add("Blur", name="A", inputs=["Read1"])
    b = graph.add("Blur", name="B", inputs=[a])
    a.inputs = [b.name]
    with pytest.raises(GraphError, match="cycle"):
        write_nk(graph)
    assert isinstance(Array((1,)), Array)
