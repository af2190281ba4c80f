"""Metric keys in plain words: one table of what each measure is, its unit and how to print it.

Stage manifests store metrics under keys ``<method>_<measure>`` (``ml_de00_truth_heldout``,
``lut_chroma_dist_heldout``, ...). Everything that shows a metric to a person (the QC page, the
CLI's tables) goes through :func:`describe_metric`, so a key is never shown raw: a key this table
does not know still reads as words (``bal_some_new_thing`` -> "Balanced scan: some new thing").
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """What a measure is.

    Attributes:
        label: plain words, sentence case ("Colour error against the true colours, held-out frames").
        unit: the unit printed after the value ("ΔE00"); empty when the value is a plain count.
        scientific: print in scientific notation (values near zero whose size matters, e.g. 3.1e-07).
        better: "lower", "higher", "one" (closest to 1.0) or "" (no direction).
        count: a whole number (frames).
        decimals: decimals printed (fixed notation).
    """

    label: str
    unit: str = ""
    scientific: bool = False
    better: str = ""
    count: bool = False
    decimals: int = 3


#: Who produced the picture a metric measures (the key's prefix), in the order they are shown.
METHODS: dict[str, str] = {
    "ml": "ML restore",
    "lut": "MatchGrade LUT",
    "bal": "Balanced scan",
    "oracle": "Best possible LUT (oracle)",
}

#: Every measure the stages record (the key after the method prefix), in the order they are shown.
MEASURES: dict[str, Measure] = {
    "de00_truth_heldout": Measure(
        "Colour error against the true colours, held-out frames", "ΔE00", better="lower", decimals=2
    ),
    "chroma_dist_heldout": Measure(
        "Colour distance to the reference, held-out frames", "Cb/Cr, 0-1 scale", better="lower", decimals=4
    ),
    "chroma_dist_trained": Measure(
        "Colour distance to the reference, training frames", "Cb/Cr, 0-1 scale", better="lower", decimals=4
    ),
    "chroma_flicker": Measure(
        "Colour flicker between consecutive frames", "mean |ΔCb/Cr|, 0-1 scale", better="lower", decimals=4
    ),
    "grain_nps_ratio": Measure(
        "Grain kept, output ÷ scan noise power", "1.00 = untouched", better="one", decimals=2
    ),
    "luma_max_abs_dY": Measure(
        "Luma change, largest anywhere", "|ΔY'|, 0-1 scale", scientific=True, better="lower"
    ),
    "heldout_frames_scored": Measure("Held-out frames scored", count=True),
}

_UNITS_WORDS = {"de00": "ΔE00", "dy": "ΔY'", "heldout": "held-out", "nps": "noise power", "dist": "distance"}


@dataclass(frozen=True)
class MetricDescription:
    """A metric key explained: who (method label, "" when none), what (measure), and its full label."""

    key: str
    method: str
    measure: Measure

    @property
    def label(self) -> str:
        """``"ML restore: colour error against the true colours, held-out frames (ΔE00)"``."""
        what = self.measure.label[:1].lower() + self.measure.label[1:] if self.method else self.measure.label
        unit = f" ({self.measure.unit})" if self.measure.unit else ""
        return f"{self.method}: {what}{unit}" if self.method else f"{what}{unit}"


def _words(raw: str) -> str:
    words = [_UNITS_WORDS.get(w.lower(), w) for w in raw.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def describe_metric(key: str) -> MetricDescription:
    """The method and measure of a metric key; an unknown key becomes readable words."""
    method_key, _, rest = key.partition("_")
    if method_key in METHODS and rest:
        measure = MEASURES.get(rest) or Measure(_words(rest))
        return MetricDescription(key, METHODS[method_key], measure)
    return MetricDescription(key, "", MEASURES.get(key) or Measure(_words(key)))


def metric_label(key: str) -> str:
    """Plain-language label with unit for a metric key (see :func:`describe_metric`)."""
    return describe_metric(key).label


def format_value(value: float | None, measure: Measure) -> str:
    """A value as a person reads it: counts whole, tiny sizes in scientific notation, else fixed decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if measure.count:
        return f"{round(value):d}"
    if measure.scientific:
        return f"{value:.1e}" if value else "0 (exact)"
    small = value != 0 and abs(value) < 10.0**-measure.decimals
    return f"{value:.1e}" if small else f"{value:.{measure.decimals}f}"


def format_metric(key: str, value: float | None) -> str:
    """``format_value`` for a metric key."""
    return format_value(value, describe_metric(key).measure)
