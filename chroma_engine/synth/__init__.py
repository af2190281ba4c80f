"""Synthetic faded shots with known ground truth, from real photographs shipped in scikit-image.

``synthesize_shot(out_dir)`` films a photograph with a slow virtual camera, fades it in dye-density
space (cyan and yellow lose most: magenta cast), adds density-dependent grain, flicker and 10-bit
quantisation (SOURCE), makes a degraded colour-correct video reference (REF), a grey-world balance
(BAL) and the metric target (TRUTH = SOURCE Y' + clean CbCr), and writes a ``ShotJob`` and a
``SynthTruth`` beside them.
"""

from ._camera import PHOTOS, CameraPath, load_photo, plan_camera
from ._fading import (
    CROSSTALK,
    SEVERITIES,
    FadeParams,
    Severity,
    balance,
    fade_field,
    fade_frame,
    grey_world_gains,
    quantise,
    sample_fade,
    to_display,
    to_linear,
)
from ._reference import ReferenceParams, render_reference, sample_reference, to_nuke_transform, tone_curve
from ._shot import FIRST_FRAME, build_job, clean_frame, media_pattern, synthesize_shot
from ._truth import TRUTH_NAME, SynthTruth, load_truth, write_truth

__all__ = [
    "CROSSTALK",
    "FIRST_FRAME",
    "PHOTOS",
    "SEVERITIES",
    "TRUTH_NAME",
    "CameraPath",
    "FadeParams",
    "ReferenceParams",
    "Severity",
    "SynthTruth",
    "balance",
    "build_job",
    "clean_frame",
    "fade_field",
    "fade_frame",
    "grey_world_gains",
    "load_photo",
    "load_truth",
    "media_pattern",
    "plan_camera",
    "quantise",
    "render_reference",
    "sample_fade",
    "sample_reference",
    "synthesize_shot",
    "to_display",
    "to_linear",
    "to_nuke_transform",
    "tone_curve",
    "write_truth",
]
