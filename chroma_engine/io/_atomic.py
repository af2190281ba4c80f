"""Atomic writes and versioned output folders: nothing is overwritten or left half-written."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._errors import MediaError

_VERSION_RE = re.compile(r"^v(\d{3,})$")


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling path; on success rename it onto ``target``, on failure remove it.

    The temporary name keeps the extension so format-sniffing writers (OpenImageIO) still work.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write text atomically."""
    target = Path(path)
    with atomic_target(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def existing_versions(parent: str | os.PathLike[str]) -> list[int]:
    """Version numbers of the ``v###`` folders in ``parent``, ascending."""
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


def latest_version_dir(parent: str | os.PathLike[str]) -> Path | None:
    """The highest existing ``v###`` folder, or None."""
    versions = existing_versions(parent)
    return Path(parent) / f"v{versions[-1]:03d}" if versions else None
