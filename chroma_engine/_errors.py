"""Errors of the native engine.

Tree::

    EngineError                  root; every error the engine raises (``hint`` says what to do)
    ├── MediaError               an image or sequence cannot be read or written
    │   ├── MissingFramesError   frames of a sequence are absent (lists them)
    │   ├── WriteError           a file could not be written durably (names it; nothing replaced)
    │   └── ManifestError        a render's manifest is invalid or its files are missing or corrupt
    ├── ColourError              an OCIO colour space or conversion is unknown
    ├── StageError               a stage cannot run on this input (names the frame or field)
    ├── ConformError             a reel cannot be read or conformed, a version cannot be approved
    └── TrainingError            training or model export failed
"""

from __future__ import annotations


class EngineError(Exception):
    """Root of the engine's errors."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class MediaError(EngineError):
    """An image or image sequence cannot be read or written."""


class MissingFramesError(MediaError):
    """Frames of a sequence are missing on disk."""

    def __init__(self, pattern: str, missing: list[int]) -> None:
        self.missing = missing
        shown = ", ".join(str(f) for f in missing[:20]) + (" ..." if len(missing) > 20 else "")
        super().__init__(
            f"{pattern}: {len(missing)} missing frame(s): {shown}",
            hint="re-export the missing frames or correct first_frame/last_frame in the job",
        )


class WriteError(MediaError):
    """A file could not be written durably; the target (if it existed) is unchanged.

    Attributes:
        path: the file that was being written.
        reason: what went wrong (``No space left on device``, ``the writer produced an empty file``...).
    """

    def __init__(self, path: object, reason: str, hint: str = "") -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: not written ({reason})", hint=hint)


class ManifestError(MediaError):
    """A render's manifest is invalid, or a file it lists is missing, altered or unreadable."""


class ColourError(EngineError):
    """A colour space or conversion is unknown to the pinned OCIO config."""


class StageError(EngineError):
    """A stage cannot run on this input."""


class ConformError(EngineError):
    """A reel could not be read or conformed, or a version could not be selected or approved."""


class TrainingError(EngineError):
    """Training or model export failed."""
