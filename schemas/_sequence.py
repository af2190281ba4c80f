"""``SequenceRef``: a numbered image sequence on disk."""

from __future__ import annotations

import re

from pydantic import field_validator, model_validator

from ._base import ColourspaceName, FrameNumber, FrameRate, SchemaModel

_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%0?(\d*)d")


class SequenceRef(SchemaModel):
    """A frame sequence.

    Attributes:
        path: file pattern with the frame number as ``####`` (one ``#`` per digit) or ``%04d``;
            relative to the project root, or absolute inside it.
        first_frame: first frame number on disk (inclusive).
        last_frame: last frame number on disk (inclusive).
        colour_space: OCIO colour-space name of the pixels (pinned studio config).
        frame_rate: frames per second.
    """

    path: str
    first_frame: FrameNumber
    last_frame: FrameNumber
    colour_space: ColourspaceName = "Gamma 2.4 Encoded Rec.709"
    frame_rate: FrameRate = 24.0

    @field_validator("path")
    @classmethod
    def _has_frame_token(cls, value: str) -> str:
        """The pattern must contain exactly one frame token."""
        tokens = len(_HASHES.findall(value)) + len(_PRINTF.findall(value))
        if tokens != 1:
            raise ValueError("needs exactly one frame token such as #### or %04d")
        return value

    @model_validator(mode="after")
    def _range_order(self) -> SequenceRef:
        """``last_frame`` may not precede ``first_frame``."""
        if self.last_frame < self.first_frame:
            raise ValueError(f"last_frame {self.last_frame} is before first_frame {self.first_frame}")
        return self

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
        """The pattern with the frame token as ``%0Nd`` (Nuke, Resolve and OIIO form)."""
        pad = self.padding
        return _PRINTF.sub(f"%0{pad}d", _HASHES.sub(f"%0{pad}d", self.path))

    def hash_pattern(self) -> str:
        """The pattern with the frame token as ``####``."""
        pad = self.padding
        return _HASHES.sub("#" * pad, _PRINTF.sub("#" * pad, self.path))

    def frame_path(self, frame: int) -> str:
        """The path of one frame (relative if ``path`` is)."""
        return self.printf_pattern() % frame
