"""The strict, frozen base model and the named constrained scalars of the contract."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = "1"

#: Name usable in file names: letters, digits, ``_`` and ``-``.
SafeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
FrameNumber = Annotated[int, Field(ge=0, le=9_999_999)]
FrameRate = Annotated[float, Field(gt=0, le=240)]
#: An OCIO colour-space name of the pinned studio config (e.g. ``ACES2065-1``).
ColourspaceName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]

TIMECODE_RE = re.compile(r"^\d{2}:\d{2}:\d{2}[:;]\d{2}$")


class SchemaModel(BaseModel):
    """Base of every contract model: unknown keys are errors and instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
