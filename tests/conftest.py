"""Shared fixtures: the repository root, the third-party ``../shared`` folder (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the checkout; tests using it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(autouse=True)
def _short_refit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests check behaviour, not converged quality: the blur-consistent refit runs 60 L-BFGS iterations
    instead of the production 400 (which doubled the suite's time; benchmarks use the real value)."""
    from chroma_engine.training import _degradation

    monkeypatch.setattr(_degradation, "ITERATIONS", 60)
