"""``BridgeConfig``: the settings the menu scripts read (they take no arguments from Resolve).

Location: ``$CHROMA_RECOVERY_CONFIG`` if set, else ``~/.config/chroma-recovery/config.json``
(``%APPDATA%\\chroma-recovery\\config.json`` on Windows). Example::

    {
      "film": "NIGHTTRAIN",
      "project_root": "/projects/nighttrain",
      "frame_rate": 24,
      "width": 2048, "height": 1556,
      "source":    {"path": "/scans/nighttrain/scan_%04d.exr",  "first_frame": 1001, "last_frame": 1240},
      "reference": {"path": "/refs/nighttrain/dcp_%04d.exr",    "first_frame": 1,    "last_frame": 240},
      "balanced":  {"path": "/scans/nighttrain/bal_%04d.exr",   "first_frame": 1001, "last_frame": 1240}
    }
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from schemas import SchemaModel, SequenceRef
from schemas._base import FrameRate, SafeName

from ._errors import BridgeError
from ._frames import TimelineRate

CONFIG_ENV = "CHROMA_RECOVERY_CONFIG"

ColorScience = Literal["davinciYRGB", "davinciYRGBColorManagedv2", "acescc", "acescct"]


def default_config_path() -> Path:
    """``~/.config/chroma-recovery/config.json`` (``%APPDATA%`` on Windows)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "chroma-recovery" / "config.json"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "chroma-recovery" / "config.json"


class BridgeConfig(SchemaModel):
    """Attributes:
    film: film code; the Resolve project is ``<film>_ChromaRecovery`` and exports are named
        ``<film>_SOURCE_####.exr`` / ``_REF_`` / ``_BAL_``.
    project_root: absolute project folder (``jobs/``, ``resolve/exports/``, ``resolve_queue/`` live here).
    frame_rate: timeline frame rate, set right after the project is created.
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

    @property
    def project_name(self) -> str:
        """The Resolve project name: ``<film>_ChromaRecovery``."""
        return f"{self.film}_ChromaRecovery"

    @property
    def root(self) -> Path:
        return Path(self.project_root)

    @property
    def exports_dir(self) -> Path:
        """``<root>/resolve/exports``; each Phase-1 export run writes a new ``v###`` inside."""
        return self.root / "resolve" / "exports"

    @property
    def incoming_jobs_dir(self) -> Path:
        """``<root>/jobs/incoming``: where Send Shot to ML drops ``<job_id>.json``."""
        return self.root / "jobs" / "incoming"

    @property
    def rate(self) -> TimelineRate:
        """The frame rate as a :class:`TimelineRate` (``.setting`` is the ``timelineFrameRate`` string)."""
        return TimelineRate.parse(self.frame_rate)


def load_config(path: str | os.PathLike[str] | None = None) -> BridgeConfig:
    """Read the bridge config: ``path``, else ``$CHROMA_RECOVERY_CONFIG``, else the default file.

    Raises:
        BridgeError: the file is missing, not JSON, or a field is invalid (named in the message).
    """
    chosen = Path(path) if path else Path(os.environ.get(CONFIG_ENV) or default_config_path())
    if not chosen.is_file():
        raise BridgeError(
            f"{chosen}: chroma-recovery config not found",
            hint=f"write it (see README, 'For colorists') or set {CONFIG_ENV}",
        )
    try:
        return BridgeConfig.model_validate_json(chosen.read_text(encoding="utf-8"))
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        first = str(exc).splitlines()
        detail = "; ".join(line.strip() for line in first[1:3]) if len(first) > 1 else str(exc)
        raise BridgeError(
            f"{chosen}: invalid config ({detail})", hint="fix the named field; JSON keys are listed in README"
        ) from exc
