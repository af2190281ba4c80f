"""TemporalInput: each frame read once, neighbours inside the shot, errors not cached, thread-safe."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from chroma_engine.temporal import TemporalInput, motion_compensated_mean


class _Reader:
    def __init__(self, frames: range, dtype: type = np.float32) -> None:
        rng = np.random.default_rng(0)
        self.images = {f: (0.3 + 0.4 * rng.random((32, 48, 3))).astype(dtype) for f in frames}
        self.reads: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.fail: set[int] = set()

    def __call__(self, frame: int) -> np.ndarray:
        with self.lock:
            self.reads[frame] += 1
        if frame in self.fail:
            raise OSError(f"frame {frame} unreadable")
        return self.images[frame]


def test_radius_zero_gives_the_scan_itself() -> None:
    reader = _Reader(range(1001, 1005))
    window = TemporalInput(reader, range(1001, 1005), 0)
    scan, model_in = window(1002)
    assert model_in is scan is reader.images[1002]


def test_neighbours_stay_inside_the_shot_nearest_first() -> None:
    window = TemporalInput(_Reader(range(1001, 1011)), range(1001, 1011), 3)
    assert window.neighbours(1005) == [1004, 1006, 1003, 1007, 1002, 1008]
    assert window.neighbours(1001) == [1002, 1003, 1004]
    assert window.neighbours(1010) == [1009, 1008, 1007]


def test_the_model_input_is_the_motion_compensated_mean() -> None:
    reader = _Reader(range(1, 8))
    scan, model_in = TemporalInput(reader, range(1, 8), 2)(4)
    expected = motion_compensated_mean(reader.images[4], [reader.images[f] for f in (3, 5, 2, 6)])
    np.testing.assert_array_equal(model_in, expected)
    assert scan is reader.images[4]


def test_an_in_order_render_reads_every_frame_once() -> None:
    frames = range(1, 21)
    reader = _Reader(frames)
    window = TemporalInput(reader, frames, 3)
    for frame in frames:
        window(frame)
    assert reader.reads == Counter(frames)  # each of the 7 frames a mean needs came from the cache


def test_parallel_workers_share_the_cache() -> None:
    frames = range(1, 41)
    reader = _Reader(frames)
    window = TemporalInput(reader, frames, 3, in_flight=4)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(window, frames))
    assert set(reader.reads) == set(frames)
    # Without the cache every frame would be read 7 times; a worker running ahead may evict a frame early.
    assert sum(reader.reads.values()) < 1.5 * len(frames)


def test_half_scans_are_averaged_in_float32() -> None:
    reader = _Reader(range(1, 4), np.float16)
    scan, model_in = TemporalInput(reader, range(1, 4), 1)(2)
    assert scan.dtype == np.float16 and model_in.dtype == np.float32


def test_the_stack_holds_neighbours_and_their_flows() -> None:
    reader = _Reader(range(1, 8))
    window = TemporalInput(reader, range(1, 8), 2)
    scan, neighbours, flows = window.stack(4)
    assert [n is reader.images[f] for n, f in zip(neighbours, (3, 5, 2, 6), strict=True)] == [True] * 4
    assert all(f.shape == (32, 48, 2) and f.dtype == np.float32 for f in flows)
    np.testing.assert_array_equal(motion_compensated_mean(scan, neighbours, flows), window(4)[1])


def test_a_failed_read_is_raised_and_read_again_next_time() -> None:
    reader = _Reader(range(1, 6))
    reader.fail = {3}
    window = TemporalInput(reader, range(1, 6), 1)
    with pytest.raises(OSError, match="frame 3"):
        window(2)
    reader.fail = set()
    window(2)
    assert reader.reads[3] == 2


def test_negative_radius_is_refused() -> None:
    with pytest.raises(ValueError, match="radius"):
        TemporalInput(_Reader(range(1, 3)), range(1, 3), -1)
