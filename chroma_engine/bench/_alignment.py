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
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ._alignment_shots import SCAN_SEEDS, TEST_SEEDS, TUNE_SEEDS, ShotResult, bench_shot
from ._record import machine_info, markdown_table, write_result

TARGETS = {"mean_px": 0.5, "max_px": 1.5, "share": 0.95, "unflagged_px": 3.0}


def _probe_keys(results: Sequence[ShotResult]) -> list[str]:
    return list(results[0].quality_at_px) if results else []


def summarise(results: Sequence[ShotResult], threshold: float = 0.5) -> dict[str, object]:
    """Share of shots on target, worst errors, shots over 3 px the fallback missed, quality vs error.

    ``threshold`` is the job's ``alignment.fallback_threshold`` (default 0.5)."""
    n = len(results)
    ok = [r for r in results if r.mean_px is not None and r.max_px is not None]
    on_target = len(
        [r for r in ok if r.mean_px <= TARGETS["mean_px"] and r.max_px <= TARGETS["max_px"]]  # type: ignore[operator]
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
