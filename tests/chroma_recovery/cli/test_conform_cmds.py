"""``chroma-recovery approve`` and ``conform``: the table, the approval file, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chroma_recovery.cli._app import app
from tests.chroma_engine.conform.conform_helpers import sample_project


def test_cli_conform_table_and_approve(tmp_path: Path) -> None:
    project = sample_project(tmp_path / "proj")
    runner = CliRunner()
    result = runner.invoke(app, ["approve", "sh020", "v001", "--project", str(project), "--by", "me"])
    assert result.exit_code == 0, result.output
    assert (
        json.loads((project / "pipeline/04_inference_render/sh020/approved.json").read_text())["version"] == 1
    )
    out = tmp_path / "c.otio"
    result = runner.invoke(
        app, ["conform", str(project / "reel.edl"), "--project", str(project), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "v001 (approved)" in result.output and "no render" in result.output
    assert "01:00:00:00" in result.output and out.is_file()
    bad = runner.invoke(app, ["approve", "sh020", "9", "--project", str(project)])
    assert bad.exit_code == 2 and "no finished render" in bad.output
