"""Publishing finished renders to the Resolve side.

The render side writes ``_manifest.json`` last (temporary name, then rename). The Resolve side's
watcher matches only ``**/_manifest.json``, so it never sees a partly written sequence; it then checks
the manifest against the files (``chroma_engine.runner.verify_manifest``: count, size, sha256, every
EXR opens) before queueing the import into
``<project>/resolve_queue/pending/`` for the "Import ML Renders" menu script — or importing directly
through Resolve Studio's external scripting when a Resolve object is available.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from chroma_engine.io import write_document, write_text_atomic
from schemas import RenderManifest

MANIFEST_NAME = "_manifest.json"
IMPORT_STAGES = ("inference", "matchgrade")


class ImportQueue:
    """``<project>/resolve_queue/{pending,done,rejected}``: manifests waiting for the Resolve side."""

    def __init__(self, project_root: str | os.PathLike[str]) -> None:
        self.root = Path(project_root)
        self.base = self.root / "resolve_queue"
        for state in ("pending", "done", "rejected"):
            (self.base / state).mkdir(parents=True, exist_ok=True)

    def queue(self, manifest_path: Path, manifest: RenderManifest) -> Path:
        """Write ``pending/<job>_<stage>_v###.json`` atomically; idempotent for the same manifest."""
        name = f"{manifest.job_id}_{manifest.stage}_v{manifest.version:03d}.json"
        target = self.base / "pending" / name
        if target.exists() or (self.base / "done" / name).exists():
            return target
        # The pending file is the manifest itself (output paths are relative to the project root),
        # which is what resolve_bridge.apply_pending_imports reads.
        write_document(target, manifest)
        return target

    def reject(self, manifest_path: Path, reason: str) -> Path:
        name = f"{manifest_path.parent.parent.name}_{manifest_path.parent.name}_{int(time.time() * 1000)}.txt"
        target = self.base / "rejected" / name
        write_text_atomic(target, f"{manifest_path}\n{reason}\n")
        return target

    def pending(self) -> list[Path]:
        return sorted(p for p in (self.base / "pending").glob("*.json") if not p.name.startswith("."))


ImportHook = Callable[[Path, RenderManifest], None]


class ManifestWatcher:
    """Watches ``<project>/pipeline`` for finished renders and queues (or performs) their import."""

    def __init__(self, project_root: str | os.PathLike[str], on_import: ImportHook | None = None) -> None:
        self.root = Path(project_root)
        self.imports = ImportQueue(self.root)
        self.on_import = on_import
        self.seen: set[Path] = set()
        self.events: list[tuple[Path, float, str]] = []
        self._lock = threading.Lock()

    def handle(self, manifest_path: Path) -> str:
        """Verify one manifest and queue its import; returns ``queued``, ``skipped`` or ``rejected``."""
        manifest_path = manifest_path.resolve()
        with self._lock:
            if manifest_path in self.seen:
                return "skipped"
            self.seen.add(manifest_path)
        from chroma_engine import ManifestError
        from chroma_engine.runner import verify_manifest

        try:
            manifest = verify_manifest(manifest_path)
        except ManifestError as exc:
            self.imports.reject(manifest_path, str(exc))
            self.events.append((manifest_path, time.time(), "rejected"))
            return "rejected"
        if manifest.stage not in IMPORT_STAGES:
            return "skipped"
        if self.on_import is not None:
            self.on_import(manifest_path, manifest)
        else:
            self.imports.queue(manifest_path, manifest)
        self.events.append((manifest_path, time.time(), "queued"))
        return "queued"

    def sweep(self) -> list[str]:
        """Handle every manifest already on disk (start-up and polling fallback)."""
        return [self.handle(p) for p in sorted((self.root / "pipeline").glob(f"*/*/v*/{MANIFEST_NAME}"))]

    def watch(self, stop: threading.Event, poll: bool = False, interval: float = 2.0) -> None:
        """Run until ``stop`` is set: inotify (or polling) events on ``**/_manifest.json``."""
        from watchdog.events import FileSystemEvent, PatternMatchingEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        watcher = self

        class _Handler(PatternMatchingEventHandler):
            def on_created(self, event: FileSystemEvent) -> None:
                watcher.handle(Path(os.fsdecode(event.src_path)))

            def on_moved(self, event: FileSystemEvent) -> None:
                dest = Path(os.fsdecode(event.dest_path))
                if dest.name == MANIFEST_NAME:
                    watcher.handle(dest)

        # The manifest appears by rename: the moved event's *destination* matches, so match loosely
        # here and filter on the destination name in on_moved.
        handler = _Handler(patterns=[f"**/{MANIFEST_NAME}", "**/*.json*"], ignore_directories=True)
        from ._queue import positive_seconds

        interval = positive_seconds("--interval", interval)
        observer = PollingObserver(timeout=interval) if poll else Observer()
        (self.root / "pipeline").mkdir(parents=True, exist_ok=True)
        observer.schedule(handler, str(self.root / "pipeline"), recursive=True)
        observer.start()
        try:
            self.sweep()
            while not stop.wait(interval):
                if poll:
                    self.sweep()
        finally:
            observer.stop()
            observer.join(timeout=5)
