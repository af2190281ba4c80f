"""The virtual camera: slow sub-pixel motion, every view inside the photograph, bundled photos only."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chroma_engine.colour import luma
from chroma_engine.synth import PHOTOS, load_photo, plan_camera
from chroma_engine.synth._reference import similarity

W, H, N = 320, 240, 48


def _inside(camera, index: float, extra: np.ndarray | None = None) -> bool:
    ph, pw = load_photo(camera.photo).shape[:2]
    matrix = camera.affine(index)
    if extra is not None:
        matrix = np.vstack([matrix, [0, 0, 1]]) @ np.vstack([extra, [0, 0, 1]])
    corners = np.array([[0, 0, 1], [W - 1, 0, 1], [0, H - 1, 1], [W - 1, H - 1, 1]], float)
    points = (matrix[:2] @ corners.T).T
    return bool((points >= 0).all() and (points[:, 0] <= pw - 1).all() and (points[:, 1] <= ph - 1).all())


@pytest.mark.parametrize("photo", PHOTOS)
def test_every_view_stays_inside_the_photo(photo: str) -> None:
    reframe = similarity(W, H, 1 / 1.03, -0.5, -7.0, 5.0)
    camera = plan_camera(photo, W, H, N, np.random.default_rng(4), range(-5, N), reframes=(reframe,))
    for index in (-5, 0, N // 2, N - 1):
        assert _inside(camera, index) and _inside(camera, index, reframe)
    assert load_photo(photo).min() >= 0 and load_photo(photo).max() <= 1


def test_motion_is_slow_and_accumulates() -> None:
    camera = plan_camera("coffee", W, H, N, np.random.default_rng(2), range(N))
    frames = [luma(camera.render(i)).astype(np.float64) for i in (0, 1, N - 1)]
    window = cv2.createHanningWindow((W, H), cv2.CV_64F)
    (dx1, dy1), _ = cv2.phaseCorrelate(frames[0], frames[1], window)
    (dxn, dyn), _ = cv2.phaseCorrelate(frames[0], frames[2], window)
    assert np.hypot(dx1, dy1) < 1.0  # sub-pixel steps between neighbours
    assert np.hypot(dxn, dyn) > 3.0  # but a visible move over the shot
    assert 0 < np.abs(frames[0] - frames[1]).mean() < np.abs(frames[0] - frames[2]).mean()


def test_unknown_photo_is_refused() -> None:
    with pytest.raises(ValueError, match="astronaut"):
        load_photo("lena")
