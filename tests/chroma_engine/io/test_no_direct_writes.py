"""Every file goes through the durable-write helper: no package writes a file any other way.

The packages' source is parsed and every call that writes a file directly is listed: ``open`` for
writing, ``Path.write_text/write_bytes``, ``cv2.imwrite``, ``torch.save``, ``numpy.save*``, ``savefig``,
``ImageOutput.create``, ``json.dump``/``yaml.dump`` into a stream, OTIO's ``write_to_file`` and the
``shutil`` copies. Such a call is allowed only inside a ``with atomic_target(...)`` block (the helper's
temporary file) or in the helpers themselves.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PACKAGES = ("schemas", "chroma_engine", "chroma_recovery", "nuke_bridge", "resolve_bridge")
#: The helpers, and code that is not ours to make durable.
ALLOWED = {
    "chroma_engine/io/_atomic.py": "the durable-write helper",
}
ALLOWED_DIRS = {
    "resolve_bridge/simulator/": "stands in for Resolve's own exports (Resolve writes those files)",
}
_ATTRS = {"write_text", "write_bytes", "imwrite", "savefig", "savez", "savez_compressed", "write_to_file"}
_SHUTIL = {"copy", "copy2", "copyfile", "copyfileobj", "move", "copytree"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return "?"


def _mode(call: ast.Call, position: int) -> str:
    for keyword in call.keywords:
        if keyword.arg == "mode" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return str(call.args[position].value)
    return "r"


def direct_write(call: ast.Call) -> str | None:
    """What kind of direct file write ``call`` is, or None."""
    func = _name(call.func)
    last = func.rsplit(".", 1)[-1]
    if func in ("open", "io.open", "builtins.open") and set(_mode(call, 1)) & set("wax+"):
        return f"{func}(..., {_mode(call, 1)!r})"
    if last == "open" and func not in ("open", "io.open", "os.open") and set(_mode(call, 0)) & set("wax+"):
        return f"{func}({_mode(call, 0)!r})"
    if last in _ATTRS:
        return func
    if func in ("torch.save", "torch.jit.save", "np.save", "numpy.save"):
        return func
    if func.endswith("ImageOutput.create"):
        return func
    if func.startswith("shutil.") and last in _SHUTIL:
        return func
    if func in ("json.dump", "yaml.dump", "yaml.safe_dump", "yaml.dump_all"):
        stream = len(call.args) > 1 or any(k.arg == "stream" for k in call.keywords)
        if func == "json.dump" or stream:
            return func
    return None


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self.inside_helper = 0

    def visit_With(self, node: ast.With) -> None:
        calls = [item.context_expr for item in node.items if isinstance(item.context_expr, ast.Call)]
        helper = any(_name(call.func).endswith("atomic_target") for call in calls)
        self.inside_helper += helper
        self.generic_visit(node)
        self.inside_helper -= helper

    def visit_Call(self, node: ast.Call) -> None:
        kind = direct_write(node)
        if kind is not None and not self.inside_helper:
            self.found.append((node.lineno, kind))
        self.generic_visit(node)


#: A call on a line carrying this comment writes into memory (a ``BytesIO``), not into a file.
IN_MEMORY = "# into memory"


def direct_writes(source: str) -> list[tuple[int, str]]:
    finder = _Finder()
    finder.visit(ast.parse(source))
    lines = source.splitlines()
    return [(n, kind) for n, kind in finder.found if not lines[n - 1].rstrip().endswith(IN_MEMORY)]


def test_no_package_writes_a_file_directly() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel in ALLOWED or any(rel.startswith(d) for d in ALLOWED_DIRS):
                continue
            for line, kind in direct_writes(path.read_text(encoding="utf-8")):
                offenders.append(f"{rel}:{line}: {kind}")
    assert not offenders, "write through chroma_engine.io's helper instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "code",
    [
        "open(p, 'w')",
        "open(p, mode='ab')",
        "Path(p).open('w', encoding='utf-8')",
        "p.write_text('x')",
        "p.write_bytes(b'x')",
        "cv2.imwrite(p, a)",
        "torch.save(s, p)",
        "np.savez(p, a=a)",
        "fig.savefig(p)",
        "oiio.ImageOutput.create(p)",
        "json.dump(d, handle)",
        "yaml.safe_dump(d, handle)",
        "otio.adapters.write_to_file(t, p)",
        "shutil.copy2(a, b)",
    ],
)
def test_the_rule_sees_each_kind_of_direct_write(code: str) -> None:
    assert direct_writes(code) != []


@pytest.mark.parametrize(
    "code",
    [
        "open(p)",
        "open(p, 'rb')",
        "Path(p).open()",
        "yaml.dump(d, Dumper=D)",
        "json.dumps(d)",
        "with atomic_target(p) as tmp:\n    torch.save(s, tmp)",
        "with atomic_target(p) as tmp, open(tmp, 'wb') as h:\n    np.savez(h, a=a)",
    ],
)
def test_reads_and_writes_through_the_helper_are_allowed(code: str) -> None:
    assert direct_writes(code) == []
