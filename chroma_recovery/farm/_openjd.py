"""The ``openjd`` CLI (openjd-cli): ``openjd check`` and local ``openjd run`` of a bundle.

``openjd run`` executes the steps serially in one local session, without retries: a development and
CI check that the very template a farm receives runs end to end. A failing task makes ``openjd run``
exit non-zero and skips the steps that depend on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._errors import FarmError


def find_openjd() -> Path:
    """``openjd`` beside the running interpreter (a venv's ``bin``), else on ``PATH``."""
    beside = Path(sys.executable).parent / "openjd"
    if beside.is_file():
        return beside
    found = shutil.which("openjd")
    if found is None:
        raise FarmError("the openjd CLI is not installed", hint="pip install openjd-cli")
    return Path(found)


def _run(
    args: Sequence[str], timeout: float | None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [str(find_openjd()), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FarmError(f"openjd {args[0]} ran past {timeout:.0f}s") from exc


def openjd_check(template: str | os.PathLike[str]) -> str:
    """``openjd check TEMPLATE``; returns its output, raises ``FarmError`` when the template is invalid."""
    result = _run(["check", str(template)], timeout=120)
    if result.returncode != 0:
        text = (result.stdout + result.stderr).strip()
        raise FarmError(f"openjd check {template}: {text.splitlines()[-1] if text else 'failed'}")
    return result.stdout


def bundle_parameters(bundle_dir: str | os.PathLike[str]) -> dict[str, object]:
    """The values of a bundle's ``parameter_values.yaml`` (Deadline Cloud's ``parameterValues`` list)."""
    import yaml

    path = Path(bundle_dir) / "parameter_values.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(item["name"]): item["value"] for item in data.get("parameterValues", [])}


def openjd_run(
    template: str | os.PathLike[str],
    params: Mapping[str, object] | None = None,
    *,
    step: str | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``openjd run TEMPLATE -p ...`` (every step in dependency order, or ``step`` with its deps).

    The bundle's ``parameter_values.yaml`` beside the template supplies the values; ``params``
    override them. Returns the completed process (``returncode``, ``stdout`` with every task's
    log); never raises for a failing job, so callers can inspect the log.
    """
    values = {**bundle_parameters(Path(template).parent), **(params or {})}
    # One inline-JSON argument: ``KEY=VALUE`` cannot carry a value with a newline; JSON carries any text.
    args = ["run", str(template), "-p", json.dumps({k: str(v) for k, v in values.items()})]
    if step is not None:
        args += ["--step", step, "--run-dependencies"]
    return _run(args, timeout=timeout, env=env)
