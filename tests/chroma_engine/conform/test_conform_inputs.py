"""Conform on a full disk keeps the previous timeline; a zero rate is refused; FCP XML in other encodings."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest
from typer.testing import CliRunner

from chroma_engine.conform import ConformError, conform_reel_file, read_reel
from chroma_engine.io import simulate_full_disk
from chroma_recovery.cli._app import app
from tests.chroma_engine.conform.conform_helpers import edl, write_job, write_render


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write_job(root, "sh010", 86400, 86448)
    write_render(root, "sh010", "inference", 1, count=48)
    (root / "reel.edl").write_text(edl([("sh010", "R1", 1001, 1049, 86400, 86448)]))
    return root


def test_full_disk_keeps_the_previous_timeline(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "conformed.otio"
    conform_reel_file(project / "reel.edl", project, out)
    good = out.read_bytes()
    with simulate_full_disk():
        result = CliRunner().invoke(app, ["conform", str(project / "reel.edl"), "--project", str(project),
                                          "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "conformed.otio: not written (No space left on device)" in result.output
    assert out.read_bytes() == good and otio.adapters.read_from_file(str(out)).name
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("rate", ["0", "-24", "nan", "inf"])
def test_a_rate_that_is_not_one_is_refused(project: Path, tmp_path: Path, rate: str) -> None:
    result = CliRunner().invoke(app, ["conform", str(project / "reel.edl"), "--project", str(project),
                                      "--out", str(tmp_path / "c.otio"), "--rate", rate])  # fmt: skip
    assert result.exit_code == 2 and "must be a frame rate > 0" in result.output, result.output
    assert not (tmp_path / "c.otio").exists()
    with pytest.raises(ConformError, match="--rate"):
        read_reel(project / "reel.edl", rate=float(rate))


def _fcp_xml(shot: str) -> str:
    timeline = otio.schema.Timeline(name="REEL1")
    track = otio.schema.Track(name="V1")
    clip = otio.schema.Clip(
        name=shot,
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(1001, 24), otio.opentime.RationalTime(48, 24)
        ),
    )
    track.append(clip)
    timeline.tracks.append(track)
    text = otio.adapters.write_to_string(timeline, adapter_name="fcp_xml")
    return text[text.index("?>") + 2 :] if text.startswith("<?xml") else text


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "UTF-8"])
def test_fcp_xml_in_its_declared_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "cut.xml"
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    path.write_bytes((declaration + _fcp_xml("sh010_café")).encode(encoding.lower()))
    reel = read_reel(path)
    assert [event.name for event in reel.events] == ["sh010_café"]


def test_fcp_xml_with_an_unknown_encoding_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="klingon-8"?>\n' + _fcp_xml("sh010").encode())
    with pytest.raises(ConformError, match="unknown encoding 'klingon-8'"):
        read_reel(path)
