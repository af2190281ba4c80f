"""``chroma_engine.bench.cuda_smoke`` runs the five stages and records every frame (CPU layout here)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from chroma_engine.bench import cuda_smoke  # noqa: E402


def test_smoke_record(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MPLBACKEND", "Agg")
    cuda_smoke.main(["--out", str(tmp_path), "--size", "128x96", "--frames", "6", "--steps", "10"])
    record = json.loads((tmp_path / "cuda_smoke.json").read_text())
    assert record["frames"] == 6 and record["frames_written_and_readable"] == 6
    assert record["metrics"]["ml_luma_max_abs_dY"] <= 1e-3
    assert record["metrics"]["ml_heldout_frames_scored"] >= 1
