"""The video reference: recorded geometry, tone curve on Y' only, bars, subtitles, frame offset."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chroma_engine.colour import luma, rgb_to_ycbcr
from chroma_engine.synth import plan_camera, render_reference, sample_reference, to_nuke_transform, tone_curve
from chroma_engine.synth._reference import similarity

W, H, N, FIRST = 512, 384, 12, 1001


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(7)
    params = sample_reference(W, H, N, FIRST, 0, rng)
    r2s = np.asarray(params.ref_to_source)
    camera = plan_camera("coffee", W, H, N, rng, range(-3, N), reframes=(r2s,))
    return camera, params


def _interior(params) -> np.ndarray:
    mask = np.zeros((H, W), dtype=bool)
    margin = 16
    mask[
        params.border_top + margin : H - params.border_bottom - margin,
        params.border_left + margin : W - params.border_right - margin,
    ] = True
    return mask


def test_tone_curve_changes_luma_and_keeps_chroma(setup) -> None:
    camera, params = setup
    clean = camera.render(2)
    toned = tone_curve(clean, params)
    unclipped = (toned > 0.002).all(-1) & (toned < 0.998).all(-1)
    assert np.abs(luma(toned) - luma(clean)).mean() > 0.02
    np.testing.assert_allclose(
        rgb_to_ycbcr(toned)[unclipped][:, 1:], rgb_to_ycbcr(clean)[unclipped][:, 1:], atol=1e-5
    )


def test_recorded_geometry_maps_reference_back_onto_the_source(setup) -> None:
    camera, params = setup
    frame = FIRST + 1  # no subtitle
    assert frame not in params.subtitle_frames
    ref = render_reference(camera, params, frame, FIRST)
    expected = tone_curve(camera.render(1), params)
    s2r = np.asarray(params.source_to_ref)
    back = cv2.warpAffine(ref, s2r, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    inside = _interior(params)
    aligned = np.abs(back - expected)[inside].mean()
    unaligned = np.abs(ref - expected)[inside].mean()
    assert aligned < 0.03
    assert unaligned > 1.5 * aligned
    np.testing.assert_allclose(
        np.vstack([s2r, [0, 0, 1]]) @ np.vstack([np.asarray(params.ref_to_source), [0, 0, 1]]),
        np.eye(3),
        atol=1e-9,
    )
    assert 1.01 < params.scale < 1.04 and 0.2 < abs(params.rotate_deg) < 0.6
    assert 4 < np.hypot(params.translate_x, params.translate_y) * 512 / W < 8


def test_black_bars_on_every_side(setup) -> None:
    camera, params = setup
    ref = render_reference(camera, params, FIRST + 5, FIRST)
    assert min(params.border_top, params.border_bottom, params.border_left, params.border_right) >= 3
    for bar in (
        ref[: params.border_top],
        ref[H - params.border_bottom :],
        ref[:, : params.border_left],
        ref[:, W - params.border_right :],
    ):
        assert bar.max() == 0.0
    assert ref[_interior(params)].mean() > 0.1


def test_subtitle_is_bright_text_in_the_lower_part(setup) -> None:
    camera, params = setup
    frame = params.subtitle_frames[0]
    with_text = render_reference(camera, params, frame, FIRST)
    without = render_reference(camera, params.model_copy(update={"subtitle_frames": ()}), frame, FIRST)
    x0, y0, x1, y1 = params.subtitle_box
    assert y0 > 0.6 * H and y1 <= H - params.border_bottom
    bright = lambda img: int(((img[y0:y1, x0:x1] > 0.85).all(-1)).sum())  # noqa: E731
    dark = lambda img: int(((img[y0:y1, x0:x1] < 0.08).all(-1)).sum())  # noqa: E731
    assert bright(with_text) > bright(without) + 400
    assert dark(with_text) > dark(without) + 50  # the outline
    far = np.ones((H, W), dtype=bool)
    reach = 28  # a 4:2:0 JPEG macroblock (16 px) at 0.6x resolution, upscaled
    far[max(0, y0 - reach) : y1 + reach, max(0, x0 - reach) : x1 + reach] = False
    assert np.abs(with_text - without)[far].max() < 0.01


def test_frame_offset_shows_the_shifted_source_frame(setup) -> None:
    camera, params = setup
    plain = params.model_copy(update={"subtitle_frames": ()})
    shifted = plain.model_copy(update={"frame_offset": 3})
    np.testing.assert_array_equal(
        render_reference(camera, shifted, FIRST + 5, FIRST), render_reference(camera, plain, FIRST + 2, FIRST)
    )


def test_nuke_transform_flips_y_and_rotation() -> None:
    moved = to_nuke_transform(similarity(W, H, 1.0, 0.0, 5.0, 3.0), W, H)
    assert (moved.translate_x, moved.translate_y, moved.rotate, moved.scale) == pytest.approx(
        (5.0, -3.0, 0.0, 1.0)
    )
    turned = to_nuke_transform(similarity(W, H, 1.02, 0.4, 0.0, 0.0), W, H)
    assert (turned.rotate, turned.scale, turned.translate_x, turned.translate_y) == pytest.approx(
        (-0.4, 1.02, 0.0, 0.0), abs=1e-6
    )
    assert (turned.center_x, turned.center_y) == (W / 2, H / 2)
