"""``ModelRecipe``: which parts of the chroma model a training run builds, one switch per part.

The model is a chain of parts, each measured against the model without it by ``bench quality``
(its ablation table, on test seeds only):

* ``temporal``: the model sees each frame's motion-compensated temporal mean
  (``job.training.temporal_radius`` neighbours either side) instead of the grainy scan. The input is
  made where the pairs are read (``input_radius``), so this switch acts there, not in ``train``.
* ``blur_refit``: the closed-form LUT is refitted blur-consistently on every usable pixel
  (``_degradation``); off, the start is the plain least-squares LUT fit.
* ``positional_grid``: a coarse grid of CbCr offsets over the frame for uneven fading, started from the
  LUT's smoothed residual; off, the grid stays zero and is not trained.
* ``network``: the per-pixel MLP and the U-Net are trained for ``job.training.total_steps`` around the
  closed-form start; off, no step is taken and the model is exactly its closed-form start (LUT + grid).

``lut_smoothness`` is the second-difference prior of the first closed-form LUT fit (``fit_lut``'s
``smoothness``). The matched LUT baseline of ``bench quality`` is this model with the LUT alone (no
grid, refit or network; temporal input and input range as the model's), at the smoothness chosen on
the tune seeds (``bench quality --tune``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ._model import ChromaNet

#: Second-difference prior of the model's first closed-form LUT fit. The MatchGrade baseline keeps
#: Nuke-like 0.03; against a soft, compressed reference a stiffer LUT generalises better (held-out dE00
#: of the start on the severe synthetic shot, seed 0: 0.03 -> 2.09, 0.3 -> 1.97, 3 -> 1.93, 30 -> 2.01;
#: chosen on a shot that is no test seed of ``bench quality``).
LUT_INIT_SMOOTHNESS = 3.0


@dataclass(frozen=True)
class ModelRecipe:
    """The parts a training run builds (all on: the full model). See the module docstring."""

    temporal: bool = True
    positional_grid: bool = True
    blur_refit: bool = True
    network: bool = True
    lut_smoothness: float = LUT_INIT_SMOOTHNESS

    def __post_init__(self) -> None:
        if not self.lut_smoothness > 0:
            raise ValueError(f"lut_smoothness must be > 0, got {self.lut_smoothness}")

    def input_radius(self, radius: int) -> int:
        """The temporal radius the model's input is made with: the job's, or 0 without ``temporal``."""
        return radius if self.temporal else 0

    def without(self, part: str) -> ModelRecipe:
        """This recipe with ``part`` (a boolean field) switched off."""
        if part not in ABLATABLE:
            raise ValueError(f"unknown model part {part!r}; one of {', '.join(ABLATABLE)}")
        return dataclasses.replace(self, **{part: False})

    def shape(self, model: ChromaNet) -> None:
        """Switch ``model``'s parts off (in place) as this recipe says: without ``network`` the U-Net's
        and the MLP's output layers are zeroed, so the model is exactly its closed-form start; without
        ``positional_grid`` the grid is zeroed. Either is then frozen (no gradient)."""
        with torch.no_grad():
            if not self.network:
                for layer in (model.head, model.global_mlp[-1]):
                    for param in layer.parameters():
                        param.zero_()
                for name, param in model.named_parameters():
                    if name not in ("lut", "field"):
                        param.requires_grad_(False)
            if not self.positional_grid:
                model.field.zero_()
                model.field.requires_grad_(False)

    @property
    def name(self) -> str:
        """``full``, or ``no_<part>`` for each part switched off (``no_network+no_grid``...)."""
        off = [f"no_{part}" for part in ABLATABLE if not getattr(self, part)]
        return "+".join(off) if off else "full"


#: The parts a recipe can switch off, in the order of the ablation table.
ABLATABLE: tuple[str, ...] = ("temporal", "positional_grid", "blur_refit", "network")

#: The full model (what stage 3 trains).
FULL_MODEL = ModelRecipe()
#: The model's closed-form start: LUT, blur-consistent refit and grid, no trained network.
CLOSED_FORM_START = FULL_MODEL.without("network")
