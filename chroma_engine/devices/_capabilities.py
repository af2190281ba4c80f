"""Device choice (CUDA, then MPS, then CPU) and one capability record per device type."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from .._errors import TrainingError


@dataclass(frozen=True)
class DeviceCapabilities:
    """What the engine may use on one type of torch device.

    Attributes:
        kind: the torch device type (``cuda``, ``mps``, ``cpu``).
        accelerator: a GPU: the model runs one frame at a time (frame workers interleaving kernels on
            one device only queue behind each other), loss values are read back in batches, and
            half-precision training benchmarks run.
        device_pipeline: whole frames go to the device (half scans as half), the temporal mean and the
            ACES2065-1 conversion are made there next to the model, and the model runs in one thread
            fed by a reader pool, in frame order.
        pinned_memory: page-locked host buffers for device-to-host copies.
        async_copies: ``non_blocking`` copies between host and device.
        events: CUDA events and streams (waiting for asynchronous copies).
        compile: ``torch.compile`` with inductor's defaults (``inference.compile`` jobs).
        half_autocast: the autocast dtype of ``inference.half_precision`` jobs (None: float32).
        rng_state: the device's random state is saved in checkpoints and restored on resume.
        cudnn: cuDNN's flags (``benchmark``) apply.
        memory_stats: peak-memory statistics (``torch.cuda.max_memory_allocated``).
    """

    kind: str
    accelerator: bool = False
    device_pipeline: bool = False
    pinned_memory: bool = False
    async_copies: bool = False
    events: bool = False
    compile: bool = False
    half_autocast: str | None = None
    rng_state: bool = False
    cudnn: bool = False
    memory_stats: bool = False


#: One record per device type. MPS gets the model on the GPU and nothing CUDA-only: no pinned memory,
#: events or inductor, float32 (MPS autocast is partial), and the CPU frame path around the model,
#: whose operations all exist on MPS. It is untested on real Apple hardware.
CAPABILITIES: dict[str, DeviceCapabilities] = {
    "cuda": DeviceCapabilities(
        kind="cuda",
        accelerator=True,
        device_pipeline=True,
        pinned_memory=True,
        async_copies=True,
        events=True,
        compile=True,
        half_autocast="bf16",
        rng_state=True,
        cudnn=True,
        memory_stats=True,
    ),
    "mps": DeviceCapabilities(kind="mps", accelerator=True),
    "cpu": DeviceCapabilities(kind="cpu"),
}


def device_capabilities(device: torch.device | str) -> DeviceCapabilities:
    """The capability record of ``device``'s type (an unknown type gets the CPU's: nothing special)."""
    kind = torch.device(device).type
    return CAPABILITIES.get(kind, CAPABILITIES["cpu"])


def mps_available() -> bool:
    """Apple's Metal backend is built into this torch and usable on this machine."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def auto_device() -> torch.device:
    """CUDA when present, else Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def check_device(name: str | None, option: str = "--device") -> str | None:
    """``name`` when it is a device name the engine accepts (``schemas.DEVICE_PATTERN``).

    Raises ``TrainingError`` (one line naming ``option``) otherwise, e.g. for ``--device banana``.
    """
    from schemas import DEVICE_PATTERN

    if name is not None and not re.fullmatch(DEVICE_PATTERN, name):
        hint = "use auto, cpu, cuda, cuda:N, mps or ddp"
        raise TrainingError(f"{option} {name!r} is not a device", hint=hint)
    return name


def resolve_device(name: str | torch.device | None = None) -> torch.device:
    """``auto``/None -> :func:`auto_device`; ``ddp`` -> the first GPU; else ``torch.device(name)``,
    refused when that kind of device is not there."""
    if isinstance(name, torch.device):
        return name
    check_device(name, "device")
    if name in (None, "auto", "ddp"):
        return auto_device()
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TrainingError(f"device {name!r} requested but CUDA is not available", hint="use device 'auto'")
    if device.type == "mps" and not mps_available():
        raise TrainingError(
            f"device {name!r} requested but Apple's MPS is not available", hint="use device 'auto'"
        )
    return device


def synchronize(device: torch.device | str) -> None:
    """Wait until the device has finished its queued work (a no-op on the CPU)."""
    kind = torch.device(device).type
    if kind == "cuda":
        torch.cuda.synchronize(device)
    elif kind == "mps":
        torch.mps.synchronize()


def device_name(device: torch.device | str) -> str:
    """A readable name: the GPU's model on CUDA, ``Apple MPS``, ``cpu``."""
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.cuda.get_device_name(device)
    return "Apple MPS" if kind == "mps" else "cpu"
