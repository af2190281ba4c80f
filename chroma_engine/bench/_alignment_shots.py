"""The shots of ``bench alignment``: seed sets, SD conditions, the error measure and one shot's run.

Seeds: ``TUNE_SEEDS`` may be looked at to choose anything in the registration; ``TEST_SEEDS`` (SD) and
``SCAN_SEEDS`` (default references) are only ever reported. The error is measured in scan pixels at the
vertices of the picture area (the scan frame inside the reference's true picture): where the estimated
reference -> scan matrix sends each vertex's true reference point, against the vertex.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from schemas import AlignmentRecord, ShotJob

    from ..synth import ReferenceOptions, ReferenceTransform

#: Seeds whose results may be used to choose anything (thresholds, scales, iterations).
TUNE_SEEDS: tuple[int, ...] = tuple(range(9000, 9008))
#: Seeds that are only reported, never used to choose anything.
TEST_SEEDS: tuple[int, ...] = tuple(range(2100, 2140))
#: Seeds of the default ("scan") references.
SCAN_SEEDS: tuple[int, ...] = tuple(range(2100, 2112))
_SEVERITIES = ("mild", "severe", "extreme")
_RASTERS = (("pal", "16:9"), ("ntsc", "4:3"), ("pal", "4:3"), ("ntsc", "16:9"))


@dataclass(frozen=True)
class ShotResult:
    """One shot's registration against its truth (errors in scan pixels; None when it failed)."""

    seed: int
    kind: str
    condition: str
    mean_px: float | None
    max_px: float | None
    quality: float
    fell_back: bool
    true_transform: str
    estimate: str
    seconds: float
    quality_at_px: dict[str, float]
    note: str = ""


def sd_condition(seed: int) -> ReferenceOptions:
    """The SD reference options of ``seed`` (its own generator: the shot's draws are untouched)."""
    from ..synth import ReferenceOptions

    rng = np.random.default_rng([seed, 21])
    raster, aspect = _RASTERS[seed % len(_RASTERS)]  # every raster and aspect equally often
    lift = float(rng.uniform(0.02, 0.08)) if rng.random() < 0.5 else 0.0
    clip = float(rng.uniform(0.85, 0.97)) if rng.random() < 0.5 else 1.0
    legal = bool(rng.random() < 0.5)
    quality = int(rng.integers(30, 76))
    grain = float(rng.uniform(0.01, 0.04))
    softness = float(rng.uniform(0.5, 1.2))
    return ReferenceOptions(
        raster=raster,  # type: ignore[arg-type]
        aspect=aspect,  # type: ignore[arg-type]
        framing="wide",
        black_lift=round(lift, 4),
        white_clip=round(clip, 4),
        quality=quality,
        levels="legal" if legal else "full",
        grain=round(grain, 4),
        softness=round(softness, 3),
    )


def describe_condition(options: ReferenceOptions) -> str:
    """Short label, e.g. ``PAL 16:9 q45 legal lift .05 clip .90``."""
    if options.raster == "scan":
        return "scan raster (default)"
    parts = [options.raster.upper(), options.aspect, f"q{options.quality}", f"grain {options.grain:.3f}"]
    if options.levels == "legal":
        parts.append("legal")
    if options.black_lift:
        parts.append(f"lift {options.black_lift:.2f}")
    if options.white_clip < 1.0:
        parts.append(f"clip {options.white_clip:.2f}")
    return " ".join(parts)


def picture_vertices(truth_transform: ReferenceTransform) -> np.ndarray:
    """Vertices (Nx2, scan pixels) of the scan frame inside the reference's true picture."""
    width, height = truth_transform.scan_size
    frame = np.array([[-0.5, -0.5], [width - 0.5, -0.5], [width - 0.5, height - 0.5], [-0.5, height - 0.5]])
    x0, y0, x1, y1 = truth_transform.reference_picture
    picture = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    to_scan = truth_transform.matrix()
    mapped = cv2.perspectiveTransform(picture[None], to_scan)[0]
    area, polygon = cv2.intersectConvexConvex(frame.astype(np.float32), mapped.astype(np.float32))
    if area <= 0 or polygon is None:
        return frame
    return polygon.reshape(-1, 2).astype(np.float64)


def registration_error(estimate: np.ndarray, truth_transform: ReferenceTransform) -> tuple[float, float]:
    """(mean, max) displacement in scan pixels over the picture area's vertices."""
    vertices = picture_vertices(truth_transform)
    forward = np.asarray(truth_transform.scan_to_reference, dtype=np.float64)
    in_ref = cv2.perspectiveTransform(vertices[None], forward)[0]
    back = cv2.perspectiveTransform(in_ref[None], np.asarray(estimate, dtype=np.float64))[0]
    dist = np.linalg.norm(back - vertices, axis=1)
    return float(dist.mean()), float(dist.max())


#: Known errors (max px over the picture area) the quality is also measured at, per shot.
PROBE_ERRORS: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 5.0)


def perturbed(truth_transform: ReferenceTransform, error: float, rng: np.random.Generator) -> np.ndarray:
    """The true reference -> scan matrix moved by a random shift, rotation and scale whose largest
    displacement over the picture area is ``error`` px."""
    truth = truth_transform.matrix()
    width, height = truth_transform.scan_size
    d = rng.normal(size=4)
    angle, scale = d[0] * 1e-3, d[1] * 1e-3
    nudge = np.array(
        [[1 + scale, -angle, d[2]], [angle, 1 + scale, d[3]], [0.0, 0.0, 1.0]]
    )  # about the scan centre
    centre = np.array([[1.0, 0.0, (width - 1) / 2], [0.0, 1.0, (height - 1) / 2], [0.0, 0.0, 1.0]])
    moved = centre @ nudge @ np.linalg.inv(centre) @ truth
    _, worst = registration_error(moved, truth_transform)
    return truth + (moved - truth) * (error / worst)


def _quality_at_errors(job: ShotJob, truth_transform: ReferenceTransform, seed: int) -> dict[str, float]:
    """Match quality of the true matrix moved by each of ``PROBE_ERRORS`` (first frame)."""
    from ..alignment import check_matrix
    from ..io import resolve_sequence

    source, reference = resolve_sequence(job, job.media.source), resolve_sequence(job, job.media.reference)
    first = source.ref.first_frame
    src, ref = source.read(first), reference.read(first)
    rng = np.random.default_rng([seed, 5])
    out = {}
    for error in (0.0, *PROBE_ERRORS):
        matrix = truth_transform.matrix() if error == 0 else perturbed(truth_transform, error, rng)
        out[f"{error:g}"] = round(check_matrix(src, ref, matrix, job.alignment.motion).quality, 4)
    return out


def _align_shot(job: ShotJob, pairs: int) -> AlignmentRecord:
    """Stage 2 on ``pairs`` evenly spread frames, without the fallback (its decision is taken after)."""
    from schemas import Alignment

    from ..alignment import solve_alignment
    from ..io import resolve_sequence

    source, reference = resolve_sequence(job, job.media.source), resolve_sequence(job, job.media.reference)
    frames = list(source.ref.frames)
    picks = sorted({frames[round(i)] for i in np.linspace(0, len(frames) - 1, min(pairs, len(frames)))})
    spec = Alignment(mode="auto", motion=job.alignment.motion, fallback_threshold=0.0)
    return solve_alignment(
        job.job_id,
        picks,
        [source.read(f) for f in picks],
        [reference.read(f) for f in picks],
        spec,
        job.crop,
        ((f, reference.read(f)) for f in frames),
    )


def bench_shot(
    work: Path, seed: int, kind: str, size: tuple[int, int], frames: int, pairs: int
) -> ShotResult:
    """Synthesise one shot, align it, score the estimate against the written truth."""
    from .._errors import StageError
    from ..alignment import describe_matrix
    from ..synth import ReferenceOptions, load_reference_transform, synthesize_shot

    options = sd_condition(seed) if kind == "sd" else ReferenceOptions()
    folder = work / f"{kind}_{seed}"
    if folder.exists():
        shutil.rmtree(folder)
    rng = np.random.default_rng([seed, 19])
    job = synthesize_shot(
        folder,
        frames=frames,
        width=size[0],
        height=size[1],
        severity=_SEVERITIES[int(rng.integers(len(_SEVERITIES)))],  # type: ignore[arg-type]
        seed=seed,
        progress=False,
        reference=options,
    )
    truth = load_reference_transform(folder)
    true_words = describe_matrix(truth.matrix(), truth.reference_size, truth.scan_size).words()
    started = time.perf_counter()
    try:
        record = _align_shot(job, pairs)
    except StageError as exc:
        seconds = time.perf_counter() - started
        probes = _quality_at_errors(job, truth, seed)
        shutil.rmtree(folder, ignore_errors=True)
        return ShotResult(
            seed,
            kind,
            describe_condition(options),
            None,
            None,
            0.0,
            True,
            true_words,
            "-",
            seconds,
            probes,
            str(exc),
        )
    seconds = time.perf_counter() - started
    estimate = np.asarray(record.matrix, dtype=np.float64)
    mean, worst = registration_error(estimate, truth)
    probes = _quality_at_errors(job, truth, seed)
    shutil.rmtree(folder, ignore_errors=True)
    return ShotResult(
        seed=seed,
        kind=kind,
        condition=describe_condition(options),
        mean_px=round(mean, 4),
        max_px=round(worst, 4),
        quality=round(record.quality, 4),
        fell_back=record.quality < job.alignment.fallback_threshold,
        true_transform=true_words,
        estimate=describe_matrix(estimate, record.reference_size, record.source_size).words(),
        seconds=round(seconds, 3),
        quality_at_px=probes,
    )
