"""QC pictures and reports: four-way comparisons, contact sheets, dE00 heat maps, loss plots, HTML.

Pictures are float32 display R'G'B' arrays (write them with ``chroma_engine.io.write_png``);
``html_report`` writes one self-contained HTML file (verdict, A/B wipe, tables, pictures);
``qc_verdict`` turns a render's metrics into PASS / CHECK in plain words; ``describe_metric`` /
``metric_label`` / ``format_metric`` are the one way a metric key is shown to a person;
``append_experiment_note`` logs a line to ``notes/experiments.md`` of a project.
"""

from ._labels import (
    MEASURES,
    METHODS,
    Measure,
    MetricDescription,
    describe_metric,
    format_metric,
    metric_label,
)
from ._panels import contact_sheet, delta_e_heatmap, four_way
from ._plots import loss_plot
from ._report import (
    ReportImage,
    ReportSection,
    ReportTable,
    ReportWipe,
    append_experiment_note,
    html_report,
    labelled_metrics_table,
    metrics_table,
)
from ._verdict import Comparison, Verdict, qc_verdict

__all__ = [
    "MEASURES",
    "METHODS",
    "Comparison",
    "Measure",
    "MetricDescription",
    "ReportImage",
    "ReportSection",
    "ReportTable",
    "ReportWipe",
    "Verdict",
    "append_experiment_note",
    "contact_sheet",
    "delta_e_heatmap",
    "describe_metric",
    "format_metric",
    "four_way",
    "html_report",
    "labelled_metrics_table",
    "loss_plot",
    "metric_label",
    "metrics_table",
    "qc_verdict",
]
