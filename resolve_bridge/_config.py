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

The host only picks the file; the tool validates it (host verb ``config``, the pydantic model
``chroma_recovery.resolve_host.ResolveConfig``) and answers every field with its default filled in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import BridgeError
from ._frames import TimelineRate
from ._sequence import FrameSequence
from ._tool import ToolClient

CONFIG_ENV = "CHROMA_RECOVERY_CONFIG"


def default_config_path() -> Path:
    """``~/.config/chroma-recovery/config.json`` (``%APPDATA%`` on Windows)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "chroma-recovery" / "config.json"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "chroma-recovery" / "config.json"


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``path``, else ``$CHROMA_RECOVERY_CONFIG``, else :func:`default_config_path`."""
    return Path(path) if path else Path(os.environ.get(CONFIG_ENV) or default_config_path())


def _sequence(value: Any) -> FrameSequence | None:
    return None if value is None else FrameSequence.from_json(value)


@dataclass(frozen=True)
class BridgeConfig:
    """The validated config (see the module docstring for the file).

    Attributes:
        film: film code; the Resolve project is ``<film>_ChromaRecovery`` and exports are named
            ``<film>_SOURCE_####.exr`` / ``_REF_`` / ``_BAL_``.
        project_root: absolute project folder (``jobs/``, ``resolve/exports/``, ``resolve_queue/``).
        frame_rate: timeline frame rate, set right after the project is created.
        width, height: timeline resolution.
        color_science: ``colorScienceMode``, always set before any other colour key.
        color_settings: further project colour keys (RCM/ACES), applied in order after
            ``colorScienceMode``; ``isAutoColorManage`` is moved first when present.
        source, reference, balanced: the three sequences Phase 1 imports (absolute paths).
        render_timeout_s: how long one export render job may take.
    """

    film: str
    project_root: str
    frame_rate: float = 24.0
    width: int = 2048
    height: int = 1556
    color_science: str = "davinciYRGB"
    color_settings: dict[str, str] = field(default_factory=dict)
    source: FrameSequence | None = None
    reference: FrameSequence | None = None
    balanced: FrameSequence | None = None
    render_timeout_s: float = 3600.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BridgeConfig:
        """Build from the tool's ``config`` reply (already validated there)."""
        try:
            return cls(
                film=str(data["film"]),
                project_root=str(data["project_root"]),
                frame_rate=float(data["frame_rate"]),
                width=int(data["width"]),
                height=int(data["height"]),
                color_science=str(data["color_science"]),
                color_settings={str(k): str(v) for k, v in dict(data.get("color_settings") or {}).items()},
                source=_sequence(data.get("source")),
                reference=_sequence(data.get("reference")),
                balanced=_sequence(data.get("balanced")),
                render_timeout_s=float(data["render_timeout_s"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BridgeError(f"malformed config in the tool's reply ({exc})") from exc

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


def load_config(tool: ToolClient, path: str | os.PathLike[str] | None = None) -> BridgeConfig:
    """Read and validate the bridge config (through the tool): ``path``, env, or the default file.

    Raises:
        ToolError: the file is missing, not JSON, or a field is invalid (named in the message).
    """
    reply = tool.call("config", {"path": str(config_path(path))})
    return BridgeConfig.from_json(reply["config"])
