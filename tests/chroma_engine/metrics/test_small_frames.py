"""QC on small frames and small crops: the grain noise power fits its tile to what there is."""

from __future__ import annotations

import numpy as np
import pytest

from chroma_engine import StageError
from chroma_engine.metrics import grain_noise_power_ratio


def _grainy(shape: tuple[int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(0.5 + 0.05 * rng.standard_normal((*shape, 3)), 0, 1).astype(np.float32)


@pytest.mark.parametrize("shape", [(48, 64), (12, 16), (8, 8)])
def test_small_frames_are_measured(shape: tuple[int, int]) -> None:
    scan = _grainy(shape, 1)
    assert grain_noise_power_ratio(scan, scan) == pytest.approx(1.0)
    smooth = np.full_like(scan, 0.5)
    assert grain_noise_power_ratio(smooth, scan) < 0.1  # grain smoothed away is still seen


def test_a_small_crop_inside_a_frame_is_measured() -> None:
    scan = _grainy((96, 128), 2)
    mask = np.zeros(scan.shape[:2], bool)
    mask[40:60, 50:80] = True  # 20x30: no 64 or 32 px tile fits inside
    assert grain_noise_power_ratio(scan, scan, mask=mask) == pytest.approx(1.0)


def test_a_frame_smaller_than_the_smallest_tile_is_one_error() -> None:
    scan = _grainy((6, 6), 3)
    with pytest.raises(StageError, match="smaller than patch 8"):
        grain_noise_power_ratio(scan, scan)
