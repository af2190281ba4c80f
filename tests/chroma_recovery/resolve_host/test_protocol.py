"""Host protocol 1 on the tool side: envelope, refusals as one line, exit codes, each verb's checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import schemas
from chroma_engine.io import write_document, write_exr
from chroma_recovery.resolve_host import HOST_PROTOCOL, VERBS, handle
from tests.resolve_bridge.resolve_bridge_helpers import REPO, write_stage_render


def ask(verb: str, args: dict[str, Any], protocol: int = HOST_PROTOCOL) -> dict[str, Any]:
    reply = handle(verb, json.dumps({"protocol": protocol, "args": args}))
    assert "\n" not in reply
    return json.loads(reply)


def refused(verb: str, args: dict[str, Any]) -> tuple[str, str]:
    reply = ask(verb, args)
    assert reply["ok"] is False and reply["protocol"] == HOST_PROTOCOL, reply
    return reply["error"], reply["hint"]


def test_cli_answers_one_line_and_exit_status(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"film": "F", "project_root": str(tmp_path)}))
    command = [sys.executable, "-m", "chroma_recovery", "resolve", "host"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for verb, path, status in (("config", config, 0), ("config", tmp_path / "none.json", 2)):
        request = json.dumps({"protocol": HOST_PROTOCOL, "args": {"path": str(path)}})
        done = subprocess.run(
            [*command, verb], input=request, capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == status, done.stderr
        (line,) = done.stdout.splitlines()
        assert json.loads(line)["ok"] is (status == 0)


def test_envelope_refusals() -> None:
    assert json.loads(handle("config", "not json"))["error"].startswith("the request is not JSON")
    assert "is not {'protocol', 'args'}" in json.loads(handle("config", "[]"))["error"]
    error = ask("config", {"path": "/x"}, protocol=99)["error"]
    assert "host protocol 99" in error and f"speaks {HOST_PROTOCOL}" in error
    error, hint = refused("no-such-verb", {})
    assert "unknown host verb 'no-such-verb'" in error and all(v in error for v in VERBS)
    error, hint = refused("config", {"path": 3})
    assert error.startswith("malformed request: path:") and "reinstall" in hint
    error, _ = refused("config", {"path": "/x", "extra": 1})
    assert "extra" in error


def test_a_crash_is_one_line_with_its_type(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    def broken(args: Any) -> dict[str, Any]:
        raise ZeroDivisionError("boom\nsecond line")

    monkeypatch.setattr("chroma_recovery.resolve_host._verbs.load_verb", lambda verb: broken)
    error, hint = refused("config", {})
    assert error == "chroma-recovery failed on 'config': ZeroDivisionError: boom"
    assert "traceback" in hint and "ZeroDivisionError" in capsys.readouterr().err


def _cut(media: str) -> dict[str, Any]:
    return {
        "resolve_export": None, "timeline_start": 86400, "record_in": 86410, "record_out": 86418,
        "rate": 24.0, "item_name": "scan", "source_first": 1003,
        "media": {"path": media, "first_frame": 1001, "last_frame": 1012},
    }  # fmt: skip


def _job(root: Path, job_id: str = "sh010_1", **shot: Any) -> dict[str, Any]:
    seq = {"path": "exports/F_SOURCE_####.exr", "first_frame": 1003, "last_frame": 1010}
    return {
        "job_id": job_id, "project": {"name": "F", "root": str(root)},
        "shot": {"name": "sh010", "record_in": 86410, "record_out": 86418,
                 "cut_path": f"jobs/cuts/{job_id}.otio", **shot},
        "media": {"source": seq, "reference": {**seq, "path": "exports/F_REF_####.exr"}},
    }  # fmt: skip


def test_write_job_validates_before_writing_anything(tmp_path: Path) -> None:
    media = str(tmp_path / "scan_%04d.exr")
    error, hint = refused("write-job", {"job": _job(tmp_path, **{"name": "bad name!"}), "cut": _cut(media)})
    assert error.startswith("job sh010_1 is invalid: shot.name:") and hint == "see the field named"
    outside = _job(tmp_path)
    outside["media"]["source"]["path"] = "/elsewhere/F_SOURCE_####.exr"
    error, _ = refused("write-job", {"job": outside, "cut": _cut(media)})
    assert error.startswith("job sh010_1 is invalid:")
    assert not (tmp_path / "jobs").exists()
    reply = ask("write-job", {"job": _job(tmp_path), "cut": _cut(media)})
    assert reply["ok"] and reply["result"]["cut_made_by"] == "built"
    job = schemas.load_job(reply["result"]["job_path"], check_paths=False)
    assert Path(reply["result"]["cut_path"]) == tmp_path / str(job.shot.cut_path)
    error, _ = refused("write-job", {"job": _job(tmp_path), "cut": _cut(media)})
    assert "already exists" in error


def test_write_job_trims_resolve_export(tmp_path: Path) -> None:
    import opentimelineio as otio

    full = otio.schema.Timeline(name="REEL", global_start_time=otio.opentime.RationalTime(86400, 24))
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Clip(name="a", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(40, 24))))  # fmt: skip
    full.tracks.append(track)
    export = tmp_path / "export.otio"
    otio.adapters.write_to_file(full, str(export))
    cut = {**_cut(str(tmp_path / "scan_%04d.exr")), "resolve_export": str(export)}
    result = ask("write-job", {"job": _job(tmp_path), "cut": cut})["result"]
    trimmed = otio.adapters.read_from_file(result["cut_path"])
    assert result["cut_made_by"] == "resolve_export"
    assert trimmed.duration().value == 8 and trimmed.global_start_time.value == 86410


def test_check_frames_names_the_first_unusable_file(tmp_path: Path) -> None:
    good = write_exr(tmp_path / "a.exr", np.zeros((24, 32, 3), np.float32), "ACES2065-1")
    small = write_exr(tmp_path / "b.exr", np.zeros((12, 16, 3), np.float32), "ACES2065-1")
    broken = tmp_path / "c.exr"
    broken.write_bytes(good.read_bytes()[:200])
    assert ask("check-frames", {"files": [str(good)], "width": 32, "height": 24})["result"] == {"checked": 1}
    error, _ = refused("check-frames", {"files": [str(good), str(small)], "width": 32, "height": 24})
    assert error.endswith("b.exr: 16x12, expected 32x24") and "1 of 2 frame(s)" in error
    error, _ = refused("check-frames", {"files": [str(broken), str(tmp_path / "d.exr")]})
    assert "2 of 2 frame(s) unusable, first" in error and "c.exr" in error


def _done_job(root: Path) -> None:
    job = schemas.ShotJob.model_validate(_job(root, "job_sh_a"))
    write_document(root / "jobs" / "done" / "job_sh_a.json", job)


def _queued(root: Path, stage: str, **change: Any) -> Path:
    path = write_stage_render(root, "job_sh_a", "sh_a", stage, 1, first=1003, count=4)
    manifest = schemas.load_manifest(path).model_copy(update=change)
    return write_document(root / "resolve_queue" / "pending" / f"{stage}_{len(change)}.json", manifest)


def test_renders_reads_the_queue_and_refuses_per_manifest(tmp_path: Path) -> None:
    root = tmp_path
    _done_job(root)
    good = _queued(root, "inference")
    orphan = _queued(root, "matchgrade", job_id="NO_SUCH_JOB")
    exr = next((root / "pipeline" / "04_inference_render").rglob("*1004.exr"))
    entries = ask("renders", {"project_root": str(root)})["result"]["renders"]
    assert [e["manifest"] for e in entries] == [str(good), str(orphan)]
    render = entries[0]["render"]
    assert (render["kind"], render["record_in"], render["project"]) == ("ML", 86410, "F")
    assert os.path.isabs(render["sequence"]["path"]) and os.path.isabs(render["source"]["path"])
    assert entries[1]["render"] is None and "NO_SUCH_JOB not found" in entries[1]["error"]
    exr.write_bytes(b"not an exr")
    (entry,) = ask("renders", {"project_root": str(root), "manifests": [str(good)]})["result"]["renders"]
    assert entry["render"] is None and "1 of 4 frame(s) unusable" in entry["error"]


def test_queue_finish_moves_and_explains(tmp_path: Path) -> None:
    _done_job(tmp_path)
    good, bad = _queued(tmp_path, "inference"), _queued(tmp_path, "matchgrade", version=2)
    outcomes = [{"manifest": str(good)}, {"manifest": str(bad), "error": "it broke", "hint": "retry"}]
    moved = ask("queue-finish", {"project_root": str(tmp_path), "outcomes": outcomes})["result"]["moved"]
    assert [Path(p).parent.name for p in moved] == ["done", "failed"]
    assert Path(moved[1]).with_suffix(".error.txt").read_text() == "it broke\nhint: retry\n"
    error, _ = refused("queue-finish", {"project_root": str(tmp_path), "outcomes": [{"manifest": moved[0]}]})
    assert "not a pending manifest" in error
