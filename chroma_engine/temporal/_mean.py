"""Motion-compensated temporal mean of a frame and its neighbours: the chroma model's input.

Film grain is independent from frame to frame while the picture moves smoothly, so averaging a
frame with its neighbours, each warped onto it by optical flow, removes grain without softening
edges. The chroma model predicts from this mean; its output keeps each frame's own scan luma (grain
included), so only the chroma is derived from the averaged picture.

Why: on a severely faded scan the inverse fade amplifies the grain of the faded dyes (a cyan layer
kept at 30 % has its density noise multiplied about 3x), and that noise lands in the predicted
chroma. Measured on the severe synthetic shot (384x288, held-out dE00 of the closed-form start,
against TRUTH): single frames 1.796, mean of 5 frames 1.538, of 7 frames 1.519 (9: 1.521); the same
start on the grain-free scan 1.37. A bilateral filter instead (5 px, colour sigma 0.03) reached 1.70 and
a Gaussian (0.7 px) 1.84, because both soften real chroma edges.

Method per neighbour: DIS optical flow (OpenCV, ``ULTRAFAST`` preset) from the frame to the neighbour
on Gaussian-smoothed 8-bit luma, computed at most ``FLOW_WIDTH`` pixels wide and scaled up (flow at
half size scored the same: 1.517 vs 1.519); bilinear warp; a per-pixel weight
``exp(-(d / CONSISTENCY) ** 2)`` where ``d`` is the smoothed sum over R'G'B' of the absolute warped
difference, so occlusions and flow failures fall back to the frame itself (weight 1).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import cv2
import numpy as np

from ..colour import luma

#: Widest luma image the optical flow is computed on (larger frames are area-downscaled first). At 2K
#: (H200 host, docs/bench/temporal_flow_width_h200.json): held-out dE00 after 2000 steps 0.933 at 512
#: px, 0.937 at 768 and 1024, while six flows a frame at 1024 px kept the render near 0.88x the EXR
#: read+write rate and 512 px reached it (docs/bench/temporal_probe_h200.json).
FLOW_WIDTH = 512
#: Tolerance of the warped neighbour's smoothed absolute difference (sum over R'G'B', 0-1 display).
#: Grain differences are about 0.01-0.03, misregistered edges 0.1 and more.
CONSISTENCY = 0.1
#: Gaussian sigma (px) of the luma the flow is computed on, and of the difference that weights it.
FLOW_SMOOTH = 1.0
DIFFERENCE_SMOOTH = 1.5

_local = threading.local()


def _flow_engine(shape: tuple[int, ...]) -> cv2.DISOpticalFlow:
    """One DIS instance per thread and image size: OpenCV's optical flow objects are not thread-safe,
    and one that has computed a smaller image keeps its shallower pyramid, so a later, larger pair's
    flow would depend on what the thread computed before (up to 34 px apart on a 400x300 pair)."""
    engines = getattr(_local, "dis", None)
    if engines is None:
        engines = _local.dis = {}
    engine = engines.get(shape[:2])
    if engine is None:
        engine = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)  # type: ignore[attr-defined]
        engines[shape[:2]] = engine
    return engine


def flow_luma(rgb: np.ndarray) -> np.ndarray:
    """8-bit smoothed Y' of a display R'G'B' frame, area-downscaled to at most ``FLOW_WIDTH`` wide.

    A wider frame is downscaled before the luma and the blur (whose sigma is scaled with it): on a 2K
    half scan, NumPy's half arithmetic made the full-size luma take 144 ms a frame (H200 host) and
    capped the temporal render.
    """
    height, width = rgb.shape[:2]
    image: np.ndarray = np.ascontiguousarray(rgb[..., :3], dtype=np.float32)
    sigma = FLOW_SMOOTH
    if width > FLOW_WIDTH:
        size = (FLOW_WIDTH, max(1, round(height * FLOW_WIDTH / width)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        sigma *= FLOW_WIDTH / width
    y = cv2.GaussianBlur(np.ascontiguousarray(luma(image), dtype=np.float32), (0, 0), sigma)
    return np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)


def coarse_flow(centre_luma: np.ndarray, neighbour_luma: np.ndarray, width: int) -> np.ndarray:
    """Per-pixel (dx, dy) from the frame to its neighbour at the flow image's size (``flow_luma``), in
    full-resolution px of a frame ``width`` wide (hxwx2 float32)."""
    engine = _flow_engine(centre_luma.shape)
    flow = np.asarray(engine.calc(centre_luma, neighbour_luma, None), dtype=np.float32)  # type: ignore[call-overload]
    return flow * np.float32(width / flow.shape[1]) if flow.shape[1] != width else flow


def flow_to(centre_luma: np.ndarray, neighbour_luma: np.ndarray, height: int, width: int) -> np.ndarray:
    """Per-pixel (dx, dy) from the frame to its neighbour, full resolution HxWx2 float32."""
    flow = coarse_flow(centre_luma, neighbour_luma, width)
    if flow.shape[:2] != (height, width):
        flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    return flow


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at ``(x + dx, y + dy)`` (bilinear, reflected borders): a neighbour moved onto
    the frame."""
    height, width = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(
        image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )


def consistency_weight(warped: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """HxWx1 weight of a warped neighbour: 1 where it matches the frame, towards 0 where it does not."""
    diff = cv2.GaussianBlur(np.abs(warped - centre).sum(axis=-1), (0, 0), DIFFERENCE_SMOOTH)
    return np.exp(-np.square(diff / np.float32(CONSISTENCY)))[..., None].astype(np.float32)


def motion_compensated_mean(
    centre: np.ndarray, neighbours: Sequence[np.ndarray], flows: Sequence[np.ndarray] | None = None
) -> np.ndarray:
    """The frame averaged with its neighbours warped onto it (float32 HxWx3, the frame's own geometry).

    Args:
        centre: the frame, HxWx3(+) display-referred R'G'B' (alpha ignored).
        neighbours: other frames of the same shot (same size), in any order; may be empty.
        flows: per neighbour the frame -> neighbour flow (``coarse_flow`` or ``flow_to``) when already
            computed; None = computed here.
    """
    frame = np.ascontiguousarray(centre[..., :3], dtype=np.float32)
    if not neighbours:
        return frame
    height, width = frame.shape[:2]
    centre_luma = flow_luma(frame) if flows is None else None
    total = frame.copy()
    weights = np.ones((height, width, 1), np.float32)
    for index, other in enumerate(neighbours):
        image = np.ascontiguousarray(other[..., :3], dtype=np.float32)
        if image.shape != frame.shape:
            raise ValueError(f"neighbour of shape {image.shape} does not match the frame's {frame.shape}")
        if flows is None:
            assert centre_luma is not None
            flow = flow_to(centre_luma, flow_luma(image), height, width)
        else:
            flow = flows[index]
            if flow.shape[:2] != (height, width):
                flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
        moved = warp(image, flow)
        weight = consistency_weight(moved, frame)
        total += moved * weight
        weights += weight
    return total / weights
