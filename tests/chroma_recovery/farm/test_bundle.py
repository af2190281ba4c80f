"""``write_bundle`` / ``farm bundle``: template structure, validation, reservation, atomicity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chroma_recovery.farm import FarmError, openjd_check, write_bundle

from .conftest import REPO, cli_command


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = "from chroma_recovery.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)


def test_bundle_structure(shot: Path, tmp_path: Path) -> None:
    info = write_bundle(shot, tmp_path / "bundle", steps=30, chunk_size=4, command=cli_command())
    bundle = Path(info.bundle_dir)
    assert sorted(p.name for p in bundle.iterdir()) == [
        "asset_references.yaml",
        "parameter_values.yaml",
        "template.yaml",
    ]
    template = yaml.safe_load((bundle / "template.yaml").read_text())
    assert template["specificationVersion"] == "jobtemplate-2023-09"
    params = {p["name"]: p for p in template["parameterDefinitions"]}
    assert {k: v["type"] for k, v in params.items()} == {
        "JobFile": "PATH",
        "ProjectRoot": "PATH",
        "Backend": "STRING",
        "Steps": "INT",
        "ChunkSize": "INT",
        "ChromaRecoveryCommand": "STRING",
    }
    assert params["Backend"]["allowedValues"] == ["nuke", "native"]
    assert params["Steps"]["default"] == 30 and params["ChunkSize"]["default"] == 4
    steps = {s["name"]: s for s in template["steps"]}
    assert list(steps) == ["Prepare", "Train", "Infer", "MatchGrade", "Finalize"]
    deps = {name: [d["dependsOn"] for d in s.get("dependencies", [])] for name, s in steps.items()}
    assert deps == {
        "Prepare": [],
        "Train": ["Prepare"],
        "Infer": ["Train"],
        "MatchGrade": ["Prepare"],
        "Finalize": ["Infer", "MatchGrade"],
    }
    assert steps["Train"]["hostRequirements"]["amounts"] == [{"name": "amount.worker.gpu", "min": 1}]
    assert "parameterSpace" not in steps["Prepare"] and "parameterSpace" not in steps["Train"]
    chunk = steps["Infer"]["parameterSpace"]["taskParameterDefinitions"][0]
    assert chunk["range"] == "1001-1006:{{Param.ChunkSize}}"
    enter = steps["Infer"]["stepEnvironments"][0]["script"]
    args = enter["actions"]["onEnter"]["args"]
    assert args[args.index("--step") + 1] == "model"
    # values are argv items of the action, never text of the embedded script
    assert "{{Param." not in enter["embeddedFiles"][0]["data"]
    # the reserved versions exist, are empty of renders, and are named in the task scripts
    root = shot.parent
    for rel in (info.infer_version_dir, info.matchgrade_version_dir):
        assert rel is not None and (root / rel / "_farm" / "reserved.json").is_file()
        assert not (root / rel / "_manifest.json").exists()
    assert info.infer_version_dir in steps["Infer"]["script"]["actions"]["onRun"]["args"]
    for step in steps.values():
        assert "{{" not in step["script"]["embeddedFiles"][0]["data"]
    values = yaml.safe_load((bundle / "parameter_values.yaml").read_text())["parameterValues"]
    assert {v["name"]: v["value"] for v in values}["JobFile"] == str(shot.resolve())
    assets = yaml.safe_load((bundle / "asset_references.yaml").read_text())["assetReferences"]
    assert str(root / "media" / "SOURCE") in assets["inputs"]["directories"]
    assert openjd_check(info.template) is not None


def test_second_bundle_reserves_new_versions(shot: Path, tmp_path: Path) -> None:
    first = write_bundle(shot, tmp_path / "b1")
    second = write_bundle(shot, tmp_path / "b2")
    assert first.infer_version_dir.endswith("v001") and second.infer_version_dir.endswith("v002")


def test_matchgrade_disabled_drops_the_step(shot: Path, tmp_path: Path) -> None:
    data = json.loads(shot.read_text())
    data["matchgrade"]["enabled"] = False
    shot.write_text(json.dumps(data))
    info = write_bundle(shot, tmp_path / "bundle")
    template = yaml.safe_load(Path(info.template).read_text())
    finalize = template["steps"][-1]
    assert info.steps == ("Prepare", "Train", "Infer", "Finalize")
    assert finalize["dependencies"] == [{"dependsOn": "Infer"}]
    assert info.matchgrade_version_dir is None


def test_invalid_job_writes_nothing(shot: Path, tmp_path: Path) -> None:
    data = json.loads(shot.read_text())
    data["training"]["batch_size"] = 0
    shot.write_text(json.dumps(data))
    with pytest.raises(FarmError, match="batch_size"):
        write_bundle(shot, tmp_path / "bundle")
    assert not (tmp_path / "bundle").exists()
    assert not list(tmp_path.glob(".bundle*"))
    assert not (shot.parent / "pipeline" / "04_inference_render" / "sh010").exists()
    result = _cli("farm", "bundle", str(shot), str(tmp_path / "bundle"))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "batch_size" in result.stderr
    assert not (tmp_path / "bundle").exists()


def test_refuses_non_empty_out_dir_and_bad_options(shot: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(FarmError, match="not empty"):
        write_bundle(shot, out)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    with pytest.raises(FarmError, match="chunk size"):
        write_bundle(shot, tmp_path / "b2", chunk_size=0)
    with pytest.raises(FarmError, match="backend"):
        write_bundle(shot, tmp_path / "b3", backend="auto")


def test_cli_bundle_and_check(shot: Path, tmp_path: Path) -> None:
    result = _cli("farm", "bundle", str(shot), str(tmp_path / "bundle"), "--chunk-size", "5")
    assert result.returncode == 0, result.stderr
    assert "Prepare -> Train -> Infer -> MatchGrade -> Finalize" in result.stdout
    checked = _cli("farm", "check", str(tmp_path / "bundle"))
    assert checked.returncode == 0, checked.stderr
    broken = tmp_path / "broken.yaml"
    template = yaml.safe_load((tmp_path / "bundle" / "template.yaml").read_text())
    template["steps"][1]["dependencies"] = [{"dependsOn": "Nowhere"}]
    broken.write_text(yaml.safe_dump(template))
    failed = _cli("farm", "check", str(broken))
    assert failed.returncode == 2 and "error:" in failed.stderr
