"""``python -m chroma_engine.bench.quality_protocol``: the quality test protocol in one command.

The full protocol on one GPU host, in one command::

    python -m chroma_engine.bench.quality_protocol --device cuda --tune-first --workers 14 \
        --budget-s 420 --out $OUT/quality

first chooses the matched LUT's smoothness and the network's learning rate on the tune seeds
(``quality_tune.*``; at most 35 % of the budget), then runs the test seeds with those choices: 10
of severe (the baselines, the start, the model, its ablations and the model trained on TRUTH), 10 of
extreme, 10 of each condition, then mild, in that order, until the budget (``quality.*``). It trains
on the GPU and runs the CPU stages of 14 shots at a time.

On one H100 with 16 cores a tune shot (48 frames 384x288: six matched LUTs, the start and four
learning rates, 600 steps each) takes about 250 s, and the six tune shots run at once, so the tune
phase alone needs about 260 s. Where one call is limited to 10 minutes, run the phases in two calls:
``--tune`` (writes ``quality_tune.*`` with its choices), then ``--seeds test --smoothness S
--learning-rate LR`` with those choices.

``--quick`` is the CPU smoke run (tiny frames, a few steps; the same code with ``--device cpu``),
``--seeds tune`` the protocol on the tune seeds (the only seeds anything may be chosen on), ``--tune``
the tune phase alone. Each record is rewritten after every shot, so a run stopped early has written
what it measured; progress lines are timestamped.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from ._protocol import CONDITIONS, REFERENCE_CONDITIONS, TEST_SEEDS, TUNE_SEEDS, ProtocolConfig
from ._quality import bench_protocol, bench_quality, bench_tune


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("bench_results"), help="folder for the record")
    parser.add_argument("--device", default="auto", help="training device: auto, cuda, cpu")
    parser.add_argument("--workers", type=int, default=None, help="shot processes (default: cores - 2)")
    parser.add_argument(
        "--budget-s", type=float, default=None, help="stop starting shots that would end later"
    )
    parser.add_argument("--quick", action="store_true", help="two seeds, tiny frames, a few steps (CPU)")
    parser.add_argument(
        "--tune", action="store_true", help="choose the matched LUT's smoothness on tune seeds"
    )
    parser.add_argument(
        "--tune-first", action="store_true", help="choose on the tune seeds, then run the test seeds"
    )
    parser.add_argument("--learning-rate", type=float, default=None, help="the network's (default: job's)")
    parser.add_argument("--smoothness", type=float, default=None, help="the matched LUT's")
    parser.add_argument("--seeds", choices=("test", "tune"), default="test")
    parser.add_argument("--count", type=int, default=None, help="use the first N seeds of the set")
    parser.add_argument("--severity", action="append", choices=("mild", "severe", "extreme"))
    parser.add_argument("--condition", action="append", choices=(*CONDITIONS, *REFERENCE_CONDITIONS))
    parser.add_argument("--no-conditions", action="store_true")
    parser.add_argument(
        "--conditions-only", action="store_true", help="the conditions' shots alone, no severity's own"
    )
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--condition-seeds", type=int, default=None, help="test seeds per condition")
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--frames", type=int, default=None)
    parser.add_argument("--size", default=None, help="WIDTHxHEIGHT")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--work-dir", type=Path, default=None, help="where shots are made (not under --out)")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> ProtocolConfig:
    """The protocol the arguments describe (``--quick`` first, then each override)."""
    config = ProtocolConfig.quick() if args.quick else ProtocolConfig()
    seeds = TUNE_SEEDS if args.seeds == "tune" else (config.seeds if args.quick else TEST_SEEDS)
    changes: dict[str, object] = {"seeds": tuple(seeds[: args.count] if args.count else seeds)}
    if args.count:
        changes["tune_seeds"] = TUNE_SEEDS[: args.count]
    if args.device != "auto" or not args.quick:
        changes["device"] = args.device
    if args.severity:
        changes["severities"] = tuple(args.severity)
    if args.condition:
        changes["conditions"] = tuple(args.condition)
    if args.no_conditions:
        changes["conditions"] = ()
    if args.conditions_only:
        changes["severities"] = ()
    if args.no_ablations:
        changes["ablations"] = False
    if args.condition_seeds is not None:
        changes["condition_seeds"] = args.condition_seeds
    if args.no_oracle:
        changes["oracle_groups"] = ()
    if args.frames:
        changes["frames"] = args.frames
    if args.size:
        width, height = (int(v) for v in args.size.lower().split("x"))
        changes["size"] = (width, height)
    if args.steps:
        changes["steps"] = args.steps
    if args.learning_rate:
        changes["learning_rate"] = args.learning_rate
    if args.smoothness:
        changes["matched_smoothness"] = args.smoothness
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    config = config_from(args)
    workers = args.workers if args.workers is not None else max(0, (os.cpu_count() or 2) - 2)
    if args.tune:
        bench_tune(args.out, config, workers=workers, budget_s=args.budget_s, work_dir=args.work_dir)
    elif args.tune_first:
        bench_protocol(args.out, config, workers=workers, budget_s=args.budget_s, work_dir=args.work_dir)
    else:
        bench_quality(args.out, config, workers=workers, budget_s=args.budget_s, work_dir=args.work_dir)
    return 0


if __name__ == "__main__":  # pragma: no cover - the command line
    raise SystemExit(main())
