"""Edition limits, and all five stage scripts run through a stand-in Nuke."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuke_bridge._backend import (
    apply_edition_limits,
    check_edition,
    run_stages_with_nuke,
    write_outputs,
)
from nuke_bridge._build import build_scripts
from nuke_bridge._errors import NukeBridgeError
from nuke_bridge._locate import ENV_EDITION, ENV_EXECUTABLE, NukeInstall
from nuke_bridge._reader import read_nk
from nuke_bridge._runner import NukeRenderError
from nuke_bridge._wrapper import PressStep, SetKnobStep, read_spec
from schemas import ShotJob
from tests.nuke_bridge.fake_nuke import calls, make_fake_nuke


def _job(root: Path, **output: object) -> ShotJob:
    return ShotJob.model_validate(
        {
            "job_id": "job1",
            "project": {"name": "FILM", "root": str(root)},
            "shot": {"name": "sh010"},
            "media": {
                "source": {"path": "media/FILM_SOURCE_####.exr", "first_frame": 1001, "last_frame": 1004},
                "reference": {"path": "media/FILM_REF_####.exr", "first_frame": 1001, "last_frame": 1004},
            },
            "curation": {"frames": [1001, 1003, 1004], "preview_frame": 1002, "reference_offset": 0},
            "training": {"steps": 100, "checkpoint_interval": 50},
            "output": output,
        }
    )


def test_non_commercial_limit(tmp_path: Path) -> None:
    nc = NukeInstall(executable="/opt/Nuke15.1", edition="nc")
    nukex = NukeInstall(executable="/opt/Nuke15.1")
    job = _job(tmp_path)
    limited = apply_edition_limits(job, nc)
    assert limited.output.max_resolution == (1920, 1080)
    assert apply_edition_limits(job, nukex) is job
    small = _job(tmp_path, max_resolution=[1280, 720])
    assert apply_edition_limits(small, nc) is small
    wide = apply_edition_limits(_job(tmp_path, max_resolution=[4096, 1080]), nc)
    assert wide.output.max_resolution == (1920, 1080)
    with pytest.raises(NukeBridgeError, match="at most 1920x1080"):
        check_edition(job, nc, ["inference"])
    check_edition(limited, nc, ["inference", "matchgrade"])
    check_edition(job, nc, ["curation", "training"])  # no image output at full size there
    with pytest.raises(NukeBridgeError, match="training need NukeX"):
        check_edition(job, nukex.model_copy(update={"edition": "nuke"}), ["curation", "training"])


def test_non_commercial_run_renders_through_the_1080p_reformat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = make_fake_nuke(tmp_path / "bin")
    monkeypatch.setenv(ENV_EDITION, "nc")
    monkeypatch.setenv(ENV_EXECUTABLE, str(fake))
    job = _job(tmp_path / "project")
    unlimited = build_scripts(job, stages=["inference"])
    with pytest.raises(NukeBridgeError, match="Non-Commercial"):
        run_stages_with_nuke(job, ["inference"], unlimited)
    assert calls(fake) == []
    from nuke_bridge._locate import locate_nuke

    install = locate_nuke(job.project.root)
    limited_job = apply_edition_limits(job, install)
    scripts = build_scripts(limited_job, stages=["inference"])
    reformat = read_nk(scripts["inference"])["Reformat_MAX"]
    assert (reformat.knobs["box_width"], reformat.knobs["box_height"]) == (1920, 1080)
    model = Path(str(read_nk(scripts["inference"])["Inference1"].knobs["modelFile"]))
    model.parent.mkdir(parents=True)
    model.write_bytes(b"cat")
    runs = run_stages_with_nuke(limited_job, ["inference"], scripts)
    assert len(runs["inference"].outputs) == 4
    assert calls(fake)[0]["argv"][1] == "--nc"  # type: ignore[index]


def test_all_five_stages_run_in_order_and_wire_the_trained_model(tmp_path: Path) -> None:
    root = tmp_path / "project"
    job = _job(root)
    scripts = build_scripts(job)
    fake = make_fake_nuke(tmp_path / "bin")
    seen: list[tuple[str, str]] = []
    runs = run_stages_with_nuke(
        job,
        ["matchgrade", "inference", "training", "alignment", "curation"],
        scripts,
        install=NukeInstall(executable=str(fake)),
        on_event=lambda stage, event: seen.append((stage, event.kind)),
    )
    assert list(runs) == ["curation", "alignment", "training", "inference", "matchgrade"]
    wrappers = [Path(c["argv"][-1]).name for c in calls(fake)]  # type: ignore[index]
    assert wrappers == [
        "sh010_curation_v001.render.wrapper.py",
        "sh010_alignment_v001.render.wrapper.py",
        "sh010_training_v001.train.wrapper.py",
        "sh010_inference_v001.render.wrapper.py",
        "sh010_matchgrade_v001.render.wrapper.py",
    ]
    # Curation: two Writes (pairs SOURCE/REF) over frames 1-3.
    curation = runs["curation"].outputs
    assert len(curation) == 6 and all(Path(p).is_file() for p in curation)
    assert [s for s, k in seen if k == "progress"].count("curation") == 3
    # Alignment presses F_Align's analyse before rendering.
    align_spec = read_spec(Path(calls(fake)[1]["argv"][-1]))  # type: ignore[index]
    assert align_spec.steps[0] == PressStep(node="F_Align_REF", knob="analyse")
    # Training: the newest .cat is copied to the inference script's modelFile path.
    cat = runs["training"].cat_file
    assert cat is not None and Path(cat).parent.name == "copycat"
    model_file = Path(str(read_nk(scripts["inference"])["Inference1"].knobs["modelFile"]))
    assert model_file.read_bytes() == Path(cat).read_bytes()
    infer_spec = read_spec(Path(calls(fake)[3]["argv"][-1]))  # type: ignore[index]
    assert not any(isinstance(s, SetKnobStep) for s in infer_spec.steps)
    # Inference and MatchGrade: the whole shot, 1001-1004.
    assert [Path(p).name for p in runs["inference"].outputs] == [
        f"FILM_ML_{f}.exr" for f in range(1001, 1005)
    ]
    mg_spec = read_spec(Path(calls(fake)[4]["argv"][-1]))  # type: ignore[index]
    assert mg_spec.steps[0] == PressStep(node="MatchGrade1", knob="analyzeRefFrames")
    assert len(runs["matchgrade"].outputs) == 4
    for run in runs.values():
        assert Path(run.log_path).parent == Path(run.script).parent
        assert run.duration_s >= 0
    # A second run of the same scripts would overwrite the renders: refused before Nuke starts.
    before = len(calls(fake))
    with pytest.raises(NukeBridgeError, match="never overwritten"):
        run_stages_with_nuke(job, ["curation"], scripts, install=NukeInstall(executable=str(fake)))
    assert len(calls(fake)) == before


def test_existing_model_is_not_replaced_but_overridden(tmp_path: Path) -> None:
    root = tmp_path / "project"
    job = _job(root)
    scripts = build_scripts(job, stages=["training", "inference"])
    model_file = Path(str(read_nk(scripts["inference"])["Inference1"].knobs["modelFile"]))
    model_file.parent.mkdir(parents=True)
    model_file.write_bytes(b"earlier model")
    fake = make_fake_nuke(tmp_path / "bin")
    runs = run_stages_with_nuke(
        job, ["training", "inference"], scripts, install=NukeInstall(executable=str(fake))
    )
    assert model_file.read_bytes() == b"earlier model"
    spec = read_spec(Path(calls(fake)[-1]["argv"][-1]))  # type: ignore[index]
    assert spec.steps[0] == SetKnobStep(node="Inference1", knob="modelFile", value=runs["training"].cat_file)


def test_stage_failure_stops_the_run(tmp_path: Path) -> None:
    job = _job(tmp_path / "project")
    scripts = build_scripts(job, stages=["curation", "alignment"])
    fake = make_fake_nuke(tmp_path / "bin", mode="fail")
    with pytest.raises(NukeRenderError) as info:
        run_stages_with_nuke(
            job, ["curation", "alignment"], scripts, install=NukeInstall(executable=str(fake))
        )
    assert info.value.returncode == 1
    assert "curation" in info.value.log_path
    assert len(calls(fake)) == 1


def test_inference_without_model_or_script_is_refused(tmp_path: Path) -> None:
    job = _job(tmp_path / "project")
    scripts = build_scripts(job, stages=["inference"])
    install = NukeInstall(executable=str(make_fake_nuke(tmp_path / "bin")))
    with pytest.raises(NukeBridgeError, match="modelFile .* does not exist"):
        run_stages_with_nuke(job, ["inference"], scripts, install=install)
    with pytest.raises(NukeBridgeError, match="no script for stage"):
        run_stages_with_nuke(job, ["training"], scripts, install=install)
    with pytest.raises(NukeBridgeError, match="unknown stage"):
        run_stages_with_nuke(job, ["grading"], scripts, install=install)


def test_write_outputs_reads_frames_from_the_script(tmp_path: Path) -> None:
    job = _job(tmp_path / "project")
    scripts = build_scripts(job, stages=["curation"])
    writes = write_outputs(read_nk(scripts["curation"]), tmp_path)
    assert (writes.first, writes.last) == (1, 3)
    assert len(writes.names) == 2
    assert len(writes.files) == 6
    assert writes.files[0].endswith("_0001.exr") and writes.files[2].endswith("_0003.exr")
    graph = read_nk(scripts["curation"])
    graph[writes.names[1]].knobs.update({"first": 2, "last": 7})
    limited = write_outputs(graph, tmp_path)
    assert (limited.first, limited.last) == (1, 7)
    assert len(limited.files) == 3 + 6
