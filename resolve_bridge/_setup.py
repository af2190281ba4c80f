"""Phase 1 project setup: ``<film>_ChromaRecovery`` with rate, resolution, colour science and bins.

Idempotent: ``CreateProject`` answers None when the name exists, and then the project is loaded
(never duplicated). Frame rate and resolution are set right after creation, before any timeline
holds media (the rate locks then); ``colorScienceMode`` is set before any RCM/ACES key, and
``isAutoColorManage`` before ``rcmPresetMode`` (``resolve_api.md`` §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._config import BridgeConfig
from ._errors import BridgeError
from ._gateway import call, query
from ._media import ensure_bin, import_sequence

#: Media Pool bins of Phase 1, keyed by the config field holding the sequence.
PHASE1_BINS: dict[str, str] = {"source": "SOURCE", "reference": "REFERENCE", "balanced": "BALANCED"}


@dataclass
class SetupReport:
    """What :func:`setup_project` did.

    Attributes:
        project: the Resolve Project object.
        created: True when the project was created now, False when an existing one was loaded.
        clips: Media Pool clip per imported kind (``"source"``, ``"reference"``, ``"balanced"``).
        notes: human-readable remarks (settings that could not be changed, ...).
    """

    project: Any
    created: bool
    clips: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def open_project(resolve: Any, name: str) -> tuple[Any, bool]:
    """Return (project, created): the current project if it has ``name``, else create or load it."""
    pm = call(resolve, "GetProjectManager", label="Resolve")
    current = query(pm, "GetCurrentProject")
    if current is not None and query(current, "GetName") == name:
        return current, False
    project = pm.CreateProject(name)  # None when the name exists: load it instead (never duplicate)
    if project is not None:
        return project, True
    project = call(
        pm, "LoadProject", name, label="ProjectManager", hint=f"close other databases or rename {name!r}"
    )
    return project, False


def _ordered_colour_keys(settings: dict[str, str]) -> list[tuple[str, str]]:
    items = list(settings.items())
    items.sort(key=lambda kv: 0 if kv[0] == "isAutoColorManage" else 1)  # stable: others keep order
    return items


def apply_settings(project: Any, config: BridgeConfig, created: bool) -> list[str]:
    """Set rate and resolution (new project) and colour science (always, in the required order).

    On a reused project the rate/resolution are only changed when they differ; if Resolve refuses
    (the rate is locked once a timeline holds media) that becomes a note, not an error.

    Raises:
        ResolveCallFailed: a setting was refused on a new project, or a colour key was refused.
    """
    notes: list[str] = []
    wanted = {
        "timelineFrameRate": config.rate.setting,
        "timelineResolutionWidth": str(config.width),
        "timelineResolutionHeight": str(config.height),
    }
    for key, value in wanted.items():
        if created:
            call(project, "SetSetting", key, value, label="Project")
            continue
        current = str(query(project, "GetSetting", key) or "")
        if _same_setting(current, value):
            continue
        if not project.SetSetting(key, value):
            notes.append(
                f"{key} is {current!r}, wanted {value!r}: Resolve refused (locked once media is used)"
            )
    call(project, "SetSetting", "colorScienceMode", config.color_science, label="Project")
    for key, value in _ordered_colour_keys(config.color_settings):
        call(
            project,
            "SetSetting",
            key,
            value,
            label="Project",
            hint="colour keys need a matching colorScienceMode (set color_science in the config)",
        )
    return notes


def _same_setting(current: str, wanted: str) -> bool:
    try:
        return abs(float(current) - float(wanted.split()[0])) < 1e-3
    except ValueError:
        return current == wanted


def setup_project(resolve: Any, config: BridgeConfig, import_media: bool = True) -> SetupReport:
    """Phase 1 setup: project, settings, bins SOURCE/REFERENCE/BALANCED and the three imports.

    Safe to run again: the project is reused, bins are found by name, clips by file path.

    Args:
        resolve: the Resolve object (see :func:`get_resolve`).
        config: film name, root, rate, resolution, colour science and the three sequences.
        import_media: import the configured sequences (skipped when False).

    Raises:
        BridgeError: a sequence is missing on disk or a Resolve call failed (named).
    """
    project, created = open_project(resolve, config.project_name)
    report = SetupReport(project=project, created=created)
    report.notes.extend(apply_settings(project, config, created))
    media_pool = call(project, "GetMediaPool", label="Project")
    for kind, bin_name in PHASE1_BINS.items():
        folder = ensure_bin(media_pool, [bin_name])
        seq = getattr(config, kind)
        if import_media and seq is not None:
            report.clips[kind] = import_sequence(media_pool, folder, seq, f"{kind} sequence")
    pm = call(resolve, "GetProjectManager", label="Resolve")
    if not pm.SaveProject():
        report.notes.append("SaveProject returned False (save manually)")
    return report


def current_project(resolve: Any) -> Any:
    """The open project, or a clear error when Resolve shows the project manager only."""
    pm = call(resolve, "GetProjectManager", label="Resolve")
    project = query(pm, "GetCurrentProject")
    if project is None:
        raise BridgeError("no project is open in Resolve", hint="open the film's _ChromaRecovery project")
    return project
