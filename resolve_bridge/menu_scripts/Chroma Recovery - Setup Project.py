"""Chroma Recovery - Setup Project (DaVinci Resolve: Workspace > Scripts > Utility).

chroma-recovery menu script. Installed by `chroma-recovery resolve install-scripts`, which
records below where the package lives so Resolve's Python can import it. Settings come from
$CHROMA_RECOVERY_CONFIG or ~/.config/chroma-recovery/config.json.
"""

import sys

_PACKAGE_PATHS = []  # filled in at install time
for _path in _PACKAGE_PATHS:
    if _path not in sys.path:
        sys.path.insert(0, _path)

try:
    from resolve_bridge import run_menu_action
except ImportError as _exc:
    print(f"[chroma-recovery] cannot import resolve_bridge ({_exc})")
    print("[chroma-recovery] hint: run 'chroma-recovery resolve install-scripts' again")
else:
    result = run_menu_action("setup", globals())
