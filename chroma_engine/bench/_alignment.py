"""``bench alignment``: registration error on synthetic shots whose true transform is known.

Two sets of shots, each a ``synthesize_shot`` written to disk (EXR, as the pipeline reads it):

* **SD**: DVD / telecine references drawn per seed by ``sd_condition``: PAL or NTSC, 4:3 or 16:9,
  wide framing (scale 0.95-1.05, up to 1 degree, up to 20 px), lifted blacks / clipped whites / legal
  levels on some, the reference print's own grain (0.01-0.04) and telecine softness (0.5-1.2 raster
  px), JPEG 4:2:0 at quality 30-75, any severity and photograph.
* **scan**: the default references every other bench and test uses.

Seeds: ``TUNE_SEEDS`` may be looked at to choose anything in the registration; ``TEST_SEEDS`` are only
ever reported. The alignment runs as stage 2 does (``solve_alignment`` on the training frames with
the job's settings; subtitles scanned on every frame); its fallback decision is the job's: the
registration quality under ``alignment.fallback_threshold``. The error is measured in scan pixels at
the vertices of the picture area (the scan frame inside the reference's true picture): where the
estimated reference -> scan matrix sends each vertex's true reference point, against the vertex.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from ._record import machine_info, write_result

#: Seeds whose results may be used to choose anything (thresholds, scales, iterations).
TUNE_SEEDS: tuple[int, ...] = tuple(range(9000, 9008))
#: Seeds that are only reported, never used to choose anything.
TEST_SEEDS: tuple[int, ...] = tuple(range(2100, 2140))
#: Seeds of the default ("scan") references.
SCAN_SEEDS: tuple[int, ...] = tuple(range(2100, 2112))
TARGETS = {"mean_px": 0.5, "max_px": 1.5, "share": 0.95, "unflagged_px": 3.0}
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


def sd_condition(seed: int):  # type: ignore[no-untyped-def]
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


def describe_condition(options) -> str:  # type: ignore[no-untyped-def]
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


def picture_vertices(truth_transform) -> np.ndarray:  # type: ignore[no-untyped-def]
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


def registration_error(estimate: np.ndarray, truth_transform) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(mean, max) displacement in scan pixels over the picture area's vertices."""
    vertices = picture_vertices(truth_transform)
    forward = np.asarray(truth_transform.scan_to_reference, dtype=np.float64)
    in_ref = cv2.perspectiveTransform(vertices[None], forward)[0]
    back = cv2.perspectiveTransform(in_ref[None], np.asarray(estimate, dtype=np.float64))[0]
    dist = np.linalg.norm(back - vertices, axis=1)
    return float(dist.mean()), float(dist.max())


#: Known errors (max px over the picture area) the quality is also measured at, per shot.
PROBE_ERRORS: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 5.0)


def perturbed(truth_transform, error: float, rng: np.random.Generator) -> np.ndarray:  # type: ignore[no-untyped-def]
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


def _quality_at_errors(folder: Path, job, truth_transform, seed: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
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


def _align_shot(folder: Path, job, pairs: int):  # type: ignore[no-untyped-def]
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
        record = _align_shot(folder, job, pairs)
    except StageError as exc:
        seconds = time.perf_counter() - started
        probes = _quality_at_errors(folder, job, truth, seed)
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
    probes = _quality_at_errors(folder, job, truth, seed)
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


def _probe_keys(results: Sequence[ShotResult]) -> list[str]:
    return list(results[0].quality_at_px) if results else []


def summarise(results: Sequence[ShotResult], threshold: float = 0.5) -> dict[str, object]:
    """Share of shots on target, worst errors, shots over 3 px the fallback missed, quality vs error.

    ``threshold`` is the job's ``alignment.fallback_threshold`` (default 0.5)."""
    n = len(results)
    ok = [r for r in results if r.mean_px is not None and r.max_px is not None]
    on_target = sum(
        1
        for r in ok
        if r.mean_px <= TARGETS["mean_px"] and r.max_px <= TARGETS["max_px"]  # type: ignore[operator]
    )
    missed = [r.seed for r in ok if r.max_px > TARGETS["unflagged_px"] and not r.fell_back]  # type: ignore[operator]
    errors = np.array([r.max_px for r in ok], dtype=np.float64)
    quality = np.array([r.quality for r in ok], dtype=np.float64)
    rank = float("nan")
    if len(ok) >= 3 and errors.std() > 0 and quality.std() > 0:
        rank = float(np.corrcoef(np.argsort(np.argsort(errors)), np.argsort(np.argsort(quality)))[0, 1])
    return {
        "shots": n,
        "on_target": on_target,
        "on_target_share": on_target / n if n else float("nan"),
        "fell_back": sum(1 for r in results if r.fell_back),
        "over_3px_not_flagged": missed,
        "mean_of_mean_px": float(np.mean([r.mean_px for r in ok])) if ok else float("nan"),
        "median_max_px": float(np.median(errors)) if ok else float("nan"),
        "worst_max_px": float(errors.max()) if ok else float("nan"),
        "spearman_quality_vs_max_error": rank,
        "seconds_per_shot": float(np.mean([r.seconds for r in results])) if results else float("nan"),
        "quality_at_px_median": {
            key: float(np.median([r.quality_at_px[key] for r in results])) for key in _probe_keys(results)
        },
        "fallback_share_at_px": {
            key: float(np.mean([r.quality_at_px[key] < threshold for r in results]))
            for key in _probe_keys(results)
        },
        "targets_met": bool(n and on_target / n >= TARGETS["share"] and not missed),
    }


def _row(r: ShotResult) -> list[object]:
    fmt = lambda v: "failed" if v is None else v  # noqa: E731
    return [
        r.kind,
        r.seed,
        r.condition,
        fmt(r.mean_px),
        fmt(r.max_px),
        r.quality,
        "yes" if r.fell_back else "no",
        r.true_transform,
        r.estimate,
    ]


def bench_alignment(
    out_dir: Path,
    *,
    quick: bool = False,
    shots: int | None = None,
    scan_shots: int | None = None,
    size: tuple[int, int] | None = None,
    frames: int | None = None,
    pairs: int = 4,
    tune: bool = False,
    name: str = "alignment",
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Run the alignment benchmark; returns the JSON record (also written to ``out_dir``).

    Args:
        out_dir: where ``<name>.json`` / ``.md`` go (shots are made in a scratch folder inside).
        quick: a few tiny shots (a test runs it in seconds).
        shots, scan_shots: how many SD and default-reference shots (default 30 and 10; quick 2 and 1).
        size, frames: scan size and frames per shot (default 640x360, 6; quick 192x108, 3).
        pairs: training frames aligned per shot (stage 2 pools them).
        tune: run the tune seeds instead of the test seeds (the only results that may steer changes).
        name: record name.
        progress: called with one line per shot.
    """
    shots = shots if shots is not None else (2 if quick else 30)
    scan_shots = scan_shots if scan_shots is not None else (1 if quick else 10)
    size = size or ((192, 108) if quick else (640, 360))
    frames = frames or (3 if quick else 6)
    seeds = TUNE_SEEDS if tune else TEST_SEEDS
    scan_seeds = TUNE_SEEDS if tune else SCAN_SEEDS
    if shots > len(seeds) or scan_shots > len(scan_seeds):
        raise ValueError(f"at most {len(seeds)} SD and {len(scan_seeds)} scan shots in this seed set")
    work = Path(out_dir) / f"_{name}_shots"
    work.mkdir(parents=True, exist_ok=True)
    plan = [("sd", s) for s in seeds[:shots]] + [("scan", s) for s in scan_seeds[:scan_shots]]
    results: list[ShotResult] = []
    started = time.perf_counter()
    for i, (kind, seed) in enumerate(plan, 1):
        result = bench_shot(work, seed, kind, size, frames, pairs)
        results.append(result)
        if progress:
            progress(
                f"[{i}/{len(plan)}] {kind} seed {seed} ({result.condition}): "
                f"mean {result.mean_px} px, max {result.max_px} px, quality {result.quality:.3f}"
                + (" FALLBACK" if result.fell_back else "")
            )
    shutil.rmtree(work, ignore_errors=True)
    summary = {kind: summarise([r for r in results if r.kind == kind]) for kind in ("sd", "scan")}
    data: dict[str, object] = {
        "machine": machine_info(),
        "seed_set": "tune" if tune else "test",
        "seeds": {"sd": list(seeds[:shots]), "scan": list(scan_seeds[:scan_shots])},
        "tune_seeds": list(TUNE_SEEDS),
        "size": list(size),
        "frames": frames,
        "pairs": pairs,
        "targets": TARGETS,
        "summary": summary,
        "shots": [asdict(r) for r in results],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    columns = ["set", "seed", "reference", "mean px", "max px", "quality", "fallback", "true", "estimated"]
    write_result(out_dir, name, data, columns, [_row(r) for r in results], notes=_notes(data))
    return data | {"columns": columns, "rows": [_row(r) for r in results]}


def _notes(data: dict[str, object]) -> str:
    """The summary and the quality-at-known-error tables under the per-shot table."""
    from ._record import markdown_table

    summary: dict[str, dict[str, object]] = data["summary"]  # type: ignore[assignment]
    kinds = [k for k, s in summary.items() if s["shots"]]
    rows = [
        [
            kind,
            s["shots"],
            f"{s['on_target']}/{s['shots']}",
            s["mean_of_mean_px"],
            s["median_max_px"],
            s["worst_max_px"],
            s["fell_back"],
            len(s["over_3px_not_flagged"]),  # type: ignore[arg-type]
            s["spearman_quality_vs_max_error"],
        ]
        for kind, s in ((k, summary[k]) for k in kinds)
    ]
    probes = list(summary[kinds[0]]["quality_at_px_median"]) if kinds else []  # type: ignore[call-overload]
    probe_rows = [
        [f"{kind} {key} px"]
        + [summary[kind]["quality_at_px_median"][key], summary[kind]["fallback_share_at_px"][key]]  # type: ignore[index]
        for kind in kinds
        for key in probes
    ]
    seeds: dict[str, list[int]] = data["seeds"]  # type: ignore[assignment]
    size: list[int] = data["size"]  # type: ignore[assignment]
    return (
        "\nSummary (targets: mean <= 0.5 px and max <= 1.5 px on 95 % of SD shots; no shot over 3 px "
        "without the fallback):\n\n"
        + markdown_table(
            [
                "set",
                "shots",
                "on target",
                "mean of mean px",
                "median max px",
                "worst max px",
                "fallbacks",
                "over 3 px unflagged",
                "Spearman(quality, error)",
            ],
            rows,
        )
        + "\nQuality against a known error (the true matrix moved by a random shift, rotation and scale "
        "whose largest displacement over the picture is the error; first frame of each shot):\n\n"
        + markdown_table(["set / known error", "median quality", "share under 0.5 (falls back)"], probe_rows)
        + f"\nSeeds: {data['seed_set']} set (SD {seeds['sd'][0] if seeds['sd'] else '-'}.., scan "
        f"{seeds['scan'][0] if seeds['scan'] else '-'}..); tune seeds {TUNE_SEEDS[0]}-{TUNE_SEEDS[-1]} are "
        f"the only ones ever used to choose anything. Scan {size[0]}x{size[1]}, {data['frames']} frames, "
        f"{data['pairs']} pairs aligned per shot.\n"
    )
