"""``ProjectManager`` and ``Project`` (settings, timelines) of the simulator.

Modelled behaviour (``resolve_api.md`` §2):

* Resolve always has a current project: a fresh session holds "Untitled Project";
  ``SaveProject`` answers False on it [MCP];
* ``CreateProject(name)`` answers ``None`` when the name exists, else creates, loads and returns it;
  ``LoadProject`` answers ``None`` for an unknown name; ``CloseProject`` does not save;
* ``SetSetting`` values must be strings; unknown keys answer False; ``GetSetting()`` without a key
  is a dict snapshot and an unknown key reads ``""``;
* ``timelineFrameRate`` is refused once any timeline holds media [GOT]; ``"29.97 DF"`` also sets
  ``timelineDropFrameTimecode`` and reads back as ``"29.97"``;
* colour science first [TY]: RCM keys are refused unless ``colorScienceMode`` is
  ``davinciYRGBColorManagedv2``; ACES keys unless it is ``acescc``/``acescct``; ``rcmPresetMode``
  and the ``colorSpace*`` keys are refused while ``isAutoColorManage`` is ``"1"``.
"""

from __future__ import annotations

from typing import Any

from .._errors import FrameMathError
from .._frames import TimelineRate
from ._constants import ACES_KEYS, COLOR_SCIENCE_MODES, DEFAULT_PROJECT_SETTINGS, RCM_KEYS
from ._media_pool import MediaPool
from ._render import RenderQueueMixin
from ._state import SimObject, SimState, api
from ._timeline import Timeline

UNTITLED = "Untitled Project"


class Project(RenderQueueMixin, SimObject):
    """A project: settings, media pool, timelines and the render queue."""

    def __init__(self, sim: SimState, name: str) -> None:
        super().__init__(sim)
        self.name = name
        self.settings: dict[str, str] = dict(DEFAULT_PROJECT_SETTINGS)
        self.media_pool = MediaPool(sim, self)
        self.timelines: list[Timeline] = []
        self.current_timeline: Timeline | None = None
        self._uid = sim.new_id("proj")
        self.init_render_queue()

    def add_timeline(self, name: str) -> Timeline:
        timeline = Timeline(self._sim, self, name)
        self.timelines.append(timeline)
        self.current_timeline = timeline
        return timeline

    # ------------------------------------------------------------------ identity
    @api
    def GetName(self) -> str:
        return self.name

    @api
    def SetName(self, projectName: str) -> bool:
        if not isinstance(projectName, str) or not projectName:
            return False
        self.name = projectName
        return True

    @api
    def GetUniqueId(self) -> str:
        return self._uid

    @api
    def GetMediaPool(self) -> MediaPool:
        return self.media_pool

    # ------------------------------------------------------------------ timelines
    @api
    def GetTimelineCount(self) -> int:
        return len(self.timelines)

    @api
    def GetTimelineByIndex(self, idx: int) -> Timeline | None:
        if not isinstance(idx, int) or not 1 <= idx <= len(self.timelines):
            return None
        return self.timelines[idx - 1]

    @api
    def GetCurrentTimeline(self) -> Timeline | None:
        return self.current_timeline

    @api
    def SetCurrentTimeline(self, timeline: Timeline) -> bool:
        if timeline not in self.timelines:
            return False
        self.current_timeline = timeline
        return True

    # ------------------------------------------------------------------ settings
    @api
    def GetSetting(self, settingName: str | None = None) -> Any:
        if settingName is None:
            return dict(self.settings)
        return self.settings.get(settingName, "")

    @api
    def SetSetting(self, settingName: str, settingValue: str) -> bool:
        return self.apply_setting(settingName, settingValue)

    def apply_setting(self, key: Any, value: Any) -> bool:
        if not isinstance(key, str) or not isinstance(value, str) or key not in self.settings:
            return False
        mode = self.settings["colorScienceMode"]
        if key == "colorScienceMode" and value not in COLOR_SCIENCE_MODES:
            return False
        if key in RCM_KEYS and mode != "davinciYRGBColorManagedv2":
            return False
        if key in RCM_KEYS - {"isAutoColorManage"} and self.settings["isAutoColorManage"] == "1":
            return False
        if key == "isAutoColorManage" and value not in ("0", "1"):
            return False
        if key in ACES_KEYS and mode not in ("acescc", "acescct"):
            return False
        if key == "timelineFrameRate":
            return self._set_rate(value)
        if key in ("timelineResolutionWidth", "timelineResolutionHeight") and not (
            value.isdigit() and 16 <= int(value) <= 32768
        ):
            return False
        self.settings[key] = value
        return True

    def _set_rate(self, value: str) -> bool:
        if any(t.has_media for t in self.timelines):
            return False  # [GOT]: the rate locks once a timeline has media
        try:
            rate = TimelineRate.parse(value)
        except FrameMathError:
            return False
        self.settings["timelineFrameRate"] = rate.label
        self.settings["timelinePlaybackFrameRate"] = rate.label
        self.settings["timelineDropFrameTimecode"] = "1" if rate.drop_frame else "0"
        return True

    def __repr__(self) -> str:
        return f"<sim Project {self.name!r}>"


class ProjectManager(SimObject):
    """The project database of the session (one flat folder)."""

    def __init__(self, sim: SimState) -> None:
        super().__init__(sim)
        untitled = Project(sim, UNTITLED)
        self.projects: dict[str, Project] = {UNTITLED: untitled}
        self.current: Project | None = untitled
        self.saved: set[str] = set()

    @api
    def CreateProject(self, projectName: str, mediaLocationPath: str | None = None) -> Project | None:
        if not isinstance(projectName, str) or not projectName or projectName in self.projects:
            return None
        project = Project(self._sim, projectName)
        self.projects[projectName] = project
        self.current = project
        return project

    @api
    def LoadProject(self, projectName: str) -> Project | None:
        project = self.projects.get(projectName)
        if project is None:
            return None
        self.current = project
        return project

    @api
    def GetCurrentProject(self) -> Project | None:
        return self.current

    @api
    def SaveProject(self) -> bool:
        if self.current is None or self.current.name == UNTITLED:
            return False
        self.saved.add(self.current.name)
        return True

    @api
    def CloseProject(self, project: Project) -> bool:
        if project is not self.current or project is None:
            return False
        self.current = self.projects[UNTITLED]
        return True

    @api
    def DeleteProject(self, projectName: str) -> bool:
        project = self.projects.get(projectName)
        if project is None or project is self.current or projectName == UNTITLED:
            return False
        del self.projects[projectName]
        return True

    @api
    def GetProjectListInCurrentFolder(self) -> list[str]:
        return [name for name in self.projects if name != UNTITLED]

    @api
    def GetCurrentFolder(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "<sim ProjectManager>"
