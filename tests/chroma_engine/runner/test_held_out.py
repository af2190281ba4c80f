"""Held-out frames: at least temporal_radius + 1 frames from every training frame, spread over the shot."""

from __future__ import annotations

from chroma_engine.runner import held_out_frames


def test_scored_frames_keep_the_gap_from_every_training_frame_and_spread_over_the_shot() -> None:
    frames, trained = range(1001, 1049), (1007, 1024, 1030, 1039)
    held = held_out_frames(frames, trained, radius=3)
    assert held.gap == 4 and held.honest and len(held.frames) == 12
    assert all(min(abs(f - t) for t in trained) >= 4 for f in held.frames)
    far = [f for f in frames if min(abs(f - t) for t in trained) >= 4]
    assert held.frames[0] == far[0] and held.frames[-1] == far[-1]  # both ends of the shot
    assert sorted(held.frames) == list(held.frames)


def test_every_far_frame_is_scored_when_there_are_few() -> None:
    held = held_out_frames(range(1, 31), (5, 15, 25), radius=3, limit=12)
    assert held.frames == (1, 9, 10, 11, 19, 20, 21, 29, 30)


def test_a_short_shot_scores_its_farthest_frames_and_says_so() -> None:
    held = held_out_frames(range(1001, 1025), (1004, 1010, 1016, 1021), radius=3)
    assert held.frames == (1001, 1007, 1013, 1024) and held.min_distance == 3 and not held.honest


def test_radius_zero_scores_any_frame_but_the_trained_ones() -> None:
    held = held_out_frames(range(1, 7), (2, 5), radius=0)
    assert held.frames == (1, 3, 4, 6) and held.honest
