"""Curation + alignment on ``chroma_engine.synth.synthesize_shot`` (skipped when it is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

synth = pytest.importorskip("chroma_engine.synth")

from chroma_engine.alignment import align  # noqa: E402
from chroma_engine.curation import curate  # noqa: E402
from chroma_engine.io import resolve_sequence  # noqa: E402


def test_synth_shot_alignment_and_subtitles(tmp_path: Path) -> None:
    job = synth.synthesize_shot(tmp_path / "shot", frames=24, width=320, height=240, ref_frame_offset=2)
    truth = json.loads((tmp_path / "shot" / "synth_truth.json").read_text())
    # The synthetic camera moves at constant speed, which makes the offset ambiguous by content;
    # give the known offset as a job would (curation.reference_offset).
    job = job.model_copy(update={"curation": job.curation.model_copy(update={"reference_offset": 2})})
    src, ref = resolve_sequence(job, job.media.source), resolve_sequence(job, job.media.reference)
    curation = curate(job, src, ref)
    assert curation.reference_offset == 2 and len(curation.training_frames) == 4
    record = align(job, curation, src, ref)
    assert record.quality > 0.9 and not record.fell_back
    assert record.crop.r <= 320 and record.crop.t <= 240
    flagged = {f for f in src.ref.frames if record.crop_for_frame(f) != record.crop}
    with_subtitle = {f - 2 for f in truth["subtitle_frames"]}
    assert with_subtitle <= flagged  # every subtitled frame excluded (a few false alarms are tolerated)
