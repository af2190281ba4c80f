"""Harder shot conditions for the synthesiser: a reference grade that moves hue and saturation, faster and
non-rigid motion, a fade that drifts over the shot.

``ShotConditions()`` changes nothing: a shot made with it is byte-identical to one made without (the
random draws of ``synthesize_shot`` are the same, and the new fields of the records it writes are left
out of ``synth_truth.json`` at their defaults). Each option is a test condition of ``bench quality``;
nothing is tuned on them.

* ``reference_hue_deg`` / ``reference_hue_split_deg`` / ``reference_saturation``: the video
  reference's colours were graded: its CbCr is rotated by ``hue + split * (Y' - 0.5)`` degrees (a
  split tone: shadows and highlights turn opposite ways) and scaled by ``saturation``, keeping Y'.
  The colorist wants the reference's colours, so TRUTH follows the grade (scan Y' + graded CbCr).
* ``motion_speed``: the virtual camera's pan, zoom and roll per frame, times this.
* ``nonrigid_px``: the picture also deforms: two travelling waves of displacement per axis, about half
  a frame long, ``nonrigid_px`` (per 512 px of width) in amplitude, ``WOBBLE_CYCLES`` periods over the
  shot (the reference, a copy of the same film, deforms alike).
* ``fade_drift``: the fade is not the same along the shot: the kept cyan and yellow fractions are
  ``1 + fade_drift * (0.5 - t)`` times the shot's (t = 0 first frame, 1 last): the shot starts less
  faded than its middle and ends more faded.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from schemas import SchemaModel

from ..colour import rgb_to_ycbcr, ycbcr_to_rgb

#: Periods of the non-rigid waves over the shot.
WOBBLE_CYCLES = 2.0
#: Dyes (cyan, magenta, yellow) whose kept fraction drifts with ``fade_drift``.
DRIFTING_DYES = np.array([1.0, 0.0, 1.0], dtype=np.float32)


class ShotConditions(SchemaModel):
    """Harder conditions for a synthetic shot (defaults: none; see the module docstring)."""

    reference_hue_deg: float = Field(0.0, ge=-45.0, le=45.0)
    reference_hue_split_deg: float = Field(0.0, ge=-45.0, le=45.0)
    reference_saturation: float = Field(1.0, gt=0.0, le=2.0)
    motion_speed: float = Field(1.0, gt=0.0, le=20.0)
    nonrigid_px: float = Field(0.0, ge=0.0, le=16.0)
    fade_drift: float = Field(0.0, ge=0.0, le=0.8)

    @property
    def is_default(self) -> bool:
        """Whether these conditions change nothing."""
        return self == ShotConditions()

    @property
    def grades_reference(self) -> bool:
        return (self.reference_hue_deg, self.reference_hue_split_deg, self.reference_saturation) != (
            0.0,
            0.0,
            1.0,
        )


def grade_chroma(rgb: np.ndarray, hue_deg: float, split_deg: float, saturation: float) -> np.ndarray:
    """R'G'B' with its CbCr turned by ``hue_deg + split_deg * (Y' - 0.5)`` degrees and scaled by
    ``saturation``, Y' kept, clipped to 0-1 like a grade rendered to video (float32 copy)."""
    ycc = rgb_to_ycbcr(np.asarray(rgb[..., :3], dtype=np.float32))
    y, cb, cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    theta = np.deg2rad(hue_deg + split_deg * (y - 0.5)).astype(np.float32)
    cos, sin = np.cos(theta) * np.float32(saturation), np.sin(theta) * np.float32(saturation)
    turned = np.stack([y, cb * cos - cr * sin, cb * sin + cr * cos], axis=-1)
    return np.clip(ycbcr_to_rgb(turned), 0.0, 1.0).astype(np.float32)


def wobble(xy: np.ndarray, width: int, height: int, t: float, amplitude: float) -> np.ndarray:
    """Displacement (..., 2) in frame px of frame points ``xy`` (..., 2) at shot time ``t`` (0-1).

    Two travelling sine waves per axis (wavelengths about half to one frame, directions and phases
    fixed), ``WOBBLE_CYCLES`` periods over the shot, peak ``amplitude`` px; smooth, so the picture
    bends without tearing.
    """
    u = xy[..., 0] / np.float32(width)
    v = xy[..., 1] / np.float32(height)
    phase = np.float32(2.0 * math.pi * WOBBLE_CYCLES * t)
    tau = np.float32(2.0 * math.pi)
    dx = 0.6 * np.sin(tau * (1.3 * v + 0.4 * u) + phase) + 0.4 * np.sin(
        tau * (0.7 * u - 1.1 * v) - 1.7 * phase + 1.0
    )
    dy = 0.6 * np.sin(tau * (1.1 * u + 0.5 * v) - phase + 2.0) + 0.4 * np.sin(
        tau * (0.9 * v - 0.6 * u) + 1.3 * phase + 0.5
    )
    return (np.stack([dx, dy], axis=-1) * np.float32(amplitude)).astype(np.float32)


def drifted_field(field: np.ndarray, drift: float, t: float) -> np.ndarray:
    """The kept-fraction field (HxWx3, dyes C, M, Y) at shot time ``t`` under ``fade_drift`` ``drift``."""
    if drift == 0.0:
        return field
    gain = 1.0 + np.float32(drift * (0.5 - t)) * DRIFTING_DYES
    return np.clip(field * gain, 0.01, 1.0).astype(np.float32)
