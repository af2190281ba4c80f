"""``bench reliability``: every bad input and every injected fault, counted.

Prints and records: inputs tried / handled cleanly, faults injected / survived, files lost. The target
is all handled, all survived, nothing lost.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from ._common import make_shot
from ._faults import (
    FULL_DISK_KINDS,
    FaultResult,
    corrupt_checkpoint,
    full_disk_case,
    racing_watchers,
    real_full_disk,
    stale_claim,
)
from ._inputs import INPUT_CASES, InputResult, run_input_case
from ._kills import KILL_STAGES, complete_run, kill_stage

Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    return None


def run_inputs(work: Path, shot: Path, progress: Progress = _quiet) -> list[InputResult]:
    results = []
    for n, case in enumerate(INPUT_CASES):
        result = run_input_case(case, work / f"input_{n:02d}", shot)
        progress(f"input  {'ok  ' if result.handled else 'FAIL'} {case.name}: {result.line}")
        results.append(result)
    return results


def run_faults(work: Path, shot: Path, kills: bool = True, progress: Progress = _quiet) -> list[FaultResult]:
    cases: list[tuple[str, Callable[[Path, Path], FaultResult]]] = [
        (name, full_disk_case(name, write, after)) for name, write, after in FULL_DISK_KINDS
    ]
    cases += [("tmpfs", real_full_disk), ("checkpoint", corrupt_checkpoint), ("stale", stale_claim),
              ("watchers", racing_watchers)]  # fmt: skip
    results = []
    for n, (_, case) in enumerate(cases):
        folder = work / f"fault_{n:02d}"
        folder.mkdir(parents=True)
        results.append(case(folder, shot))
        _report(results[-1], progress)
    if kills:
        from ._common import copy_shot

        baseline = complete_run(copy_shot(shot, work / "killed" / "shot"))
        for stage in KILL_STAGES:
            results.append(kill_stage(baseline, stage))
            _report(results[-1], progress)
    return results


def _report(result: FaultResult, progress: Progress) -> None:
    state = "skip" if result.skipped else "ok  " if result.survived else "FAIL"
    progress(f"fault  {state} {result.name}: {result.detail} (lost {result.lost})")


def bench_reliability(
    out_dir: str | os.PathLike[str], kills: bool = True, progress: Progress = _quiet
) -> dict:
    """Run the whole matrix in a temporary folder; write ``reliability.json`` / ``.md`` into ``out_dir``."""
    from chroma_engine.bench import write_result

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        work = Path(tmp)
        make_shot(work / "template")
        shot = work / "template"
        inputs = run_inputs(work, shot, progress)
        faults = run_faults(work, shot, kills, progress)
    injected = [f for f in faults if not f.skipped]
    summary = {
        "inputs_tried": len(inputs),
        "inputs_handled": sum(r.handled for r in inputs),
        "faults_injected": len(injected),
        "faults_survived": sum(f.survived for f in injected),
        "faults_skipped": len(faults) - len(injected),
        "files_lost": sum(f.lost for f in faults),
        "seconds": round(time.perf_counter() - started, 1),
    }
    columns = ["inputs tried", "handled cleanly", "faults injected", "survived", "files lost"]
    rows = [[summary["inputs_tried"], summary["inputs_handled"], summary["faults_injected"],
             summary["faults_survived"], summary["files_lost"]]]  # fmt: skip
    cases = [["input", r.name, "handled" if r.handled else "NOT HANDLED", r.line] for r in inputs]
    cases += [["fault", f.name, "skipped" if f.skipped else "survived" if f.survived else "NOT SURVIVED",
               f"{f.detail} (lost {f.lost})"] for f in faults]  # fmt: skip
    from chroma_engine.bench import markdown_table

    notes = "\n" + markdown_table(["kind", "case", "result", "what happened"], cases)
    data = {"summary": summary, "inputs": [asdict(r) for r in inputs],
            "faults": [asdict(f) for f in faults]}  # fmt: skip
    write_result(out_dir, "reliability", data, columns, rows, notes=notes)
    return {"summary": summary, "columns": columns, "rows": rows, "cases": cases}
