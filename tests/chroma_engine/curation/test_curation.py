"""Curation on small synthetic sequences written to disk: sync, cadence, transitions, selection."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from chroma_engine import StageError
from chroma_engine.curation import curate, detect_transitions, read_stats
from chroma_engine.io import ResolvedSequence, write_png
from schemas import Curation, MediaSet, ProjectInfo, SequenceRef, ShotInfo, ShotJob

SCENE = data.astronaut().astype(np.float32) / 255.0  # 512x512
SRC_SIZE = (320, 240)
REF_SIZE = (288, 216)


def _content(t: float, size: tuple[int, int]) -> np.ndarray:
    """The scene at time ``t`` (source frames): an uneven pan, resampled to ``size``.

    The speed varies: under a constant-speed pan an offset is indistinguishable from a shift.
    """
    x, y = 60 + 3.0 * t + 25 * np.sin(t / 4.0), 60 + 2.0 * t + 15 * np.cos(t / 3.0)
    m = np.array([[SRC_SIZE[0] / size[0], 0, x], [0, SRC_SIZE[1] / size[1], y]], np.float64)
    return cv2.warpAffine(SCENE, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)


def _sequence(folder: Path, name: str, frames: range, frame_fn, fps: float) -> ResolvedSequence:
    folder.mkdir(parents=True, exist_ok=True)
    for f in frames:
        write_png(folder / f"{name}_{f:04d}.png", frame_fn(f))
    ref = SequenceRef(
        path=f"{folder.name}/{name}_####.png", first_frame=frames[0], last_frame=frames[-1], frame_rate=fps
    )
    return ResolvedSequence(ref, str(folder / f"{name}_%04d.png"))


def _job(root: Path, src: ResolvedSequence, ref: ResolvedSequence, **curation: object) -> ShotJob:
    return ShotJob(
        job_id="t1",
        project=ProjectInfo(name="T", root=str(root)),
        shot=ShotInfo(name="sh010"),
        media=MediaSet(source=src.ref, reference=ref.ref),
        curation=Curation(**curation),  # type: ignore[arg-type]
    )


def _tone(rgb: np.ndarray) -> np.ndarray:
    return np.clip(rgb, 0, 1) ** 0.7 * np.array([0.85, 1.0, 0.9], np.float32)


def test_offset_plus_three_and_selection(tmp_path: Path) -> None:
    src = _sequence(tmp_path / "SRC", "S", range(1001, 1031), lambda f: _content(f - 1001, SRC_SIZE), 24.0)
    ref = _sequence(
        tmp_path / "REF", "R", range(1001, 1037), lambda k: _tone(_content(k - 1001 - 3, REF_SIZE)), 24.0
    )
    record = curate(_job(tmp_path, src, ref), src, ref)
    assert record.reference_offset == 3 and record.cadence == "same"
    assert record.offset_confidence > 0.3
    frames = record.training_frames
    assert len(frames) == 4 and frames[0] <= 1008 and frames[-1] >= 1023  # spread: beginning ... end
    assert record.preview_frame not in frames and 1010 <= record.preview_frame <= 1021
    accepted = [p for p in record.pairs if p.accepted]
    assert {p.source_frame for p in accepted} == set(frames)
    assert all(p.reference_frame == p.source_frame + 3 for p in record.pairs)
    assert all(p.scores["alignment"] > 0.5 for p in accepted)
    assert any(not p.accepted and p.reasons for p in record.pairs)
    seven = curate(_job(tmp_path, src, ref), src, ref, count=7)
    assert len(seven.training_frames) == 7


def test_cadence_24_to_25(tmp_path: Path) -> None:
    # 48 frames: the 24->25 drift reaches 2 frames, so the cadence is distinguishable from an offset
    src = _sequence(tmp_path / "SRC", "S", range(0, 48), lambda f: _content(f, SRC_SIZE), 24.0)
    ref = _sequence(
        tmp_path / "REF", "R", range(0, 52), lambda k: _tone(_content(k * 24 / 25, REF_SIZE)), 25.0
    )
    record = curate(_job(tmp_path, src, ref), src, ref)
    assert record.cadence == "24to25" and record.reference_offset == 0
    assert record.reference_frame_for(24) == 25


def test_cut_detected_and_frames_near_it_rejected(tmp_path: Path) -> None:
    other = np.ascontiguousarray(SCENE[::-1, ::-1])

    def frame(f: int) -> np.ndarray:
        img = _content(f, SRC_SIZE)
        if f >= 15:
            img = cv2.resize(other[100:340, 100:420], SRC_SIZE)
        return img

    src = _sequence(tmp_path / "SRC", "S", range(0, 30), frame, 24.0)
    ref = _sequence(
        tmp_path / "REF", "R", range(0, 30), lambda k: _tone(cv2.resize(frame(k), REF_SIZE)), 24.0
    )
    events = detect_transitions(read_stats(src))
    assert [(e.frame, e.kind) for e in events] == [(15, "cut")]
    record = curate(_job(tmp_path, src, ref, reference_offset=0), src, ref)
    assert not {14, 15} & set(record.training_frames)
    near = [p for p in record.pairs if p.source_frame in (14, 15)]
    assert all(not p.accepted and any("cut" in r for r in p.reasons) for p in near)


def test_fade_detected(tmp_path: Path) -> None:
    def frame(f: int) -> np.ndarray:
        gain = 1.0 if f < 20 else max(0.0, 1.0 - (f - 19) * 0.2)
        return _content(f, SRC_SIZE) * gain

    src = _sequence(tmp_path / "SRC", "S", range(0, 26), frame, 24.0)
    kinds = {e.frame: e.kind for e in detect_transitions(read_stats(src))}
    assert {21, 22, 23}.issubset({f for f, k in kinds.items() if k == "fade"})
    assert not any(f < 18 for f in kinds)


def test_explicit_frames_and_preview(tmp_path: Path) -> None:
    src = _sequence(tmp_path / "SRC", "S", range(0, 20), lambda f: _content(f, SRC_SIZE), 24.0)
    ref = _sequence(tmp_path / "REF", "R", range(0, 20), lambda k: _tone(_content(k, REF_SIZE)), 24.0)
    record = curate(_job(tmp_path, src, ref, frames=(2, 9, 17), preview_frame=12), src, ref)
    assert record.training_frames == (2, 9, 17) and record.preview_frame == 12
    assert record.reference_offset == 0


def test_nan_frames_reported_and_single_frame_refused(tmp_path: Path) -> None:
    def frame(f: int) -> np.ndarray:
        img = _content(f, SRC_SIZE)
        return img

    src = _sequence(tmp_path / "SRC", "S", range(0, 1), frame, 24.0)
    with pytest.raises(StageError, match="1-frame"):
        curate(_job(tmp_path, src, src), src, src)
    from chroma_engine.curation import frame_stats

    bad = _content(0, SRC_SIZE)
    bad[3:6, 3:6] = np.nan
    stats = frame_stats(0, bad)
    assert stats.nonfinite and np.isfinite(stats.thumb).all()
