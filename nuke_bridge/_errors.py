"""The error tree of ``nuke_bridge``: one root, ``NukeBridgeError``, carrying a ``hint``.

Tree::

    NukeBridgeError                 root; every error the package raises
    ├── GraphError                  an invalid node graph (unknown input, duplicate name, cycle, bad knob)
    ├── NkParseError                a .nk text the reader cannot parse (names the source and line)
    └── StageInputError             a stage builder lacks a job field or engine decision it needs

Part B of the bridge (locating and running Nuke) adds its own subclasses of the root in its modules.
Foreign errors (``OSError``, ``pydantic.ValidationError``) are wrapped with ``raise ... from exc``.
"""

from __future__ import annotations


class NukeBridgeError(Exception):
    """Root of every ``nuke_bridge`` error.

    Attributes:
        hint: one line telling the user what to do about it (may be empty).
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class GraphError(NukeBridgeError):
    """The node graph is inconsistent or a knob value cannot be written."""


class NkParseError(NukeBridgeError):
    """A ``.nk`` text could not be parsed.

    Attributes:
        source: file name or ``<string>``.
        line: 1-based line number of the offending command (0 when unknown).
    """

    def __init__(self, source: str, line: int, message: str, hint: str = "") -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}", hint or "is this a Nuke script (.nk) saved by Nuke 13+?")
        self.source = source
        self.line = line


class StageInputError(NukeBridgeError):
    """A stage builder is missing a value it needs.

    Attributes:
        field: dotted name of the missing job field or decision record (``curation.frames``).
    """

    def __init__(self, stage: str, field: str, message: str, hint: str = "") -> None:
        super().__init__(f"stage {stage}: {field}: {message}", hint)
        self.stage = stage
        self.field = field
