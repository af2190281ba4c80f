"""QC pictures and reports: four-way comparisons, contact sheets, dE00 heat maps, loss plots, HTML.

Pictures are float32 display R'G'B' arrays (write them with ``chroma_engine.io.write_png``);
``html_report`` writes one self-contained HTML file; ``append_experiment_note`` logs a line to
``notes/experiments.md`` of a project.
"""

from ._panels import contact_sheet, delta_e_heatmap, four_way
from ._plots import loss_plot
from ._report import (
    ReportImage,
    ReportSection,
    ReportTable,
    append_experiment_note,
    html_report,
    metrics_table,
)

__all__ = [
    "ReportImage",
    "ReportSection",
    "ReportTable",
    "append_experiment_note",
    "contact_sheet",
    "delta_e_heatmap",
    "four_way",
    "html_report",
    "loss_plot",
    "metrics_table",
]
