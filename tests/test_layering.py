"""Layers point down, and no package reaches into another package's private rooms.

    schemas  <-  chroma_engine  <-  nuke_bridge / resolve_bridge  <-  chroma_recovery  (<- scripts/)

Every ``.py`` of the five packages and of ``scripts/`` is parsed with :mod:`ast` (imports inside
functions and ``importlib.import_module("...")`` / ``__import__("...")`` with a literal name count
too). A module may import its own top-level package (private parts included) and the public API of
a *lower* layer; it fails on

* an import of its own layer's other package or of a higher layer (``chroma_engine`` importing
  ``chroma_recovery``, ``nuke_bridge`` importing ``resolve_bridge``, ``schemas`` importing anything
  of ours...);
* an import of another top-level package's ``_private`` module, subpackage or name
  (``from chroma_engine.runner._context import sha256_file``, ``from schemas import _base``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: top-level package -> layer; a module may import only its own package or a strictly lower layer.
LAYERS: dict[str, int] = {
    "schemas": 0,
    "chroma_engine": 1,
    "nuke_bridge": 2,
    "resolve_bridge": 2,
    "chroma_recovery": 3,
}
#: ``scripts/`` (Resolve menu scripts, tools) sits above every package: public APIs only.
SCRIPTS = "scripts"
SCRIPTS_LAYER = 4


@dataclass(frozen=True)
class Violation:
    """One offending import: ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ImportRef:
    """One imported dotted name (``module`` or ``module.name`` for ``from module import name``)."""

    line: int
    target: str


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _module_parts(path: Path, root: Path) -> list[str]:
    """Dotted parts of a file's module (``chroma_engine/io/__init__.py`` -> chroma_engine, io)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return parts


def _resolve_relative(node: ast.ImportFrom, module_parts: list[str], is_package: bool) -> str:
    base = module_parts if is_package else module_parts[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _literal_import_call(node: ast.Call) -> str | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.startswith("."):
        return first.value
    return None


def imported_names(tree: ast.AST, module_parts: list[str], is_package: bool) -> list[ImportRef]:
    """Every absolute dotted name the module imports, wherever the import statement sits."""
    refs: list[ImportRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refs.extend(ImportRef(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve_relative(node, module_parts, is_package) if node.level else (node.module or "")
            for alias in node.names:
                refs.append(ImportRef(node.lineno, module if alias.name == "*" else f"{module}.{alias.name}"))
        elif isinstance(node, ast.Call):
            literal = _literal_import_call(node)
            if literal is not None:
                refs.append(ImportRef(node.lineno, literal))
    return refs


def check_source(source: str, rel_path: str, module_parts: list[str], is_package: bool) -> list[Violation]:
    """The layering violations of one module's source (``module_parts[0]`` is its top-level package)."""
    owner = module_parts[0] if module_parts and module_parts[0] in LAYERS else SCRIPTS
    layer = LAYERS.get(owner, SCRIPTS_LAYER)
    tree = ast.parse(source, filename=rel_path)
    found: list[Violation] = []
    for ref in imported_names(tree, module_parts, is_package):
        parts = ref.target.split(".")
        top = parts[0]
        if top not in LAYERS or top == owner:
            continue
        if LAYERS[top] >= layer:
            found.append(
                Violation(
                    rel_path,
                    ref.line,
                    f"{owner} (layer {layer}) imports {ref.target} (layer {LAYERS[top]}): layers point down",
                )
            )
        private = [p for p in parts[1:] if _is_private(p)]
        if private:
            found.append(
                Violation(
                    rel_path, ref.line, f"{owner} imports {ref.target}: {private[0]} is private to {top}"
                )
            )
    return found


def source_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for folder in (*LAYERS, SCRIPTS):
        files.extend(p for p in (root / folder).rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(files)


def check_tree(root: Path) -> list[Violation]:
    """Violations of every package module and script under ``root``."""
    found: list[Violation] = []
    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        parts = _module_parts(path, root)
        found.extend(check_source(path.read_text(encoding="utf-8"), rel, parts, path.name == "__init__.py"))
    return found


def test_layers_point_down_and_privates_stay_private() -> None:
    files = source_files(REPO_ROOT)
    for package in (*LAYERS, SCRIPTS):
        assert any(p.relative_to(REPO_ROOT).parts[0] == package for p in files), f"no .py found in {package}"
    violations = check_tree(REPO_ROOT)
    assert not violations, f"{len(violations)} layering violation(s):\n" + "\n".join(map(str, violations))


FAKE_ENGINE_MODULE = '''\
"""A module of the engine that climbs and trespasses."""
import schemas
from schemas import SafeName
from schemas._base import FrameRate
from . import _sibling
from ._errors import EngineError
from ..io import _atomic


def late():
    from chroma_recovery import __version__
    import nuke_bridge._job
    return importlib.import_module("resolve_bridge")


def name_grab():
    from chroma_engine.runner import _context
    from schemas import _decode
'''


def test_scanner_names_each_offending_line() -> None:
    found = check_source(
        FAKE_ENGINE_MODULE, "chroma_engine/fake/mod.py", ["chroma_engine", "fake", "mod"], False
    )
    lines = sorted((v.line, v.message.split(":")[0]) for v in found)
    assert lines == [
        (4, "chroma_engine imports schemas._base.FrameRate"),
        (11, "chroma_engine (layer 1) imports chroma_recovery.__version__ (layer 3)"),
        (12, "chroma_engine (layer 1) imports nuke_bridge._job (layer 2)"),
        (12, "chroma_engine imports nuke_bridge._job"),
        (13, "chroma_engine (layer 1) imports resolve_bridge (layer 2)"),
        (18, "chroma_engine imports schemas._decode"),
    ]
    assert all(str(v).startswith(f"chroma_engine/fake/mod.py:{v.line}: ") for v in found)


@pytest.mark.parametrize(
    ("owner", "source", "expected"),
    [
        ("schemas", "from chroma_engine import EngineError\n", 1),
        ("nuke_bridge", "def f():\n    import resolve_bridge\n", 1),
        ("resolve_bridge", "from nuke_bridge import choose_backend\n", 1),
        ("resolve_bridge", "from chroma_recovery.loop import JobQueue\n", 1),
        ("resolve_bridge", "from chroma_engine.conform import plan_conform\n", 0),
        ("chroma_recovery", "from resolve_bridge._frames import TimelineRate\n", 1),
        ("chroma_recovery", "from chroma_recovery.loop._errors import LoopError\n", 0),
        ("chroma_recovery", "from resolve_bridge import TimelineRate\n", 0),
    ],
)
def test_scanner_rules(owner: str, source: str, expected: int) -> None:
    assert len(check_source(source, f"{owner}/m.py", [owner, "m"], False)) == expected


def test_scripts_see_public_apis_only() -> None:
    ok = check_source("from resolve_bridge import run_menu_action\n", "scripts/a.py", ["scripts", "a"], False)
    bad = check_source(
        "from resolve_bridge._menu import run_menu_action\n", "scripts/a.py", ["scripts", "a"], False
    )
    assert ok == [] and [v.line for v in bad] == [1]
