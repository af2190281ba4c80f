"""``bench quality``: synthetic shots of each severity, scored on held-out frames only.

For each severity a shot is synthesised, all stages run on the native engine, and the table reports the
mean CIEDE2000 against TRUTH of the balanced scan, the MatchGrade LUT (its chroma on the scan's luma)
and the ML output, luma identity (before encoding), the luma grain noise power ratio of the output vs
the scan (before encoding, and of the written EXR vs the scan written through the same codec), and
training time. Targets on severe fading: ML <= 0.6 x LUT, ML <= 2.0 dE00, max |dY'| <= 1e-3, grain
within +-10 %.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..colour import ACES2065_1, REC709_DISPLAY, convert
from ..io import read_image, write_document, write_exr
from ..metrics import LUMA_IDENTITY_LIMIT
from ._record import machine_info, write_result

TARGETS = {"ml_over_lut": 0.6, "ml_de00": 2.0, "luma": LUMA_IDENTITY_LIMIT, "grain_tolerance": 0.10}


def _written_grain_ratio(job, inference, frame: int) -> float:  # type: ignore[no-untyped-def]
    """Grain of the written ML EXR vs the scan written through the same codec (ACES2065-1 DWAA)."""
    from ..metrics import grain_noise_power_ratio
    from ..runner import ShotContext

    ctx = ShotContext.from_job(job)
    scan = ctx.source.read(frame)
    written = convert(
        read_image(Path(job.project.root) / (inference.output.printf_pattern() % frame)),
        ACES2065_1,
        REC709_DISPLAY,
    )
    probe = Path(job.project.root) / "bench_scan_same_codec.exr"
    write_exr(probe, convert(scan, REC709_DISPLAY, ACES2065_1), ACES2065_1)
    scan_codec = convert(read_image(probe), ACES2065_1, REC709_DISPLAY)
    probe.unlink()
    return float(grain_noise_power_ratio(written, scan_codec))


def _oracle_de00(job, steps: int | None) -> float:  # type: ignore[no-untyped-def]
    """Held-out dE00 of the same model trained on TRUTH instead of the reference (same frames, masks,
    steps): what this model could reach if the reference were perfect - the ceiling for the ML column."""
    import tempfile

    from ..runner import ShotContext
    from ..runner._evaluation import FrameScorer
    from ..runner._prep_stages import load_pairs, model_input
    from ..training import TrainingPair, restore_frame, train

    ctx = ShotContext.from_job(job)
    assert ctx.truth is not None
    curation, alignment = ctx.load_curation(), ctx.load_alignment()
    loaded = load_pairs(ctx, curation, alignment, curation.training_frames)
    inputs = model_input(ctx, known={p.frame: p.source for p in loaded})  # as the ML column's model saw
    pairs = [
        TrainingPair(p.frame, inputs(p.frame)[1], ctx.truth.read(p.frame)[..., :3], p.mask) for p in loaded
    ]
    scorer = FrameScorer(ctx, curation, alignment, "oracle")
    with tempfile.TemporaryDirectory(prefix="oracle_", dir=job.project.root) as folder:
        result = train(job, pairs, None, folder, steps=steps, resume=False)
        from ..training import load_model

        model = load_model(result.model_file, device=result.device)
        for frame in sorted(scorer.held_out):
            source, model_in = inputs(frame)
            scorer.add(frame, source, restore_frame(model, model_in, luma_from=source), check_luma=False)
    return scorer.summary()["oracle_de00_truth_heldout"]


def bench_quality(
    out_dir: Path,
    severities: Sequence[str] = ("mild", "severe", "extreme"),
    frames: int = 24,
    size: tuple[int, int] = (384, 288),
    steps: int | None = 600,
    seed: int = 0,
    oracle: bool = False,
    pairs: int = 4,
) -> dict[str, object]:
    """Run the quality benchmark; returns the JSON record (also written to ``out_dir``).

    ``pairs`` is the job's ``curation.auto_count`` (4 by default; 7 and 11 are the escalation steps):
    the LUT baseline and the model train on the same pairs, and only the other frames are scored.

    ``oracle`` adds the same model trained on TRUTH (an upper bound no reference can beat by
    construction of the metric) so the ML column can be read against what is reachable.
    """
    from ..runner import run_job
    from ..synth import synthesize_shot

    rows, results = [], {}
    for severity in severities:
        shot_dir = out_dir / f"shot_{severity}_{int(time.time())}"
        job = synthesize_shot(
            shot_dir,
            frames=frames,
            width=size[0],
            height=size[1],
            severity=severity,  # type: ignore[arg-type]
            seed=seed,
        )
        if pairs != job.curation.auto_count:
            curation = type(job.curation).model_validate({**job.curation.model_dump(), "auto_count": pairs})
            job = job.model_copy(update={"curation": curation})
            write_document(shot_dir / "job.json", job)  # the job on disk is the job that ran
        started = time.perf_counter()
        summary = run_job(job, steps=steps)
        wall = time.perf_counter() - started
        m = summary.metrics
        train_seconds = _training_seconds(job)
        assert summary.inference is not None
        held = sorted(set(job.media.source.frames) - set(_training_frames(job)))
        written = _written_grain_ratio(job, summary.inference, held[len(held) // 2])
        ml, lut, bal = (
            m.get("ml_de00_truth_heldout"),
            m.get("lut_de00_truth_heldout"),
            m.get("bal_de00_truth_heldout"),
        )
        ratio = ml / lut if ml is not None and lut else float("nan")
        ceiling = _oracle_de00(job, steps) if oracle else None
        result: dict[str, object] = {
            "balanced_de00": bal,
            "lut_de00": lut,
            "ml_de00": ml,
            "ml_over_lut": ratio,
            "oracle_trained_on_truth_de00": ceiling,
            "oracle_over_lut": ceiling / lut if ceiling is not None and lut else None,
            "luma_max_abs_dY": m.get("ml_luma_max_abs_dY"),
            "grain_nps_ratio_before_encoding": m.get("ml_grain_nps_ratio"),
            "grain_nps_ratio_written_same_codec": written,
            "training_seconds": train_seconds,
            "wall_seconds": wall,
            "steps": steps,
            "heldout_frames_scored": m.get("ml_heldout_frames_scored"),
            "report": str(summary.report),
        }
        if severity == "severe":
            result["targets_met"] = {
                "ml_le_0.6_lut": bool(ratio <= TARGETS["ml_over_lut"]),
                "ml_le_2.0": bool(ml is not None and ml <= TARGETS["ml_de00"]),
                "luma_le_1e-3": bool((m.get("ml_luma_max_abs_dY") or 1.0) <= TARGETS["luma"]),
                "grain_within_10pct": bool(
                    abs((m.get("ml_grain_nps_ratio") or 0.0) - 1.0) <= TARGETS["grain_tolerance"]
                ),
            }
        results[severity] = result
        rows.append(
            [
                severity,
                bal,
                lut,
                ml,
                ratio,
                ceiling,
                m.get("ml_luma_max_abs_dY"),
                m.get("ml_grain_nps_ratio"),
                written,
                train_seconds,
            ]
        )
    columns = [
        "severity",
        "balanced dE00",
        "LUT dE00",
        "ML dE00",
        "ML/LUT",
        "ML trained on TRUTH dE00",
        "max |dY'|",
        "grain NPS (pre-enc)",
        "grain NPS (written, same codec)",
        "train s",
    ]
    data = {
        "machine": machine_info(),
        "frames": frames,
        "size": list(size),
        "seed": seed,
        "pairs": pairs,
        "results": results,
        "targets": TARGETS,
    }
    write_result(
        out_dir,
        "quality",
        data,
        columns,
        rows,
        notes="\nHeld-out frames only; LUT and balanced scored on their chroma over the scan's luma. "
        "'ML trained on TRUTH' (with --oracle) is the same model, frames, masks and steps trained on "
        "the synthetic ground truth instead of the reference: the ceiling the ML column is read against.\n",
    )
    return data | {"columns": columns, "rows": rows}


def _training_frames(job) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    from ..runner import ShotContext

    return ShotContext.from_job(job).load_curation().training_frames


def _training_seconds(job) -> float:  # type: ignore[no-untyped-def]
    from schemas import load_manifest

    from ..io import newest_complete_version
    from ..runner import MANIFEST_NAME, ShotContext

    folder = newest_complete_version(ShotContext.from_job(job).shot_dir("training")).folder
    if folder is None:
        return float("nan")
    return float(load_manifest(folder / MANIFEST_NAME).metrics.get("seconds", np.nan))
