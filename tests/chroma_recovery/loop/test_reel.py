"""``bench reel``: two tiny shots through the queue with two CPU workers, and the reel's arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chroma_recovery.loop import ReelSettings, bench_reel
from chroma_recovery.loop._reel import StageTimes, reel_cost


def test_reel_cost_splits_per_shot_and_per_frame_time() -> None:
    # one worker, 4 shots of 10 frames in 200 s: 50 s a shot, of which the renders took 2 s a frame
    times = StageTimes({"training": 80.0, "inference": 40.0, "matchgrade": 40.0}, shots=4)
    cost = reel_cost(200.0, 1, 4, 10, times, reel_shots=100, reel_frames=3000)
    assert cost["seconds_per_frame_rendered"] == pytest.approx(2.0)
    assert cost["seconds_per_shot_fixed"] == pytest.approx(30.0)
    assert cost["worker_hours"] == pytest.approx(100 * (30.0 + 2.0 * 30) / 3600)
    # two workers sharing the same wall time did twice the work per worker-hour's cost
    assert reel_cost(100.0, 2, 4, 10, times, 100, 3000) == cost


@pytest.mark.slow
def test_two_tiny_shots_through_submit_and_two_cpu_workers(tmp_path: Path) -> None:
    settings = ReelSettings(shots=2, frames=8, size=(64, 64), steps=2, workers=2, gpus=0, distinct=1)
    lines: list[str] = []
    data = bench_reel(tmp_path, settings, progress=lines.append)
    root = tmp_path / "reel"
    done = sorted(p.name for p in (root / "jobs" / "done").glob("*.json") if p.name.count(".") == 1)
    assert done == ["REEL_sh0010.json", "REEL_sh0020.json"]
    workers = {json.loads(p.read_text())["worker"] for p in (root / "jobs" / "done").glob("*.result.json")}
    assert data["workers"] == 2 and data["gpus"] == 0 and data["shots_per_gpu_hour"] is None
    assert data["frames"] == 16 and data["frames_per_second"] == pytest.approx(16 / data["wall_seconds"])
    assert data["shots_per_worker_hour"] == pytest.approx(2 / (data["wall_seconds"] / 3600) / 2)
    # every stage of both shots was timed from its manifest; the second shot shares the first's media
    per_shot = data["stage_seconds_per_shot"]
    assert set(per_shot) == {"curation", "alignment", "training", "inference", "matchgrade"}  # type: ignore[arg-type]
    assert all(v > 0 for v in per_shot.values())  # type: ignore[union-attr]
    for shot in ("sh0010", "sh0020"):
        assert len(list((root / "pipeline" / "04_inference_render" / shot).glob("v001/*.exr"))) == 8
    assert (root / "shots" / "sh0020" / "media" / "SOURCE").is_dir()
    assert len(workers) >= 1 and data["heldout_de00_ml"] is not None
    assert data["reel"]["worker_hours"] > 0  # type: ignore[index]
    assert any("queued 2 jobs" in line for line in lines)
