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
from ._images import image_info, read_image_channels

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
class FrameHeader:
    """What a frame's header says: its size and channel count."""

    width: int
    height: int
    channels: int


def _header(path: Path) -> FrameHeader:
    info = image_info(path)
    return FrameHeader(int(info["width"]), int(info["height"]), int(info["channels"]))  # type: ignore[call-overload]


@dataclass(frozen=True)
class ResolvedSequence:
    """A ``SequenceRef`` with its pattern made absolute against the project root.

    ``root`` (the job's project root) confines the frames: a frame that is a symlink to a file outside
    it is refused. Every frame must be colour (3 or more channels) and have the sequence's size.
    """

    ref: SequenceRef
    pattern: str
    root: str | None = None
    _first: dict[str, FrameHeader] = field(default_factory=dict, compare=False, repr=False)

    def path(self, frame: int) -> Path:
        return Path(self.pattern % frame)

    def _contained(self, path: Path) -> None:
        if self.root is None:
            return
        root, real = os.path.realpath(self.root), os.path.realpath(path)
        if os.path.commonpath([root, real]) != root:
            raise MediaError(
                f"{path}: resolves to {real}, outside the project root {self.root}",
                hint="copy the frame into the project instead of linking to it",
            )

    def _expected(self) -> FrameHeader:
        """The header of the range's first frame, which every other frame must match."""
        if "first" not in self._first:
            first = self.path(self.ref.first_frame)
            self._contained(first)
            self._first["first"] = _header(first)
        return self._first["first"]

    def _check_header(self, frame: int, header: FrameHeader) -> None:
        path = self.path(frame)
        if header.channels < 3:
            raise MediaError(
                f"{path}: {header.channels} channel(s); a colour (RGB) frame is needed",
                hint="re-export the sequence as RGB (grey or grey+alpha frames cannot be restored)",
            )
        expected = self._expected()
        if (header.width, header.height) != (expected.width, expected.height):
            raise MediaError(
                f"{path}: {header.width}x{header.height}, but frame {self.ref.first_frame} of "
                f"{self.ref.path} is {expected.width}x{expected.height}",
                hint="every frame of a sequence must have one size: re-export the odd frames",
            )

    def check(self) -> None:
        """Check the range before a stage reads it: every frame present (``MissingFramesError`` lists
        the absent ones), one padding, inside the project root, colour and of one size."""
        missing = [f for f in self.ref.frames if not self.path(f).is_file()]
        if missing:
            raise MissingFramesError(self.ref.path, missing)
        clashes = {
            f: names
            for f, names in scan_sequence(self.pattern).duplicates.items()
            if f in set(self.ref.frames)
        }
        if clashes:
            frame, names = min(clashes.items())
            raise MediaError(
                f"{self.ref.path}: frame {frame} exists as {' and '.join(names)} "
                f"({len(clashes)} frame(s) with two paddings)",
                hint="remove the files with the other padding so each frame has one file",
            )
        for frame in self.ref.frames:
            path = self.path(frame)
            self._contained(path)
            self._check_header(frame, _header(path))

    def read(self, frame: int, keep_half: bool = False) -> np.ndarray:
        if not self.ref.first_frame <= frame <= self.ref.last_frame:
            raise MediaError(
                f"{self.ref.path}: frame {frame} outside {self.ref.first_frame}-{self.ref.last_frame}"
            )
        path = self.path(frame)
        self._contained(path)
        pixels, channels = read_image_channels(path, keep_half=keep_half)
        self._check_header(frame, FrameHeader(pixels.shape[1], pixels.shape[0], channels))
        return pixels


def resolve_sequence(job: ShotJob, ref: SequenceRef) -> ResolvedSequence:
    """Make ``ref``'s pattern absolute (relative paths are relative to the project root)."""
    printf = ref.printf_pattern()
    full = printf if os.path.isabs(printf) else os.path.join(job.project.root, printf)
    return ResolvedSequence(ref, full, job.project.root)
