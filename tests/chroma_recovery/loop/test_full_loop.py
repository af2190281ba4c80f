"""The whole loop on the simulated Resolve: Phase 1 -> Send Shot to ML -> render-side worker (native
engine) -> manifest watcher -> the V1-V4 timeline, with no manual step (Studio external scripting)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import resolve_bridge
import schemas
from chroma_engine.io import write_document
from chroma_recovery.loop import ImportQueue, JobQueue, ManifestWatcher, Worker, engine_runner
from resolve_bridge.simulator import make_host_globals
from tests.resolve_bridge.resolve_bridge_helpers import run_menu, tool

REPO = Path(__file__).resolve().parents[3]
FILM = "LOOPTEST"


@pytest.fixture(scope="module")
def synth_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chroma_engine.synth import synthesize_shot

    root = tmp_path_factory.mktemp("media") / "scan"
    synthesize_shot(root, frames=8, width=256, height=192, severity="severe", seed=5, project="SRC")
    return root


def _config(tmp_path: Path, media: Path) -> Path:
    def seq(kind: str) -> dict[str, Any]:
        return {
            "path": str(media / "media" / kind / f"SRC_{kind}_####.exr"),
            "first_frame": 1001,
            "last_frame": 1008,
            "colour_space": "Gamma 2.4 Encoded Rec.709",
        }

    data = {
        "film": FILM,
        "project_root": str(tmp_path / "project"),
        "width": 256,
        "height": 192,
        "source": seq("SOURCE"),
        "reference": seq("REF"),
        "balanced": seq("BAL"),
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _send_shot(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], Path]:
    monkeypatch.setenv("CHROMA_RECOVERY_CONFIG", str(_config(tmp_path, media)))
    host = make_host_globals("studio")
    assert run_menu("Setup Project", host) is not None
    project = host["resolve"].GetProjectManager().GetCurrentProject()
    pool = project.GetMediaPool()
    source_bin = next(f for f in pool.GetRootFolder().GetSubFolderList() if f.GetName() == "SOURCE")
    reel = pool.CreateEmptyTimeline("REEL1")
    project.SetCurrentTimeline(reel)
    clip = {"mediaPoolItem": source_bin.GetClipList()[0], "startFrame": 1001, "endFrame": 1009}
    assert pool.AppendToTimeline([{**clip, "recordFrame": 86400, "trackIndex": 1, "mediaType": 1}])
    reel.SetCurrentTimecode("01:00:00:03")
    job_file = Path(run_menu("Send Shot to ML", host))
    assert job_file.parent.name == "incoming"
    return host, tmp_path / "project"


def _phase3_items(host: dict[str, Any], track: int) -> list[Any]:
    project = host["resolve"].GetProjectManager().GetCurrentProject()
    for index in range(1, project.GetTimelineCount() + 1):
        timeline = project.GetTimelineByIndex(index)
        if timeline.GetName() == f"{FILM}_Phase3":
            return list(timeline.GetItemListInTrack("video", track))
    return []


def test_finished_render_reaches_the_resolve_timeline_without_a_manual_step(
    tmp_path: Path, synth_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, root = _send_shot(tmp_path, synth_media, monkeypatch)
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    outcomes = Worker(root, engine_runner("native", None, steps=4), console=quiet).drain()
    assert [o.ok for o in outcomes] == [True], [o.error for o in outcomes]
    imported: list[str] = []

    def studio_import(path: Path, manifest: schemas.RenderManifest) -> None:
        resolve_bridge.import_renders(host["resolve"], tool(), root, [path])
        imported.append(manifest.stage)

    watcher = ManifestWatcher(root, on_import=studio_import)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.watch, args=(stop,), kwargs={"interval": 0.2}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while sorted(imported) != ["inference", "matchgrade"] and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=10)
    assert sorted(imported) == ["inference", "matchgrade"]
    (ml,) = _phase3_items(host, 2)
    (original,) = _phase3_items(host, 1)
    assert (ml.GetStart(), ml.GetEnd()) == (original.GetStart(), original.GetEnd())
    assert "04_inference_render" in ml.GetMediaPoolItem().GetClipProperty("File Path")
    assert len(_phase3_items(host, 3)) == 1 and len(_phase3_items(host, 4)) == 1


def test_free_edition_queues_for_the_menu_script(
    tmp_path: Path, synth_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, root = _send_shot(tmp_path, synth_media, monkeypatch)
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    assert [
        o.ok
        for o in Worker(
            root,
            engine_runner("native", ["curation", "alignment", "training", "inference"], steps=4),
            console=quiet,
        ).drain()
    ]
    assert ManifestWatcher(root).sweep().count("queued") == 1
    assert [p.name.split("_")[-2] for p in ImportQueue(root).pending()] == ["inference"]
    result = run_menu("Import ML Renders", host)
    assert len(result.done) == 1 and not result.failed
    assert len(_phase3_items(host, 2)) == 1


def test_auto_backend_on_a_machine_with_nuke_runs_a_sent_shot_through_nuke(
    tmp_path: Path, synth_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.nuke_bridge.fake_nuke import calls, make_fake_nuke

    host, root = _send_shot(tmp_path, synth_media, monkeypatch)
    job_file = next((root / "jobs" / "incoming").glob("*.json"))
    job = schemas.load_job(job_file, check_paths=False)
    assert job.backend == "auto" and not job.curation.frames  # as Send Shot to ML writes it
    fake = make_fake_nuke(tmp_path / "bin")
    monkeypatch.setenv("CHROMA_RECOVERY_NUKE", str(fake))
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    outcomes = Worker(root, engine_runner(None), console=quiet).drain()
    assert [o.ok for o in outcomes] == [True], [o.error for o in outcomes]
    assert len(calls(fake)) == 5
    done = root / "jobs" / "done"
    assert json.loads((done / f"{job.job_id}.result.json").read_text())["backend"] == "nuke"
    shot = job.shot.name
    assert next((root / "pipeline/01_dataset_curation" / shot).glob("v*/curation.json")).is_file()
    log = (done / f"{job.job_id}.log").read_text()  # the queue keeps the run's log lines
    assert f" {shot} curation   start" in log and f" {shot} matchgrade end " in log


def test_corrupt_render_is_not_imported(
    tmp_path: Path, synth_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, root = _send_shot(tmp_path, synth_media, monkeypatch)
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    Worker(
        root,
        engine_runner("native", ["curation", "alignment", "training", "inference"], steps=4),
        console=quiet,
    ).drain()
    exr = next((root / "pipeline/04_inference_render").glob("*/v001/*.exr"))
    exr.write_bytes(exr.read_bytes()[:300])
    results = ManifestWatcher(root).sweep()
    assert results.count("rejected") == 1 and "queued" not in results
    assert not ImportQueue(root).pending()
    reason = next((root / "resolve_queue" / "rejected").iterdir()).read_text()
    assert "does not match its checksum" in reason


def test_two_watcher_processes_drain_demo_jobs_exactly_once(tmp_path: Path, synth_media: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(synth_media, root)
    template = schemas.load_job(root / "job.json", check_paths=False)
    queue = JobQueue(root)
    for n in range(4):
        job = template.model_copy(
            update={
                "job_id": f"LOOP_{n}",
                "project": template.project.model_copy(update={"root": str(root)}),
                "shot": template.shot.model_copy(update={"name": f"sh{n:03d}"}),
            }
        )
        path = tmp_path / f"LOOP_{n}.json"
        write_document(path, job)
        queue.submit(path, job.job_id)
    command = [
        sys.executable,
        "-c",
        "from chroma_recovery.cli import main; main()",
        "watch",
        str(root),
        "--once",
        "--backend",
        "native",
        "--steps",
        "3",
        "--stage",
        "curation",
        "--stage",
        "alignment",
        "--stage",
        "training",
        "--stage",
        "inference",
    ]
    # One compute thread per worker: two workers on a 2-core machine with every library's default
    # thread count (PyTorch, OpenMP, OpenCV) oversubscribe it many times over, and spinning OpenMP
    # barriers then slow a run down by an order of magnitude.
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg", PYTHONFAULTHANDLER="1", **threads)
    logs = _run_together([command, command], env, timeout=420)
    assert all(code == 0 for code, _ in logs), logs
    assert queue.counts() == {"incoming": 0, "running": 0, "done": 4, "failed": 0}
    workers = {
        json.loads((queue.folder("done") / f"LOOP_{n}.result.json").read_text())["worker"] for n in range(4)
    }
    assert len(workers) == 2  # both processes took jobs
    for n in range(4):  # processed exactly once: one inference render per shot, never a second version
        versions = sorted(p.name for p in (root / "pipeline/04_inference_render" / f"sh{n:03d}").glob("v*"))
        assert versions == ["v001"]


def _run_together(commands: list[list[str]], env: dict[str, str], timeout: float) -> list[tuple[int, str]]:
    """Run commands at once, each one's output going to a file (no pipe can fill and block a child);
    on timeout every child dumps its threads' stacks (faulthandler on SIGABRT) into the failure."""
    import signal
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        logs = [Path(folder) / f"{n}.log" for n in range(len(commands))]
        procs = []
        for command, log in zip(commands, logs, strict=True):
            with log.open("wb") as out:
                procs.append(subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout
        try:
            for proc in procs:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGABRT)
            for proc in procs:
                proc.wait(timeout=30)
            dumps = "\n\n".join(log.read_text(errors="replace")[-6000:] for log in logs)
            pytest.fail(f"watchers still running after {timeout:g} s; their output and stacks:\n{dumps}")
        pairs = zip(procs, logs, strict=True)
        return [(proc.returncode, log.read_text(errors="replace")) for proc, log in pairs]
