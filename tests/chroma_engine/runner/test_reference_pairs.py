"""Stage 3's training pairs (``reference_pairs``): the model input, the target and the blown highlights."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chroma_engine.colour import luma
from chroma_engine.runner import ShotContext
from chroma_engine.runner._prep_stages import (
    load_pairs,
    model_input,
    reference_pairs,
    run_alignment,
    run_curation,
)
from chroma_engine.synth import synthesize_shot
from chroma_engine.training import blown_highlights, ground_truth


def test_reference_pairs_are_what_stage_3_trains_on(tmp_path: Path) -> None:
    job = synthesize_shot(tmp_path / "shot", frames=12, width=192, height=144, severity="severe", seed=2)
    ctx = ShotContext.from_job(job)
    curation = run_curation(ctx, count=3)
    loaded = load_pairs(ctx, curation, run_alignment(ctx, curation), list(curation.training_frames))
    pairs = reference_pairs(ctx, loaded)
    assert [p.frame for p in pairs] == [p.frame for p in loaded]
    inputs = model_input(ctx)
    for pair, frame in zip(pairs, loaded, strict=True):
        # the model sees the temporal mean (default radius 3), not the scan itself
        assert job.training.temporal_radius > 0
        np.testing.assert_allclose(pair.source, inputs(frame.frame)[1], atol=1e-6)
        assert np.abs(pair.source - frame.source[..., :3]).mean() > 1e-4
        # the target keeps the scan's own luma; the reference's blown highlights are marked
        np.testing.assert_allclose(luma(pair.target), np.clip(luma(frame.source[..., :3]), 0, 1), atol=1e-5)
        np.testing.assert_array_equal(
            pair.target, ground_truth(frame.source, frame.reference, job.reference_cleanup.median_size)
        )
        assert pair.blown is not None
        np.testing.assert_array_equal(pair.blown, blown_highlights(frame.reference))
        np.testing.assert_array_equal(pair.mask, frame.mask)
