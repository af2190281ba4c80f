"""Farm renders against local renders: the one render path gives the same bytes.

- Chunks + finalize (the farm task functions) against ``run_job`` on one trained model: every EXR and
  the ``.cube`` are byte-identical, the decoded pixels equal, the manifest metrics equal.
- End to end: the bundle under ``openjd run`` against ``chroma-recovery run`` on a copy of the same
  shot, each training its own model (seeded, on CPU, so the models and the renders match too).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import schemas
from chroma_recovery.farm import (
    bind_job,
    finalize_version,
    openjd_run,
    run_chunk,
    run_prepare,
    run_train,
    write_bundle,
)

from .conftest import REPO, cli_command

#: The five stages (the farm job builds no QC report).
STAGES = [a for s in ("curation", "alignment", "training", "inference", "matchgrade") for a in ("-s", s)]


def _manifest(root: Path, stage: str) -> tuple[Path, schemas.RenderManifest]:
    folders = sorted((root / "pipeline" / stage / "sh010").glob("v*/_manifest.json"))
    assert folders, f"no finished {stage} render under {root}"
    return folders[-1].parent, schemas.load_manifest(folders[-1])


def _stable_bytes(path: Path) -> bytes:
    """A render file's bytes without the time it was written: the EXR header's ``capDate`` (OpenImageIO
    stamps every file) and the ``.cube``'s ``# fit: seconds=`` comment (the fit's duration)."""
    data = path.read_bytes()
    if path.suffix == ".cube":
        return b"".join(line for line in data.splitlines(True) if not line.startswith(b"# fit: seconds="))
    key = b"capDate\x00string\x00"
    start = data.find(key)
    if start < 0:
        return data
    start += len(key)
    size = struct.unpack("<i", data[start : start + 4])[0]
    return data[: start + 4] + bytes(size) + data[start + 4 + size :]


def _assert_identical(
    farm: tuple[Path, schemas.RenderManifest], local: tuple[Path, schemas.RenderManifest]
) -> None:
    """Same files with the same bytes but their write time (EXR pixels compared decoded too), same
    metrics."""
    from chroma_engine.io import read_image

    (farm_dir, farm_manifest), (local_dir, local_manifest) = farm, local
    assert farm_dir != local_dir
    assert farm_manifest.frame_count == local_manifest.frame_count == 6
    assert farm_manifest.output is not None and local_manifest.output is not None
    assert Path(farm_manifest.output.path).name == Path(local_manifest.output.path).name
    names = sorted(f.name for f in farm_manifest.files)
    assert names == sorted(f.name for f in local_manifest.files)
    assert sum(n.endswith(".exr") for n in names) == 6
    for entry in farm_manifest.files:
        assert _stable_bytes(farm_dir / entry.name) == _stable_bytes(local_dir / entry.name), entry.name
        if entry.name.endswith(".exr"):
            a, b = read_image(farm_dir / entry.name), read_image(local_dir / entry.name)
            assert np.array_equal(a, b), entry.name
    assert farm_manifest.metrics == local_manifest.metrics


def test_chunked_farm_render_is_bit_identical_to_local_run(shot: Path, tmp_path: Path) -> None:
    from chroma_engine.runner import run_job

    job = bind_job(shot)
    run_prepare(job)
    run_train(job, steps=8)  # one model for both renders
    local = run_job(job, stages=["inference", "matchgrade"])
    assert local.inference is not None and local.matchgrade is not None
    info = write_bundle(shot, tmp_path / "bundle", steps=8, chunk_size=4, command=cli_command())
    assert info.matchgrade_version_dir is not None
    for step, version in (("infer", info.infer_version_dir), ("matchgrade", info.matchgrade_version_dir)):
        for frames in ("1005-1006", "1001-1004"):  # chunks in any order, each its own process state
            run_chunk(job, step, frames, version)
    root = shot.parent
    for version, mine in (
        (info.infer_version_dir, local.inference),
        (info.matchgrade_version_dir, local.matchgrade),
    ):
        farm = finalize_version(job, version)
        assert mine.output is not None
        _assert_identical((root / version, farm), (root / Path(mine.output.path).parent, mine))


@pytest.mark.slow
def test_openjd_run_matches_local_run(shot: Path, tmp_path: Path) -> None:
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
        _assert_identical(_manifest(shot.parent, stage), _manifest(local_root, stage))
