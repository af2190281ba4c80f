"""Versioned output folders (``v001``, ``v002``...): allocated exclusively, read only when complete.

A version is complete once its ``_manifest.json`` exists: every stage writes it last (durably), so a
version without one is partial (a killed or still running render, or a folder reserved for the farm).
Readers take the newest *complete* version and report the newer partial ones; they never pick a
partial version up.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .._errors import MediaError

_VERSION_RE = re.compile(r"^v(\d{3,})$")
#: The file that marks a version complete (written last by every stage).
MANIFEST_NAME = "_manifest.json"


def existing_versions(parent: str | os.PathLike[str]) -> list[int]:
    """Version numbers of the ``v###`` folders in ``parent``, ascending (complete or not)."""
    folder = Path(parent)
    if not folder.is_dir():
        return []
    found = [int(m.group(1)) for p in folder.iterdir() if p.is_dir() and (m := _VERSION_RE.match(p.name))]
    return sorted(found)


def next_version_dir(parent: str | os.PathLike[str], create: bool = True) -> Path:
    """The next free ``v###`` folder under ``parent`` (v001 first); created exclusively.

    ``mkdir`` without ``exist_ok`` makes two concurrent callers get two different versions.
    """
    folder = Path(parent)
    folder.mkdir(parents=True, exist_ok=True)
    number = (existing_versions(folder) or [0])[-1] + 1
    for _ in range(1000):
        candidate = folder / f"v{number:03d}"
        if not create:
            return candidate
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            number += 1
    raise MediaError(f"{folder}: cannot allocate a new version folder")


@dataclass(frozen=True)
class VersionPick:
    """The newest complete version of a folder of versions, and the newer partial ones it skipped.

    Attributes:
        folder: the newest ``v###`` holding ``_manifest.json`` (and every ``required`` file), or None.
        partial: newer ``v###`` folders that are not complete (killed, running or reserved), ascending.
    """

    folder: Path | None
    partial: tuple[Path, ...] = ()

    @property
    def version(self) -> int | None:
        return int(self.folder.name[1:]) if self.folder is not None else None

    def describe(self) -> str:
        """``"v002 (v003, v004 partial: no _manifest.json, skipped)"``-style text for messages."""
        picked = self.folder.name if self.folder is not None else "no complete version"
        if not self.partial:
            return picked
        names = ", ".join(p.name for p in self.partial)
        return f"{picked} ({names} partial: no {MANIFEST_NAME} - killed, running or reserved; skipped)"


def newest_complete_version(
    parent: str | os.PathLike[str], required: tuple[str, ...] = (), marker: str = MANIFEST_NAME
) -> VersionPick:
    """The newest ``v###`` under ``parent`` with ``marker`` (and the ``required`` files) in it.

    The one public way to read "the latest render / model / record": QC, conform, the watchers, the
    farm's model pinning and the decision records all use it.
    """
    base = Path(parent)
    partial: list[Path] = []
    for number in reversed(existing_versions(base)):
        folder = base / f"v{number:03d}"
        if (folder / marker).is_file() and all((folder / name).exists() for name in required):
            return VersionPick(folder, tuple(reversed(partial)))
        partial.append(folder)
    return VersionPick(None, tuple(reversed(partial)))


def free_path(folder: str | os.PathLike[str], stem: str, suffix: str, separator: str = "_") -> Path:
    """``folder/<stem><suffix>``, or ``<stem><separator>2<suffix>``, ``...3...`` when taken: a name no
    earlier file has (earlier logs and scripts are kept)."""
    base = Path(folder)
    candidate = base / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = base / f"{stem}{separator}{number}{suffix}"
        number += 1
    return candidate
