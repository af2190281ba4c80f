"""Frame sequences on fileseq: discovery with gaps and duplicates, and job-relative resolution."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import fileseq
import numpy as np

from schemas import SequenceRef, ShotJob

from .._errors import MediaError, MissingFramesError
from ._images import read_image

_DIGITS = re.compile(r"^(?P<stem>.*?)(?P<num>\d+)(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class SequenceScan:
    """What is on disk for a pattern.

    Attributes:
        pattern: the ``%04d`` pattern scanned.
        frames: frame numbers found, ascending (unique).
        gaps: frame numbers missing between the first and last found.
        duplicates: frame numbers present under more than one file name (e.g. 0012 and 012).
    """

    pattern: str
    frames: tuple[int, ...]
    gaps: tuple[int, ...] = ()
    duplicates: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def first(self) -> int | None:
        return self.frames[0] if self.frames else None

    @property
    def last(self) -> int | None:
        return self.frames[-1] if self.frames else None


def to_printf(pattern: str) -> str:
    """``name.####.exr`` or ``name.%04d.exr`` -> ``name.%04d.exr``."""
    hashes = re.search(r"#+", pattern)
    if hashes:
        return pattern[: hashes.start()] + f"%0{len(hashes.group(0))}d" + pattern[hashes.end() :]
    return pattern


def scan_sequence(pattern: str | os.PathLike[str]) -> SequenceScan:
    """Find the frames of ``pattern`` on disk, reporting gaps and duplicates (any padding)."""
    printf = to_printf(os.fspath(pattern))
    folder, name = os.path.split(printf)
    match = re.search(r"%0?(\d*)d", name)
    if not match:
        raise MediaError(f"{pattern}: no frame token (#### or %04d)")
    prefix, suffix = name[: match.start()], name[match.end() :]
    by_frame: dict[int, list[str]] = {}
    if os.path.isdir(folder or "."):
        for entry in os.listdir(folder or "."):
            if entry.startswith(prefix) and entry.endswith(suffix):
                middle = entry[len(prefix) : len(entry) - len(suffix) if suffix else None]
                if middle.isdigit():
                    by_frame.setdefault(int(middle), []).append(entry)
    frames = tuple(sorted(by_frame))
    gaps: tuple[int, ...] = ()
    if len(frames) > 1:
        # fileseq's inverted range of the found set is exactly the gaps between first and last.
        missing = fileseq.FrameSet(",".join(str(f) for f in frames)).invertedFrameRange()
        gaps = tuple(int(f) for f in fileseq.FrameSet(missing)) if missing else ()
    duplicates = {f: tuple(sorted(names)) for f, names in by_frame.items() if len(names) > 1}
    return SequenceScan(printf, frames, gaps, duplicates)


def find_sequences(folder: str | os.PathLike[str]) -> list[fileseq.FileSequence]:
    """All frame sequences in a folder (fileseq's grouping)."""
    return list(fileseq.findSequencesOnDisk(os.fspath(folder)))


@dataclass(frozen=True)
class ResolvedSequence:
    """A ``SequenceRef`` with its pattern made absolute against the project root."""

    ref: SequenceRef
    pattern: str

    def path(self, frame: int) -> Path:
        return Path(self.pattern % frame)

    def check(self) -> None:
        """Raise ``MissingFramesError`` listing every frame of the range that is not on disk."""
        missing = [f for f in self.ref.frames if not self.path(f).is_file()]
        if missing:
            raise MissingFramesError(self.ref.path, missing)

    def read(self, frame: int, keep_half: bool = False) -> np.ndarray:
        if not self.ref.first_frame <= frame <= self.ref.last_frame:
            raise MediaError(
                f"{self.ref.path}: frame {frame} outside {self.ref.first_frame}-{self.ref.last_frame}"
            )
        return read_image(self.path(frame), keep_half=keep_half)


def resolve_sequence(job: ShotJob, ref: SequenceRef) -> ResolvedSequence:
    """Make ``ref``'s pattern absolute (relative paths are relative to the project root)."""
    printf = ref.printf_pattern()
    full = printf if os.path.isabs(printf) else os.path.join(job.project.root, printf)
    return ResolvedSequence(ref, full)
