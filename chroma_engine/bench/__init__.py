"""Benchmarks: quality on synthetic fades, alignment error on known transforms, the real case, median
speed, GPU training/inference speed."""

from pathlib import Path

from ._alignment import bench_alignment
from ._alignment_shots import TEST_SEEDS, TUNE_SEEDS, registration_error, sd_condition
from ._protocol import CONDITIONS, MATCHED_LUT_SMOOTHNESS, REFERENCE_CONDITIONS, ProtocolConfig
from ._protocol import TEST_SEEDS as QUALITY_TEST_SEEDS
from ._protocol import TUNE_SEEDS as QUALITY_TUNE_SEEDS
from ._quality import bench_protocol, bench_quality, bench_tune
from ._realcase import bench_realdata
from ._record import machine_info, markdown_table, write_result
from ._stats import TARGETS, ratio_of_means


def bench_median_table(
    out_dir: Path, size: int = 10, repeats: int = 3
) -> tuple[list[str], list[list[object]]]:
    """Ours vs OpenImageIO ``median_filter`` on a 2048x1556 frame; writes ``median.json``/``.md``."""
    from ..training import bench_median

    result = bench_median(size=size, repeats=repeats)
    columns = ["implementation", "seconds (2048x1556 RGB)", "speedup"]
    rows: list[list[object]] = [
        ["chroma_engine median_clean", result["ours_s"], result["speedup"]],
        ["OpenImageIO ImageBufAlgo.median_filter", result["oiio_s"], 1.0],
    ]
    write_result(
        out_dir,
        "median",
        {"size": size, "result": result},
        columns,
        rows,
        notes=f"\nAccuracy (interior): max error vs OIIO {result.get('max_err_vs_oiio', float('nan')):.4f}"
        f", mean {result.get('mean_err_vs_oiio', float('nan')):.5f}.\n",
    )
    return columns, rows


__all__ = [
    "CONDITIONS",
    "MATCHED_LUT_SMOOTHNESS",
    "QUALITY_TEST_SEEDS",
    "QUALITY_TUNE_SEEDS",
    "REFERENCE_CONDITIONS",
    "TARGETS",
    "TEST_SEEDS",
    "TUNE_SEEDS",
    "bench_alignment",
    "ProtocolConfig",
    "bench_median_table",
    "bench_protocol",
    "bench_quality",
    "bench_tune",
    "bench_realdata",
    "machine_info",
    "markdown_table",
    "registration_error",
    "sd_condition",
    "ratio_of_means",
    "write_result",
]
