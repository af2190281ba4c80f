"""ModelRecipe: each part of the chroma model is one switch of ``train``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chroma_engine.training import (
    CLOSED_FORM_START,
    FULL_MODEL,
    ModelRecipe,
    TrainingPair,
    ground_truth,
    load_model,
    train,
)
from schemas import ShotJob


def _job(tmp_path) -> ShotJob:  # type: ignore[no-untyped-def]
    seq = {"first_frame": 1, "last_frame": 3}
    return ShotJob.model_validate(
        {
            "job_id": "T_sh010",
            "project": {"name": "T", "root": str(tmp_path)},
            "shot": {"name": "sh010"},
            "media": {"source": {"path": "s.####.exr", **seq}, "reference": {"path": "r.####.exr", **seq}},
            "training": {"batch_size": 2, "patch_size": 64, "model_size": "small", "device": "cpu"},
        }
    )


def _pair(frame: int) -> TrainingPair:
    yy, xx = np.mgrid[0:48, 0:64].astype(np.float32)
    clean = np.stack(
        [0.5 + 0.3 * np.sin(xx / 7 + frame), 0.5 + 0.3 * np.cos(yy / 5), 0.4 + 0.2 * np.sin(xx / 9)], -1
    )
    src = np.clip(clean @ np.array([[0.6, 0.3, 0.1], [0.1, 0.7, 0.1], [0.05, 0.25, 0.55]]).T + 0.05, 0, 1)
    src = src.astype(np.float32)
    return TrainingPair(frame, src, ground_truth(src, clean.astype(np.float32), 0), np.ones((48, 64), bool))


def test_names_and_switches() -> None:
    assert FULL_MODEL.name == "full" and CLOSED_FORM_START.name == "no_network"
    assert FULL_MODEL.without("temporal").name == "no_temporal"
    assert FULL_MODEL.without("temporal").input_radius(3) == 0 and FULL_MODEL.input_radius(3) == 3
    both = FULL_MODEL.without("network").without("positional_grid")
    assert both.name == "no_positional_grid+no_network"
    with pytest.raises(ValueError):
        FULL_MODEL.without("lut")


def test_a_model_without_network_grid_or_refit_is_its_plain_lut_fit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lut_only = ModelRecipe(positional_grid=False, blur_refit=False, network=False, lut_smoothness=1.0)
    pairs = [_pair(1), _pair(2)]
    result = train(_job(tmp_path), pairs, _pair(3), tmp_path / "t", steps=50, recipe=lut_only)
    assert result.steps == 0 and result.recipe == "no_positional_grid+no_blur_refit+no_network"
    assert result.reference_blur_px == 0.0  # no refit
    model = load_model(result.model_file)
    assert float(model.field.detach().abs().max()) == 0.0  # no grid
    x = torch.from_numpy(pairs[0].source).permute(2, 0, 1)[None]
    with torch.no_grad():
        lut = model.lut_chroma(x.clamp(0, 1) * 2 - 1)
        np.testing.assert_allclose(model.chroma(x).numpy(), lut.numpy(), atol=1e-6)  # no network either
