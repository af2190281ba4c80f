"""Run under a bare Python (``-I``): import every in-host module behind an import guard.

Usage: ``python -I stdlib_guard.py REPO SITE_PACKAGES``. The path is poisoned on purpose: the
repository (``schemas``, ``chroma_engine``...) and the tool's site-packages (pydantic, OpenImageIO,
OpenTimelineIO, fileseq...) go first on ``sys.path``, so a third-party import would *succeed* if
attempted. A meta-path finder refuses (and records) every top-level module that is neither
``resolve_bridge`` nor in this interpreter's standard library but *is* found on the path (a
module found nowhere is left to fail normally: the stdlib probes ``msvcrt`` and the like). Prints
one JSON line:
``{"python", "attempts", "loaded", "third_party_loaded", "probe"}``; ``probe`` proves the guard
bites (a deliberate ``import pydantic`` must be refused). Standard library only, Python 3.8+.
"""

import importlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import sysconfig

REPO, SITE = sys.argv[1], sys.argv[2]
sys.path[:0] = [REPO, SITE]
_paths = sysconfig.get_paths()
STDLIB = [_paths["stdlib"], _paths["platstdlib"], os.path.join(_paths["platstdlib"], "lib-dynload")]
OURS = "resolve_bridge"
attempts = []


class Guard(importlib.abc.MetaPathFinder):
    """Refuse any top-level import that is not ours and not in the standard library."""

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top == OURS or name != top:
            return None  # our package, or a submodule of an already admitted parent
        if top in sys.builtin_module_names or importlib.machinery.FrozenImporter.find_spec(top):
            return None
        if importlib.machinery.PathFinder.find_spec(top, STDLIB) is not None:
            return None
        if importlib.machinery.PathFinder.find_spec(top, sys.path) is None:
            return None  # found nowhere: an optional probe of the stdlib itself
        attempts.append(name)
        raise ModuleNotFoundError("guard: %s is neither standard library nor resolve_bridge" % name)


sys.meta_path.insert(0, Guard())
package = importlib.import_module(OURS)
folder = os.path.dirname(package.__file__)
for entry in sorted(os.listdir(folder)):
    if entry.endswith(".py") and entry != "__init__.py":
        importlib.import_module(OURS + "." + entry[:-3])
found = list(attempts)
try:
    import pydantic  # noqa: F401 - must be refused: proves the guard works with this path

    probe = "imported"
except ImportError:
    probe = "refused"
third_party = (
    "pydantic",
    "schemas",
    "chroma_engine",
    "chroma_recovery",
    "opentimelineio",
    "OpenImageIO",
    "fileseq",
)
print(
    json.dumps(
        {
            "python": "%d.%d" % sys.version_info[:2],
            "attempts": found,
            "loaded": sorted(m for m in sys.modules if m.split(".")[0] == OURS),
            "third_party_loaded": sorted(m for m in sys.modules if m.split(".")[0] in third_party),
            "probe": probe,
        }
    )
)
