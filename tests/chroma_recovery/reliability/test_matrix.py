"""The reliability matrix as tests: every bad input handled cleanly, every fault survived, nothing lost.

``bench reliability`` runs the same cases (plus the tmpfs run at a size that reaches the renders); here
they run on one tiny shot: a full disk under each kind of output, a whole run on a real tiny tmpfs
(skipped where mount is not permitted), a corrupt checkpoint, a stale worker, and ``kill -9`` in the
middle of each of the five stages followed by QC.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chroma_recovery.reliability import (
    FULL_DISK_KINDS,
    INPUT_CASES,
    KILL_STAGES,
    complete_run,
    corrupt_checkpoint,
    full_disk_case,
    kill_stage,
    make_shot,
    real_full_disk,
    run_input_case,
    stale_claim,
)
from chroma_recovery.reliability._common import copy_shot


@pytest.fixture(scope="module")
def shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reliability") / "shot"
    make_shot(root)
    return root


def test_every_bad_input_is_handled_cleanly(shot: Path, tmp_path: Path) -> None:
    failures = []
    for n, case in enumerate(INPUT_CASES):
        result = run_input_case(case, tmp_path / f"case_{n:02d}", shot)
        if not result.handled:
            failures.append(f"{case.name}: exit {result.exit_code}: {result.line}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "write", "after"), FULL_DISK_KINDS, ids=[k[0] for k in FULL_DISK_KINDS])
def test_full_disk_under_each_kind_of_output(name, write, after, tmp_path: Path, shot: Path) -> None:  # type: ignore[no-untyped-def]
    result = full_disk_case(name, write, after)(tmp_path, shot)
    assert result.survived and result.lost == 0, result


def test_whole_run_on_a_real_tiny_disk(tmp_path: Path, shot: Path) -> None:
    media = sum(p.stat().st_size for p in shot.rglob("*") if p.is_file()) // 1024
    result = real_full_disk(tmp_path, shot, size_kib=media + 400)
    if result.skipped:
        pytest.skip(result.detail)
    assert result.survived and result.lost == 0, result


def test_corrupt_checkpoint_and_stale_worker(tmp_path: Path, shot: Path) -> None:
    for n, case in enumerate((corrupt_checkpoint, stale_claim)):
        (tmp_path / str(n)).mkdir()
        result = case(tmp_path / str(n), shot)
        assert result.survived and result.lost == 0, result


@pytest.mark.slow
def test_kill_9_in_each_stage_then_qc_uses_complete_versions(tmp_path: Path, shot: Path) -> None:
    baseline = complete_run(copy_shot(shot, tmp_path / "shot"))
    results = [kill_stage(baseline, stage) for stage in KILL_STAGES]
    assert all(r.survived and r.lost == 0 for r in results), results
    assert sum("mid-stage" in r.detail for r in results) >= 4, results  # the kills landed mid-stage
