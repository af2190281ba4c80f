"""Checkpoints are verified: a truncated newest one is reported and training resumes from the previous."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

from chroma_engine import WriteError
from chroma_engine.io import simulate_full_disk
from chroma_engine.training import checkpoint_path, load_checkpoint, save_checkpoint, train

from .test_train import _faded_pair, _job

STATE = {"model_state": {"w": torch.ones(3)}, "optimizer": {}, "scheduler": {}, "step": 0}


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_truncated_newest_checkpoint_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for step in (5, 10):
        save_checkpoint(checkpoint_path(tmp_path, step), {**STATE, "step": step})
    _truncate(checkpoint_path(tmp_path, 10))
    with caplog.at_level(logging.WARNING):
        loaded = load_checkpoint(tmp_path)
    assert loaded is not None and loaded.path == checkpoint_path(tmp_path, 5) and loaded.state["step"] == 5
    (skipped,) = loaded.skipped
    assert skipped.path == checkpoint_path(tmp_path, 10) and "unreadable" in skipped.reason
    assert "ckpt_0000010.pt is damaged" in caplog.text


def test_checkpoint_without_training_state_is_skipped(tmp_path: Path) -> None:
    save_checkpoint(checkpoint_path(tmp_path, 1), STATE)
    torch.save({"weights": 1}, checkpoint_path(tmp_path, 2))
    loaded = load_checkpoint(tmp_path)
    assert loaded is not None and loaded.path.name == "ckpt_0000001.pt"
    assert "missing" in loaded.skipped[0].reason


def test_full_disk_keeps_the_previous_checkpoint(tmp_path: Path) -> None:
    path = save_checkpoint(checkpoint_path(tmp_path, 5), STATE)
    before = path.read_bytes()
    with simulate_full_disk(), pytest.raises(WriteError, match="ckpt_0000005.pt: not written"):
        save_checkpoint(path, {**STATE, "step": 99})
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["ckpt_0000005.pt"]  # no temporary file left


def test_training_resumes_from_the_previous_checkpoint(tmp_path: Path) -> None:
    pairs = [_faded_pair(1, 1), _faded_pair(2, 2)]
    job = _job(tmp_path, contact_sheet_interval=1000, checkpoint_interval=5)

    class Kill(Exception):
        pass

    def kill_at_12(step: int, total: int, loss: float) -> None:
        if step == 12:
            raise Kill

    with pytest.raises(Kill):
        train(job, pairs, None, tmp_path / "cut", steps=15, progress=kill_at_12)
    _truncate(checkpoint_path(tmp_path / "cut", 10))  # e.g. the disk filled while a copy was made
    seen: list[int] = []
    resumed = train(job, pairs, None, tmp_path / "cut", steps=15, progress=lambda s, t, v: seen.append(s))
    assert resumed.resumed_from == 5 and seen == list(range(6, 16))
