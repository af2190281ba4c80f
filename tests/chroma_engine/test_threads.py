"""The engine asks OpenMP for passive waiting before PyTorch loads, unless told otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = "import chroma_engine, torch, os; print(os.environ.get('OMP_WAIT_POLICY'))"


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_wait_policy_is_set_before_torch_unless_the_environment_chose(
    given: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected


def test_after_torch_is_loaded_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch  # noqa: F401 - loaded: the runtime has read its environment already

    from chroma_engine._threads import passive_threads

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert passive_threads() is False and "OMP_WAIT_POLICY" not in os.environ
