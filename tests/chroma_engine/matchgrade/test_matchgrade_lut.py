"""MatchGrade baseline: LUT fit accuracy, identity, trilinear, .cube round trip and colour-science parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chroma_engine import MediaError, StageError
from chroma_engine.matchgrade import Lut3D, fit_lut, identity_table, read_cube, shaper_forward, shaper_inverse


def _smooth_images(count: int, seed: int, size: int = 96) -> list[np.ndarray]:
    """Smooth colourful images: low-frequency random fields through a sigmoid, display 0..1."""
    rng = np.random.default_rng(seed)
    images = []
    yy, xx = np.mgrid[0:size, 0:size] / size
    for _ in range(count):
        planes = []
        for _c in range(3):
            f = rng.normal(size=(3, 2))
            field = sum(
                f[k, 0] * np.sin(2 * np.pi * (k + 1) * xx + f[k, 1]) * np.cos(np.pi * (k + 1) * yy)
                for k in range(3)
            )
            planes.append(1 / (1 + np.exp(-1.5 * field)))
        images.append(np.stack(planes, axis=-1).astype(np.float32))
    return images


def _fade_fix(rgb: np.ndarray) -> np.ndarray:
    """A known smooth colour transform: a 3x3 matrix in linear light plus a gamma tweak."""
    lin = np.clip(rgb, 0, 1) ** 2.4
    m = np.array([[0.85, 0.12, 0.03], [0.08, 0.9, 0.02], [0.02, 0.1, 0.8]])
    return (np.clip(lin @ m.T, 0, 1) ** (1 / 2.4) * 0.97 + 0.01).astype(np.float32)


def test_shaper_round_trip() -> None:
    v = np.linspace(0, 1, 1001, dtype=np.float32)
    s = shaper_forward(v, "log2")
    assert s[0] == pytest.approx(0.0, abs=1e-6) and s[-1] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(s) > 0)
    np.testing.assert_allclose(shaper_inverse(s, "log2"), v, atol=2e-5)


def test_fit_recovers_known_transform_on_held_out_pixels() -> None:
    images = _smooth_images(4, seed=1)
    targets = [_fade_fix(i) for i in images]
    rng = np.random.default_rng(11)
    masks = [rng.random(i.shape[:2]) > 0.2 for i in images]  # 20 % of the pixels held out
    lut = fit_lut(images, targets, masks, size=33)
    held = np.concatenate([i[~m] for i, m in zip(images, masks, strict=True)])
    truth = np.concatenate([t[~m] for t, m in zip(targets, masks, strict=True)])
    err = np.abs(lut.apply(held) - truth)
    assert err.mean() < 1e-3, err.mean()
    assert np.percentile(err, 99) < 5e-3
    assert lut.fit_info["pixels"] == sum(int(m.sum()) for m in masks) and lut.fit_info["bins"] > 100
    # a whole unseen image (colours partly outside the training set) is still far better than no grade
    other = _smooth_images(5, seed=1)[4]
    unseen = np.abs(lut.apply(other) - _fade_fix(other)).mean()
    assert unseen < 0.2 * np.abs(other - _fade_fix(other)).mean()


def test_identity_fit_is_identity_even_in_empty_cells() -> None:
    images = _smooth_images(2, seed=2)
    for log in (True, False):
        lut = fit_lut(images, images, size=17, log=log)
        probe = np.random.default_rng(3).random((5000, 3), dtype=np.float32)  # mostly unseen colours
        np.testing.assert_allclose(lut.apply(probe), probe, atol=5e-3)


def test_masks_exclude_pixels() -> None:
    src = _smooth_images(1, seed=4)[0]
    target = _fade_fix(src)
    corrupt = target.copy()
    corrupt[:, :48] = 1.0 - corrupt[:, :48]  # garbage on the left half (a subtitle, a border)
    mask = np.zeros(src.shape[:2], bool)
    mask[:, 48:] = True
    masked = fit_lut([src], [corrupt], [mask], size=17)
    unmasked = fit_lut([src], [corrupt], None, size=17)
    clean = np.abs(masked.apply(src[:, 48:]) - target[:, 48:]).mean()
    dirty = np.abs(unmasked.apply(src[:, 48:]) - target[:, 48:]).mean()
    assert clean < 0.01 < dirty


def test_fit_rejects_bad_input() -> None:
    a = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(StageError, match="must be equal"):
        fit_lut([a], [np.zeros((8, 9, 3), np.float32)])
    with pytest.raises(StageError, match="no usable pixel"):
        fit_lut([a], [a], [np.zeros((8, 8), bool)])
    with pytest.raises(StageError, match="1 sources, 2 targets"):
        fit_lut([a], [a, a])


def test_identity_table_applies_exactly() -> None:
    lut = Lut3D(identity_table(9), shaper="none")
    rgb = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)
    np.testing.assert_allclose(lut.apply(rgb), rgb, atol=1e-6)


def test_trilinear_matches_analytic_multilinear_function() -> None:
    axis = np.linspace(0, 1, 5, dtype=np.float32)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    table = np.stack([r * g, g * b + 0.1, r * b * g], axis=-1)  # multilinear -> interpolated exactly
    lut = Lut3D(table, shaper="none")
    pts = np.random.default_rng(1).random((1000, 3), dtype=np.float32)
    expected = np.stack([pts[:, 0] * pts[:, 1], pts[:, 1] * pts[:, 2] + 0.1, pts.prod(axis=1)], axis=-1)
    np.testing.assert_allclose(lut.apply(pts), expected, atol=1e-5)


@pytest.fixture(scope="module")
def fitted() -> Lut3D:
    images = _smooth_images(3, seed=5)
    return fit_lut(images, [_fade_fix(i) for i in images], size=33)


def test_cube_round_trip_matches_apply(fitted: Lut3D, tmp_path: Path) -> None:
    path = fitted.write_cube(tmp_path / "mg.cube")
    text = path.read_text().splitlines()
    assert "LUT_3D_SIZE 33" in text and "DOMAIN_MIN 0.0 0.0 0.0" in text and "DOMAIN_MAX 1.0 1.0 1.0" in text
    cube = read_cube(path)
    assert cube.size == 33 and cube.shaper == "none"
    # red fastest: the second data row is node (r=1, g=0, b=0)
    first_data = next(i for i, line in enumerate(text) if line[:1].isdigit())
    second = np.array([float(v) for v in text[first_data + 1].split()])
    np.testing.assert_allclose(second, cube.table[1, 0, 0], atol=1e-6)
    probe = np.random.default_rng(6).random((20000, 3), dtype=np.float32)
    diff = np.abs(cube.apply(probe) - fitted.apply(probe))
    assert diff.mean() < 1e-3 and np.percentile(diff, 99) < 5e-3
    # the baked grid nodes themselves are exact
    nodes = identity_table(33).reshape(-1, 3)
    np.testing.assert_allclose(cube.apply(nodes), fitted.apply(nodes), atol=2e-6)


def test_cube_matches_colour_science_reader(fitted: Lut3D, tmp_path: Path) -> None:
    colour = pytest.importorskip("colour")
    path = fitted.write_cube(tmp_path / "mg.cube", size=17)
    theirs = colour.read_LUT(str(path))
    assert theirs.size == 17
    probe = np.random.default_rng(7).random((5000, 3), dtype=np.float32)
    np.testing.assert_allclose(theirs.apply(probe), read_cube(path).apply(probe), atol=1e-5)


def test_npz_save_load_keeps_log_lut(fitted: Lut3D, tmp_path: Path) -> None:
    back = Lut3D.load(fitted.save(tmp_path / "mg.npz"))
    assert back.shaper == "log2" and back.fit_info == fitted.fit_info
    np.testing.assert_array_equal(back.table, fitted.table)


def test_read_cube_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cube"
    bad.write_text("LUT_3D_SIZE 2\n0 0 0\n1 1 1\n")
    with pytest.raises(MediaError, match="needs 8 RGB rows"):
        read_cube(bad)
    with pytest.raises(MediaError, match="cannot read"):
        read_cube(tmp_path / "missing.cube")
