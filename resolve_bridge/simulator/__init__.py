"""A faithful, file-backed simulator of DaVinci Resolve's scripting API for tests and demos.

Objects are duck-typed like the live ones (CamelCase methods with the README's signatures) and
reproduce its documented quirks: silent ``None``/``False`` failures, absolute record frames,
exclusive ``endFrame``, 1-based indices, imports into the current folder, dropped overlapping
appends, the V1 fallback for a bad ``trackIndex``, settings order rules, stale render settings.
Media are real files on disk; render jobs write real EXR files with OpenImageIO; ``Timeline.Export``
writes real OTIO/EDL files. Every call is logged in ``resolve.sim.calls`` as ``("Class.Method", args)``.
:class:`HostServer` serves it to menu scripts running under another (bare) Python, as Resolve
serves its FuScript process.

Example::

    from resolve_bridge.simulator import make_host_globals
    host = make_host_globals(edition="free")
    runpy.run_path("Chroma Recovery - Setup Project.py", init_globals=host)
    assert host["resolve"].sim.unknown_calls == []
"""

from ._media_item import MediaPoolItem, MediaSource
from ._media_pool import Folder, MediaPool
from ._project import Project, ProjectManager
from ._remote import HostServer
from ._render import RenderJob
from ._resolve import App, Bmd, Fusion, MediaStorage, Resolve, make_host_globals
from ._state import SimState
from ._timeline import Timeline, Track
from ._timeline_item import TimelineItem

__all__ = [
    "App",
    "Bmd",
    "Folder",
    "Fusion",
    "HostServer",
    "MediaPool",
    "MediaPoolItem",
    "MediaSource",
    "MediaStorage",
    "Project",
    "ProjectManager",
    "RenderJob",
    "Resolve",
    "SimState",
    "Timeline",
    "TimelineItem",
    "Track",
    "make_host_globals",
]
