"""The PyTorch display Rec.709 -> ACES2065-1 conversion agrees with OCIO (the pinned config)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from chroma_engine.colour import ACES2065_1, REC709_DISPLAY, convert, display_to_aces_torch  # noqa: E402
from chroma_engine.io import read_image, write_exr  # noqa: E402


def test_matches_ocio_in_range_and_out_of_range() -> None:
    rng = np.random.default_rng(3)
    rgb = rng.uniform(-0.2, 1.5, (48, 64, 3)).astype(np.float32)  # negatives pass through, >1 extends
    expected = convert(rgb, REC709_DISPLAY, ACES2065_1)
    got = display_to_aces_torch(torch.from_numpy(rgb).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    # OCIO's CPU path uses fast pow approximations: agree to 1e-4 relative (half floats keep ~5e-4).
    assert np.abs(got - expected).max() <= 1e-4 * max(1.0, float(np.abs(expected).max()))
    # black stays black, white maps to the AP0 white of the config's adaptation
    edges = np.array([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]], np.float32)
    ocio = convert(edges, REC709_DISPLAY, ACES2065_1)
    ours = display_to_aces_torch(torch.from_numpy(edges).permute(2, 0, 1))[:, :, :].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ours, ocio, atol=1e-5)


def test_half_pixels_are_written_as_they_are(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    rgb = rng.uniform(0.0, 2.0, (32, 40, 3)).astype(np.float32)
    write_exr(tmp_path / "f.exr", rgb, ACES2065_1, compression="zip")
    write_exr(tmp_path / "h.exr", rgb.astype(np.float16), ACES2065_1, compression="zip")
    assert np.array_equal(read_image(tmp_path / "f.exr"), read_image(tmp_path / "h.exr"))
    np.testing.assert_allclose(read_image(tmp_path / "h.exr"), rgb, rtol=1e-3)
