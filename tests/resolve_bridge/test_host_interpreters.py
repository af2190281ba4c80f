"""The installed menu scripts under bare CPython 3.8 and 3.13 (``-I``: no site-packages, no
PYTHONPATH), against the simulator served over a socket, through Setup -> Send -> render ->
Import -> Conform; and every in-host module imported behind a guard refusing third-party imports.

The interpreters are pyenv's (``pyenv versions``); a machine without one skips that case.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import schemas
from chroma_recovery.loop import ManifestWatcher, Worker
from chroma_recovery.resolve_host import current_tool, install_scripts
from resolve_bridge.simulator import HostServer, make_host_globals
from tests.resolve_bridge.resolve_bridge_helpers import REPO, make_media, write_config, write_stage_render

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
INTERPRETERS = {"3.8": PYENV / "3.8.18" / "bin" / "python3", "3.13": PYENV / "3.13.0" / "bin" / "python3"}
REMOTE = Path(inspect.getfile(HostServer))
GUARD = Path(__file__).with_name("stdlib_guard.py")


def _python(version: str) -> Path:
    path = INTERPRETERS[version]
    if not path.is_file():
        pytest.skip(f"no CPython {version} at {path} (pyenv install {path.parent.parent.name})")
    return path


def _site_packages() -> str:
    import pydantic

    return str(Path(pydantic.__file__).resolve().parents[1])


@pytest.mark.parametrize("version", sorted(INTERPRETERS))
def test_in_host_modules_import_only_the_standard_library(version: str) -> None:
    done = subprocess.run(
        [str(_python(version)), "-I", str(GUARD), str(REPO), _site_packages()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["python"] == version
    assert report["attempts"] == []
    assert report["third_party_loaded"] == []
    assert report["probe"] == "refused"  # the guard does refuse what the poisoned path offers
    expected = {p.stem for p in (REPO / "resolve_bridge").glob("_*.py") if p.stem != "__init__"}
    assert {m.split(".", 1)[1] for m in report["loaded"] if "." in m} == expected


class Flow:
    """One project driven by the installed menu scripts under a bare interpreter."""

    def __init__(self, python: Path, tmp: Path, edition: str) -> None:
        self.python = python
        self.root = tmp / "project"
        self.scripts = install_scripts(tmp / "Fusion" / "Scripts", current_tool())
        self.host = make_host_globals(edition)
        self.resolve = self.host["resolve"]
        config = write_config(tmp, **make_media(tmp, 24))
        # -I keeps PYTHONPATH from the bare interpreter; the tool it starts inherits it.
        self.env = dict(os.environ, CHROMA_RECOVERY_CONFIG=str(config), PYTHONPATH=str(REPO))

    def run(self, server: HostServer, entry: str) -> list[str]:
        """Run one installed menu script; its console lines (no error, no traceback allowed)."""
        script = next(p for p in self.scripts if p.name == f"Chroma Recovery - {entry}.py")
        done = subprocess.run(
            [str(self.python), "-I", str(REMOTE), server.address, str(script)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        out = done.stdout + done.stderr
        assert done.returncode == 0 and "Traceback" not in out and "error:" not in out, out
        return done.stdout.splitlines()

    @property
    def project(self) -> Any:
        return self.resolve.GetProjectManager().GetCurrentProject()

    def timeline(self, name: str) -> Any:
        project = self.project
        for index in range(1, project.GetTimelineCount() + 1):
            timeline = project.GetTimelineByIndex(index)
            if timeline.GetName() == name:
                return timeline
        raise AssertionError(f"no timeline {name}")

    def edit_reel(self) -> None:
        """The colourist cuts REEL1 from the SOURCE clip (two shots) and parks on the first."""
        project = self.project
        pool = project.GetMediaPool()
        source = next(f for f in pool.GetRootFolder().GetSubFolderList() if f.GetName() == "SOURCE")
        reel = pool.CreateEmptyTimeline("REEL1")
        project.SetCurrentTimeline(reel)
        for first, end, record in ((1003, 1011, 86410), (1012, 1020, 86430)):
            info = {"mediaPoolItem": source.GetClipList()[0], "startFrame": first, "endFrame": end}
            assert pool.AppendToTimeline([{**info, "recordFrame": record, "trackIndex": 1, "mediaType": 1}])
        assert reel.SetCurrentTimecode("01:00:00:12")

    def render(self) -> None:
        """The render side: the worker claims the job; a stand-in writes ML and MatchGrade renders
        with their manifests (the engine itself is tested elsewhere); the watcher queues them."""

        def stand_in(job_file: Path, console: Console) -> dict[str, Any]:
            job = schemas.load_job(job_file)
            for stage in ("inference", "matchgrade"):
                write_stage_render(self.root, job.job_id, job.shot.name, stage, 1, first=1003, count=8)
            return {"backend": "stand-in"}

        quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
        outcomes = Worker(self.root, stand_in, console=quiet).drain()
        assert [o.ok for o in outcomes] == [True], [o.error for o in outcomes]
        assert ManifestWatcher(self.root).sweep().count("queued") == 2


def _items(timeline: Any, track: int) -> list[tuple[int, int, str]]:
    return [
        (i.GetStart(), i.GetEnd(), i.GetMediaPoolItem().GetClipProperty("File Path"))
        for i in timeline.GetItemListInTrack("video", track)
    ]


@pytest.mark.parametrize(("version", "edition"), [("3.8", "free"), ("3.13", "studio")])
def test_menu_scripts_run_the_whole_flow_under_a_bare_python(
    version: str, edition: str, tmp_path: Path
) -> None:
    flow = Flow(_python(version), tmp_path, edition)
    with HostServer(flow.host) as server:
        out = flow.run(server, "Setup Project")
        assert "[chroma-recovery] created project NIGHTTRAIN_ChromaRecovery" in out
        assert any(line.startswith("[chroma-recovery] exported REF: ") for line in out)
        exports = flow.root / "resolve" / "exports" / "v001"
        assert len(list(exports.glob("NIGHTTRAIN_*_*.exr"))) == 3 * 24

        flow.edit_reel()
        out = flow.run(server, "Send Shot to ML")
        (job_line,) = [line for line in out if "job written: " in line]
        job = schemas.load_job(job_line.split("job written: ", 1)[1])
        assert (job.shot.record_in, job.shot.record_out, job.shot.record_timecode) == (
            86410,
            86418,
            "01:00:00:10",
        )
        assert (flow.root / str(job.shot.cut_path)).is_file()

        flow.render()
        out = flow.run(server, "Import ML Renders")
        assert f"[chroma-recovery] ML {job.shot.name} v001 -> V2 @ 86410" in out
        assert not list((flow.root / "resolve_queue" / "pending").glob("*.json"))
        assert len(list((flow.root / "resolve_queue" / "done").glob("*.json"))) == 2
        phase3 = flow.timeline("NIGHTTRAIN_Phase3")
        assert [len(_items(phase3, t)) for t in (1, 2, 3, 4)] == [1, 1, 1, 1]
        assert flow.project.GetCurrentTimeline().GetName() == "REEL1"

        out = flow.run(server, "Conform Reel")
        assert "[chroma-recovery] conformed" in " ".join(out)
    conform = flow.project.GetCurrentTimeline()
    assert conform.GetName() == "REEL1_conform"
    assert [(s, e) for s, e, _ in _items(conform, 1)] == [(86410, 86418), (86430, 86438)]
    ((start, end, ml_path),) = _items(conform, 2)
    assert (start, end) == (86410, 86418) and "04_inference_render" in ml_path
    assert len(_items(conform, 3)) == 1
    assert list(conform.GetMarkers()) == [30]  # the second shot has no render: Red marker
    assert flow.resolve.sim.unknown_calls == []
    assert sys.version_info[:2] != tuple(int(x) for x in version.split("."))  # really another Python
