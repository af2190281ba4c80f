"""Farm parameters reach commands as argv items: ``openjd run`` on project paths built to break a shell.

The project root holds ``$(...)``, backticks, both quote kinds, spaces, a newline and non-ASCII text.
A stand-in ``ChromaRecoveryCommand`` records the arguments every task receives; each value must arrive
as exactly one, unchanged argument, and none of the embedded commands may run.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from chroma_recovery.farm import openjd_run, write_bundle

from .conftest import make_shot

RECORDER = """
import json, os, sys
record = {{"args": sys.argv[1:], "model": os.environ.get("CHROMA_RECOVERY_MODEL")}}
with open({log!r}, "a") as handle:
    handle.write(json.dumps(record) + "\\n")
if "model" in sys.argv[1:]:  # as `farm task --step model`: the model copied into the session folder
    session = sys.argv[sys.argv.index("--session-dir") + 1]
    print("openjd_env: CHROMA_RECOVERY_MODEL=" + session + "/chroma_model/model.pt", flush=True)
"""


def _hostile_root(base: Path) -> tuple[Path, list[Path]]:
    """A project root whose path holds shell syntax; returns it and the files its commands would make."""
    marks = [base / "pwned_dollar", base / "pwned_backtick", base / "pwned_semicolon"]
    name = (
        f"a $(touch {marks[0]}) b/`touch {marks[1]}`/q\"uo'te; touch {marks[2]}/"
        "new\nline/unicodé 映画 \\ *?[x]/proj"
    )
    return base / name, marks


def _opt(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == name]


def test_parameters_are_never_parsed_by_a_shell(tmp_path: Path) -> None:
    root, marks = _hostile_root(tmp_path)
    job_file = make_shot(root)
    log = tmp_path / "calls.jsonl"
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER.format(log=str(log)))
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    info = write_bundle(job_file, tmp_path / "bundle", chunk_size=4, command=command)

    result = openjd_run(info.template, timeout=180)

    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    steps = [c["args"][c["args"].index("--step") + 1] for c in calls]
    assert steps[:2] == ["prepare", "train"] and steps[-1] == "finalize" and "model" in steps
    for call in calls:
        args = call["args"]
        assert args[:3] == ["farm", "task", str(job_file.resolve())]  # one argument, unchanged
        assert _opt(args, "--project-root") == [str(root)]
    infer = [c for c in calls if "infer" in c["args"]]
    assert [_opt(c["args"], "--frames") for c in infer] == [["1001-1004"], ["1005-1006"]]
    (model_call,) = [c["args"] for c in calls if "model" in c["args"]]
    pinned = _opt(model_call, "--session-dir")[0] + "/chroma_model/model.pt"
    assert {c["model"] for c in infer} == {pinned}
    assert not [m for m in marks if m.exists()], "a command embedded in a path was run"
