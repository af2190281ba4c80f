"""The QC report: 4-way comparisons, contact sheet, loss plot, metrics table, experiments note."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from schemas import AlignmentRecord, CurationRecord, RenderManifest

from ..colour import ACES2065_1, REC709_DISPLAY, convert, recombine
from ..io import read_image, write_png
from ._context import ShotContext, write_json

METRIC_LABELS = {
    "ml_de00_truth_heldout": "ML: mean dE00 vs truth (held-out)",
    "lut_de00_truth_heldout": "MatchGrade LUT (chroma on scan luma): mean dE00 vs truth (held-out)",
    "bal_de00_truth_heldout": "Balanced (chroma on scan luma): mean dE00 vs truth (held-out)",
    "ml_luma_max_abs_dY": "ML: luma identity max |dY'| (before encoding)",
    "ml_chroma_dist_trained": "ML: CbCr distance to reference, trained frames",
    "ml_chroma_dist_heldout": "ML: CbCr distance to reference, held-out frames",
    "lut_chroma_dist_heldout": "LUT: CbCr distance to reference, held-out frames",
    "ml_chroma_flicker": "ML: frame-to-frame chroma flicker",
    "lut_chroma_flicker": "LUT: frame-to-frame chroma flicker",
    "ml_grain_nps_ratio": "ML: luma grain noise power ratio (output / scan)",
}


METRICS_NOTE = (
    "Held-out frames are never trained on. Luma identity is measured on the output before EXR encoding. "
    "The LUT and the balanced scan are scored on their chroma over the scan's luma, as the V4 composite "
    "shows them. dE00 against TRUTH exists for synthetic shots only."
)


def _render_frame(ctx: ShotContext, manifest: RenderManifest, frame: int) -> np.ndarray:
    assert manifest.output is not None
    path = ctx.root / (manifest.output.printf_pattern() % frame)
    return convert(read_image(path), ACES2065_1, REC709_DISPLAY)


def build_report(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    inference: RenderManifest,
    matchgrade: RenderManifest | None,
    loss_png: Path | None,
) -> Path:
    """Write pictures, metrics JSON and one HTML report into ``04_inference_render/QC/<date>/``."""
    from ..alignment import warp_reference
    from ..qc import (
        ReportImage,
        ReportSection,
        ReportTable,
        append_experiment_note,
        contact_sheet,
        four_way,
        html_report,
    )

    qc = ctx.qc_dir("inference")
    tag = f"{ctx.shot}_v{inference.version:03d}"
    sections: list[ReportSection] = []
    frames = [curation.preview_frame, curation.training_frames[len(curation.training_frames) // 2]]
    sheet_images, sheet_labels = [], []
    for frame in frames:
        src = ctx.source.read(frame)
        ref = warp_reference(ctx.reference.read(curation.reference_frame_for(frame)), alignment, src.shape)
        ml = _render_frame(ctx, inference, frame)
        lut = recombine(src, _render_frame(ctx, matchgrade, frame)) if matchgrade else None
        bal = ctx.balanced.read(frame) if ctx.balanced else src
        kind = "held-out preview" if frame == curation.preview_frame else "training"
        picture = four_way(src, bal, ref, ml, lut)
        path = write_png(qc / f"{tag}_fourway_{frame}.png", picture)
        caption = f"Frame {frame} ({kind}): original | balanced | reference | ML | LUT"
        sections.append(ReportSection(caption, images=(ReportImage(caption, path),)))
        sheet_images += [src, ml]
        sheet_labels += [f"scan {frame}", f"ML {frame}"]
    sheet = write_png(qc / f"{tag}_contact.png", contact_sheet(sheet_images, sheet_labels, columns=2))
    sections.append(ReportSection("Contact sheet", images=(ReportImage("scan | ML", sheet),)))
    if loss_png is not None and loss_png.exists():
        sections.append(ReportSection("Training loss", images=(ReportImage("training loss", loss_png),)))
    metrics = dict(inference.metrics)
    if matchgrade is not None:
        metrics.update(matchgrade.metrics)
    table = {METRIC_LABELS.get(k, k): round(v, 5) for k, v in sorted(metrics.items())}
    decisions = {
        "training frames": ", ".join(map(str, curation.training_frames)),
        "held-out preview frame": curation.preview_frame,
        "reference offset / cadence": f"{curation.reference_offset} / {curation.cadence}",
        "alignment": (alignment.summary or f"{alignment.method}, quality {alignment.quality:.3f}")
        + f" [{alignment.motion}]"
        + (" - FELL BACK to manual" if alignment.fell_back else ""),
        "crop (x y r t)": " ".join(str(v) for v in alignment.crop.model_dump().values()),
    }
    sections.insert(
        0,
        ReportSection(
            "Metrics",
            text=METRICS_NOTE,
            table=ReportTable(["metric", "value"], [[k, v] for k, v in table.items()]),
        ),
    )
    sections.insert(
        1,
        ReportSection(
            "Decisions", table=ReportTable(["decision", "value"], [[k, v] for k, v in decisions.items()])
        ),
    )
    write_json(qc / f"{tag}_metrics.json", metrics)
    report = html_report(
        qc / f"{tag}_report.html", f"chroma-recovery QC - {ctx.job.project.name} {ctx.shot}", sections
    )
    ml_de = metrics.get("ml_de00_truth_heldout")
    lut_de = metrics.get("lut_de00_truth_heldout")
    note = (
        f"{ctx.today} {ctx.shot} native inference v{inference.version:03d}: "
        f"luma max|dY'| {metrics.get('ml_luma_max_abs_dY', float('nan')):.2e}"
        + (
            f", held-out dE00 ML {ml_de:.2f} / LUT {lut_de:.2f}"
            if ml_de is not None and lut_de is not None
            else ""
        )
        + f", report {Path(report).relative_to(ctx.root)}"
    )
    append_experiment_note(ctx.root, note)
    return Path(report)
