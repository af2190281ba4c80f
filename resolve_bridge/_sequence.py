"""``FrameSequence``: an image sequence as the in-host code sees it (standard library only).

The tool validates every sequence with the pydantic ``schemas.SequenceRef`` and hands it over as
JSON (``{"path", "first_frame", "last_frame", "frame_rate"}``, absolute printf path); this record
carries it through the Resolve calls. The pattern holds one frame token, ``%04d`` or ``####``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import BridgeError

_PRINTF = re.compile(r"%0?(\d*)d")
_HASHES = re.compile(r"#+")


@dataclass(frozen=True)
class FrameSequence:
    """A frame sequence (inclusive frame numbers).

    Attributes:
        path: file pattern with one frame token (``%04d`` or ``####``); absolute in the host.
        first_frame: first frame number on disk.
        last_frame: last frame number on disk.
        frame_rate: frames per second.
    """

    path: str
    first_frame: int
    last_frame: int
    frame_rate: float = 24.0

    def __post_init__(self) -> None:
        if len(_PRINTF.findall(self.path)) + len(_HASHES.findall(self.path)) != 1:
            raise BridgeError(f"{self.path}: needs exactly one frame token such as #### or %04d")
        if self.last_frame < self.first_frame:
            raise BridgeError(f"{self.path}: last frame {self.last_frame} precedes {self.first_frame}")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FrameSequence:
        """Read ``{"path", "first_frame", "last_frame"[, "frame_rate"]}`` (a tool reply)."""
        try:
            return cls(
                str(data["path"]),
                int(data["first_frame"]),
                int(data["last_frame"]),
                float(data.get("frame_rate") or 24.0),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BridgeError(f"malformed sequence in the tool's reply: {data!r}") from exc

    def to_json(self) -> dict[str, Any]:
        """The JSON form the tool reads (a ``SequenceRef``)."""
        return {
            "path": self.path,
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "frame_rate": self.frame_rate,
        }

    @property
    def frame_count(self) -> int:
        return self.last_frame - self.first_frame + 1

    @property
    def frames(self) -> range:
        return range(self.first_frame, self.last_frame + 1)

    @property
    def padding(self) -> int:
        hashes = _HASHES.search(self.path)
        if hashes:
            return len(hashes.group(0))
        printf = _PRINTF.search(self.path)
        assert printf is not None
        return int(printf.group(1) or 1)

    def printf_pattern(self) -> str:
        """The pattern with the frame token as ``%0Nd`` (Resolve's ``ImportMedia`` form)."""
        pad = self.padding
        return _PRINTF.sub("%0{}d".format(pad), _HASHES.sub("%0{}d".format(pad), self.path))

    def frame_path(self, frame: int) -> str:
        """The path of one frame."""
        return self.printf_pattern() % frame

    def absolute(self, root: str) -> FrameSequence:
        """This sequence with a relative path joined onto ``root``."""
        if os.path.isabs(self.path):
            return self
        return FrameSequence(
            os.path.join(root, self.path), self.first_frame, self.last_frame, self.frame_rate
        )

    def with_frames(self, first: int, last: int) -> FrameSequence:
        return FrameSequence(self.path, first, last, self.frame_rate)
