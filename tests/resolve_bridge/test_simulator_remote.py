"""The simulator served over a socket: proxies behave like Resolve's FuScript objects."""

from __future__ import annotations

import pytest

from resolve_bridge.simulator import HostServer, make_host_globals
from resolve_bridge.simulator._remote import RemoteObject, connect


def test_proxies_call_through_and_keep_resolve_semantics() -> None:
    host = make_host_globals("free")
    with HostServer(host) as server:
        remote = connect(server.address)
        resolve = remote["resolve"]
        assert isinstance(resolve, RemoteObject) and remote["fusion"].UIManager is None
        assert "GetProjectManager" in dir(resolve) and "EXPORT_OTIO" in dir(resolve)
        assert "sim" not in dir(resolve) and "project_manager" not in dir(resolve)
        assert resolve.EXPORT_OTIO == host["resolve"].EXPORT_OTIO
        assert hasattr(resolve, "NoSuchMethod")  # pitfall 5: always True
        assert resolve.NoSuchMethod(1) is None
        assert host["resolve"].sim.unknown_calls == [("Resolve.NoSuchMethod", (1,))]
        pm = resolve.GetProjectManager()
        project = pm.CreateProject("P")
        pool = project.GetMediaPool()
        root = pool.GetRootFolder()
        child = pool.AddSubFolder(root, "BIN")  # a proxy goes back as the real object
        assert [f.GetName() for f in root.GetSubFolderList()] == ["BIN"]
        assert pool.SetCurrentFolder(child) is True
        timeline = pool.CreateEmptyTimeline("T")
        assert timeline.AddMarker(10, "Red", "n", "note", 2) is True
        markers = timeline.GetMarkers()
        assert list(markers) == [10] and markers[10]["color"] == "Red"  # int keys survive the wire
        assert project.GetCurrentTimeline() is not project.GetCurrentTimeline()  # fresh proxies
        with pytest.raises(AttributeError):
            resolve.lowercase_thing()  # the simulator answers only CamelCase API names
        with pytest.raises(RuntimeError, match="simulated Resolve failed"):
            project.SetSetting()  # missing arguments: the simulator's TypeError comes back
