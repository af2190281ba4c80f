"""The conform plan as the in-host code receives it from the tool (host verb ``conform-plan``).

The tool reads the cut with OpenTimelineIO, matches events to shots and picks each shot's version
(``chroma_engine.conform``); these records carry its answer through the Resolve calls. Record
frames are absolute, ``record_out`` exclusive, sequence paths absolute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import BridgeError
from ._sequence import FrameSequence


@dataclass(frozen=True)
class PlanEvent:
    """One video event of the cut: ``number`` (1-based), clip ``name``, record range."""

    number: int
    name: str
    record_in: int
    record_out: int

    @property
    def duration(self) -> int:
        return self.record_out - self.record_in


@dataclass(frozen=True)
class PlanPiece:
    """A render placed on V2 (``inference``) or V3 (``matchgrade``).

    Attributes:
        stage: ``"inference"`` or ``"matchgrade"``.
        shot: shot name.
        version: ``v###`` number; ``selection`` is ``"approved"`` or ``"latest"``.
        sequence: the whole rendered sequence.
        first_frame, last_frame: the file frames placed (inclusive).
        record_in: absolute record frame of ``first_frame``.
    """

    stage: str
    shot: str
    version: int
    selection: str
    sequence: FrameSequence
    first_frame: int
    last_frame: int
    record_in: int


@dataclass(frozen=True)
class PlanOriginal:
    """V1 media of an event when the cut came from a file: its sequence and first used frame."""

    sequence: FrameSequence
    first_frame: int


@dataclass(frozen=True)
class PlanRow:
    """One event and what goes on V1-V3 for it.

    Attributes:
        event: the cut's event.
        shot: matched shot name ("" when none matched); ``note`` says why not.
        ml, matchgrade: the pieces placed (None when that render is missing).
        original: V1 media for a cut file (None for the current timeline, or when offline:
            ``original_note`` then says why).
    """

    event: PlanEvent
    shot: str
    note: str
    ml: PlanPiece | None
    matchgrade: PlanPiece | None
    original: PlanOriginal | None
    original_note: str


@dataclass(frozen=True)
class ReelPlan:
    """Attributes:
    name: timeline name (``<reel>_conform``).
    rate: record frame rate.
    start_frame: absolute first record frame (86400 = 01:00:00:00 @24).
    rows: one per video event, in record order.
    notes: normalisations and skipped jobs.
    import_otio: the Resolve-shaped conformed OTIO the tool wrote (import method), else "".
    """

    name: str
    rate: float
    start_frame: int
    rows: tuple[PlanRow, ...]
    notes: tuple[str, ...]
    import_otio: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReelPlan:
        """Build from the tool's ``conform-plan`` reply."""
        try:
            return cls(
                name=str(data["name"]),
                rate=float(data["rate"]),
                start_frame=int(data["start_frame"]),
                rows=tuple(_row(row) for row in data["rows"]),
                notes=tuple(str(n) for n in data.get("notes") or ()),
                import_otio=str(data.get("import_otio") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BridgeError(f"malformed conform plan in the tool's reply ({exc})") from exc


def _piece(data: Mapping[str, Any] | None) -> PlanPiece | None:
    if not data:
        return None
    return PlanPiece(
        stage=str(data["stage"]),
        shot=str(data["shot"]),
        version=int(data["version"]),
        selection=str(data["selection"]),
        sequence=FrameSequence.from_json(data["sequence"]),
        first_frame=int(data["first_frame"]),
        last_frame=int(data["last_frame"]),
        record_in=int(data["record_in"]),
    )


def _row(data: Mapping[str, Any]) -> PlanRow:
    event = data["event"]
    original = data.get("original")
    return PlanRow(
        event=PlanEvent(
            int(event["number"]), str(event["name"]), int(event["record_in"]), int(event["record_out"])
        ),
        shot=str(data.get("shot") or ""),
        note=str(data.get("note") or ""),
        ml=_piece(data.get("ml")),
        matchgrade=_piece(data.get("matchgrade")),
        original=(
            PlanOriginal(FrameSequence.from_json(original["sequence"]), int(original["first_frame"]))
            if original
            else None
        ),
        original_note=str(data.get("original_note") or ""),
    )
