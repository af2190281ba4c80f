"""``MediaPool`` and ``Folder`` of the simulator.

Modelled behaviour (``resolve_api.md`` §3, §4.1, §4.3):

* imports land in the **current** folder (``SetCurrentFolder`` first);
* ``ImportMedia`` takes a list of paths (files or folders; a folder's sequences become one clip
  each) or of dicts ``{"FilePath": ".../X_%04d.exr", "StartIndex": a, "EndIndex": b}`` (one clip);
  missing files are skipped silently, so an all-missing import answers ``[]``; a dict without a
  frame token answers ``None`` on 21.1+ [GOT];
* the pool dedupes by ``File Path``: a path already in the pool is NOT imported again and is left
  out of the answer (find the existing clip by ``GetClipProperty("File Path")``);
* ``AddSubFolder`` does not dedupe names (Resolve allows two bins of one name);
* ``CreateEmptyTimeline``/``CreateTimelineFromClips``/``ImportTimelineFromFile`` answer ``None``
  when the timeline name exists; a new timeline becomes the current one;
* ``AppendToTimeline`` always targets the current timeline (see ``Timeline.append`` for clipInfo).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .._frames import TimelineRate
from ._media_item import (
    MediaPoolItem,
    MediaSource,
    source_from_file,
    source_from_printf,
    sources_in_directory,
)
from ._state import SimObject, SimState, api

if TYPE_CHECKING:
    from ._project import Project
    from ._timeline import Timeline


class Folder(SimObject):
    """A Media Pool bin."""

    def __init__(self, sim: SimState, name: str, parent: Folder | None) -> None:
        super().__init__(sim)
        self.name = name
        self.parent = parent
        self.clips: list[MediaPoolItem] = []
        self.subfolders: list[Folder] = []
        self._uid = sim.new_id("fold")

    @api
    def GetName(self) -> str:
        return self.name

    @api
    def GetClipList(self) -> list[MediaPoolItem]:
        return list(self.clips)

    @api
    def GetSubFolderList(self) -> list[Folder]:
        return list(self.subfolders)

    @api
    def GetIsFolderStale(self) -> bool:
        return False

    @api
    def GetUniqueId(self) -> str:
        return self._uid

    def walk(self) -> list[Folder]:
        """This folder and every folder below it, depth first."""
        found = [self]
        for sub in self.subfolders:
            found.extend(sub.walk())
        return found

    def __repr__(self) -> str:
        return f"<sim Folder {self.name!r}>"


class MediaPool(SimObject):
    """The Media Pool of one project (see the module docstring)."""

    def __init__(self, sim: SimState, project: Project) -> None:
        super().__init__(sim)
        self.project = project
        self.root = Folder(sim, "Master", None)
        self.current = self.root

    # ------------------------------------------------------------------ folders
    @api
    def GetRootFolder(self) -> Folder:
        return self.root

    @api
    def AddSubFolder(self, folder: Folder, name: str) -> Folder | None:
        if not isinstance(folder, Folder) or folder not in self.root.walk() or not isinstance(name, str):
            return None
        if not name.strip():
            return None
        sub = Folder(self._sim, name, folder)
        folder.subfolders.append(sub)
        return sub

    @api
    def GetCurrentFolder(self) -> Folder:
        return self.current

    @api
    def SetCurrentFolder(self, folder: Folder) -> bool:
        if not isinstance(folder, Folder) or folder not in self.root.walk():
            return False
        self.current = folder
        return True

    # ------------------------------------------------------------------ import / delete
    def all_clips(self) -> list[MediaPoolItem]:
        return [clip for folder in self.root.walk() for clip in folder.clips]

    def find_by_path(self, file_path: str) -> MediaPoolItem | None:
        for clip in self.all_clips():
            if clip.source.file_path == file_path:
                return clip
        return None

    def _new_clip(self, source: MediaSource) -> MediaPoolItem | None:
        if self.find_by_path(source.file_path) is not None:
            return None  # Resolve dedupes by path: nothing new, nothing returned.
        fps = TimelineRate.parse(self.project.settings["timelineFrameRate"])
        clip = MediaPoolItem(self._sim, source, fps, self.current)
        clip._colour_managed = lambda: (
            self.project.settings["colorScienceMode"] == "davinciYRGBColorManagedv2"
        )
        self.current.clips.append(clip)
        return clip

    def import_sources(self, items: Any) -> list[MediaPoolItem] | None:
        """Body of ``ImportMedia`` (also used by timeline import); ``None`` for a bad argument."""
        if isinstance(items, str | dict):
            items = [items]
        if not isinstance(items, list):
            return None
        imported: list[MediaPoolItem] = []
        for entry in items:
            sources: list[MediaSource] = []
            if isinstance(entry, dict):
                path = entry.get("FilePath")
                if not isinstance(path, str):
                    continue
                if "%" not in os.path.basename(path):
                    if self._sim.version[:2] >= (21, 1):
                        return None  # 21.1.0: dict form for a non-sequence file answered None [GOT].
                    single = source_from_file(path)
                    sources = [single] if single else []
                else:
                    start, end = entry.get("StartIndex"), entry.get("EndIndex")
                    if not isinstance(start, int) or not isinstance(end, int):
                        continue
                    seq = source_from_printf(path, start, end)
                    sources = [seq] if seq else []
            elif isinstance(entry, str):
                if os.path.isdir(entry):
                    sources = sources_in_directory(os.path.abspath(entry))
                else:
                    single = source_from_file(entry)
                    sources = [single] if single else []
            for source in sources:
                clip = self._new_clip(source)
                if clip is not None:
                    imported.append(clip)
        return imported

    @api
    def ImportMedia(self, items: Any, clipInfo: Any = None) -> list[MediaPoolItem] | None:
        return self.import_sources(items)

    @api
    def DeleteClips(self, clips: list[MediaPoolItem]) -> bool:
        if not isinstance(clips, list) or not clips:
            return False
        known = self.all_clips()
        if any(clip not in known for clip in clips):
            return False
        for clip in clips:
            clip.folder.clips.remove(clip)
            for timeline in self.project.timelines:
                timeline.detach_media(clip)
        return True

    @api
    def MoveClips(self, clips: list[MediaPoolItem], targetFolder: Folder) -> bool:
        known = self.all_clips()
        if not isinstance(targetFolder, Folder) or any(c not in known for c in clips):
            return False
        for clip in clips:
            clip.folder.clips.remove(clip)
            targetFolder.clips.append(clip)
            clip.folder = targetFolder
        return True

    # ------------------------------------------------------------------ timelines
    def _name_free(self, name: Any) -> bool:
        return isinstance(name, str) and bool(name) and all(t.name != name for t in self.project.timelines)

    @api
    def CreateEmptyTimeline(self, name: str) -> Timeline | None:
        if not self._name_free(name):
            return None
        return self.project.add_timeline(name)

    @api
    def CreateTimelineFromClips(self, name: str, clips: Any) -> Timeline | None:
        if not self._name_free(name) or not isinstance(clips, list) or not clips:
            return None
        timeline = self.project.add_timeline(name)
        timeline.append(clips)
        return timeline

    @api
    def AppendToTimeline(self, clips: Any) -> list[Any]:
        timeline = self.project.current_timeline
        if timeline is None:
            return []
        if isinstance(clips, MediaPoolItem | dict):
            clips = [clips]
        if not isinstance(clips, list):
            return []
        return timeline.append(clips)

    @api
    def ImportTimelineFromFile(self, filePath: str, importOptions: dict[str, Any] | None = None) -> Any:
        from ._interchange import import_timeline

        options = importOptions or {}
        return import_timeline(self, filePath, options)

    def __repr__(self) -> str:
        return "<sim MediaPool>"
