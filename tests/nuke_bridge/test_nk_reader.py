"""Reader: real Nuke-saved scripts (``../shared/samples/nk``), clones, layers, layout blocks, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuke_bridge import Curve, NkParseError, Raw, parse_nk, read_nk, write_nk


def _sample(shared_dir: Path, name: str) -> Path:
    path = shared_dir / "samples" / "nk" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def test_multi_load_save(shared_dir: Path) -> None:
    graph = read_nk(_sample(shared_dir, "multi-load-save.nk"))
    assert graph.version == "13.2 v4"
    assert [(n.cls, n.name) for n in graph] == [
        ("Viewer", "Viewer1"),
        ("Constant", "Constant1"),
        ("Noise", "Noise1"),
        ("Write", "Write1"),
        ("Write", "Write2"),
        ("Read", "Read2"),
        ("Read", "Read1"),
        ("Merge2", "Merge1"),
        ("Write", "Write3"),
    ]
    assert graph["Merge1"].inputs == ["Read1", "Read2"]  # input 0 (B) = last pushed
    assert graph["Noise1"].inputs == ["Constant1"]
    assert graph["Write1"].inputs == ["Noise1"]
    assert graph["Write2"].inputs == ["Constant1"]  # via push $N55fd2000
    assert graph["Write3"].inputs == ["Merge1"]
    assert graph["Viewer1"].inputs == []
    assert graph["Noise1"]["zoffset"] == Curve(((2, 1.74), (7, 0.42), (16, 1.16), (87, 0.36)), "")
    assert graph["Constant1"]["color"].items == (0.594774, 0.315085, 0.477861, 0)  # type: ignore[union-attr]
    assert graph["Read2"]["first"] == 50 and graph["Read2"]["origset"] is True
    assert graph["Read2"].xpos == 100 and graph["Read2"].ypos == -232
    assert graph.root is not None
    assert graph.root["project_directory"] == "[python {nuke.script_directory()}]"
    assert graph.root["format"] == "2048 1556 0 0 2048 1556 1 2K_Super_35(full-ap)"


def test_group_read(shared_dir: Path) -> None:
    graph = read_nk(_sample(shared_dir, "group-read.nk"))
    assert [(n.cls, n.name, n.inputs) for n in graph] == [
        ("Group", "Group1", []),
        ("Viewer", "Viewer1", ["Group1"]),
    ]
    children = graph["Group1"].children
    assert children is not None
    assert [(n.cls, n.name, n.inputs) for n in children] == [
        ("Read", "Read1", []),
        ("Output", "Output1", ["Read1"]),
    ]
    assert children["Read1"]["file"] == "colorbars.png"


def test_cwd_path_and_ocio(shared_dir: Path) -> None:
    cwd = read_nk(_sample(shared_dir, "cwd-path.nk"))
    assert cwd.version == ""  # no version line in that file
    assert [(n.name, n.inputs) for n in cwd] == [
        ("ColorBars1", []),
        ("Viewer1", ["ColorBars1"]),
        ("Write1", ["ColorBars1"]),
    ]
    assert cwd["ColorBars1"]["barintensity"] == Curve(((1, 0), (10, 1)), "")
    ocio = read_nk(_sample(shared_dir, "ocio.nk"))
    assert ocio.root is not None and ocio.root["colorManagement"] == "OCIO"
    assert ocio.root["OCIO_config"] == "custom" and ocio.root["monitorLut"] == 0
    assert [(n.name, n.inputs) for n in ocio] == [
        ("ColorBars1", []),
        ("Write1", ["ColorBars1"]),
        ("Viewer1", ["ColorBars1"]),
    ]


@pytest.mark.parametrize("name", ["multi-load-save.nk", "group-read.nk", "cwd-path.nk", "ocio.nk"])
def test_samples_round_trip(shared_dir: Path, name: str) -> None:
    graph = read_nk(_sample(shared_dir, name))
    text = write_nk(graph)
    again = parse_nk(text)
    assert again.nodes == graph.nodes
    assert again.root == graph.root
    assert write_nk(again) == text


SNIPPET = """\
# a comment
set cut_paste_input [stack 0]
version 15.1 v5
add_layer {depth depth.Z}
push $cut_paste_input
Blur {
 size 3
 label {two words
and a line}
 name Blur1
 selected true
 xpos 10
 ypos 20
}
clone node7f00|Grade|1234 {
 white 2
 name Grade1
}
set C7f00 [stack 0]
clone $C7f00 {
 inputs 0
 name Grade2
}
push $C7f00
Dot {
 name Dot1
}
Merge2 {
 inputs 2+1
 name Merge1
}
"""


def test_snippet_clones_layers_and_raw_values() -> None:
    graph = parse_nk(SNIPPET)
    assert graph.layers == ["{depth depth.Z}"]
    assert graph["Blur1"].inputs == [None]  # $cut_paste_input is an empty input
    assert graph["Blur1"]["label"] == Raw("{two words\nand a line}")
    assert graph["Blur1"]["selected"] is True
    assert graph["Grade1"].cls == "Grade" and graph["Grade1"].inputs == ["Blur1"]
    assert graph["Grade2"].cls == "Grade" and graph["Grade2"]["white"] == 2 and graph["Grade2"].inputs == []
    assert graph["Dot1"].inputs == ["Grade1"]
    assert graph["Merge1"].inputs == ["Dot1", "Grade2", "Grade1"] and graph["Merge1"].mask_inputs == 1
    assert parse_nk(write_nk(graph)).nodes == graph.nodes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("Blur {\n size 3\n", "unterminated", id="open brace"),
        pytest.param("push $N1234\n", "unknown variable", id="unknown var"),
        pytest.param("end_group\n", "end_group", id="stray end_group"),
        pytest.param("Group {\n}\n Blur {\n }\n", "end_group", id="unclosed group"),
        pytest.param("Blur {\n inputs x\n}\n", "inputs", id="bad inputs"),
        pytest.param("bogus command here\n", "unexpected command", id="unknown command"),
    ],
)
def test_parse_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(NkParseError, match=message) as info:
        parse_nk(text, "x.nk")
    assert str(info.value).startswith("x.nk")


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NkParseError, match="cannot read"):
        read_nk(tmp_path / "nope.nk")
