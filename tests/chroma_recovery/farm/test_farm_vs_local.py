"""End to end: the bundle under ``openjd run`` against ``chroma-recovery run`` on a copy of the same shot.

Training is seeded (``training.seed``) and runs on CPU in both, so the models match and the renders
agree to EXR half precision; the comparison allows 2e-3 (half spacing near 1.0 is ~1e-3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import schemas
from chroma_recovery.farm import openjd_run, write_bundle

from .conftest import REPO, cli_command

pytestmark = pytest.mark.slow
#: The five stages (the farm job builds no QC report).
STAGES = [a for s in ("curation", "alignment", "training", "inference", "matchgrade") for a in ("-s", s)]


def _manifest(root: Path, stage: str) -> tuple[Path, schemas.RenderManifest]:
    folders = sorted((root / "pipeline" / stage / "sh010").glob("v*/_manifest.json"))
    assert folders, f"no finished {stage} render under {root}"
    return folders[-1].parent, schemas.load_manifest(folders[-1])


def test_openjd_run_matches_local_run(shot: Path, tmp_path: Path) -> None:
    from chroma_engine.io import read_image

    local_root = tmp_path / "local"
    shutil.copytree(shot.parent, local_root)
    data = json.loads(shot.read_text())
    data["project"]["root"] = str(local_root)
    (local_root / "job.json").write_text(json.dumps(data))
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    code = "from chroma_recovery.cli import main; main()"
    local = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "run",
            str(local_root / "job.json"),
            "--steps",
            "30",
            "--backend",
            "native",
            *STAGES,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert local.returncode == 0, local.stderr[-3000:]

    info = write_bundle(shot, tmp_path / "bundle", steps=30, chunk_size=4, command=cli_command())
    farm = openjd_run(info.template, timeout=900, env=env)
    assert farm.returncode == 0, farm.stdout[-4000:]

    for stage in ("04_inference_render", "05_matchgrade_render"):
        farm_dir, farm_manifest = _manifest(shot.parent, stage)
        local_dir, local_manifest = _manifest(local_root, stage)
        assert farm_manifest.frame_count == local_manifest.frame_count == 6
        names = sorted(f.name for f in farm_manifest.files)
        assert names == sorted(f.name for f in local_manifest.files)
        for entry in farm_manifest.files:
            assert (farm_dir / entry.name).stat().st_size == entry.size
        for name in (n for n in names if n.endswith(".exr")):
            a, b = read_image(farm_dir / name), read_image(local_dir / name)
            assert np.abs(a - b).max() < 2e-3, name
        for key, value in local_manifest.metrics.items():
            assert farm_manifest.metrics[key] == pytest.approx(value, rel=1e-3, abs=1e-4), key
