"""The alignment in a colorist's words: scale, rotation, shift and how well the pictures match.

``describe_matrix`` splits a reference -> source matrix into what a colorist would dial in
(``TransformWords``): the scale of the reference's width and height (they differ when the reference's
pixel aspect was read wrongly, as with SD blanking), the rotation (clockwise on screen is positive)
and where the reference's centre lands relative to the scan's centre (right and down positive).
``alignment_sentence`` renders a record, e.g. "reference scaled 102.6 %, rotated 0.25 deg clockwise,
shifted 3.1 px right / 1.2 px down; match quality 0.97 (good, within about 0.2 px)".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from schemas import AlignmentRecord

#: Quality words: the lowest score that earns each.
QUALITY_WORDS: tuple[tuple[float, str], ...] = ((0.9, "good"), (0.75, "fair"), (0.5, "poor"), (0.0, "failed"))


@dataclass(frozen=True)
class TransformWords:
    """A reference -> source matrix as a colorist reads it.

    Attributes:
        scale_x, scale_y: how much the reference's width and height are scaled (1.0 = unchanged).
        rotate_deg: rotation of the reference, degrees, clockwise on screen positive.
        shift_x, shift_y: where the reference's centre lands minus the source's centre, source
            pixels, right and down positive.
        perspective: largest keystone displacement at the reference's corners, source pixels.
    """

    scale_x: float
    scale_y: float
    rotate_deg: float
    shift_x: float
    shift_y: float
    perspective: float = 0.0

    @property
    def scale(self) -> float:
        """The mean (area) scale."""
        return math.sqrt(abs(self.scale_x * self.scale_y))

    def words(self) -> str:
        """e.g. ``scaled 102.6 %, rotated 0.25 deg clockwise, shifted 3.1 px right / 1.2 px down``."""
        if abs(self.scale_x - self.scale_y) >= 0.0005:
            scale = f"scaled {100 * self.scale_x:.1f} % wide x {100 * self.scale_y:.1f} % high"
        else:
            scale = f"scaled {100 * self.scale:.1f} %"
        turn = "clockwise" if self.rotate_deg >= 0 else "counter-clockwise"
        rotate = f"rotated {abs(self.rotate_deg):.2f} deg {turn}"
        horizontal = f"{abs(self.shift_x):.1f} px {'right' if self.shift_x >= 0 else 'left'}"
        vertical = f"{abs(self.shift_y):.1f} px {'down' if self.shift_y >= 0 else 'up'}"
        text = f"{scale}, {rotate}, shifted {horizontal} / {vertical}"
        if self.perspective >= 0.5:
            text += f", keystone up to {self.perspective:.1f} px"
        return text


def describe_matrix(
    matrix: np.ndarray, reference_size: tuple[int, int], source_size: tuple[int, int]
) -> TransformWords:
    """Split a 3x3 reference -> source matrix (OpenCV pixels) into ``TransformWords``.

    The linear part is read at the reference's centre as rotation times an upper-triangular
    scale (QR): ``scale_x`` is the length the reference's horizontal axis gets, ``scale_y`` the
    area scale divided by it, so a pure pixel-aspect change reads as two scales and no rotation.
    """
    m = np.asarray(matrix, dtype=np.float64)
    m = m / m[2, 2]
    rw, rh = reference_size
    sw, sh = source_size
    centre = np.array([(rw - 1) / 2.0, (rh - 1) / 2.0, 1.0])
    mapped = m @ centre
    w = mapped[2]
    landed = mapped[:2] / w
    # Jacobian of the projective map at the centre (equals the linear part for an affine matrix).
    jac = (m[:2, :2] - np.outer(landed, m[2, :2])) / w
    scale_x = math.hypot(jac[0, 0], jac[1, 0])
    rotate = math.degrees(math.atan2(jac[1, 0], jac[0, 0]))
    scale_y = float(np.linalg.det(jac)) / scale_x if scale_x > 0 else 0.0
    affine = np.vstack([np.hstack([jac, (landed - jac @ centre[:2])[:, None]]), [0.0, 0.0, 1.0]])
    corners = np.array([[0, 0, 1], [rw - 1, 0, 1], [0, rh - 1, 1], [rw - 1, rh - 1, 1]], dtype=np.float64)
    true = (m @ corners.T).T
    true = true[:, :2] / true[:, 2:3]
    flat = (affine @ corners.T).T[:, :2]
    return TransformWords(
        scale_x=float(scale_x),
        scale_y=float(scale_y),
        rotate_deg=float(rotate),
        shift_x=float(landed[0] - (sw - 1) / 2.0),
        shift_y=float(landed[1] - (sh - 1) / 2.0),
        perspective=float(np.max(np.linalg.norm(true - flat, axis=1))),
    )


def quality_word(quality: float) -> str:
    """``good`` / ``fair`` / ``poor`` / ``failed`` for a 0-1 match quality."""
    for floor, word in QUALITY_WORDS:
        if quality >= floor:
            return word
    return QUALITY_WORDS[-1][1]


def alignment_sentence(record: AlignmentRecord) -> str:
    """The record in one sentence a colorist understands (what was applied, how well it matches)."""
    words = describe_matrix(np.asarray(record.matrix), record.reference_size, record.source_size).words()
    word = quality_word(record.quality)
    off = record.estimated_error_px
    within = f", within about {off:.1f} px" if off is not None and off < 10 else ""
    quality = f"match quality {record.quality:.2f} ({word}{within})"
    if record.method == "manual":
        how = (
            "the automatic match was too poor, so the manual transform was used"
            if record.fell_back
            else ("manual transform")
        )
        return f"reference {words} ({how}); {quality}"
    return f"reference {words}; {quality}"
