"""Benchmark: a manifest lands -> its import is queued (the Resolve-side watcher's latency).

A fake finished render (``frames`` EXRs, checksummed manifest) is published ``trials`` times into new
version folders while a ``ManifestWatcher`` runs (inotify by default). The clock starts when the
manifest is renamed into place and stops when the pending import file appears: the whole
verification (sha256 of every file, every EXR opened) is inside the measured time.
"""

from __future__ import annotations

import datetime as _dt
import statistics
import threading
import time
from pathlib import Path

import numpy as np

import schemas

from ._publish import ImportQueue, ManifestWatcher


def _publish(root: Path, version: int, frames: int, size: tuple[int, int]) -> Path:
    from chroma_engine.io import sha256_file, write_document, write_exr

    folder = root / "pipeline" / "04_inference_render" / "sh010" / f"v{version:03d}"
    rng = np.random.default_rng(version)
    files = []
    for frame in range(1001, 1001 + frames):
        rgb = rng.random((size[1], size[0], 3), dtype=np.float32)
        files.append(write_exr(folder / f"BENCH_ML_{frame:04d}.exr", rgb, "ACES2065-1"))
    now = _dt.datetime.now(_dt.timezone.utc)
    entries = tuple(
        schemas.FileEntry(name=p.name, sha256=sha256_file(p), size=p.stat().st_size) for p in files
    )
    manifest = schemas.RenderManifest(
        job_id="BENCH", shot="sh010", stage="inference", version=version, backend="native",
        output=schemas.SequenceRef(path=str((folder / "BENCH_ML_####.exr").relative_to(root)),
                                   first_frame=1001, last_frame=1000 + frames, colour_space="ACES2065-1"),
        frame_count=frames,
        files=entries,
        started_at=now, finished_at=now,
    )  # fmt: skip
    # written durably under a hidden name; the benchmark's clock starts when it is renamed into place
    return write_document(folder / ".manifest.tmp", manifest)


def bench_watch_latency(
    root: Path, trials: int = 10, frames: int = 24, size: tuple[int, int] = (512, 384), poll: bool = False
) -> dict[str, object]:
    """Median and max seconds from manifest rename to queued import."""
    watcher = ManifestWatcher(root)
    queue = ImportQueue(root)
    stop = threading.Event()
    thread = threading.Thread(
        target=watcher.watch, args=(stop,), kwargs={"poll": poll, "interval": 0.5}, daemon=True
    )
    thread.start()
    time.sleep(0.5)
    latencies = []
    try:
        for version in range(1, trials + 1):
            tmp = _publish(root, version, frames, size)
            pending = queue.base / "pending" / f"BENCH_inference_v{version:03d}.json"
            started = time.perf_counter()
            tmp.rename(tmp.parent / "_manifest.json")
            while not pending.exists():
                if time.perf_counter() - started > 30:
                    raise TimeoutError(f"import of v{version:03d} not queued within 30 s")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        thread.join(timeout=10)
    return {
        "observer": "polling" if poll else "inotify",
        "trials": trials,
        "frames": frames,
        "size": list(size),
        "median_s": statistics.median(latencies),
        "max_s": max(latencies),
        "latencies_s": latencies,
    }
