"""The tool side of the Resolve menu scripts: host protocol verbs, config model, installer.

Resolve runs the menu scripts with whatever CPython 3.8+ it finds; the in-host code
(``resolve_bridge``) uses the standard library only and sends everything that needs pydantic,
OpenImageIO, OpenTimelineIO or the conform to this package, running in the tool's own
interpreter: ``chroma-recovery resolve host <verb>`` reads one JSON request on stdin and answers
one JSON line on stdout (see :mod:`resolve_bridge._tool` for the format, :data:`VERBS` for the
verbs). ``install_scripts`` writes the tool's location into the installed menu scripts.
"""

from resolve_bridge import HOST_PROTOCOL, ToolClient

from ._config import ResolveConfig, read_config
from ._errors import BadRequest, ResolveHostError
from ._install import (
    MARKER,
    current_tool,
    install_scripts,
    menu_script_sources,
    scripts_root,
    uninstall_scripts,
)
from ._protocol import handle, reply_ok
from ._verbs import VERBS


def in_process_tool() -> ToolClient:
    """A client that answers requests in this interpreter (``watch-renders --resolve``, tests)."""
    return ToolClient(handler=handle)


__all__ = [
    "BadRequest",
    "HOST_PROTOCOL",
    "MARKER",
    "ResolveConfig",
    "ResolveHostError",
    "VERBS",
    "current_tool",
    "handle",
    "in_process_tool",
    "install_scripts",
    "menu_script_sources",
    "read_config",
    "reply_ok",
    "scripts_root",
    "uninstall_scripts",
]
