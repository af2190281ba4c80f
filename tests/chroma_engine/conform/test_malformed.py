"""Malformed cuts: one ConformError naming the file and the adapter's line or element."""

from __future__ import annotations

from pathlib import Path

import pytest

from chroma_engine.conform import ConformError, read_reel
from tests.chroma_engine.conform.conform_helpers import edl


def test_bad_event_line_is_named(tmp_path: Path) -> None:
    text = edl([("a", "R1", 0, 24, 86400, 86424), ("b", "R1", 0, 24, 86424, 86448)])
    lines = text.splitlines()
    lines.insert(5, "003  R1 V C 01:00:00:00")  # too few fields
    path = tmp_path / "bad.edl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConformError) as info:
        read_reel(path)
    assert "bad.edl:6: '003  R1 V C 01:00:00:00'" in str(info.value)
    assert "incorrect number of fields" in str(info.value)


def test_truncated_xml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text("<xmeml version='4'>\n<sequence>\n<name>x</name>\n")
    with pytest.raises(ConformError, match=r"cut\.xml:4: .*fcp_xml could not read it"):
        read_reel(path)


def test_broken_otio_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.otio"
    path.write_text('{\n "OTIO_SCHEMA": "Timeline.1",\n "name": \n')
    with pytest.raises(ConformError, match=r"cut\.otio:\d+: otio_json could not read it"):
        read_reel(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConformError, match="unknown cut format"):
        read_reel(tmp_path / "cut.aaf2")
    with pytest.raises(ConformError, match="no such file"):
        read_reel(tmp_path / "none.edl")
