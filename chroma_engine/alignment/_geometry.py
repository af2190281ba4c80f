"""Coordinate conventions: OpenCV pixel matrices, Nuke Transform knobs and Nuke y-up crop boxes.

Two coordinate systems meet here.

* **OpenCV / numpy** (``matrix`` of ``AlignmentRecord``): x right, y DOWN, the centre of pixel
  ``[row, col]`` is the point ``(col, row)``. ``cv2.warpPerspective`` uses it directly.
* **Nuke**: x right, y UP, origin at the image's bottom-left corner, the centre of the pixel in
  numpy row ``r`` (height ``H``) and column ``c`` is ``(c + 0.5, H - r - 0.5)``. Images of
  different sizes share that bottom-left origin (a Transform on the reference, then the source
  format). A Nuke ``Transform`` maps ``p -> translate + center + scale * R(rotate) * (p - center)``
  with ``rotate`` in degrees, counter-clockwise on screen.

``CropBox`` (Nuke ``box {x y r t}``): numpy rows ``[r0, r1)`` and columns ``[c0, c1)`` of an image
of height ``H`` are ``x = c0, r = c1, y = H - r1, t = H - r0``.
"""

from __future__ import annotations

import math

import numpy as np

from schemas import CropBox, Transform2D

from .._errors import StageError


def _cv_to_nuke(height: int) -> np.ndarray:
    """3x3 mapping OpenCV pixel coordinates of an image of ``height`` rows to Nuke coordinates."""
    return np.array([[1.0, 0.0, 0.5], [0.0, -1.0, height - 0.5], [0.0, 0.0, 1.0]])


def _nuke_to_cv(height: int) -> np.ndarray:
    """Inverse of ``_cv_to_nuke``."""
    return np.array([[1.0, 0.0, -0.5], [0.0, -1.0, height - 0.5], [0.0, 0.0, 1.0]])


def transform_to_matrix(
    transform: Transform2D, reference_size: tuple[int, int], source_size: tuple[int, int]
) -> np.ndarray:
    """Nuke Transform knobs (reference -> source, y up) as a 3x3 OpenCV matrix (y down).

    Args:
        transform: the knobs; ``center`` is in reference Nuke pixels.
        reference_size, source_size: (width, height) of the two images.
    """
    angle = math.radians(transform.rotate)
    s = transform.scale
    lin = s * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    center = np.array([transform.center_x, transform.center_y])
    shift = np.array([transform.translate_x, transform.translate_y]) + center - lin @ center
    nuke = np.eye(3)
    nuke[:2, :2] = lin
    nuke[:2, 2] = shift
    return _nuke_to_cv(source_size[1]) @ nuke @ _cv_to_nuke(reference_size[1])


def matrix_to_transform(
    matrix: np.ndarray, reference_size: tuple[int, int], source_size: tuple[int, int]
) -> Transform2D:
    """The similarity part of a 3x3 OpenCV matrix as Nuke Transform knobs.

    The pivot is the reference's centre; ``translate`` is where the matrix really sends that centre
    (so a perspective or sheared matrix is matched exactly at the centre), and rotation and scale come
    from the closest similarity to the linear part.
    """
    nuke = _cv_to_nuke(source_size[1]) @ np.asarray(matrix, dtype=np.float64) @ _nuke_to_cv(reference_size[1])
    nuke = nuke / nuke[2, 2]
    a = (nuke[0, 0] + nuke[1, 1]) / 2.0
    b = (nuke[1, 0] - nuke[0, 1]) / 2.0
    scale = math.hypot(a, b)
    if scale <= 1e-9 or not math.isfinite(scale):
        raise StageError("alignment matrix is degenerate (zero scale)", hint="use a manual transform")
    center = np.array([reference_size[0] / 2.0, reference_size[1] / 2.0, 1.0])
    mapped = nuke @ center
    mapped = mapped[:2] / mapped[2]
    return Transform2D(
        translate_x=float(mapped[0] - center[0]),
        translate_y=float(mapped[1] - center[1]),
        rotate=float(math.degrees(math.atan2(b, a))),
        scale=float(scale),
        center_x=float(center[0]),
        center_y=float(center[1]),
    )


def rows_cols_to_box(r0: int, r1: int, c0: int, c1: int, height: int) -> CropBox:
    """Numpy rows ``[r0, r1)`` and columns ``[c0, c1)`` -> Nuke y-up ``CropBox``."""
    return CropBox(x=int(c0), y=int(height - r1), r=int(c1), t=int(height - r0))


def box_to_rows_cols(box: CropBox, height: int) -> tuple[int, int, int, int]:
    """Nuke y-up ``CropBox`` -> numpy ``(r0, r1, c0, c1)`` (half-open)."""
    return height - box.t, height - box.y, box.x, box.r


def box_inside(box: CropBox, size: tuple[int, int]) -> bool:
    """Whether ``box`` lies inside an image of ``size`` (width, height)."""
    return box.x >= 0 and box.y >= 0 and box.r <= size[0] and box.t <= size[1]


def box_mask(box: CropBox, shape: tuple[int, ...]) -> np.ndarray:
    """Bool HxW mask, True inside ``box`` (y-up) for an image of ``shape`` (H, W, ...)."""
    height, width = shape[0], shape[1]
    r0, r1, c0, c1 = box_to_rows_cols(box, height)
    mask = np.zeros((height, width), dtype=bool)
    mask[max(r0, 0) : min(r1, height), max(c0, 0) : min(c1, width)] = True
    return mask


def scale_matrix(factor_x: float, factor_y: float | None = None) -> np.ndarray:
    """OpenCV pixel coordinates of an image -> those of it resized by ``factor`` (``cv2.resize``)."""
    fy = factor_x if factor_y is None else factor_y
    return np.array(
        [[factor_x, 0.0, 0.5 * factor_x - 0.5], [0.0, fy, 0.5 * fy - 0.5], [0.0, 0.0, 1.0]],
    )


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 matrix to Nx2 points (homogeneous divide included)."""
    pts = np.hstack([np.asarray(points, dtype=np.float64), np.ones((len(points), 1))])
    out = pts @ np.asarray(matrix, dtype=np.float64).T
    return out[:, :2] / out[:, 2:3]


def corner_error(matrix_a: np.ndarray, matrix_b: np.ndarray, size: tuple[int, int]) -> float:
    """Largest distance (px) between where two matrices send the corners of an image of ``size``."""
    w, h = size
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], dtype=np.float64)
    return float(
        np.max(np.linalg.norm(map_points(matrix_a, corners) - map_points(matrix_b, corners), axis=1))
    )


def as_tuple3(matrix: np.ndarray) -> tuple[tuple[float, ...], ...]:
    """3x3 array -> nested tuple of floats (normalised so the last element is 1)."""
    m = np.asarray(matrix, dtype=np.float64)
    m = m / m[2, 2]
    return tuple(tuple(float(v) for v in row) for row in m)
