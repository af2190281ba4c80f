"""Bad input is one line naming the file or field, a hint and exit status 2 — never a traceback.

Each case here broke that promise once: a job with bad bytes or a 5000-digit number, a numeric
``schema_version``, a file-system root as project root, a device or size that is not one, a
non-positive interval or stale time, a mistyped project path (which used to create folders), a full
disk under ``submit``. The property-based test feeds random documents and bytes to ``job validate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chroma_engine.io import simulate_full_disk, write_document
from chroma_recovery.cli._app import app

from ...schemas.test_job import make_job

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args])


def assert_clean(result, *needles: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 2, an ``error:`` line naming what is wrong, a hint, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:") or "Error" in line]
    assert errors, result.output
    for needle in needles:
        assert needle in result.output, (needle, result.output)


def _job_file(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "job.json"
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("command", [("job", "validate"), ("nk", "build"), ("run",)])
def test_non_utf8_byte_in_a_job(tmp_path: Path, command: tuple[str, ...]) -> None:
    raw = json.dumps(make_job(tmp_path)).encode().replace(b'"R1"', b'"R\xff1"')
    path = _job_file(tmp_path, raw)
    assert_clean(invoke(*command, path), f"{path}: not UTF-8 text (byte 0xff", "hint: save the file as UTF-8")


@pytest.mark.parametrize("command", [("job", "validate"), ("nk", "build"), ("run",)])
def test_five_thousand_digit_number_in_a_job(tmp_path: Path, command: tuple[str, ...]) -> None:
    raw = json.dumps(make_job(tmp_path)).replace("86400", "9" * 5000).encode()
    path = _job_file(tmp_path, raw)
    assert_clean(invoke(*command, path), f"{path}: a number is out of range")


def test_numeric_schema_version_says_what_to_write(tmp_path: Path) -> None:
    path = _job_file(tmp_path, json.dumps(make_job(tmp_path, schema_version=1)).encode())
    result = invoke("job", "validate", path)
    assert_clean(result, 'schema_version: must be a string such as "1" (got 1)')
    assert "is not supported" not in result.output


@pytest.mark.parametrize("root", ["/", "/..", "//"])
def test_file_system_root_is_not_a_project_root(tmp_path: Path, root: str) -> None:
    doc = make_job(tmp_path)
    doc["project"]["root"] = root
    path = _job_file(tmp_path, json.dumps(doc).encode())
    assert_clean(invoke("job", "validate", path), "project.root: must be a project folder")


def test_device_that_is_not_one(tmp_path: Path) -> None:
    path = _job_file(tmp_path, json.dumps(make_job(tmp_path)).encode())
    assert_clean(invoke("run", path, "--device", "banana"), "--device 'banana' is not a device")
    result = invoke("farm", "task", path, "--step", "infer", "--device", "cuda:x")
    assert_clean(result, "--device 'cuda:x' is not a device")


@pytest.mark.parametrize("size", ["abc", "64", "64x", "x48", "-64x48"])
def test_demo_size_that_is_not_one(tmp_path: Path, size: str) -> None:
    result = invoke("demo", "--out", tmp_path / "demo", "--size", size)
    assert result.exit_code == 2 and "WIDTHxHEIGHT" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize("interval", ["-1", "0", "nan", "inf"])
def test_watch_interval_must_be_positive(tmp_path: Path, interval: str) -> None:
    (tmp_path / "jobs").mkdir()
    for command in ("watch", "watch-renders"):
        assert_clean(invoke(command, tmp_path, "--interval", interval), f"--interval {float(interval)!r}")


@pytest.mark.parametrize("stale", ["0", "-5", "nan", "0.2"])
def test_stale_after_must_be_a_sane_time(tmp_path: Path, stale: str) -> None:
    (tmp_path / "jobs").mkdir()
    assert_clean(invoke("watch", tmp_path, "--once", "--stale-after", stale), "--stale-after")


@pytest.mark.parametrize("command", ["watch", "watch-renders"])
def test_watchers_refuse_a_mistyped_project_and_create_nothing(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "prjoect"
    assert_clean(invoke(command, missing, "--once"), f"{missing}: no such project folder")
    assert not missing.exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    assert_clean(invoke(command, plain, "--once"), "not a chroma-recovery project")
    assert list(plain.iterdir()) == []


def test_submit_to_a_full_disk(tmp_path: Path) -> None:
    import schemas

    (tmp_path / "jobs").mkdir()
    job = schemas.decode_shot_job(make_job(tmp_path), check_paths=False)
    path = write_document(tmp_path / "job.json", job)
    with simulate_full_disk():
        result = invoke("submit", path)
    assert_clean(result, "jobs/incoming/DEMO_sh010_0001.json: not written (No space left on device)")
    assert not list((tmp_path / "jobs").rglob("*.json"))


# Random documents and bytes: ``job validate`` either validates or prints one clean error.
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
_FIELDS = ["schema_version", "job_id", "project", "shot", "media", "training", "frame_rate", "curation"]


@st.composite
def _job_documents(draw: st.DrawFn) -> object:
    """Real job documents with random fields replaced, added or removed."""
    doc = make_job(Path("/proj"))
    for _ in range(draw(st.integers(0, 3))):
        doc[draw(st.sampled_from(_FIELDS))] = draw(_JSON)
    if draw(st.booleans()):
        doc.pop(draw(st.sampled_from(sorted(doc))), None)
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(_job_documents(), _JSON))
def test_random_documents_never_raise_a_traceback(tmp_path: Path, data: object) -> None:
    raw = json.dumps(data, allow_nan=True).encode()
    result = invoke("job", "validate", _job_file(tmp_path, raw))
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_bytes_never_raise_a_traceback(tmp_path: Path, raw: bytes) -> None:
    result = invoke("job", "validate", _job_file(tmp_path, raw))
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output and "error:" in result.output
