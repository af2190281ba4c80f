"""Temporal grain reduction of the chroma model's input (motion-compensated mean of neighbouring frames).

The output of the model keeps every frame's own scan luma; only its chroma comes from the averaged
picture (see ``_mean`` for the method and the measurements behind it).
"""

from ._device import DeviceFrames, mean_on_device, to_device, warp_on_device
from ._mean import (
    CONSISTENCY,
    FLOW_WIDTH,
    coarse_flow,
    consistency_weight,
    flow_to,
    motion_compensated_mean,
    warp,
)
from ._window import TemporalInput

__all__ = [
    "CONSISTENCY",
    "DeviceFrames",
    "FLOW_WIDTH",
    "TemporalInput",
    "coarse_flow",
    "consistency_weight",
    "flow_to",
    "mean_on_device",
    "motion_compensated_mean",
    "to_device",
    "warp",
    "warp_on_device",
]
