"""Clean frames: a real photograph shipped in scikit-image, filmed by a slow virtual camera.

The camera pans, zooms and rolls slightly over the shot (sub-pixel steps). Each frame is one
``cv2.warpAffine`` of the photograph (bicubic) with an affine that maps frame pixels to photograph
pixels (OpenCV convention: pixel centres at integer coordinates, y down). The window is sized so that
every frame, and every reference frame (which adds its own small offset), stays inside the picture.
"""

from __future__ import annotations

import os
from functools import lru_cache

import cv2
import numpy as np

from schemas import SchemaModel

#: Photographs bundled with scikit-image (no download): public domain or CC0 (restoration science §7).
PHOTOS: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket", "motorcycle_left")
_FILES = {
    "astronaut": "astronaut.png",
    "coffee": "coffee.png",
    "chelsea": "chelsea.png",
    "rocket": "rocket.jpg",
    "motorcycle_left": "motorcycle_left.png",
}


@lru_cache(maxsize=8)
def load_photo(name: str) -> np.ndarray:
    """A bundled photograph as float32 HxWx3 display-referred 0-1 (read-only, cached).

    Raises:
        ValueError: ``name`` is not one of ``PHOTOS``.
        FileNotFoundError: the scikit-image installation lacks the file.
    """
    if name not in _FILES:
        raise ValueError(f"photo {name!r} is not one of {', '.join(PHOTOS)}")
    import skimage.data

    path = os.path.join(skimage.data.data_dir, _FILES[name])
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"{path}: bundled scikit-image photo is missing")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    rgb.setflags(write=False)
    return rgb


class CameraPath(SchemaModel):
    """The virtual camera of one shot. Time ``t = index / (frames - 1)``; indices outside 0..frames-1
    extrapolate the same motion (used by a reference with a frame offset).

    Attributes:
        photo: the photograph's name (``PHOTOS``).
        width, height: frame size in pixels.
        frames: frames in the shot.
        centre_x, centre_y: window centre at mid-shot (t = 0.5), photograph pixels.
        pan_x, pan_y: window travel over the whole shot, in frame pixels (t = 0 to 1).
        base_scale: photograph pixels per frame pixel at t = 0.
        zoom: relative scale change over the shot (-0.05 = 5 % zoom in).
        roll: rotation over the shot, degrees.
        wobble_px: peak non-rigid displacement of the picture in frame px (``_conditions.wobble``);
            0 = a rigid camera move (left out of ``synth_truth.json`` then).
    """

    photo: str
    width: int
    height: int
    frames: int
    centre_x: float
    centre_y: float
    pan_x: float
    pan_y: float
    base_scale: float
    zoom: float
    roll: float
    wobble_px: float = 0.0

    def time(self, index: float) -> float:
        return float(index) / max(self.frames - 1, 1)

    def affine(self, index: float) -> np.ndarray:
        """2x3 matrix: frame pixel -> photograph pixel at frame ``index`` (may be fractional)."""
        t = self.time(index)
        return _window_affine(
            self.width,
            self.height,
            self.centre_x + self.base_scale * self.pan_x * (t - 0.5),
            self.centre_y + self.base_scale * self.pan_y * (t - 0.5),
            self.base_scale * (1.0 + self.zoom * t),
            self.roll * t,
        )

    def render(
        self, index: float, extra: np.ndarray | None = None, size: tuple[int, int] | None = None
    ) -> np.ndarray:
        """The clean frame ``index``; ``extra`` (2x3, output pixel -> frame pixel) re-frames it first.

        ``size`` (width, height) of the output; default the frame size (another size needs ``extra``
        to say which frame pixel each output pixel shows, e.g. an SD raster).
        """
        matrix = self.affine(index)
        photo = load_photo(self.photo)
        if self.wobble_px > 0:
            return self._render_wobbling(photo, matrix, index, extra, size or (self.width, self.height))
        if extra is not None:
            matrix = compose(matrix, extra)
        out = cv2.warpAffine(
            photo,
            matrix,
            size or (self.width, self.height),
            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT_101,
        )
        return np.clip(out, 0.0, 1.0)

    def _render_wobbling(
        self,
        photo: np.ndarray,
        matrix: np.ndarray,
        index: float,
        extra: np.ndarray | None,
        size: tuple[int, int],
    ) -> np.ndarray:
        """``render`` with the non-rigid displacement: output pixel -> frame point (``extra``) -> displaced
        by ``wobble`` there -> photograph pixel."""
        from ._conditions import wobble

        ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float64)
        points = np.stack([xs, ys, np.ones_like(xs)], axis=-1)
        frame = points[..., :2] if extra is None else points @ np.asarray(extra, np.float64).T
        moved = frame + wobble(frame, self.width, self.height, self.time(index), self.wobble_px)
        photo_xy = moved @ matrix[:, :2].T + matrix[:, 2]
        out = cv2.remap(
            photo,
            photo_xy[..., 0].astype(np.float32),
            photo_xy[..., 1].astype(np.float32),
            interpolation=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_REFLECT_101,
        )
        return np.clip(out, 0.0, 1.0)


def _window_affine(width: int, height: int, cx: float, cy: float, scale: float, roll: float) -> np.ndarray:
    """Frame pixel -> photograph pixel for a window centred at (cx, cy), scaled and rolled (degrees)."""
    theta = np.deg2rad(roll)
    cos, sin = np.cos(theta) * scale, np.sin(theta) * scale
    fx, fy = (width - 1) / 2.0, (height - 1) / 2.0
    return np.array([[cos, -sin, cx - cos * fx + sin * fy], [sin, cos, cy - sin * fx - cos * fy]])


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """2x3 affine ``outer o inner`` (apply ``inner`` first)."""
    full = np.vstack([outer, [0.0, 0.0, 1.0]]) @ np.vstack([inner, [0.0, 0.0, 1.0]])
    return full[:2]


def invert(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine."""
    return np.asarray(cv2.invertAffineTransform(np.asarray(matrix, dtype=np.float64)), dtype=np.float64)


def plan_camera(
    photo: str,
    width: int,
    height: int,
    frames: int,
    rng: np.random.Generator,
    indices: range,
    reframes: tuple[np.ndarray, ...] = (),
    speed: float = 1.0,
    wobble_px: float = 0.0,
) -> CameraPath:
    """Draw a slow camera move and size its window so every needed view stays inside the photograph.

    Per frame the window travels 0.15-0.4 frame pixels, zooms by -0.12 %..+0.08 % and rolls by up to
    0.015 degrees, so a 48-frame shot moves 7-19 px, zooms up to 6 % and rolls up to 0.7 degrees.

    Args:
        photo: photograph name.
        width, height, frames: the shot.
        rng: the shot's generator.
        indices: every frame index that will be rendered (a reference offset extends 0..frames-1).
        reframes: extra 2x3 (output -> frame) re-framings that must also stay inside (the reference).
        speed: pan, zoom and roll per frame times this (``ShotConditions.motion_speed``; the random
            draws are the same).
        wobble_px: peak non-rigid displacement (frame px); the window keeps that much room too.
    """
    ph, pw = load_photo(photo).shape[:2]
    steps = max(frames - 1, 1)
    angle = rng.uniform(0.0, 2 * np.pi)
    travel = rng.uniform(0.15, 0.4) * steps
    zoom = float(rng.uniform(-0.0012, 0.0008) * steps)
    roll = float(rng.uniform(-0.015, 0.015) * steps)
    if speed != 1.0:
        travel, zoom, roll = travel * speed, zoom * speed, roll * speed
    probe = CameraPath(
        photo=photo,
        width=width,
        height=height,
        frames=frames,
        centre_x=(pw - 1) / 2.0,
        centre_y=(ph - 1) / 2.0,
        pan_x=float(travel * np.cos(angle)),
        pan_y=float(travel * np.sin(angle)),
        base_scale=1.0,
        zoom=zoom,
        roll=roll,
        wobble_px=float(wobble_px),
    )
    # Every photograph coordinate is centre + base_scale * v: bound base_scale by the room around it.
    lo, hx, hy = -wobble_px, width - 1 + wobble_px, height - 1 + wobble_px
    corners = np.array([[lo, lo, 1], [hx, lo, 1], [lo, hy, 1], [hx, hy, 1]], float)
    views = [np.array([[1.0, 0, 0], [0, 1.0, 0]]), *reframes]
    centre = np.array([probe.centre_x, probe.centre_y])
    limit = np.inf
    for index in indices:
        matrix = probe.affine(index)
        for view in views:
            offsets = (compose(matrix, view) @ corners.T).T - centre
            for axis, size in ((0, pw), (1, ph)):
                pos, neg = offsets[:, axis].max(), -offsets[:, axis].min()
                if pos > 0:
                    limit = min(limit, ((size - 1) - centre[axis]) / pos)
                if neg > 0:
                    limit = min(limit, centre[axis] / neg)
    return probe.model_copy(update={"base_scale": float(0.97 * limit)})
