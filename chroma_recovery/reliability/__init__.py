"""Reliability: the matrix of bad inputs and injected faults behind ``chroma-recovery bench reliability``.

Inputs must be handled cleanly (one line naming the file or field, a hint, exit status 2), faults must
be survived (a full disk under every kind of output, a real tiny disk, ``kill -9`` in every stage, a
corrupt checkpoint, racing watchers, a stale worker) with no file lost.
"""

from ._common import CliOutcome, make_shot, run_cli
from ._faults import (
    FULL_DISK_KINDS,
    FaultResult,
    corrupt_checkpoint,
    full_disk_case,
    racing_watchers,
    real_full_disk,
    stale_claim,
)
from ._inputs import INPUT_CASES, InputCase, InputResult, run_input_case
from ._kills import KILL_STAGES, Baseline, complete_run, kill_stage
from ._matrix import bench_reliability, run_faults, run_inputs

__all__ = [
    "Baseline",
    "CliOutcome",
    "FULL_DISK_KINDS",
    "FaultResult",
    "INPUT_CASES",
    "InputCase",
    "InputResult",
    "KILL_STAGES",
    "bench_reliability",
    "complete_run",
    "corrupt_checkpoint",
    "full_disk_case",
    "kill_stage",
    "make_shot",
    "racing_watchers",
    "real_full_disk",
    "run_cli",
    "run_faults",
    "run_input_case",
    "run_inputs",
    "stale_claim",
]
