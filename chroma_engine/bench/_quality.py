"""``bench quality``: the quality test protocol end to end (``_protocol``), shot by shot.

Shots run in a pool of worker processes (``workers``; 0 = in this process), each one synthesising,
curating and aligning its shot on the CPU and training its models on ``config.device`` (CUDA when
present with ``auto``). The record (``<name>.json`` and ``<name>.md``) is rewritten after every shot,
so a run stopped early has written what it measured; a shot that fails is recorded with its error.
With ``budget_s`` no shot is started that the slowest shot so far could not finish in time, and the
shots still running at the budget are stopped and listed as cut.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._protocol import (
    CONDITIONS,
    LEARNING_RATE_GRID,
    REFERENCE_CONDITIONS,
    SMOOTHNESS_GRID,
    TEST_SEEDS,
    TUNE_SEEDS,
    Method,
    ProtocolConfig,
    ShotSpec,
    tune_methods,
)
from ._quality_report import protocol_markdown, tune_markdown
from ._record import machine_info
from ._shot_eval import evaluate_shot
from ._stats import group_summary, targets

Log = Callable[[str], None]
HELD_OUT_RULE = "frames >= temporal_radius + 1 from every training frame, up to 12 spread over the shot"


def log_line(message: str) -> None:
    """A timestamped progress line on stderr."""
    stamp = _dt.datetime.now().isoformat(timespec="seconds")
    print(f"{stamp} {message}", file=sys.stderr, flush=True)


def _init_worker(threads: int) -> None:
    """Each worker process: ``threads`` torch / OpenCV threads (the pool shares the host's cores)."""
    import cv2
    import torch

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    os.environ.setdefault("MPLBACKEND", "Agg")


def _run_one(spec: ShotSpec, config: ProtocolConfig, work: str, keep: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"{spec.name}_", dir=work))
    try:
        return evaluate_shot(spec, config, folder)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _describe(record: dict[str, Any]) -> str:
    if record.get("status") != "ok":
        return f"{record['shot']} {record.get('status')}: {record.get('error', '')}"
    de = {k: v["de00"] for k, v in record["methods"].items()}
    shown = " ".join(f"{k} {v:.3f}" for k, v in de.items())
    return f"{record['shot']} ok in {record['wall_s']:.0f} s (cpu {record['cpu_s']:.0f} s): {shown}"


def _run_shots(
    shots: list[ShotSpec],
    config: ProtocolConfig,
    workers: int,
    budget_s: float | None,
    work: Path,
    keep: bool,
    on_shot: Callable[[dict[str, Any]], None],
    log: Log,
    cut: bool = True,
) -> None:
    """Run ``shots`` (in order of priority) in ``workers`` processes, calling ``on_shot`` as each ends.
    At ``budget_s`` the shots still running are stopped (``cut``) or waited for (not ``cut``)."""
    started = time.perf_counter()
    if workers <= 0:
        for index, spec in enumerate(shots):
            if budget_s is not None and time.perf_counter() - started > budget_s:
                on_shot(
                    {"shot": spec.name, "group": spec.group, "seed": spec.seed, "status": "not run (budget)"}
                )
                continue
            record = _run_one(spec, config, str(work), keep)
            log(f"[{index + 1}/{len(shots)}] {_describe(record)}")
            on_shot(record)
        return
    threads = max(1, (os.cpu_count() or 2) // workers)
    pool = multiprocessing.get_context("spawn").Pool(workers, _init_worker, (threads,))
    pending = list(shots)
    running: dict[str, tuple[ShotSpec, Any, float]] = {}
    slowest, done = 0.0, 0
    try:
        while pending or running:
            elapsed = time.perf_counter() - started
            while pending and len(running) < workers:
                spec = pending.pop(0)
                if budget_s is not None and slowest and elapsed + slowest > budget_s:
                    on_shot(
                        {
                            "shot": spec.name,
                            "group": spec.group,
                            "seed": spec.seed,
                            "status": "not run (budget)",
                        }
                    )
                    continue
                task = pool.apply_async(_run_one, (spec, config, str(work), keep))
                running[spec.name] = (spec, task, time.perf_counter())
            for name, (spec, task, since) in list(running.items()):
                if task.ready():
                    del running[name]
                    done += 1
                    try:
                        record = task.get()
                    except Exception as exc:  # the worker itself died
                        record = {"shot": name, "group": spec.group, "seed": spec.seed, "status": "failed"}
                        record["error"] = f"{type(exc).__name__}: {exc}"
                    slowest = max(slowest, time.perf_counter() - since)
                    log(f"[{done}/{len(shots)}] {_describe(record)}")
                    on_shot(record)
            if cut and budget_s is not None and time.perf_counter() - started > budget_s and running:
                for name, (spec, _task, _since) in running.items():
                    on_shot({"shot": name, "group": spec.group, "seed": spec.seed, "status": "cut (budget)"})
                    log(f"{name} cut at the time budget")
                for spec in pending:
                    on_shot(
                        {
                            "shot": spec.name,
                            "group": spec.group,
                            "seed": spec.seed,
                            "status": "not run (budget)",
                        }
                    )
                return
            time.sleep(0.5)
    finally:
        pool.terminate()
        pool.join()


def _protocol_record(config: ProtocolConfig, workers: int, budget_s: float | None) -> dict[str, Any]:
    import dataclasses

    return {
        "machine": machine_info(),
        "config": dataclasses.asdict(config),
        "tune_seeds": list(TUNE_SEEDS),
        "test_seeds": list(TEST_SEEDS),
        "seeds_used": list(config.seeds),
        "seeds_are_test_seeds": set(config.seeds) <= set(TEST_SEEDS),
        "conditions": {n: c.model_dump() for n, c in CONDITIONS.items() if n in config.conditions}
        | {n: o for n, o in REFERENCE_CONDITIONS.items() if n in config.conditions},
        "held_out_rule": HELD_OUT_RULE,
        "workers": workers,
        "budget_s": budget_s,
    }


def bench_quality(
    out_dir: Path,
    config: ProtocolConfig | None = None,
    *,
    workers: int = 0,
    budget_s: float | None = None,
    name: str = "quality",
    work_dir: Path | None = None,
    keep_shots: bool = False,
    cut: bool = True,
    log: Log = log_line,
) -> dict[str, Any]:
    """Run the protocol; returns the record written to ``out_dir/<name>.json`` (and ``.md``). No shot
    is started after ``budget_s``; those running then are stopped unless ``cut`` is False."""
    from ..io import write_text_atomic

    config = config or ProtocolConfig()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = config.plan()
    record = _protocol_record(config, workers, budget_s) | {"shots": [], "groups": {}, "targets": {}}
    started = time.perf_counter()
    log(f"bench quality: {len(shots)} shots, {workers or 'no'} worker processes, device {config.device}")

    def on_shot(result: dict[str, Any]) -> None:
        import json

        record["shots"].append(result)
        by_group: dict[str, list[dict[str, Any]]] = {}
        for shot in record["shots"]:
            by_group.setdefault(shot["group"], []).append(shot)
        record["groups"] = {g: group_summary(s) for g, s in by_group.items()}
        if record["seeds_are_test_seeds"]:  # the targets are judged on test seeds only
            record["targets"] = targets(record["groups"])
        record["elapsed_s"] = round(time.perf_counter() - started, 1)
        record["date"] = _dt.datetime.now(_dt.timezone.utc).isoformat()
        write_text_atomic(out_dir / f"{name}.json", json.dumps(record, indent=2, default=str) + "\n")
        write_text_atomic(out_dir / f"{name}.md", protocol_markdown(record))

    with tempfile.TemporaryDirectory(prefix="bench_quality_", dir=work_dir) as work:
        _run_shots(shots, config, workers, budget_s, Path(work), keep_shots, on_shot, log, cut)
    log(f"bench quality: done in {time.perf_counter() - started:.0f} s; wrote {out_dir / name}.json/.md")
    return record


class TuneConfig(ProtocolConfig):
    """The protocol on the tune seeds with ``tune_methods()``: the matched LUT at every smoothness, the
    model's start and the full model at every learning rate."""

    def methods(self, spec: ShotSpec) -> tuple[Method, ...]:
        return tune_methods()


def _lowest(shots: list[dict[str, Any]], keys: dict[float, str]) -> tuple[dict[float, float], float | None]:
    """Mean dE00 of each candidate (over the shots where every candidate ran) and the lowest one."""
    ok = [s for s in shots if s.get("status") == "ok" and all(k in s["methods"] for k in keys.values())]
    means = {v: sum(s["methods"][k]["de00"] for s in ok) / len(ok) for v, k in keys.items()} if ok else {}
    return means, (min(means, key=lambda v: means[v]) if means else None)


def bench_tune(
    out_dir: Path,
    config: ProtocolConfig | None = None,
    *,
    workers: int = 0,
    budget_s: float | None = None,
    work_dir: Path | None = None,
    log: Log = log_line,
) -> dict[str, Any]:
    """``bench quality --tune``: the choices made on the tune seeds only (lowest mean held-out dE00 over
    every tune shot): the matched LUT's smoothness and the network's learning rate. Writes
    ``quality_tune.json``/``.md`` and returns the record (``chosen_smoothness``, ``chosen_learning_rate``:
    None when no tune shot finished)."""
    import dataclasses
    import json

    from ..io import write_text_atomic

    base = config or ProtocolConfig()
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    severities = tuple(s for s in base.severities if s != "mild") or base.severities
    tune = TuneConfig(
        **(
            fields
            | {"seeds": base.tune_seeds, "severities": severities, "conditions": (), "oracle_groups": ()}
        )
    )
    # a tune shot is never cut: the choices need whole shots (its budget only stops new ones)
    record = bench_quality(
        out_dir,
        tune,
        workers=workers,
        budget_s=budget_s,
        name="quality_tune",
        work_dir=work_dir,
        cut=False,
        log=log,
    )
    smooth, smoothness = _lowest(record["shots"], {v: f"matched_lut@{v:g}" for v in SMOOTHNESS_GRID})
    rates, rate = _lowest(record["shots"], {v: f"ml@{v:g}" for v in LEARNING_RATE_GRID})
    start = [s["methods"]["start"]["de00"] for s in record["shots"] if "start" in s.get("methods", {})]
    record["smoothness_means"] = {f"{k:g}": v for k, v in smooth.items()}
    record["learning_rate_means"] = {f"{k:g}": v for k, v in rates.items()}
    record["start_mean"] = sum(start) / len(start) if start else None
    record["chosen_smoothness"] = smoothness
    record["chosen_learning_rate"] = rate
    write_text_atomic(out_dir / "quality_tune.json", json.dumps(record, indent=2, default=str) + "\n")
    write_text_atomic(out_dir / "quality_tune.md", tune_markdown(record))
    log(f"chosen on the tune seeds {list(base.tune_seeds)}: matched LUT smoothness {smoothness}, lr {rate}")
    return record


def bench_protocol(
    out_dir: Path,
    config: ProtocolConfig | None = None,
    *,
    workers: int = 0,
    budget_s: float | None = None,
    tune_share: float = 0.35,
    work_dir: Path | None = None,
    log: Log = log_line,
) -> dict[str, Any]:
    """``bench quality --tune-first``: ``bench_tune`` on the tune seeds (tune shots start within
    ``tune_share`` of the budget; a started one finishes), then the test protocol with what it chose
    (the defaults where it chose nothing) in the time left. Both records are written to ``out_dir``;
    returns the test record."""
    import dataclasses

    config = config or ProtocolConfig()
    started = time.perf_counter()
    tune_budget = None if budget_s is None else budget_s * tune_share
    tuned = bench_tune(out_dir, config, workers=workers, budget_s=tune_budget, work_dir=work_dir, log=log)
    changes: dict[str, Any] = {}
    if tuned["chosen_smoothness"] is not None:
        changes["matched_smoothness"] = tuned["chosen_smoothness"]
    if tuned["chosen_learning_rate"] is not None:
        changes["learning_rate"] = tuned["chosen_learning_rate"]
    spent = time.perf_counter() - started
    left = None if budget_s is None else max(0.0, budget_s - spent)
    if budget_s is not None and left is not None and left < budget_s * (1.0 - tune_share) / 2:
        log(
            f"the tune phase took {spent:.0f} s of the {budget_s:.0f} s budget: the test seeds get "
            f"{left:.0f} s. Run the phases in separate calls (--tune, then --seeds test --smoothness S "
            "--learning-rate LR with its choices) or give a larger --budget-s"
        )
    return bench_quality(
        out_dir,
        dataclasses.replace(config, **changes),
        workers=workers,
        budget_s=left,
        work_dir=work_dir,
        log=log,
    )
