"""Helpers of the bridge tests: small EXR sequences on disk, a config file, running menu actions."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import OpenImageIO as oiio

import schemas
from chroma_engine.io import write_document, write_exr
from chroma_recovery.resolve_host import in_process_tool
from resolve_bridge import ToolClient, run_menu_action

REPO = Path(__file__).resolve().parents[2]
MENU_DIR = REPO / "scripts" / "Utility"
#: Menu entry -> the action its script runs.
ACTIONS = {
    "Setup Project": "setup",
    "Send Shot to ML": "send_shot",
    "Import ML Renders": "import_renders",
    "Conform Reel": "conform",
}
FILM = "NIGHTTRAIN"
WIDTH, HEIGHT = 32, 24

#: Render-side folders of the two stages Resolve imports.
STAGE_FOLDERS = {"inference": "04_inference_render", "matchgrade": "05_matchgrade_render"}
#: Red channel value identifying each sequence kind in the pixels.
KIND_VALUE = {"scan": 0.25, "ref": 0.5, "bal": 0.75, "ml": 0.125}


def write_sequence(folder: Path, prefix: str, first: int, count: int, kind: str) -> str:
    """Write ``count`` EXR frames ``<prefix>%04d.exr``; pixel = (kind value, frame / 10000, 0.5)."""
    folder.mkdir(parents=True, exist_ok=True)
    for frame in range(first, first + count):
        pixels = np.empty((HEIGHT, WIDTH, 3), np.float32)
        pixels[...] = (KIND_VALUE[kind], frame / 10000.0, 0.5)
        spec = oiio.ImageSpec(WIDTH, HEIGHT, 3, oiio.HALF)
        out = oiio.ImageOutput.create(str(folder / f"{prefix}{frame:04d}.exr"))
        assert out is not None and out.open(str(folder / f"{prefix}{frame:04d}.exr"), spec)
        out.write_image(pixels)
        out.close()
    return str(folder / f"{prefix}%04d.exr")


def pixel(path: Path | str) -> tuple[float, float, float]:
    """The first pixel's RGB."""
    buf = oiio.ImageBuf(str(path))
    values = buf.getpixel(0, 0)
    return float(values[0]), float(values[1]), float(values[2])


def make_media(tmp: Path, count: int = 12) -> dict[str, Any]:
    """Scan 1001.., reference 1.. (other numbering), balanced 1001.. sequences outside the root."""
    media = tmp / "media"
    return {
        "source": {"path": write_sequence(media / "scan", "scan_", 1001, count, "scan"), "first_frame": 1001,
                   "last_frame": 1000 + count},
        "reference": {"path": write_sequence(media / "ref", "dcp_", 1, count, "ref"), "first_frame": 1,
                      "last_frame": count},
        "balanced": {"path": write_sequence(media / "bal", "bal_", 1001, count, "bal"), "first_frame": 1001,
                     "last_frame": 1000 + count},
    }  # fmt: skip


def write_config(tmp: Path, **fields: Any) -> Path:
    """A config JSON with the film, a root under ``tmp`` and the given fields; returns its path."""
    data = {"film": FILM, "project_root": str(tmp / "project"), "width": WIDTH, "height": HEIGHT, **fields}
    path = tmp / "config.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def tool() -> ToolClient:
    """The tool answering in this interpreter (the installed scripts run it as a subprocess; the
    menu-script files themselves are exercised under bare Pythons in test_host_interpreters)."""
    return in_process_tool()


def run_menu(name: str, host_globals: dict[str, Any]) -> Any:
    """Run the action of menu entry ``name`` as its script does; return the script's ``result``."""
    return run_menu_action(ACTIONS[name], dict(host_globals), tool=tool())


def write_stage_render(
    root: Path, job_id: str, shot: str, stage: str, version: int, first: int, count: int
) -> Path:
    """What the render side publishes: ``pipeline/0N_<stage>_render/<shot>/v###/`` with ``count`` small
    EXRs numbered like the SOURCE and, last, their ``_manifest.json`` (checksums included)."""
    folder = root / "pipeline" / STAGE_FOLDERS[stage] / shot / f"v{version:03d}"
    tag = "ML" if stage == "inference" else "MG"
    entries = []
    for frame in range(first, first + count):
        pixels = np.full((HEIGHT, WIDTH, 3), 0.25, np.float32)
        path = write_exr(folder / f"{FILM}_{tag}_{frame:04d}.exr", pixels, "ACES2065-1", compression="zip")
        data = path.read_bytes()
        entries.append(
            schemas.FileEntry(name=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        )
    now = datetime.now(timezone.utc)
    output = schemas.SequenceRef(
        path=str((folder / f"{FILM}_{tag}_####.exr").relative_to(root)),
        first_frame=first, last_frame=first + count - 1, colour_space="ACES2065-1",
    )  # fmt: skip
    manifest = schemas.RenderManifest(
        job_id=job_id, shot=shot, stage=stage, version=version, backend="native", output=output,
        frame_count=count, files=tuple(entries), started_at=now, finished_at=now,
    )  # fmt: skip
    return write_document(folder / "_manifest.json", manifest)
