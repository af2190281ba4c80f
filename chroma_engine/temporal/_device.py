"""The temporal mean on a torch device: neighbours warped by ``grid_sample`` with flows computed on the CPU.

A GPU render reads frames in worker threads and runs the model in one thread (``restore_frames``).
Computing the mean there on the CPU (warps, weights) ran at 4.2 frames/s at 2K with 16 threads on an
H100 host, 0.30x the EXR read+write rate; here the reader threads only compute the low-resolution
optical flows and the warps and weights run on the GPU next to the model. Same method and constants
as ``motion_compensated_mean`` (tested equal away from the frame border).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - the PyTorch convention

from ..devices import device_capabilities
from ._mean import CONSISTENCY, DIFFERENCE_SMOOTH


def _gaussian(t: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian of an Nx1xHxW tensor: OpenCV's kernel size for float images, reflect-101 borders."""
    size = int(round(sigma * 4 * 2 + 1)) | 1
    kernel = torch.from_numpy(cv2.getGaussianKernel(size, sigma).astype(np.float32)[:, 0]).to(t)
    radius = size // 2
    t = F.conv2d(F.pad(t, [radius, radius, 0, 0], mode="reflect"), kernel.view(1, 1, 1, -1))
    return F.conv2d(F.pad(t, [0, 0, radius, radius], mode="reflect"), kernel.view(1, 1, -1, 1))


def warp_on_device(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """1x3xHxW ``image`` sampled at ``(x + dx, y + dy)``; ``flow`` is 1x2xhxw in full-resolution px at any
    size (a low-resolution flow is scaled up bilinearly, like ``flow_to``)."""
    height, width = image.shape[2], image.shape[3]
    if flow.shape[2:] != (height, width):
        flow = F.interpolate(flow, size=(height, width), mode="bilinear", align_corners=False)
    xs = torch.arange(width, device=image.device, dtype=image.dtype).view(1, width)
    ys = torch.arange(height, device=image.device, dtype=image.dtype).view(height, 1)
    gx = (xs + flow[0, 0]) * (2.0 / max(width - 1, 1)) - 1.0
    gy = (ys + flow[0, 1]) * (2.0 / max(height - 1, 1)) - 1.0
    grid = torch.stack([gx, gy], dim=-1)[None]
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="reflection", align_corners=True)


def mean_on_device(
    centre: torch.Tensor, neighbours: Sequence[torch.Tensor], flows: Sequence[np.ndarray]
) -> torch.Tensor:
    """``motion_compensated_mean`` of a 1x3xHxW float32 frame on its device.

    Args:
        centre: the frame.
        neighbours: the other frames (1x3xHxW, same device).
        flows: per neighbour the frame -> neighbour flow from ``flow_to`` or its low-resolution form
            (hxwx2 float32, full-resolution px), as NumPy arrays.
    """
    total = centre.clone()
    weights = torch.ones_like(centre[:, :1])
    scale = np.float32(1.0 / CONSISTENCY)
    for image, flow in zip(neighbours, flows, strict=True):
        flow_t = torch.from_numpy(np.ascontiguousarray(flow, dtype=np.float32)).to(centre.device)
        moved = warp_on_device(image, flow_t.permute(2, 0, 1)[None])
        diff = _gaussian((moved - centre).abs().sum(dim=1, keepdim=True), DIFFERENCE_SMOOTH)
        weight = torch.exp(-torch.square(diff * float(scale)))
        total += moved * weight
        weights += weight
    return total / weights


def to_device(image: np.ndarray, device: torch.device) -> torch.Tensor:
    """A frame (HxWx3(+), half or float) as a 1x3xHxW float32 tensor on ``device`` (copied as stored)."""
    host = torch.from_numpy(np.ascontiguousarray(image[..., :3]))
    non_blocking = device_capabilities(device).async_copies
    return host.to(device, non_blocking=non_blocking).permute(2, 0, 1)[None].float()


class DeviceFrames:
    """Frames uploaded to a device once and kept while frames still to come can use them as neighbours.

    For an in-order render (the GPU layout of ``restore_frames``): measured on an H100 host, uploading
    the six neighbours of every frame again held the GPU thread about 0.12 s a frame (5.5 frames/s at 2K).
    """

    def __init__(self, device: torch.device, radius: int) -> None:
        self.device = device
        self.radius = radius
        self._frames: dict[int, torch.Tensor] = {}
        self._lock = threading.Lock()  # frame workers may share one (``run_pipeline(ordered=False)``)

    def get(self, frame: int, image: np.ndarray) -> torch.Tensor:
        """``image`` (HxWx3(+), half or float) as a 1x3xHxW float32 tensor on the device, uploaded once."""
        with self._lock:
            tensor = self._frames.get(frame)
            if tensor is None:
                tensor = self._frames[frame] = to_device(image, self.device)
            return tensor

    def frame_stack(
        self, frame: int, scan: np.ndarray, numbers: Sequence[int], neighbours: Sequence[np.ndarray]
    ) -> tuple[torch.Tensor | None, list[torch.Tensor]]:
        """(the frame, its neighbours ``numbers``) on the device for ``frame`` rendered in order; (None, [])
        without neighbours (the frame then goes over as usual)."""
        self.advance(frame)
        if not neighbours:
            return None, []
        others = [self.get(n, image) for n, image in zip(numbers, neighbours, strict=True)]
        return self.get(frame, scan), others

    def advance(self, frame: int) -> None:
        """``frame`` is being rendered: frames more than ``radius`` before it are no longer needed."""
        with self._lock:
            for old in [f for f in self._frames if f < frame - self.radius]:
                del self._frames[old]
