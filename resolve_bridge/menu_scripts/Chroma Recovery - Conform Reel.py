"""Chroma Recovery - Conform Reel (DaVinci Resolve: Workspace > Scripts > Utility).

chroma-recovery menu script. `chroma-recovery resolve install-scripts` records below where the
chroma-recovery tool and this script's package live. Resolve may run it with any Python 3.8 or
later: the in-host code uses the standard library only and hands everything else to the tool.
Settings come from $CHROMA_RECOVERY_CONFIG or ~/.config/chroma-recovery/config.json.
"""

import importlib.util
import os
import sys

_TOOL = {}  # filled in at install time
_ACTION = "conform"


def _same_folder(a, b):
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _load_bridge(folder):
    """Import resolve_bridge from the recorded folder only; nothing is added to sys.path."""
    loaded = sys.modules.get("resolve_bridge")
    if loaded is not None and _same_folder(os.path.dirname(loaded.__file__ or ""), folder):
        return loaded
    init = os.path.join(folder, "__init__.py")
    if not os.path.isfile(init):
        raise ImportError("no resolve_bridge package in %r" % (folder,))
    for name in [n for n in sys.modules if n == "resolve_bridge" or n.startswith("resolve_bridge.")]:
        del sys.modules[name]  # another copy loaded earlier in this Python: forget it entirely
    spec = importlib.util.spec_from_file_location("resolve_bridge", init, submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules["resolve_bridge"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["resolve_bridge"]
        raise
    return module


result = None
if sys.version_info < (3, 8):
    print(
        "[chroma-recovery] error: Resolve runs this script with Python %d.%d; 3.8 or later is needed"
        % sys.version_info[:2]
    )
    print("[chroma-recovery] hint: install Python 3.8+ (python.org) and point Resolve at it (PYTHON3HOME)")
else:
    try:
        _bridge = _load_bridge(_TOOL.get("package", ""))
    except Exception as _exc:
        print("[chroma-recovery] error: cannot load the menu-script code (%s)" % (_exc,))
        print("[chroma-recovery] hint: run 'chroma-recovery resolve install-scripts' again")
    else:
        result = _bridge.run_menu_action(_ACTION, globals(), tool=_TOOL)
