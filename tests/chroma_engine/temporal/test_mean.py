"""Motion-compensated temporal mean: grain goes down, moving pictures stay registered, strangers drop out."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chroma_engine.temporal import flow_to, motion_compensated_mean, warp
from chroma_engine.temporal._mean import FLOW_WIDTH, flow_luma


def _scene(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth colourful picture with edges (blocks over gradients), 0.1-0.9."""
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.random((height + 40, width + 40, 3)).astype(np.float32), (0, 0), 6)
    base = (base - base.min()) / (base.max() - base.min())
    for _ in range(6):
        y, x = rng.integers(0, height, 1)[0], rng.integers(0, width, 1)[0]
        base[y : y + 18, x : x + 24] = rng.random(3)
    return (0.1 + 0.8 * base).astype(np.float32)


def _frame(scene: np.ndarray, shift: int, height: int = 96, width: int = 128) -> np.ndarray:
    return np.ascontiguousarray(scene[10 : 10 + height, 10 + shift : 10 + shift + width])


def _grain(shape: tuple[int, ...], rng: np.random.Generator, sigma: float = 0.03) -> np.ndarray:
    return (rng.standard_normal(shape) * sigma).astype(np.float32)


def test_no_neighbours_returns_the_frame_as_float32() -> None:
    frame = _scene().astype(np.float16)
    out = motion_compensated_mean(frame, [])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, frame.astype(np.float32))


def test_static_grain_is_averaged_down() -> None:
    rng = np.random.default_rng(1)
    clean = _scene()
    frames = [clean + _grain(clean.shape, rng) for _ in range(7)]
    out = motion_compensated_mean(frames[3], frames[:3] + frames[4:])
    inner = (slice(8, -8), slice(8, -8))
    before = np.std((frames[3] - clean)[inner])
    after = np.std((out - clean)[inner])
    assert after < 0.5 * before  # 7 frames: about 1/sqrt(7) = 0.38


def test_moving_picture_is_registered_before_averaging() -> None:
    rng = np.random.default_rng(2)
    scene = _scene(seed=3)
    clean = _frame(scene, 0)
    frames = {d: _frame(scene, d) + _grain(clean.shape, rng) for d in (-6, -3, 0, 3, 6)}
    out = motion_compensated_mean(frames[0], [frames[d] for d in (-6, -3, 3, 6)])
    inner = (slice(10, -10), slice(16, -16))
    unregistered = np.mean([frames[d] for d in frames], axis=0)
    err_out = np.abs(out - clean)[inner].mean()
    assert err_out < 0.6 * np.abs(frames[0] - clean)[inner].mean()
    assert err_out < 0.5 * np.abs(unregistered - clean)[inner].mean()  # plain averaging smears the edges


def test_flow_finds_the_shift_and_warp_moves_the_neighbour_onto_the_frame() -> None:
    scene = _scene(seed=4)
    centre, neighbour = _frame(scene, 0), _frame(scene, 4)
    flow = flow_to(flow_luma(centre), flow_luma(neighbour), *centre.shape[:2])
    inner = (slice(10, -10), slice(16, -16))
    assert abs(float(np.median(flow[..., 0][inner])) + 4.0) < 0.5  # content moved left by 4 px
    assert abs(float(np.median(flow[..., 1][inner]))) < 0.5
    moved = warp(neighbour, flow)
    assert np.abs(moved - centre)[inner].mean() < 0.2 * np.abs(neighbour - centre)[inner].mean()


def test_flow_of_a_large_frame_is_computed_small_and_scaled_up() -> None:
    scene = cv2.resize(_scene(seed=5), (1400, 1000), interpolation=cv2.INTER_CUBIC)
    centre = np.ascontiguousarray(scene[:, :1300])
    neighbour = np.ascontiguousarray(scene[:, 6:1306])
    assert flow_luma(centre).shape == (round(1000 * FLOW_WIDTH / 1300), FLOW_WIDTH)
    flow = flow_to(flow_luma(centre), flow_luma(neighbour), 1000, 1300)
    assert flow.shape == (1000, 1300, 2)
    assert abs(float(np.median(flow[100:-100, 100:-100, 0])) + 6.0) < 0.7  # content moved left, full-res px


def test_a_half_frame_gives_the_same_flow_luma_as_its_float_form() -> None:
    frame = cv2.resize(_scene(seed=8), (1300, 1000), interpolation=cv2.INTER_CUBIC)
    half = frame.astype(np.float16)  # how a GPU render reads a half EXR
    got = flow_luma(half).astype(int)
    expected = flow_luma(half.astype(np.float32)).astype(int)
    assert got.shape == (round(1000 * FLOW_WIDTH / 1300), FLOW_WIDTH)
    assert np.abs(got - expected).max() == 0


def test_a_mismatched_neighbour_falls_back_to_the_frame() -> None:
    frame = _scene(seed=6)
    stranger = _scene(seed=7)[::-1].copy()
    out = motion_compensated_mean(frame, [stranger])
    assert np.abs(out - frame).mean() < 0.02 * np.abs(stranger - frame).mean() + 1e-3


def test_neighbour_of_another_size_is_refused() -> None:
    with pytest.raises(ValueError, match="does not match"):
        motion_compensated_mean(_scene(), [_scene()[:50]])


def test_a_flow_does_not_depend_on_what_the_thread_computed_before() -> None:
    """OpenCV's DIS keeps the pyramid of the first size it saw; each thread keeps one per size."""
    from concurrent.futures import ThreadPoolExecutor

    from chroma_engine.temporal import coarse_flow

    rng = np.random.default_rng(0)

    def texture(h: int, w: int) -> np.ndarray:
        return (cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 3) * 255).astype(np.uint8)

    big, small = (texture(300, 400), texture(300, 400)), (texture(40, 52), texture(40, 52))

    def fresh() -> np.ndarray:
        return coarse_flow(*big, 400)

    def after_small() -> np.ndarray:
        coarse_flow(*small, 52)
        return coarse_flow(*big, 400)

    with ThreadPoolExecutor(1) as one, ThreadPoolExecutor(1) as other:
        np.testing.assert_array_equal(one.submit(fresh).result(), other.submit(after_small).result())
