"""The model's per-channel input range: measured on the scan, stretched over the LUT, kept in exports."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chroma_engine.colour import rgb_to_ycbcr
from chroma_engine.matchgrade import shaper_forward
from chroma_engine.training import TrainingPair, build_model, export_torchscript, ground_truth
from chroma_engine.training._input_range import MIN_SPAN, fit_input_range, stretched_display
from chroma_engine.training._model import INPUT_IDENTITY_SHARE, full_range, set_input_range
from chroma_engine.training._start import init_global_lut


def _faded_pair(seed: int = 0, size: tuple[int, int] = (64, 96)) -> TrainingPair:
    """A smooth colourful picture whose red channel the 'fade' squeezes into the top of its range."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    clean = np.stack(
        [0.5 + 0.45 * np.sin(xx / 9 + seed), 0.5 + 0.4 * np.cos(yy / 7), 0.5 + 0.4 * np.sin((xx + yy) / 11)],
        -1,
    ).astype(np.float32)
    clean = np.clip(clean + rng.normal(0, 0.01, clean.shape), 0.02, 0.98).astype(np.float32)
    scan = clean.copy()
    scan[..., 0] = 0.75 + 0.2 * clean[..., 0]  # faded cyan: red spans 0.75..0.95 only
    scan[..., 2] = 0.4 + 0.5 * clean[..., 2]
    return TrainingPair(seed, scan, ground_truth(scan, clean, 0), np.ones(size, bool))


def _coords(model, image: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        x = torch.from_numpy(image).permute(2, 0, 1)[None] * 2 - 1
        return model.lut_coords(x)[0].permute(1, 2, 0).numpy()


def test_full_range_is_the_plain_shaper():
    model = build_model("small")
    image = np.random.default_rng(1).uniform(0, 1, (8, 12, 3)).astype(np.float32)
    np.testing.assert_allclose(_coords(model, image), shaper_forward(image, "log2"), atol=1e-6)


def test_range_follows_the_usable_pixels():
    pair = _faded_pair()
    bounds = fit_input_range([pair.source]).numpy()
    shaped = shaper_forward(pair.source, "log2").reshape(-1, 3)
    np.testing.assert_allclose(bounds[:, 0], np.quantile(shaped, 0.0005, axis=0), atol=1e-4)
    np.testing.assert_allclose(bounds[:, 1], np.quantile(shaped, 0.9995, axis=0), atol=1e-4)
    assert bounds[0, 0] > 0.8  # the squeezed red channel starts high in the shaper
    # pixels outside the mask do not count: a black border would otherwise reach 0
    bordered = pair.source.copy()
    bordered[:, :10] = 0.0
    mask = np.ones(bordered.shape[:2], bool)
    mask[:, :10] = False
    inside = shaper_forward(bordered[mask], "log2")
    np.testing.assert_allclose(
        fit_input_range([bordered], [mask]).numpy(),
        np.quantile(inside, [0.0005, 0.9995], axis=0).T,
        atol=1e-4,
    )
    assert float(fit_input_range([bordered]).numpy()[0, 0]) == 0.0
    # no usable pixel: the full range; a flat channel keeps at least MIN_SPAN
    np.testing.assert_array_equal(
        fit_input_range([bordered], [np.zeros_like(mask)]).numpy(), full_range().numpy()
    )
    flat = np.full((16, 16, 3), 0.5, np.float32)
    spans = np.diff(fit_input_range([flat]).numpy(), axis=1)[:, 0]
    np.testing.assert_allclose(spans, MIN_SPAN, atol=1e-6)


def test_stretched_domain_and_its_display_twin():
    pair = _faded_pair()
    model = build_model("small")
    set_input_range(model, fit_input_range([pair.source]))
    coords = _coords(model, pair.source)

    # the scan now spans (nearly) the whole LUT axis on every channel (the red one spanned a tenth)
    def span(c: np.ndarray) -> np.ndarray:
        return c.reshape(-1, 3).max(axis=0) - c.reshape(-1, 3).min(axis=0)

    assert float(span(shaper_forward(pair.source, "log2"))[0]) < 0.1
    assert float(span(coords).min()) > 0.9
    # stretched_display is the display image whose plain shaper values are those coordinates
    twin = stretched_display(model, pair.source)
    np.testing.assert_allclose(shaper_forward(twin, "log2"), coords, atol=2e-5)
    # strictly increasing, also outside the range: below and above it the identity share remains
    ramp = np.linspace(0, 1, 101, dtype=np.float32)[:, None, None].repeat(3, axis=2)
    out = _coords(model, ramp.reshape(101, 1, 3))[:, 0]
    assert bool((np.diff(out, axis=0) > 0).all())
    assert float(out[0, 0]) == pytest.approx(0.0, abs=1e-6) and float(out[-1, 0]) == pytest.approx(
        1.0, abs=1e-6
    )
    with pytest.raises(ValueError, match="low < high"):
        set_input_range(model, torch.tensor([[0.5, 0.4], [0.0, 1.0], [0.0, 1.0]]))


def test_start_fits_the_squeezed_channel_better():
    pairs = [_faded_pair(seed) for seed in range(3)]

    def start_error(stretch: bool) -> float:
        model = build_model("small")
        if not stretch:  # what the model did before: the shaper's own nodes
            import chroma_engine.training._start as train_module

            original = train_module.fit_input_range
            train_module.fit_input_range = lambda sources, masks: full_range()  # type: ignore[assignment]
            try:
                init_global_lut(model, pairs)
            finally:
                train_module.fit_input_range = original
        else:
            init_global_lut(model, pairs)
        errors = []
        with torch.no_grad():
            for p in pairs:
                x = torch.from_numpy(p.source).permute(2, 0, 1)[None] * 2 - 1
                pred = model.lut_chroma(x)[0].permute(1, 2, 0).numpy()
                errors.append(np.abs(pred - rgb_to_ycbcr(p.target)[..., 1:]).mean())
        return float(np.mean(errors))

    plain, stretched = start_error(False), start_error(True)
    assert stretched < 0.8 * plain, (plain, stretched)


def test_old_checkpoints_and_exports(tmp_path):
    pair = _faded_pair()
    model = build_model("small")
    set_input_range(model, fit_input_range([pair.source]))
    # a checkpoint from before the input range loads with the full range
    old = {k: v for k, v in build_model("small").state_dict().items() if k != "input_range"}
    fresh = build_model("small")
    fresh.load_state_dict(old)
    np.testing.assert_array_equal(fresh.input_range.numpy(), full_range().numpy())
    # the TorchScript export (Nuke's Inference node) carries the range and gives the eager numbers
    scripted = torch.jit.load(str(export_torchscript(model, tmp_path / "m.pt")))
    x = torch.from_numpy(pair.source).permute(2, 0, 1)[None].contiguous()
    with torch.no_grad():
        np.testing.assert_allclose(scripted(x).numpy(), model(x).numpy(), atol=1e-5)
    assert INPUT_IDENTITY_SHARE > 0
