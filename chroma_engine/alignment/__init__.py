"""Stage 2, alignment: the reference registered onto the source, the linked crop, subtitle keys.

Registration: features (SIFT) and ECC give a start; local phase correlation over patches of every
training pair refines it in one robust fit and scores it (``MatchCheck``: how far the patches still
lie from where the matrix puts them, as a 0-1 quality and an estimated error in pixels).
``alignment_sentence`` states the result in a colorist's words.

Conventions (see ``_geometry``): ``AlignmentRecord.matrix`` maps reference pixels to source pixels
in OpenCV coordinates (y down, pixel centres on integers); ``transform`` holds the same mapping's
similarity part as Nuke Transform knobs (y up, bottom-left origin, pivot at the reference centre);
crop boxes are Nuke y-up ``box {x y r t}`` in source pixels.
"""

from ._align import align, align_single_pair, check_matrix, solve_alignment
from ._crop import detect_subtitle, film_edge_side, picture_box
from ._describe import TransformWords, alignment_sentence, describe_matrix, quality_word
from ._geometry import (
    box_mask,
    box_to_rows_cols,
    corner_error,
    matrix_to_transform,
    rows_cols_to_box,
    transform_to_matrix,
)
from ._register import Registration, register_pair, registration_quality, structure
from ._robust import MatchCheck
from ._warp import difference_image, edge_overlay, training_mask, warp_reference

__all__ = [
    "MatchCheck",
    "Registration",
    "TransformWords",
    "align",
    "align_single_pair",
    "alignment_sentence",
    "box_mask",
    "box_to_rows_cols",
    "check_matrix",
    "corner_error",
    "describe_matrix",
    "detect_subtitle",
    "difference_image",
    "edge_overlay",
    "film_edge_side",
    "matrix_to_transform",
    "picture_box",
    "quality_word",
    "register_pair",
    "registration_quality",
    "rows_cols_to_box",
    "solve_alignment",
    "structure",
    "training_mask",
    "transform_to_matrix",
    "warp_reference",
]
