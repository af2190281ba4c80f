"""Benchmark records: the machine they ran on, a JSON file and a Markdown table per benchmark."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..io import write_text_atomic


def cpu_seconds() -> float:
    """CPU time of this process so far (every thread), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class PhaseClock:
    """Wall and CPU seconds per phase, each phase ending at its ``lap``."""

    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    _wall: float = field(default_factory=time.perf_counter)
    _cpu: float = field(default_factory=cpu_seconds)

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), cpu_seconds()
        self.phases[name] = {"wall_s": round(wall - self._wall, 3), "cpu_s": round(cpu - self._cpu, 3)}
        self._wall, self._cpu = wall, cpu


def machine_info() -> dict[str, object]:
    """CPU, core count and accelerator of this machine (recorded with every result)."""
    info: dict[str, object] = {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
            info["gpu_count"] = torch.cuda.device_count()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def fmt(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1e-2 and value else f"{value:.3f}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_result(
    out_dir: str | os.PathLike[str],
    name: str,
    data: dict[str, object],
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    notes: str = "",
) -> tuple[Path, Path]:
    """Write ``<name>.json`` (data + machine + time) and ``<name>.md`` (the table) into ``out_dir``."""
    folder = Path(out_dir)
    machine = data.get("machine") or machine_info()
    record = {
        "benchmark": name,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(),
        "machine": machine,
        **data,
    }
    json_path = write_text_atomic(folder / f"{name}.json", json.dumps(record, indent=2, default=str) + "\n")
    header = f"# {name}\n\nMachine: {machine}\n\n"
    md_path = write_text_atomic(folder / f"{name}.md", header + markdown_table(columns, rows) + notes)
    return json_path, md_path
