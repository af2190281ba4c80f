"""Summaries of the quality protocol: means per method, ratios with paired bootstrap intervals, targets.

Every ratio is a ratio of means over the seeds of a group (``mean(A) / mean(B)``, the same shots for
both), with a 95 % interval from a paired bootstrap over the seeds (the seeds are resampled with
replacement, both means recomputed on the same resample; ``BOOTSTRAP_RESAMPLES`` resamples from a fixed
generator, so a record reproduces exactly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..metrics import LUMA_IDENTITY_LIMIT

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 19
#: Ratios reported for every group: (name, numerator method, denominator method). Below 1, the numerator
#: is better. The ``no_*`` rows divide the model without a part by the full model: above 1, the part
#: helps; the part earns its place when the interval's lower end is above 1.
RATIOS: tuple[tuple[str, str, str], ...] = (
    ("ml / nuke_lut", "ml", "nuke_lut"),
    ("ml / matched_lut", "ml", "matched_lut"),
    ("matched_lut / nuke_lut", "matched_lut", "nuke_lut"),
    ("ml / start (network)", "ml", "start"),
    ("no_network / ml", "start", "ml"),
    ("no_temporal / ml", "no_temporal", "ml"),
    ("no_positional_grid / ml", "no_positional_grid", "ml"),
    ("no_blur_refit / ml", "no_blur_refit", "ml"),
    ("oracle / ml", "oracle", "ml"),
)
#: Targets on the test seeds (issue 19): severe ML <= 0.75 x the matched LUT (upper end of the interval),
#: <= 0.6 x the Nuke-style LUT and <= 1.5 mean dE00; extreme ML <= 0.75 x the matched LUT (upper end);
#: everywhere luma identity max |dY'| <= 1e-3 and the luma grain within +-10 % of the scan's.
TARGETS: dict[str, float] = {
    "severe_ml_over_matched_high": 0.75,
    "severe_ml_over_nuke": 0.6,
    "severe_ml_de00": 1.5,
    "extreme_ml_over_matched_high": 0.75,
    "luma": LUMA_IDENTITY_LIMIT,
    "grain_tolerance": 0.10,
}


@dataclass(frozen=True)
class Ratio:
    """``mean(numerator) / mean(denominator)`` over ``n`` seeds, with its 95 % bootstrap interval."""

    name: str
    value: float
    low: float
    high: float
    n: int


def ratio_of_means(numerator: Sequence[float], denominator: Sequence[float], name: str = "") -> Ratio:
    """Paired bootstrap (over the seeds) of the ratio of means; fixed generator."""
    num, den = np.asarray(numerator, np.float64), np.asarray(denominator, np.float64)
    n = len(num)
    value = float(num.mean() / den.mean())
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
    resampled = num[picks].mean(axis=1) / den[picks].mean(axis=1)
    low, high = np.percentile(resampled, [2.5, 97.5])
    return Ratio(name, value, float(low), float(high), n)


def _ok(shots: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in shots if s.get("status") == "ok"]


def group_summary(shots: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means per method, every ratio (on the seeds where both methods ran) and the ML's luma and grain."""
    ok = sorted(_ok(shots), key=lambda s: s["seed"])
    names = sorted({m for s in ok for m in s["methods"]})
    means = {m: float(np.mean([s["methods"][m]["de00"] for s in ok if m in s["methods"]])) for m in names}
    ratios = []
    for label, top, bottom in RATIOS:
        both = [s for s in ok if top in s["methods"] and bottom in s["methods"]]
        if both:
            num = [s["methods"][top]["de00"] for s in both]
            den = [s["methods"][bottom]["de00"] for s in both]
            ratios.append(asdict(ratio_of_means(num, den, label)))
    ml = [s["methods"]["ml"] for s in ok if "ml" in s["methods"]]
    grains = [
        v for m in ml for v in (m.get("grain_nps_ratio"), m.get("grain_nps_ratio_written")) if v is not None
    ]
    return {
        "shots": len(shots),
        "ok": len(ok),
        "failed": [s["shot"] for s in shots if s.get("status") != "ok"],
        "seeds": [s["seed"] for s in ok],
        "mean_de00": means,
        "ratios": ratios,
        "ml_luma_max_abs_dY": max((m.get("luma_max_abs_dY") or 0.0 for m in ml), default=None),
        "ml_grain_range": [min(grains), max(grains)] if grains else None,
        "min_held_out_distance": min((s["held_out"]["min_distance"] for s in ok), default=None),
    }


def _ratio(summary: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((r for r in summary["ratios"] if r["name"] == name), None)


def targets(groups: dict[str, dict[str, Any]]) -> dict[str, bool | None]:
    """Each target of ``TARGETS``: met, missed, or None when its group did not run."""
    out: dict[str, bool | None] = {}
    severe, extreme = groups.get("severe"), groups.get("extreme")
    matched = _ratio(severe, "ml / matched_lut") if severe else None
    nuke = _ratio(severe, "ml / nuke_lut") if severe else None
    out["severe: ML <= 0.75 x matched LUT (upper 95 %)"] = (
        None if matched is None else matched["high"] <= TARGETS["severe_ml_over_matched_high"]
    )
    out["severe: ML <= 0.6 x Nuke-style LUT"] = (
        None if nuke is None else nuke["value"] <= TARGETS["severe_ml_over_nuke"]
    )
    ml_mean = severe["mean_de00"].get("ml") if severe else None
    out["severe: ML <= 1.5 mean dE00"] = None if ml_mean is None else ml_mean <= TARGETS["severe_ml_de00"]
    ext = _ratio(extreme, "ml / matched_lut") if extreme else None
    out["extreme: ML <= 0.75 x matched LUT (upper 95 %)"] = (
        None if ext is None else ext["high"] <= TARGETS["extreme_ml_over_matched_high"]
    )
    lumas = [g["ml_luma_max_abs_dY"] for g in groups.values() if g["ml_luma_max_abs_dY"] is not None]
    out["luma identity max |dY'| <= 1e-3"] = max(lumas) <= TARGETS["luma"] if lumas else None
    grains = [v for g in groups.values() if g["ml_grain_range"] for v in g["ml_grain_range"]]
    out["grain NPS within +-10 %"] = (
        all(abs(v - 1.0) <= TARGETS["grain_tolerance"] for v in grains) if grains else None
    )
    return out
