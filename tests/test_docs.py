"""The documentation stays true: set-up commands, benchmark records, and no development history."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "docs" / "bench"

#: Folders that are not the project's own files (environments, caches, outputs).
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "bench_results",
    "build",
    "dist",
    ".whl",
    ".gl",
    ".device_out",
    "shared",  # reference data next to a checkout, not the project's files
}
#: Wording of development history (OpenJD's own "session" is a different thing and does not match).
HISTORY = re.compile(r"session ?[0-9]|(?:this|last|next|earlier) session", re.IGNORECASE)
#: A benchmark record's name: ``<what>_<machine>[_<variant>]``, e.g. ``quality_cpu2``, ``ddp_h200x4``.
RECORD = re.compile(r"`([a-z0-9_]+?_(?:cpu\d+|h100|h200)(?:x\d+)?(?:_[a-z0-9\-]+)*)(?:\.(?:json|md))?`")
#: A link or path into the records folder (not ``<commit>:docs/bench/...``, which is git history).
BENCH_PATH = re.compile(r"(?<![:/\w])(?:docs/)?bench/([A-Za-z0-9_.\-]+\.(?:json|md))")
#: Marks a record that was removed from docs/bench and is read from git history.
REMOVED = "*(history)*"


def _skipped(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info") or name.startswith("chroma-recovery-demo")


def _project_files() -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(REPO):
        dirs[:] = [d for d in dirs if not _skipped(d)]
        files.extend(Path(folder) / name for name in names)
    return files


def _docs() -> list[Path]:
    return [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").rglob("*.md"))]


def _ci_commands() -> list[str]:
    commands = []
    for line in (REPO / ".ci" / "run").read_text().splitlines():
        line = line.strip()
        # ``command -v TOOL || { install it; }`` prepares the machine (a system package a test needs)
        if not line or line.startswith("#") or line.split()[0] in {"set", "cd", "export", "command"}:
            continue
        commands.append(line)
    return commands


def _setup_section_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    match = re.search(r"^## Set up\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Set up' section"
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", match.group(1), re.MULTILINE | re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_setup_commands_are_what_ci_runs() -> None:
    ci = _ci_commands()
    assert len(ci) == 2, f".ci/run should run the README's two commands, found {ci}"
    assert _setup_section_commands() == ci


def test_bench_paths_in_docs_and_code_exist() -> None:
    code = [p for p in _project_files() if p.suffix == ".py" and p != Path(__file__).resolve()]
    missing = []
    for doc in [*_docs(), *code]:
        for name in BENCH_PATH.findall(doc.read_text()):
            if not (BENCH / name).is_file():
                missing.append(f"{doc.relative_to(REPO)}: docs/bench/{name}")
    assert not missing, "records named in the docs but not in docs/bench:\n" + "\n".join(missing)


def test_record_names_in_docs_exist_unless_marked_removed() -> None:
    kept = {p.stem for p in BENCH.iterdir() if p.suffix in {".json", ".md"}}
    missing = []
    for doc in _docs():
        if doc.name == "CHANGELOG.md":  # it names old records when it says what was renamed
            continue
        for paragraph in re.split(r"\n\s*\n", doc.read_text()):
            # names before the last "removed" mark of a paragraph may be history; after it, not
            tail = paragraph.rsplit(REMOVED, 1)[-1]
            for name in RECORD.findall(tail):
                if name not in kept:
                    missing.append(f"{doc.relative_to(REPO)}: {name}")
    assert not missing, "records named in the docs but not in docs/bench:\n" + "\n".join(missing)


def test_bench_index_lists_every_record_and_only_records() -> None:
    index = (BENCH / "README.md").read_text()
    listed = set(re.findall(r"^\| `([^`]+)`", index, re.MULTILINE))
    stored = {p.stem for p in BENCH.iterdir() if p.name != "README.md"}
    assert listed == stored, (
        f"not indexed: {sorted(stored - listed)}; indexed but absent: {sorted(listed - stored)}"
    )
    for stem in stored:
        assert (BENCH / f"{stem}.json").is_file(), f"{stem}: every record has its JSON"


@pytest.mark.parametrize("kind", ["contents", "names"])
def test_no_development_history_wording(kind: str) -> None:
    hits = []
    for path in _project_files():
        rel = path.relative_to(REPO)
        if kind == "names":
            if HISTORY.search(str(rel)) or "session" in path.name.lower():
                hits.append(str(rel))
            continue
        if path.stat().st_size > 2_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096]:  # binary (images, EXRs)
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if HISTORY.search(line):
                hits.append(f"{rel}:{number}: {line.strip()[:120]}")
    assert not hits, "development-history wording (the project speaks of itself only):\n" + "\n".join(hits)
