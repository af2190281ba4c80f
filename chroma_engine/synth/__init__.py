"""Synthetic faded shots with known ground truth, from real photographs shipped in scikit-image.

``synthesize_shot(out_dir)`` films a photograph with a slow virtual camera, fades it in dye-density
space (cyan and yellow lose most: magenta cast), adds density-dependent grain, flicker and 10-bit
quantisation (SOURCE), makes a degraded colour-correct video reference (REF), a grey-world balance
(BAL) and the metric target (TRUTH = SOURCE Y' + clean CbCr), and writes a ``ShotJob`` and a
``SynthTruth`` beside them. ``ReferenceOptions`` makes other references: an anamorphic PAL/NTSC
raster delivered like Resolve does, a wider framing, lifted blacks and clipped whites, 4:2:0 and DCT
blocks, legal levels; ``reference_transform.json`` holds the true scan -> reference matrix.
"""

from ._camera import PHOTOS, CameraPath, load_photo, plan_camera
from ._conditions import ShotConditions, grade_chroma
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
from ._telecine import RASTERS, TelecineGeometry, plan_telecine, render_telecine
from ._truth import (
    TRANSFORM_NAME,
    TRUTH_NAME,
    ReferenceTransform,
    SynthTruth,
    load_reference_transform,
    load_truth,
    reference_transform,
    write_truth,
)
from ._video import ReferenceOptions

__all__ = [
    "CROSSTALK",
    "FIRST_FRAME",
    "PHOTOS",
    "RASTERS",
    "SEVERITIES",
    "TRANSFORM_NAME",
    "ShotConditions",
    "TRUTH_NAME",
    "CameraPath",
    "FadeParams",
    "ReferenceOptions",
    "ReferenceParams",
    "ReferenceTransform",
    "Severity",
    "SynthTruth",
    "TelecineGeometry",
    "balance",
    "build_job",
    "clean_frame",
    "fade_field",
    "fade_frame",
    "grade_chroma",
    "grey_world_gains",
    "load_photo",
    "load_reference_transform",
    "load_truth",
    "media_pattern",
    "plan_camera",
    "plan_telecine",
    "quantise",
    "reference_transform",
    "render_reference",
    "render_telecine",
    "sample_fade",
    "sample_reference",
    "synthesize_shot",
    "to_display",
    "to_linear",
    "to_nuke_transform",
    "tone_curve",
    "write_truth",
]
