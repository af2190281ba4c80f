"""The quality test protocol: which shots, which seeds, which methods, scored on which frames.

**Tune seeds and test seeds.** ``TUNE_SEEDS`` may be used to choose anything (a constant, a prior, a
learning rate, whether a part of the model stays); ``TEST_SEEDS`` are only ever reported. No constant
of the engine or of this benchmark was chosen on a test seed, and none may be: a choice is made with
``bench quality --seeds tune`` (or ``--tune`` for the matched LUT's smoothness) and then written down
as a constant. The seeds used to tune the engine before this protocol existed (0 and 3) are in neither
set. Conditions reuse the first ``CONDITION_SEEDS`` test seeds; nothing is chosen on them either.
``bench quality --tune-first`` makes both choices inside the run, on the tune seeds only, before a
test seed is touched: the matched LUT's smoothness (``SMOOTHNESS_GRID``) and the network's learning
rate (``LEARNING_RATE_GRID``), each the lowest mean held-out dE00 over the tune shots.

**Held-out frames.** A shot is ``ProtocolConfig.frames`` long (48 by default) with ``pairs`` training
pairs; it is scored on the runner's own held-out frames (``runner.held_out_frames``): at least
``temporal_radius + 1`` frames from every training frame, so no scored frame nor any neighbour in its
temporal mean was trained on, up to 12 of them spread over the shot.

**Methods** (each scored on the same frames of the same shot):

* ``nuke_lut``: the MatchGrade 3D LUT as stage 5 (and Nuke) fits it: raw grainy scans against the
  median-cleaned reference, smoothness 0.03, log shaper; scored on its chroma over the scan's luma.
* ``matched_lut``: the same kind of LUT fitted like the model's: on the temporal-mean input, with the
  model's input-range stretch and targets, at ``MATCHED_LUT_SMOOTHNESS`` (chosen on the tune seeds).
* ``start``: the model's closed-form start (LUT, blur-consistent refit, positional grid), no training.
* ``ml``: the full model (``training.FULL_MODEL``), trained.
* ``no_temporal`` / ``no_positional_grid`` / ``no_blur_refit``: the full model without that part
  (``ModelRecipe.without``); without the network it is ``start``.
* ``oracle`` (optional): the full model trained on TRUTH instead of the reference: the ceiling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..synth import ShotConditions
from ..training import ABLATABLE, CLOSED_FORM_START, FULL_MODEL, ModelRecipe

#: Seeds that may be used to choose anything.
TUNE_SEEDS: tuple[int, ...] = (100, 101, 102)
#: Seeds that are only ever reported (10 per severity).
TEST_SEEDS: tuple[int, ...] = tuple(range(200, 210))
#: Test seeds each condition is reported on (as many as a severity's).
CONDITION_SEEDS = 10
#: Smoothness of the matched LUT baseline when the run does not choose it (``--tune-first`` does):
#: the lowest held-out dE00 of the scan on tune seed 100, severe, 48 frames 384x288, 4 pairs
#: (0.03 -> 1.944, 0.1 -> 1.909, 0.3 -> 1.875, 1 -> 1.832, 3 -> 1.797, 10 -> 1.775, 30 -> 1.777,
#: 100 -> 1.826, 300 -> 1.917, 1000 -> 2.039; 2-core CPU).
MATCHED_LUT_SMOOTHNESS = 10.0
#: Smoothness values ``--tune`` scans for the matched LUT: the neighbourhood of that minimum (the values
#: outside it were worse by 0.05 or more on that tune shot), one step wider on the stiff side (smaller
#: frames chose 100, the edge of 1..100, on tune seeds 100 and 101).
SMOOTHNESS_GRID: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
#: Learning rates of the network ``--tune-first`` compares on the tune seeds (the job's default first;
#: 160x120 shots at 100 steps chose 1.5e-3, the edge of 5e-5..1.5e-3, on tune seeds 100 and 101).
LEARNING_RATE_GRID: tuple[float, ...] = (5e-5, 3e-4, 1.5e-3, 5e-3)
#: The matched LUT: the model's own LUT fit alone (temporal input, input range, targets, masks).
MATCHED_LUT = ModelRecipe(
    positional_grid=False, blur_refit=False, network=False, lut_smoothness=MATCHED_LUT_SMOOTHNESS
)

#: Harder conditions, each made on ``severe`` shots (``synth.ShotConditions``); the SD/PAL and
#: legal-range references are ``synth.ReferenceOptions`` (``REFERENCE_CONDITIONS``).
CONDITIONS: dict[str, ShotConditions] = {
    "graded_reference": ShotConditions(
        reference_hue_deg=6.0, reference_hue_split_deg=10.0, reference_saturation=1.15
    ),
    "fast_nonrigid_motion": ShotConditions(motion_speed=5.0, nonrigid_px=3.0),
    "drifting_fade": ShotConditions(fade_drift=0.3),
}
#: Conditions made by ``synthesize_shot(reference=...)`` (name -> fields of ``synth.ReferenceOptions``):
#: a video-levels reference decoded without range expansion (black 0.063, white clipped at 0.92), and a
#: PAL DVD-like reference (720x576 4:3 like the scan, 4:2:0 chroma, JPEG blocks) delivered to the scan.
REFERENCE_CONDITIONS: dict[str, dict[str, object]] = {
    "legal_range_reference": {"levels": "legal"},
    "sd_pal_reference": {"raster": "pal", "aspect": "4:3"},
}


@dataclass(frozen=True)
class Method:
    """One way of restoring a shot: ``recipe`` None is the Nuke-style MatchGrade LUT; ``oracle`` trains
    the recipe on TRUTH instead of the reference; ``learning_rate`` overrides the run's."""

    name: str
    recipe: ModelRecipe | None
    oracle: bool = False
    learning_rate: float | None = None


NUKE_LUT = Method("nuke_lut", None)
ML = Method("ml", FULL_MODEL)
START = Method("start", CLOSED_FORM_START)
ABLATIONS: tuple[Method, ...] = tuple(
    Method(f"no_{part}", FULL_MODEL.without(part)) for part in ABLATABLE if part != "network"
)
ORACLE = Method("oracle", FULL_MODEL, oracle=True)


def matched_lut(smoothness: float = MATCHED_LUT_SMOOTHNESS, name: str = "matched_lut") -> Method:
    return Method(name, dataclasses.replace(MATCHED_LUT, lut_smoothness=smoothness))


def tune_methods() -> tuple[Method, ...]:
    """What ``--tune`` runs on a tune shot: the matched LUT at every smoothness of ``SMOOTHNESS_GRID``,
    the model's start and the full model at every learning rate of ``LEARNING_RATE_GRID``."""
    luts = tuple(matched_lut(v, f"matched_lut@{v:g}") for v in SMOOTHNESS_GRID)
    nets = tuple(Method(f"ml@{v:g}", FULL_MODEL, learning_rate=v) for v in LEARNING_RATE_GRID)
    return (*luts, START, *nets)


@dataclass(frozen=True)
class ShotSpec:
    """One shot of the protocol: its group (a severity or a condition), severity, seed and options."""

    group: str
    severity: str
    seed: int
    conditions: ShotConditions | None = None
    reference: tuple[tuple[str, object], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.group}_s{self.seed}"


@dataclass(frozen=True)
class ProtocolConfig:
    """The protocol's size. ``full()`` is the reported run, ``quick()`` the CPU test."""

    frames: int = 48
    size: tuple[int, int] = (384, 288)
    steps: int = 600
    pairs: int = 4
    severities: tuple[str, ...] = ("severe", "extreme", "mild")
    seeds: tuple[int, ...] = TEST_SEEDS
    #: The seeds ``--tune`` / ``--tune-first`` choose on (a subset of ``TUNE_SEEDS``).
    tune_seeds: tuple[int, ...] = TUNE_SEEDS
    conditions: tuple[str, ...] = (*CONDITIONS, *REFERENCE_CONDITIONS)
    condition_seeds: int = CONDITION_SEEDS
    ablations: bool = True
    #: Groups the ablations run on (each ablation is one more training per shot: the device budget).
    ablation_groups: tuple[str, ...] = ("severe",)
    oracle_groups: tuple[str, ...] = ("severe",)
    matched_smoothness: float = MATCHED_LUT_SMOOTHNESS
    #: The network's Adam learning rate (None: the job's ``training.learning_rate``).
    learning_rate: float | None = None
    device: str = "auto"

    @classmethod
    def quick(cls) -> ProtocolConfig:
        """Two seeds of one severity on tiny frames, a few steps, the baselines and the model without
        the ablations: runs in a test."""
        return cls(
            frames=20,
            size=(96, 72),
            steps=8,
            pairs=3,
            severities=("severe",),
            seeds=TEST_SEEDS[:2],
            conditions=(),
            ablations=False,
            oracle_groups=(),
            device="cpu",
        )

    def methods(self, spec: ShotSpec) -> tuple[Method, ...]:
        """What is run on ``spec``: both LUTs, the start and the model everywhere; the ablations on
        ``ablation_groups``; the oracle on ``oracle_groups``."""
        out = [NUKE_LUT, matched_lut(self.matched_smoothness), START, ML]
        if self.ablations and spec.group in self.ablation_groups:
            out += ABLATIONS
        if spec.group in self.oracle_groups:
            out.append(ORACLE)
        return tuple(out)

    def plan(self) -> list[ShotSpec]:
        """Every shot, most important first (severe, extreme, then the conditions by seed, mild last),
        so that a run cut short by its time budget has reported what matters most."""
        first = [s for s in self.severities if s != "mild"]
        shots = [ShotSpec(s, s, seed) for s in first for seed in self.seeds]
        later = [ShotSpec(s, s, seed) for s in self.severities if s == "mild" for seed in self.seeds]
        for seed in self.seeds[: self.condition_seeds]:
            for name in self.conditions:
                if name in CONDITIONS:
                    shots.append(ShotSpec(name, "severe", seed, conditions=CONDITIONS[name]))
                else:
                    options = tuple(sorted(REFERENCE_CONDITIONS[name].items()))
                    shots.append(ShotSpec(name, "severe", seed, reference=options))
        return shots + later
