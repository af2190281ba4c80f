"""``SynthTruth``: what the synthesiser did to a shot (``<out>/synth_truth.json``), for tests and metrics.

It holds no absolute path, so two runs with the same arguments write identical documents.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from schemas import SchemaModel

from .._errors import MediaError
from ..io import write_text_atomic
from ._camera import CameraPath
from ._fading import FadeParams, Severity
from ._reference import ReferenceParams

TRUTH_NAME = "synth_truth.json"


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


def write_truth(truth: SynthTruth, folder: str | os.PathLike[str]) -> Path:
    """Write ``<folder>/synth_truth.json`` atomically (sorted keys, stable bytes)."""
    text = json.dumps(truth.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
    return write_text_atomic(Path(folder) / TRUTH_NAME, text)


def load_truth(path: str | os.PathLike[str]) -> SynthTruth:
    """Read a ``synth_truth.json`` (file or its shot folder).

    Raises:
        MediaError: missing, unreadable or invalid document (the message names the file).
    """
    target = Path(path)
    if target.is_dir():
        target = target / TRUTH_NAME
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MediaError(
            f"{target}: cannot read ({exc.strerror})", hint="run `chroma-recovery synth` first"
        ) from exc
    except json.JSONDecodeError as exc:
        raise MediaError(f"{target}: not valid JSON ({exc.msg})", hint="re-run the synthesiser") from exc
    try:
        return SynthTruth.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise MediaError(
            f"{target}: invalid synth truth at {where}: {first['msg']}", hint="re-run the synthesiser"
        ) from exc
