"""The package surface: sorted ``__all__``, every name resolves, no host SDK imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nuke_bridge


def test_all_sorted_and_resolvable() -> None:
    assert nuke_bridge.__all__ == sorted(nuke_bridge.__all__)
    for name in nuke_bridge.__all__:
        assert hasattr(nuke_bridge, name), name
    for name in ("Graph", "Node", "write_nk", "parse_nk", "read_nk", "build_scripts", "NukeBridgeError"):
        assert name in nuke_bridge.__all__


def test_errors_share_one_root_with_hint() -> None:
    for cls in (nuke_bridge.GraphError, nuke_bridge.NkParseError, nuke_bridge.StageInputError):
        assert issubclass(cls, nuke_bridge.NukeBridgeError)
    err = nuke_bridge.StageInputError("training", "curation.frames", "none", "list frames")
    assert (err.field, err.hint, str(err)) == (
        "curation.frames",
        "list frames",
        "stage training: curation.frames: none",
    )


def test_import_in_plain_cpython_without_nuke() -> None:
    code = "import sys, nuke_bridge; assert 'nuke' not in sys.modules; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(nuke_bridge.__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "ok"
