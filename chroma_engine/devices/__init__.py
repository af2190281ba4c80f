"""Which torch device runs the model, and what that device can do: decided here and nowhere else.

``auto`` picks CUDA, then Apple's Metal (MPS), then the CPU. Every device-specific path of the
engine (pinned host buffers, CUDA events, ``torch.compile``, bfloat16 autocast, cuDNN flags, the
frame pipeline that keeps the temporal mean and the ACES conversion on the GPU) asks the device's
:class:`DeviceCapabilities` instead of testing ``device.type == "cuda"``, so a device that lacks a
feature never reaches it.
"""

from ._capabilities import (
    CAPABILITIES,
    DeviceCapabilities,
    auto_device,
    check_device,
    device_capabilities,
    device_name,
    mps_available,
    resolve_device,
    synchronize,
)

__all__ = [
    "CAPABILITIES",
    "DeviceCapabilities",
    "auto_device",
    "check_device",
    "device_capabilities",
    "device_name",
    "mps_available",
    "resolve_device",
    "synchronize",
]
