"""The QC verdict: PASS or CHECK, in plain words, from a render's held-out metrics.

Three things decide it, the ones a colorist signs a shot off on:

- the ML restore against the MatchGrade LUT on held-out frames (never trained on): the mean
  CIEDE2000 against the true colours where a synthetic shot has them, else the mean Cb/Cr distance to
  the aligned reference. The LUT losing is a pass; the LUT winning or drawing asks for a look.
- luma identity: the largest |ΔY'| between the restore and the scan, before any encoding, against
  ``LUMA_IDENTITY_LIMIT`` (the scan's luma and grain must come through untouched).
- held-out frames were scored at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..metrics import LUMA_IDENTITY_LIMIT
from ._labels import MEASURES, format_value

#: Comparison measures, best first: against the truth (synthetic shots), else against the reference.
_COMPARED = ("de00_truth_heldout", "chroma_dist_heldout")
_AGAINST = {"de00_truth_heldout": "the true colours", "chroma_dist_heldout": "the reference"}


@dataclass(frozen=True)
class Comparison:
    """ML against the LUT on one held-out measure (lower is better)."""

    measure: str
    ml: float
    lut: float

    @property
    def unit(self) -> str:
        return MEASURES[self.measure].unit

    @property
    def against(self) -> str:
        """What both were compared with: "the true colours" or "the reference"."""
        return _AGAINST[self.measure]

    @property
    def ml_better(self) -> bool:
        return self.ml < self.lut

    @property
    def difference(self) -> float:
        """How much lower the winner is, in the measure's unit."""
        return abs(self.lut - self.ml)

    @property
    def percent(self) -> float:
        """The difference as a percentage of the loser's value."""
        loser = max(self.ml, self.lut)
        return 100.0 * self.difference / loser if loser > 0 else 0.0

    def sentence(self) -> str:
        """``"ML is closer to the true colours than the LUT by 1.00 ΔE00 (41 % lower): 1.44 vs 2.44."``"""
        measure = MEASURES[self.measure]
        values = f"{format_value(self.ml, measure)} vs {format_value(self.lut, measure)}"
        if self.ml == self.lut:
            return f"ML and the LUT are equally close to {self.against} ({values} {self.unit})."
        winner, loser = ("ML", "the LUT") if self.ml_better else ("The LUT", "ML")
        return (
            f"{winner} is closer to {self.against} than {loser} by {format_value(self.difference, measure)} "
            f"{self.unit} ({self.percent:.0f} % lower): {values}."
        )


@dataclass(frozen=True)
class Verdict:
    """The QC verdict of one render.

    Attributes:
        passed: every check passed (the page says PASS, else CHECK).
        checks: one plain sentence per check, each with whether it passed, in page order.
        comparison: ML vs LUT on held-out frames, None when there is no LUT (or nothing measured).
        luma: the ML restore's largest |ΔY'| (None when not measured); ``luma_limit`` its threshold.
        frames_scored: held-out frames scored.
        grain: the ML restore's grain noise-power ratio (1.0 = untouched), information only.
    """

    passed: bool
    checks: tuple[tuple[bool, str], ...]
    comparison: Comparison | None
    luma: float | None
    luma_limit: float
    frames_scored: int
    grain: float | None

    @property
    def word(self) -> str:
        return "PASS" if self.passed else "CHECK"

    @property
    def summary(self) -> str:
        """One sentence: what to do with this render."""
        if self.passed:
            return "Ready for review in the V1-V4 timeline (every check passed)."
        failed = sum(1 for ok, _ in self.checks if not ok)
        return f"Look at this shot before delivery ({failed} of {len(self.checks)} checks did not pass)."

    @property
    def headline(self) -> str:
        """``"PASS: ..."`` or ``"CHECK: ..."``."""
        return f"{self.word}: {self.summary}"


def qc_verdict(metrics: Mapping[str, float], luma_limit: float = LUMA_IDENTITY_LIMIT) -> Verdict:
    """The verdict from a render's metrics (``ml_*`` from stage 04, ``lut_*`` from stage 05)."""
    checks: list[tuple[bool, str]] = []
    comparison = None
    for measure in _COMPARED:
        ml, lut = metrics.get(f"ml_{measure}"), metrics.get(f"lut_{measure}")
        if ml is not None and lut is not None:
            comparison = Comparison(measure, float(ml), float(lut))
            break
    if comparison is not None:
        checks.append((comparison.ml_better, comparison.sentence()))
    elif any(k.startswith("lut_") for k in metrics):
        checks.append(
            (False, "ML and the LUT could not be compared: no held-out frame was measured for both.")
        )
    else:
        checks.append((True, "No MatchGrade LUT to compare with (the job turned the baseline off)."))

    luma = metrics.get("ml_luma_max_abs_dY")
    luma_text = format_value(luma, MEASURES["luma_max_abs_dY"])
    limit_text = f"{luma_limit:.1e}"
    if luma is None:
        checks.append((False, "Luma identity was not measured."))
    elif luma <= luma_limit:
        checks.append(
            (True, f"The scan's luma is untouched: largest change {luma_text} (limit {limit_text}).")
        )
    else:
        checks.append(
            (False, f"The scan's luma changed by up to {luma_text}, over the limit of {limit_text}.")
        )

    frames = int(metrics.get("ml_heldout_frames_scored", 0))
    if frames > 0:
        checks.append(
            (True, f"{frames} held-out frame{'s' if frames != 1 else ''} scored (never trained on).")
        )
    else:
        checks.append(
            (False, "No held-out frame was scored: nothing shows how the model does off its training frames.")
        )
    grain = metrics.get("ml_grain_nps_ratio")
    return Verdict(
        passed=all(ok for ok, _ in checks),
        checks=tuple(checks),
        comparison=comparison,
        luma=None if luma is None else float(luma),
        luma_limit=luma_limit,
        frames_scored=frames,
        grain=None if grain is None else float(grain),
    )
