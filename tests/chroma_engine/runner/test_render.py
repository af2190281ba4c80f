"""The one render path's naming and publishing (``stage_output``, ``publish_render``); its renders are
compared with the farm's in ``tests/chroma_recovery/farm/test_farm_vs_local.py``."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from pathlib import Path

import pytest

from chroma_engine import MediaError, StageError
from chroma_engine.io import to_printf
from chroma_engine.runner import RENDER_STAGES, ShotContext, publish_render, stage_output
from chroma_engine.synth import synthesize_shot


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ShotContext:
    root = tmp_path_factory.mktemp("render") / "shot"
    return ShotContext.from_job(synthesize_shot(root, frames=3, width=64, height=64, progress=False))


def test_stage_output_names_both_render_stages(ctx: ShotContext) -> None:
    job = ctx.job
    folder = ctx.shot_dir("inference") / "v007"
    ml = stage_output(ctx, "inference", folder)
    assert "_ML_" in job.output.naming and ml.cube is None
    assert ml.pattern == to_printf(job.output_name())
    assert ml.frame_path(job.media.source.first_frame) == folder / (ml.pattern % job.media.source.first_frame)
    assert Path(ml.sequence.path) == (folder / job.output_name()).relative_to(ctx.root)
    assert (ml.sequence.first_frame, ml.sequence.last_frame) == (
        job.media.source.first_frame,
        job.media.source.last_frame,
    )
    mg = stage_output(ctx, "matchgrade", folder)
    assert mg.pattern == ml.pattern.replace("_ML_", "_MG_")
    assert mg.cube == folder / f"{job.project.name}_{job.shot.name}_matchgrade.cube"
    plain = job.model_copy(update={"output": job.output.model_copy(update={"naming": "{shot}.####.exr"})})
    renamed = stage_output(dataclasses.replace(ctx, job=plain), "matchgrade", folder)
    assert renamed.pattern == f"MG_{job.shot.name}.%04d.exr"
    with pytest.raises(StageError, match="not a render stage"):
        stage_output(ctx, "training", folder)
    assert RENDER_STAGES == ("inference", "matchgrade")


def test_publish_render_refuses_a_version_missing_frames(ctx: ShotContext) -> None:
    folder = ctx.shot_dir("matchgrade") / "v001"
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.raises(MediaError, match="3 expected file"):
        publish_render(ctx, "matchgrade", folder, {}, _dt.datetime.now(_dt.timezone.utc))
    assert not (folder / "_manifest.json").exists()
