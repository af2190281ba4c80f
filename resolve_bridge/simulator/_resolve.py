"""The ``Resolve`` root object, ``MediaStorage``, the ``fusion``/``bmd``/``app`` globals of a menu script.

Modelled behaviour (``resolve_api.md`` §1, §4.3, pitfall 11):

* ``GetProductName()`` is "DaVinci Resolve Studio" or "DaVinci Resolve" (free edition);
* the ``EXPORT_*`` and ``COMPOSITE_*`` constants are attributes of the live object only;
* ``OpenPage(name)`` switches the page that timecode calls depend on;
* on the free edition ``fusion.UIManager`` is ``None`` (since 19.1);
* :func:`make_host_globals` returns what a Workspace > Scripts menu script receives: ``resolve``,
  ``fusion``, ``bmd`` and the undocumented ``app`` (``app.GetResolve()``).
"""

from __future__ import annotations

import os
from typing import Any

from ._constants import COMPOSITE_MODES, EXPORT_CONSTANTS, EXPORT_SUBTYPES, PAGES
from ._media_item import MediaPoolItem
from ._project import ProjectManager
from ._state import SimObject, SimState, api


class MediaStorage(SimObject):
    """The Media page's file browser (real folders of this machine)."""

    def __init__(self, sim: SimState, resolve: Resolve) -> None:
        super().__init__(sim)
        self._resolve = resolve

    @api
    def GetMountedVolumeList(self) -> list[str]:
        return [os.path.abspath(os.sep)]

    @api
    def GetSubFolderList(self, folderPath: str) -> list[str]:
        if not isinstance(folderPath, str) or not os.path.isdir(folderPath):
            return []
        return sorted(e.path for e in os.scandir(folderPath) if e.is_dir())

    @api
    def GetFileList(self, folderPath: str) -> list[str]:
        if not isinstance(folderPath, str) or not os.path.isdir(folderPath):
            return []
        return sorted(e.path for e in os.scandir(folderPath) if e.is_file())

    @api
    def AddItemListToMediaPool(self, *items: Any) -> list[MediaPoolItem]:
        project = self._resolve.project_manager.current
        if project is None:
            return []
        entries: list[Any] = []
        for item in items:
            entries.extend(item if isinstance(item, list) else [item])
        converted: list[Any] = []
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("media"), str):
                if "startFrame" in entry and "endFrame" in entry:
                    converted.append(
                        {
                            "FilePath": entry["media"],
                            "StartIndex": entry["startFrame"],
                            "EndIndex": entry["endFrame"],
                        }
                    )
                else:
                    converted.append(entry["media"])
            elif isinstance(entry, str):
                converted.append(entry)
        return project.media_pool.import_sources(converted) or []


class Resolve(SimObject):
    """The simulated ``resolve`` object.

    Args:
        edition: ``"studio"`` or ``"free"``.
        version: ``(major, minor, patch, build, suffix)``; 21.1+ changes a few answers.
        page: the page Resolve shows at start.
        render_polls: ``IsRenderingInProgress()`` answers True this many times after a start.

    Attributes:
        sim: the shared :class:`SimState` (``sim.calls`` is the call log).
    """

    def __init__(
        self,
        edition: str = "studio",
        version: tuple[int, int, int, int, str] = (20, 3, 2, 9, ""),
        page: str = "edit",
        render_polls: int = 1,
    ) -> None:
        if edition not in ("studio", "free"):
            raise ValueError(f"edition must be 'studio' or 'free', not {edition!r}")
        super().__init__(SimState(edition=edition, version=version, page=page, render_polls=render_polls))
        self.sim = self._sim
        self.project_manager = ProjectManager(self._sim)
        self.media_storage = MediaStorage(self._sim, self)
        for name, value in (EXPORT_CONSTANTS | EXPORT_SUBTYPES).items():
            setattr(self, name, value)
        for number, name in enumerate(COMPOSITE_MODES):
            setattr(self, name, number)

    @property
    def calls(self) -> list[tuple[str, tuple[Any, ...]]]:
        return self._sim.calls

    @api
    def GetProjectManager(self) -> ProjectManager:
        return self.project_manager

    @api
    def GetMediaStorage(self) -> MediaStorage:
        return self.media_storage

    @api
    def GetProductName(self) -> str:
        return "DaVinci Resolve Studio" if self._sim.is_studio else "DaVinci Resolve"

    @api
    def GetVersion(self) -> list[Any]:
        return list(self._sim.version)

    @api
    def GetVersionString(self) -> str:
        major, minor, patch, build, suffix = self._sim.version
        text = f"{major}.{minor}.{patch}.{build}"
        return f"{text} {suffix}".strip()

    @api
    def OpenPage(self, pageName: str) -> bool:
        if pageName not in PAGES:
            return False
        self._sim.page = pageName
        return True

    @api
    def GetCurrentPage(self) -> str:
        return self._sim.page

    @api
    def Quit(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"<sim Resolve {self._sim.edition} {self.GetVersionString()}>"


class Fusion(SimObject):
    """The ``fusion`` global. ``UIManager`` is ``None`` on the free edition (19.1+)."""

    def __init__(self, sim: SimState, resolve: Resolve) -> None:
        super().__init__(sim)
        self._resolve = resolve
        self.UIManager: Any = object() if sim.is_studio else None

    @api
    def GetResolve(self) -> Resolve:
        return self._resolve


class Bmd(SimObject):
    """The ``bmd`` global: ``bmd.scriptapp("Resolve")`` works in-process."""

    def __init__(self, sim: SimState, resolve: Resolve, fusion: Fusion) -> None:
        super().__init__(sim)
        self._resolve = resolve
        self._fusion = fusion

    @api
    def scriptapp(self, name: str, *args: Any) -> Any:
        return {"Resolve": self._resolve, "Fusion": self._fusion}.get(name)


class App(SimObject):
    """The undocumented ``app`` global (``app.GetResolve()``), AYON's dependable handle."""

    def __init__(self, sim: SimState, resolve: Resolve) -> None:
        super().__init__(sim)
        self._resolve = resolve

    @api
    def GetResolve(self) -> Resolve:
        return self._resolve


def make_host_globals(
    edition: str = "studio", resolve: Resolve | None = None, **kwargs: Any
) -> dict[str, Any]:
    """The globals a Workspace > Scripts menu script receives: ``resolve``, ``fusion``, ``bmd``, ``app``.

    Use as ``runpy.run_path(script, init_globals=make_host_globals())``.

    Args:
        edition: ``"studio"`` or ``"free"`` (ignored when ``resolve`` is given).
        resolve: an existing simulated Resolve to expose; a new one otherwise.
        **kwargs: passed to :class:`Resolve` when one is created (``version``, ``page``...).
    """
    if resolve is None:
        resolve = Resolve(edition=edition, **kwargs)
    fusion = Fusion(resolve.sim, resolve)
    return {
        "resolve": resolve,
        "fusion": fusion,
        "bmd": Bmd(resolve.sim, resolve, fusion),
        "app": App(resolve.sim, resolve),
    }
