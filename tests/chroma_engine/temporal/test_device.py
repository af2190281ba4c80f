"""The temporal mean on a torch device equals the OpenCV one (same flows), away from the frame border."""

from __future__ import annotations

import numpy as np
import torch

from chroma_engine.temporal import TemporalInput, coarse_flow, mean_on_device, motion_compensated_mean, warp
from chroma_engine.temporal._device import warp_on_device
from chroma_engine.temporal._mean import FLOW_WIDTH, flow_luma, flow_to


def _frames(count: int = 5, height: int = 72, width: int = 96) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(0)
    import cv2

    scene = cv2.GaussianBlur(rng.random((height + 30, width + 40, 3)).astype(np.float32), (0, 0), 4)
    scene = (scene - scene.min()) / (scene.max() - scene.min())
    return {
        f: np.ascontiguousarray(scene[10 : 10 + height, 2 * f : 2 * f + width])
        + (rng.standard_normal((height, width, 3)) * 0.02).astype(np.float32)
        for f in range(count)
    }


def _t(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()


def test_warp_on_device_matches_opencv_remap_inside_the_frame() -> None:
    frames = _frames()
    flow = flow_to(flow_luma(frames[2]), flow_luma(frames[3]), 72, 96)
    expected = warp(frames[3], flow)
    got = (
        warp_on_device(_t(frames[3]), torch.from_numpy(flow).permute(2, 0, 1)[None])[0]
        .permute(1, 2, 0)
        .numpy()
    )
    np.testing.assert_allclose(got[4:-4, 4:-4], expected[4:-4, 4:-4], atol=1e-4)


def test_mean_on_device_matches_the_cpu_mean() -> None:
    frames = _frames()
    window = TemporalInput(frames.__getitem__, frames, 2)
    scan, neighbours, flows = window.stack(2)
    assert all(f.shape == (72, 96, 2) for f in flows)  # small frames: flows at full size
    expected = motion_compensated_mean(scan, neighbours, flows)
    got = mean_on_device(_t(scan), [_t(n) for n in neighbours], flows)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(got[8:-8, 8:-8], expected[8:-8, 8:-8], atol=2e-3)


def test_a_coarse_flow_is_scaled_to_full_resolution_pixels_on_the_device() -> None:
    import cv2

    big = {f: cv2.resize(img, (2100, 1575), interpolation=cv2.INTER_CUBIC) for f, img in _frames(3).items()}
    small = coarse_flow(flow_luma(big[1]), flow_luma(big[2]), 2100)
    assert small.shape[1] == FLOW_WIDTH
    full = flow_to(flow_luma(big[1]), flow_luma(big[2]), 1575, 2100)
    moved_cpu = warp(big[2], full)
    moved_dev = (
        warp_on_device(_t(big[2]), torch.from_numpy(small).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    )
    np.testing.assert_allclose(moved_dev[50:-50, 50:-50], moved_cpu[50:-50, 50:-50], atol=2e-3)


def test_device_frames_upload_once_and_drop_frames_behind_the_window() -> None:
    from chroma_engine.temporal import DeviceFrames

    frames = DeviceFrames(torch.device("cpu"), radius=1)
    images = _frames(7)
    first = frames.get(2, images[2])
    assert frames.get(2, images[2]) is first  # kept, not uploaded again
    centre, others = frames.frame_stack(3, images[3], [2, 4], [images[2], images[4]])
    assert others[0] is first and centre is not None
    frames.frame_stack(5, images[5], [4, 6], [images[4], images[6]])
    assert frames.get(2, images[2]) is not first  # frame 2 fell behind frame 5's window


def test_device_frames_can_be_shared_by_frame_workers() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from chroma_engine.temporal import DeviceFrames

    frames = DeviceFrames(torch.device("cpu"), radius=2)
    images = _frames(8)

    def one(frame: int) -> tuple[tuple[int, ...], int]:
        numbers = [n for n in (frame - 1, frame + 1) if n in images]
        centre, others = frames.frame_stack(frame, images[frame], numbers, [images[n] for n in numbers])
        assert centre is not None
        return tuple(centre.shape), len(others)

    with ThreadPoolExecutor(8) as pool:  # out of order: frames behind the window come back uploaded again
        seen = set(pool.map(one, [i % 8 for i in range(400)]))
    assert seen == {((1, 3, 72, 96), 1), ((1, 3, 72, 96), 2)}
