"""``ResolveConfig``: the menu scripts' config file, validated on the tool side (host verb ``config``).

The menu scripts pick the file (``$CHROMA_RECOVERY_CONFIG`` or the default path) and ask the tool
to read it; the reply carries every field with its default filled in, which the in-host
``resolve_bridge.BridgeConfig`` holds. See ``resolve_bridge._config`` for the file's example.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

import chroma_recovery
from resolve_bridge import CONFIG_ENV, BridgeError, TimelineRate
from schemas import FrameRate, SafeName, SchemaModel, SequenceRef

from ._errors import ResolveHostError
from ._protocol import one_line, parse

ColorScience = Literal["davinciYRGB", "davinciYRGBColorManagedv2", "acescc", "acescct"]


class ResolveConfig(SchemaModel):
    """Attributes:
    film: film code; the Resolve project is ``<film>_ChromaRecovery`` and exports are named
        ``<film>_SOURCE_####.exr`` / ``_REF_`` / ``_BAL_``.
    project_root: absolute project folder (``jobs/``, ``resolve/exports/``, ``resolve_queue/`` live here).
    frame_rate: timeline frame rate (one Resolve offers), set right after the project is created.
    width, height: timeline resolution.
    color_science: ``colorScienceMode``, always set before any other colour key.
    color_settings: further project colour keys (RCM/ACES), applied in order after
        ``colorScienceMode``; ``isAutoColorManage`` is moved first when present.
    source, reference, balanced: the three sequences Phase 1 imports (absolute paths).
    render_timeout_s: how long one export render job may take.
    """

    film: SafeName
    project_root: str
    frame_rate: FrameRate = 24.0
    width: int = Field(default=2048, ge=16, le=32768)
    height: int = Field(default=1556, ge=16, le=32768)
    color_science: ColorScience = "davinciYRGB"
    color_settings: dict[str, str] = Field(default_factory=dict)
    source: SequenceRef | None = None
    reference: SequenceRef | None = None
    balanced: SequenceRef | None = None
    render_timeout_s: float = Field(default=3600.0, gt=0)

    @field_validator("project_root")
    @classmethod
    def _absolute(cls, value: str) -> str:
        """The project root must be absolute (jobs carry it as ``project.root``)."""
        if not os.path.isabs(value):
            raise ValueError("must be an absolute path")
        return value

    @field_validator("frame_rate")
    @classmethod
    def _resolve_rate(cls, value: float) -> float:
        """Only the rates Resolve offers for a timeline (23.976, 24, 25, 29.97...)."""
        try:
            TimelineRate.parse(value)
        except BridgeError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("source", "reference", "balanced")
    @classmethod
    def _absolute_sequence(cls, value: SequenceRef | None) -> SequenceRef | None:
        """Phase 1 imports these into Resolve: they must be absolute paths."""
        if value is not None and not os.path.isabs(value.path):
            raise ValueError(f"{value.path} must be an absolute path")
        return value


def read_config(path: str | os.PathLike[str]) -> ResolveConfig:
    """Read and validate a config file.

    Raises:
        ResolveHostError: missing, not JSON, or a field invalid (named, with the problem).
    """
    chosen = Path(path)
    if not chosen.is_file():
        raise ResolveHostError(
            f"{chosen}: chroma-recovery config not found",
            hint=f"write it (see README, 'For colorists') or set {CONFIG_ENV}",
        )
    try:
        return ResolveConfig.model_validate_json(chosen.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ResolveHostError(
            f"{chosen}: invalid config ({one_line(exc)})",
            hint="fix the named field; JSON keys are listed in README",
        ) from exc


class ConfigRequest(SchemaModel):
    """``config`` request: the config file the menu script picked."""

    path: str


def verb_config(args: Mapping[str, Any]) -> dict[str, Any]:
    """``config``: ``{"path"}`` -> ``{"config": {every field}, "tool": {"version", "python"}}``."""
    config = read_config(parse(ConfigRequest, args).path)
    return {
        "config": config.model_dump(mode="json"),
        "tool": {"version": chroma_recovery.__version__, "python": platform.python_version()},
    }
