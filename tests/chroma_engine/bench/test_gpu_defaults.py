"""``chroma_engine.bench.gpu_defaults`` on the CPU: inference as the job defaults run it, recorded."""

from __future__ import annotations

import json

from chroma_engine.bench import gpu_defaults


def test_inference_record_with_the_job_defaults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    gpu_defaults.main(["--out", str(tmp_path), "--quick", "--skip-training"])
    record = json.loads((tmp_path / "gpu_defaults.json").read_text())
    inference = record["inference"]
    assert inference["plan"] == "float32" and inference["plan_trials"] == []  # auto on a CPU: float32
    assert set(inference["best_fps"]) == {
        "read+write x16 float",
        "read+write x16 half",
        "job defaults, temporal 3",
        "float32 plain, temporal 3",
        "job defaults, single frames",
    }
    assert inference["end_to_end_over_read_write"] == (
        inference["best_fps"]["job defaults, temporal 3"] / inference["read_write_fps"]
    )
    assert len(inference["passes"]) == 10 and record["targets"]["model_alone_fps"] == 110.0
    assert "| inference auto chose" in (tmp_path / "gpu_defaults.md").read_text()
