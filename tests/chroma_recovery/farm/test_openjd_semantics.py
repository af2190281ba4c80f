"""The bundle under ``openjd run`` with a stand-in command: chunking, step order, the model env, failures.

The stand-in ``ChromaRecoveryCommand`` logs its arguments (one JSON line per call) and, for
``--step model``, prints ``openjd_env: CHROMA_RECOVERY_MODEL=...`` exactly as the real task does; so
these tests check what OpenJD does with the template, independently of the engine.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from chroma_recovery.farm import openjd_run, write_bundle

STUB = """
import json, os, sys
args = sys.argv[1:]
log = os.environ.get("STUB_LOG") or sys.argv[0] + ".log"
step = args[args.index("--step") + 1]
with open({log!r}, "a") as handle:
    model = os.environ.get("CHROMA_RECOVERY_MODEL")
    handle.write(json.dumps({{"step": step, "args": args, "model_env": model}}) + "\\n")
if step == "model":
    print("openjd_env: CHROMA_RECOVERY_MODEL=/pinned/model.pt", flush=True)
if step == {fail!r}:
    print("error: training diverged at step 7", file=sys.stderr)
    sys.exit(2)
"""


def _stub(tmp_path: Path, fail: str = "") -> tuple[str, Path]:
    log = tmp_path / "calls.jsonl"
    script = tmp_path / "stub.py"
    script.write_text(STUB.format(log=str(log), fail=fail))
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}", log


def _calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _opt(call: dict, name: str) -> str:
    return call["args"][call["args"].index(name) + 1]


def test_steps_chunks_and_model_environment(shot: Path, tmp_path: Path) -> None:
    command, log = _stub(tmp_path)
    info = write_bundle(shot, tmp_path / "bundle", chunk_size=4, command=command)
    result = openjd_run(info.template, {"ChunkSize": 4}, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    calls = _calls(log)
    order = [c["step"] for c in calls]
    assert order[:2] == ["prepare", "train"] and order[-1] == "finalize"
    infer = [c for c in calls if c["step"] == "infer"]
    grade = [c for c in calls if c["step"] == "matchgrade"]
    assert [_opt(c, "--frames") for c in infer] == ["1001-1004", "1005-1006"]
    assert [_opt(c, "--frames") for c in grade] == ["1001-1004", "1005-1006"]
    # the step environment ran once, before the first Infer task, and its export reached every task
    assert order.count("model") == 1 and order.index("model") < order.index("infer")
    assert {c["model_env"] for c in infer} == {"/pinned/model.pt"}  # read by `farm task --model`
    assert {_opt(c, "--version-dir") for c in infer} == {info.infer_version_dir}
    finalize = calls[-1]["args"]
    assert finalize.count("--version-dir") == 2
    assert all(_opt(c, "--project-root") == str(shot.parent) for c in calls)
    assert _opt(calls[1], "--steps") == str(json.loads(shot.read_text())["training"]["steps"])


def test_chunk_size_parameter_changes_the_tasks(shot: Path, tmp_path: Path) -> None:
    command, log = _stub(tmp_path)
    info = write_bundle(shot, tmp_path / "bundle", chunk_size=4, command=command)
    result = openjd_run(info.template, {"ChunkSize": 5, "Steps": 11}, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    calls = _calls(log)
    assert [_opt(c, "--frames") for c in calls if c["step"] == "infer"] == ["1001-1005", "1006-1006"]
    assert _opt(next(c for c in calls if c["step"] == "train"), "--steps") == "11"


def test_train_failure_stops_dependent_steps(shot: Path, tmp_path: Path) -> None:
    command, log = _stub(tmp_path, fail="train")
    info = write_bundle(shot, tmp_path / "bundle", command=command)
    result = openjd_run(info.template, timeout=120)
    assert result.returncode != 0
    assert "training diverged at step 7" in result.stdout + result.stderr
    steps = [c["step"] for c in _calls(log)]
    assert "train" in steps
    assert not {"model", "infer", "finalize"} & set(steps)
