"""What the synthesiser did to a shot, for tests and metrics: ``SynthTruth`` (``synth_truth.json``)
and the true geometry between scan and reference, ``ReferenceTransform`` (``reference_transform.json``).

Neither holds an absolute path, so two runs with the same arguments write identical documents.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
from pydantic import ValidationError

from schemas import SchemaModel

from .._errors import MediaError
from ..io import write_text_atomic
from ._camera import CameraPath
from ._conditions import ShotConditions
from ._fading import FadeParams, Severity
from ._reference import ReferenceParams
from ._telecine import Matrix3, TelecineGeometry, as_matrix3
from ._video import ReferenceOptions

TRUTH_NAME = "synth_truth.json"
TRANSFORM_NAME = "reference_transform.json"
#: Fields written only when set (section, field, default), so a default shot's document keeps the bytes
#: it always had.
_OPTIONAL: tuple[tuple[str | None, str, object], ...] = (
    (None, "reference_options", None),
    (None, "telecine", None),
    (None, "conditions", None),
    ("camera", "wobble_px", 0.0),
    ("fade", "drift", 0.0),
    ("reference", "hue_deg", 0.0),
    ("reference", "hue_split_deg", 0.0),
    ("reference", "saturation", 1.0),
)


class SynthTruth(SchemaModel):
    """The known ground truth of a synthetic shot.

    Attributes:
        synth_version: layout version of this document.
        seed: the seed the shot was drawn from (``numpy.random.default_rng(seed)``).
        severity: fade preset.
        kept: kept dye fractions (cyan, magenta, yellow) before the spatial variation.
        ref_frame_offset: REF frame ``n + offset`` shows SOURCE frame ``n``.
        subtitle_frames: REF frame numbers with a burned-in subtitle.
        photo: the scikit-image photograph filmed.
        width, height: frame size of every sequence.
        first_frame, last_frame: frame range of every sequence (inclusive).
        frame_rate: frames per second.
        exposures: per-frame scan exposure (flicker), SOURCE order.
        balance_gains: linear R, G, B gains that made BAL from SOURCE.
        fade: the full fade model.
        camera: the virtual camera.
        reference: the reference's geometry, tone curve, compression, borders and subtitle.
        media: sequence patterns relative to the shot folder, keyed SOURCE / REF / BAL / TRUTH.
        reference_options: how the reference was made, when not the default.
        telecine: the SD raster and its delivery, for an SD reference.
        conditions: the harder conditions the shot was made under, when any (``ShotConditions``).
    """

    synth_version: Literal["1"] = "1"
    seed: int
    severity: Severity
    kept: tuple[float, float, float]
    ref_frame_offset: int
    subtitle_frames: tuple[int, ...]
    photo: str
    width: int
    height: int
    first_frame: int
    last_frame: int
    frame_rate: float
    exposures: tuple[float, ...]
    balance_gains: tuple[float, float, float]
    fade: FadeParams
    camera: CameraPath
    reference: ReferenceParams
    media: dict[str, str]
    reference_options: ReferenceOptions | None = None
    telecine: TelecineGeometry | None = None
    conditions: ShotConditions | None = None


class ReferenceTransform(SchemaModel):
    """The true scan -> reference geometry of a synthetic shot (what alignment should find, inverted).

    Matrices are 3x3 in OpenCV pixel coordinates (pixel centres on integers, y down) of the scan and
    of the delivered REF frames; ``reference_to_scan`` is what ``AlignmentRecord.matrix`` estimates.

    Attributes:
        transform_version: layout version of this document.
        scan_size, reference_size: (width, height).
        scan_to_reference, reference_to_scan: the transform and its inverse.
        reference_picture: picture edges ``(x0, y0, x1, y1)`` in REF pixels (bars and blanking outside).
        raster: ``scan``, ``pal`` or ``ntsc``; aspect: the SD display aspect (``scan``: the scan's).
        framing_scale, framing_rotate_deg, framing_translate_x, framing_translate_y: the framing
            similarity (scan -> framed scan, about the scan centre, y down, scan pixels).
        pixel_aspect_error: horizontal / vertical scale of the delivered picture (1 for ``scan``).
    """

    transform_version: Literal["1"] = "1"
    scan_size: tuple[int, int]
    reference_size: tuple[int, int]
    scan_to_reference: Matrix3
    reference_to_scan: Matrix3
    reference_picture: tuple[float, float, float, float]
    raster: Literal["scan", "pal", "ntsc"]
    aspect: str
    framing_scale: float
    framing_rotate_deg: float
    framing_translate_x: float
    framing_translate_y: float
    pixel_aspect_error: float

    def matrix(self) -> np.ndarray:
        """``reference_to_scan`` as a float64 array."""
        return np.asarray(self.reference_to_scan, dtype=np.float64)


def reference_transform(truth: SynthTruth) -> ReferenceTransform:
    """The true geometry of ``truth``'s reference (scan raster: the framing; SD: ``telecine``)."""
    params, width, height = truth.reference, truth.width, truth.height
    if truth.telecine is None:
        forward = np.vstack([np.asarray(params.source_to_ref, dtype=np.float64), [0.0, 0.0, 1.0]])
        picture = (
            params.border_left - 0.5,
            params.border_top - 0.5,
            width - params.border_right - 0.5,
            height - params.border_bottom - 0.5,
        )
        common = math.gcd(width, height)
        raster, aspect, pixel_aspect = "scan", f"{width // common}:{height // common}", 1.0
    else:
        tele = truth.telecine
        forward = np.asarray(tele.scan_to_reference, dtype=np.float64)
        delivery = np.asarray(tele.raster_to_reference, dtype=np.float64)
        x0, y0, x1, y1 = tele.picture
        (px0, py0), (px1, py1) = ((delivery @ [x, y, 1.0])[:2] for x, y in ((x0, y0), (x1, y1)))
        picture = (round(float(px0), 6), round(float(py0), 6), round(float(px1), 6), round(float(py1), 6))
        raster, aspect = tele.raster, tele.aspect
        pixel_aspect = round(tele.pixel_aspect_read / tele.pixel_aspect_itu, 10)
    return ReferenceTransform(
        scan_size=(width, height),
        reference_size=(width, height),
        scan_to_reference=as_matrix3(forward),
        reference_to_scan=as_matrix3(np.linalg.inv(forward)),
        reference_picture=picture,
        raster=raster,  # type: ignore[arg-type]
        aspect=aspect,
        framing_scale=params.scale,
        framing_rotate_deg=params.rotate_deg,
        framing_translate_x=params.translate_x,
        framing_translate_y=params.translate_y,
        pixel_aspect_error=pixel_aspect,
    )


def write_truth(truth: SynthTruth, folder: str | os.PathLike[str]) -> Path:
    """Write ``<folder>/synth_truth.json`` and ``reference_transform.json`` atomically (sorted keys,
    stable bytes); returns the first."""
    data = truth.model_dump(mode="json")
    for section, key, default in _OPTIONAL:
        place = data if section is None else data[section]
        if place.get(key) == default:
            place.pop(key, None)
    geometry = reference_transform(truth).model_dump(mode="json")
    write_text_atomic(Path(folder) / TRANSFORM_NAME, json.dumps(geometry, indent=2, sort_keys=True) + "\n")
    return write_text_atomic(Path(folder) / TRUTH_NAME, json.dumps(data, indent=2, sort_keys=True) + "\n")


def load_reference_transform(path: str | os.PathLike[str]) -> ReferenceTransform:
    """Read a ``reference_transform.json`` (file or its shot folder).

    Raises:
        MediaError: missing, unreadable or invalid document (the message names the file).
    """
    target = Path(path)
    if target.is_dir():
        target = target / TRANSFORM_NAME
    return _load(target, ReferenceTransform)


def load_truth(path: str | os.PathLike[str]) -> SynthTruth:
    """Read a ``synth_truth.json`` (file or its shot folder).

    Raises:
        MediaError: missing, unreadable or invalid document (the message names the file).
    """
    target = Path(path)
    if target.is_dir():
        target = target / TRUTH_NAME
    return _load(target, SynthTruth)


_Doc = TypeVar("_Doc", SynthTruth, ReferenceTransform)


def _load(target: Path, model: type[_Doc]) -> _Doc:
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MediaError(
            f"{target}: cannot read ({exc.strerror})", hint="run `chroma-recovery synth` first"
        ) from exc
    except json.JSONDecodeError as exc:
        raise MediaError(f"{target}: not valid JSON ({exc.msg})", hint="re-run the synthesiser") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise MediaError(
            f"{target}: invalid synth document at {where}: {first['msg']}", hint="re-run the synthesiser"
        ) from exc
