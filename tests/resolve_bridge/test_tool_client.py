"""The in-host tool client: argv, environment, replies, and every way a tool can fail to answer."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from resolve_bridge import HOST_PROTOCOL, ToolClient, ToolError, ToolRecord, read_reply

ECHO = (
    """
import json, os, sys
request = json.loads(sys.stdin.read())
print("a log line the client must ignore")
print(json.dumps({"protocol": %d, "ok": True, "result": {
    "argv": sys.argv[1:], "args": request["args"], "home": os.environ.get("PYTHONHOME"),
    "encoding": os.environ.get("PYTHONIOENCODING")}}))
"""
    % HOST_PROTOCOL
)


def _tool(tmp_path: Path, body: str, name: str = "chroma-recovery") -> ToolRecord:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return ToolRecord(executable=str(path), python=sys.executable)


@pytest.mark.skipif(os.name == "nt", reason="shebang tools")
def test_request_goes_through_argv_and_stdin_without_foreign_python_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONHOME", "/Applications/DaVinci Resolve/Python")  # Resolve's, not ours
    result = ToolClient(_tool(tmp_path, ECHO)).call("write-job", {"job": {"a": 1}, "where": tmp_path})
    assert result["argv"] == ["resolve", "host", "write-job"]
    assert result["args"] == {"job": {"a": 1}, "where": str(tmp_path)}
    assert result["home"] is None and result["encoding"] == "utf-8"


@pytest.mark.skipif(os.name == "nt", reason="shebang tools")
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'import sys; sys.stdin.read(); print(\'{"protocol": 1, "ok": false, "error": "bad job\\\\nmore", '
            '"hint": "fix it"}\'); sys.exit(2)',
            "bad job",
        ),
        (
            "import sys; sys.stderr.write('Traceback...\\nModuleNotFoundError: no pydantic\\n'); sys.exit(1)",
            "gave no reply (exit status 1): ModuleNotFoundError: no pydantic",
        ),
        ('print(\'{"protocol": 7, "ok": true, "result": 1}\')', "speaks host protocol 7"),
    ],
    ids=["refused", "crashed", "other-protocol"],
)
def test_failures_are_one_line_tool_errors(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ToolError) as info:
        ToolClient(_tool(tmp_path, body)).call("config", {"path": "x"})
    assert expected in str(info.value) and "\n" not in str(info.value)
    assert info.value.verb == "config" and info.value.hint


@pytest.mark.skipif(os.name == "nt", reason="shebang tools")
def test_a_tool_that_hangs_is_stopped(tmp_path: Path) -> None:
    client = ToolClient(_tool(tmp_path, "import time; time.sleep(30)"), timeout_s=0.5)
    with pytest.raises(ToolError, match="gave no answer within 0.5 s"):
        client.call("renders", {})


def test_missing_command_falls_back_to_python_then_says_reinstall(tmp_path: Path) -> None:
    record = ToolRecord(executable=str(tmp_path / "gone"), python=sys.executable)
    assert record.argv("config") == [sys.executable, "-m", "chroma_recovery", "resolve", "host", "config"]
    with pytest.raises(ToolError, match=r"tool was not found \(.*gone or .*nothing\)"):
        ToolRecord(executable=str(tmp_path / "gone"), python=str(tmp_path / "nothing")).argv("config")
    with pytest.raises(ToolError, match="installed for host protocol 0"):
        ToolRecord(python=sys.executable, protocol=0).argv("config")
    not_runnable = tmp_path / "chroma-recovery"
    not_runnable.write_text("no shebang, not executable")
    with pytest.raises(ToolError, match="cannot run .*chroma-recovery") as info:
        ToolClient(ToolRecord(executable=str(not_runnable))).call("config", {})
    assert "install-scripts" in info.value.hint


def test_record_round_trip_and_in_process_handler() -> None:
    record = ToolRecord("/t/chroma-recovery", "/t/python", "/t/resolve_bridge")
    assert ToolRecord.from_mapping(record.as_mapping()) == record
    assert ToolClient.from_record(record.as_mapping()).record == record
    seen: list[tuple[str, dict]] = []

    def handler(verb: str, text: str) -> str:
        seen.append((verb, json.loads(text)))
        return json.dumps({"protocol": HOST_PROTOCOL, "ok": True, "result": [1, 2]})

    client = ToolClient(handler=handler)
    assert ToolClient.from_record(client) is client
    assert client.call("renders", {"project_root": "/p"}) == [1, 2]
    assert seen == [("renders", {"protocol": HOST_PROTOCOL, "args": {"project_root": "/p"}})]
    with pytest.raises(ValueError):
        ToolClient()
    assert read_reply("x", "log\n" + json.dumps({"protocol": HOST_PROTOCOL, "ok": True, "result": 5})) == 5
