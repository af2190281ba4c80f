"""The blur-consistent LUT start: the reference's softness is measured, and the fit uses it."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from chroma_engine.colour import rgb_to_ycbcr
from chroma_engine.training import TrainingPair, blown_highlights, build_model, ground_truth
from chroma_engine.training._degradation import (
    BLOWN_MARGIN,
    PRIOR,
    LutLookup,
    Sample,
    _second_differences,
    estimate_blur,
    fit_blur_consistent,
    gaussian_blur,
    gaussian_blur_adjoint,
    pool_factor,
    refit_cost,
)
from chroma_engine.training._start import init_global_lut
from chroma_engine.training._truth import flat_mask


def _pair(seed: int, blur: float, size: tuple[int, int] = (96, 128)) -> TrainingPair:
    """A textured scan faded by a colour matrix; the 'reference' is the clean picture blurred by ``blur``."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.1, 0.9, (6, 8, 3)).astype(np.float32)  # patches 1/8 wide: flat cores remain
    clean = cv2.resize(coarse, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)  # sharp colour edges
    fade = np.array([[0.6, 0.3, 0.1], [0.1, 0.7, 0.1], [0.05, 0.25, 0.55]], np.float32)
    src = np.clip(clean @ fade.T + [0.08, 0.0, 0.1], 0, 1).astype(np.float32)
    soft = cv2.GaussianBlur(clean, (0, 0), blur) if blur > 0 else clean
    return TrainingPair(seed, src, ground_truth(src, soft, 0), np.ones(size, bool))


def _blurred_error(model, pairs, sigma: float) -> float:  # type: ignore[no-untyped-def]
    errors = []
    with torch.no_grad():
        for p in pairs:
            x = torch.from_numpy(p.source).permute(2, 0, 1)[None] * 2 - 1
            pred = gaussian_blur(model.lut_chroma(x), sigma)[0].permute(1, 2, 0).numpy()
            errors.append(float(np.abs(pred - rgb_to_ycbcr(p.target)[..., 1:])[12:-12, 12:-12].mean()))
    return float(np.mean(errors))


def _measured(pairs: list[TrainingPair]) -> float:
    """The blur estimate_blur finds, in full-resolution px."""
    model = build_model("small")
    init_global_lut(
        model, [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
    )
    samples = [Sample(p, p.mask, torch.device("cpu")) for p in pairs]
    return estimate_blur(model, samples) * samples[0].k


def test_the_reference_blur_is_measured() -> None:
    for true_blur in (0.0, 2.0, 3.0):
        found = _measured([_pair(s, true_blur) for s in (1, 2, 3)])
        assert abs(found - true_blur) <= 0.5, (true_blur, found)


def test_the_blur_search_scales_with_the_frame() -> None:
    # The same pictures 8x larger with 8x the blur (16 px): pooled to the working width, the search
    # still covers it (the first version searched <= 5 full-resolution px and failed at 2K).
    assert pool_factor(384) == 1 and pool_factor(1024) == 2 and pool_factor(2048) == 4
    found = _measured([_pair(s, 16.0, size=(768, 1024)) for s in (1, 2)])
    assert abs(found - 16.0) <= 3.0, found


def test_blur_consistent_fit_matches_the_soft_reference_better() -> None:
    pairs = [_pair(s, 2.0) for s in (1, 2, 3)]
    flat = [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
    model = build_model("small")
    init_global_lut(model, flat)
    before = _blurred_error(model, pairs, 2.0)
    sigma = fit_blur_consistent(model, pairs, [p.mask for p in pairs])
    assert 1.5 <= sigma <= 2.5
    assert _blurred_error(model, pairs, sigma) < 0.9 * before


def test_large_frames_sample_each_block_and_keep_the_working_grid() -> None:
    # 2K-wide frames: k = 4, the LUT sees every 2nd pixel (4 of each 4x4 block); an odd height must
    # still give the prediction, the target and the mask one working grid.
    rng = np.random.default_rng(0)
    src = rng.uniform(0.05, 0.95, (1559, 2048, 3)).astype(np.float32)
    mask = np.ones(src.shape[:2], bool)
    mask[:9] = False  # rows 0-8: the first three working rows lose a pixel
    sample = Sample(TrainingPair(1, src, src, mask), mask, torch.device("cpu"))
    assert (sample.k, sample.step) == (4, 2) and tuple(sample.x.shape[2:]) == (778, 1024)
    with torch.no_grad():
        prediction = sample.predict(build_model("small"))
    assert prediction.shape == sample.target.shape == (1, 2, 389, 512)
    assert sample.mask.shape == (389, 512) and not sample.mask[:3].any() and sample.mask[3:].all()


def _blown_copy(pair: TrainingPair, frame: int, marked: bool) -> TrainingPair:
    """The same picture again, its reference blown out to white over the left third."""
    soft = cv2.GaussianBlur(np.ascontiguousarray(pair.target), (0, 0), 0.1)
    soft[:, : soft.shape[1] // 3] = 1.0
    blown = blown_highlights(soft)
    assert blown[:, : soft.shape[1] // 3].all() and blown.mean() < 0.4
    return TrainingPair(
        frame, pair.source, ground_truth(pair.source, soft, 0), pair.mask, blown if marked else None
    )


def _left_error(model, pair: TrainingPair) -> float:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        x = torch.from_numpy(pair.source).permute(2, 0, 1)[None] * 2 - 1
        pred = gaussian_blur(model.lut_chroma(x), 2.0)[0].permute(1, 2, 0).numpy()
    diff = np.abs(pred - rgb_to_ycbcr(pair.target)[..., 1:])
    return float(diff[12:-12, 12 : pair.source.shape[1] // 3 - 12].mean())


def test_blown_reference_highlights_are_left_out_of_the_fit() -> None:
    clean = _pair(1, 2.0)
    errors = {}
    for name, second in (
        ("clean", dataclasses.replace(clean, frame=2)),
        ("marked", _blown_copy(clean, 2, marked=True)),
        ("unmarked", _blown_copy(clean, 2, marked=False)),
    ):
        pairs = [clean, second]
        model = build_model("small")
        init_global_lut(
            model, [dataclasses.replace(p, mask=flat_mask(p.source, p.target, p.mask)) for p in pairs]
        )
        fit_blur_consistent(model, pairs, [p.mask for p in pairs])
        errors[name] = _left_error(model, clean)
    # Unmarked, the blown copy pulls those colours towards grey (measured 0.058); marked, the refit
    # comes most of the way back to the clean copy's fit (0.007 vs 0.0003, from the first fit's start).
    assert errors["marked"] < 0.2 * errors["unmarked"], errors
    assert errors["clean"] < errors["marked"], errors


def test_a_sample_leaves_blown_pixels_and_a_margin_out_of_its_weights() -> None:
    pair = _pair(1, 2.0)
    blown = np.zeros(pair.source.shape[:2], bool)
    blown[40:44, 60:64] = True
    sample = Sample(dataclasses.replace(pair, blown=blown), pair.mask, torch.device("cpu"))
    weights = sample.weights(0.0)[0, 0].numpy()
    margin = BLOWN_MARGIN
    assert not weights[40 - margin : 44 + margin, 60 - margin : 64 + margin].any()
    assert weights.sum() == weights.size - (4 + 2 * margin) ** 2


@pytest.mark.parametrize("pool", [1, 2, 4])
def test_the_lut_lookup_is_the_models_lut_chroma_with_its_gradient(pool: int) -> None:
    torch.manual_seed(2)
    model = build_model("small")
    with torch.no_grad():
        model.lut.normal_(0.0, 0.2)
        model.input_range.copy_(torch.tensor([[0.3, 0.9], [0.1, 0.8], [0.0, 1.0]]))
    xn = torch.rand(1, 3, 20, 28) * 2.2 - 1.1  # past both ends of the LUT: border nodes
    xn[0, :, 0, :3] = torch.tensor([-1.0, 1.0, 0.0])[:, None]  # exactly on the first and last nodes
    target = torch.rand(1, 2, 20, 28)
    target = F.avg_pool2d(target, pool)
    lookup = LutLookup(model, xn.clamp(-1.0, 1.0), pool)
    assert lookup.entries <= 8 * 20 * 28
    grads = []
    pooled = lambda: F.avg_pool2d(model.lut_chroma(xn.clamp(-1.0, 1.0)), pool)  # noqa: E731
    for predict in (pooled, lambda: lookup(model.lut)):
        model.lut.grad = None
        out = predict()
        ((out - target) ** 2).sum().backward()
        grads.append((out.detach(), model.lut.grad.clone()))
    (ref, ref_grad), (got, got_grad) = grads
    torch.testing.assert_close(got, ref, atol=1e-6, rtol=0)
    torch.testing.assert_close(got_grad, ref_grad, atol=1e-5, rtol=1e-5)
    assert float(ref_grad.abs().sum()) > 0


@pytest.mark.parametrize("sigma", [0.0, 1.0, 2.5])
def test_the_blur_adjoint_is_its_transpose(sigma: float) -> None:
    torch.manual_seed(3)
    x, y = torch.rand(1, 2, 17, 23, dtype=torch.float64), torch.rand(1, 2, 17, 23, dtype=torch.float64)
    left = float((gaussian_blur(x, sigma) * y).sum())
    right = float((x * gaussian_blur_adjoint(y, sigma)).sum())
    assert left == pytest.approx(right, rel=1e-12)


def test_the_refit_cost_gradient_is_autograds() -> None:
    """The hand-made gradient of the refit's cost equals autograd's through the blur and the lookup,
    also where the weights reach the frame's edge (the blur's replicated border)."""
    torch.manual_seed(4)
    model = build_model("small")
    pairs = [_pair(5, 2.0, size=(64, 96)), _pair(6, 2.0, size=(64, 96))]
    samples = [Sample(p, p.mask, torch.device("cpu")) for p in pairs]
    for sample in samples:
        sample.bind(model)
    with torch.no_grad():
        model.lut.normal_(0.0, 0.2)
    sigma = 1.5
    weights = [torch.rand(1, 1, *s.target.shape[2:]) for s in samples]  # non-zero up to the edges
    count = float(sum(float(w.sum()) for w in weights))
    loss, grad = refit_cost(model.lut.detach(), samples, weights, sigma, count)
    lut = model.lut.detach().clone().requires_grad_(True)
    ref = _second_differences(lut) * PRIOR
    for s, w in zip(samples, weights, strict=True):
        ref = ref + (((gaussian_blur(s.lookup(lut), sigma) - s.target) ** 2) * w).sum() / count
    ref.backward()
    assert float(loss) == pytest.approx(float(ref.detach()), rel=1e-5)
    torch.testing.assert_close(grad, lut.grad, atol=1e-7, rtol=1e-4)
