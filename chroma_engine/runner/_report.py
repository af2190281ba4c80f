"""The QC report of a shot: verdict, A/B wipe on the held-out preview frame, measurements, alignment,
decisions, four-way comparisons, contact sheet, loss plot; metrics JSON and an experiments note."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schemas import AlignmentRecord, CurationRecord, RenderManifest

from ..colour import ACES2065_1, REC709_DISPLAY, convert, recombine
from ..io import read_image, write_png
from ..qc import (
    ReportImage,
    ReportSection,
    ReportTable,
    ReportWipe,
    append_experiment_note,
    contact_sheet,
    four_way,
    html_report,
    labelled_metrics_table,
    qc_verdict,
)
from ._context import ShotContext, write_json

METRICS_NOTE = (
    "Held-out frames are never trained on. Luma identity is measured on the output before EXR encoding. "
    "The LUT and the balanced scan are scored on their chroma over the scan's luma, as the V4 composite "
    "shows them. Colour error against the true colours exists for synthetic shots only; on a real shot "
    "the colour distance to the aligned reference is the comparison."
)

WIPE_NOTE = (
    "Drag the slider (or the picture) to move the split; choose what each side shows with the buttons. "
    "The frame is held out: the model never saw it in training."
)

#: Difference pictures shown for an alignment record without a QC sheet (one per training frame).
ALIGNMENT_PICTURES = 3


@dataclass(frozen=True)
class FrameViews:
    """One frame as every method shows it (display R'G'B'); ``lut`` and ``truth`` may be missing."""

    frame: int
    original: np.ndarray
    balanced: np.ndarray
    reference: np.ndarray
    ml: np.ndarray
    lut: np.ndarray | None
    truth: np.ndarray | None


def _render_frame(ctx: ShotContext, manifest: RenderManifest, frame: int) -> np.ndarray:
    assert manifest.output is not None
    path = ctx.root / (manifest.output.printf_pattern() % frame)
    return convert(read_image(path), ACES2065_1, REC709_DISPLAY)


def frame_views(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    inference: RenderManifest,
    matchgrade: RenderManifest | None,
    frame: int,
) -> FrameViews:
    """Read ``frame`` of the scan, reference (warped onto the scan), ML and LUT renders, truth."""
    from ..alignment import warp_reference

    src = ctx.source.read(frame)
    ref = warp_reference(ctx.reference.read(curation.reference_frame_for(frame)), alignment, src.shape)
    return FrameViews(
        frame=frame,
        original=src,
        balanced=ctx.balanced.read(frame) if ctx.balanced else src,
        reference=ref,
        ml=_render_frame(ctx, inference, frame),
        lut=recombine(src, _render_frame(ctx, matchgrade, frame)) if matchgrade else None,
        truth=ctx.truth.read(frame) if ctx.truth else None,
    )


def _wipe(views: FrameViews) -> ReportWipe:
    versions = {
        "original": ReportImage("Original scan", views.original),
        "ml": ReportImage("ML restore", views.ml),
    }
    if views.lut is not None:
        versions["lut"] = ReportImage("MatchGrade LUT", views.lut)
    versions["reference"] = ReportImage("Reference (aligned)", views.reference)
    if views.truth is not None:
        versions["truth"] = ReportImage("True colours (synthetic)", views.truth)
    return ReportWipe(versions, left="original", right="ml", caption=WIPE_NOTE)


def alignment_section(ctx: ShotContext, alignment: AlignmentRecord) -> ReportSection:
    """How the reference was laid onto the scan: the record's sentence (transform and match quality in
    a colorist's words), the training crop, and the alignment stage's QC sheet (every training pair's
    difference and edge overlay; misregistration shows as double edges). Records written before the
    sheet existed show their difference pictures instead."""
    from ..alignment import alignment_sentence

    sentence = alignment.summary or alignment_sentence(alignment)
    how = "Registered automatically" if alignment.method == "auto" else "Manual transform"
    crop = alignment.crop
    text = (
        f"{sentence[:1].upper()}{sentence[1:]}. {how} ({alignment.motion} motion); training crop "
        f"x {crop.x}-{crop.r}, y {crop.y}-{crop.t} (scan pixels, y up)."
    )
    record = ctx.record_path("alignment")
    sheet = record.parent / f"{ctx.shot}_alignment_sheet.png" if record else None
    if sheet is not None and sheet.is_file():
        caption = "Every training pair: |scan - reference| and edges (scan green, reference magenta)"
        return ReportSection("Alignment", text=text, images=[ReportImage(caption, sheet)])
    pictures = sorted(record.parent.glob("*_diff_*.png"))[:ALIGNMENT_PICTURES] if record else []
    captions = [f"Difference after alignment, frame {p.stem.rsplit('_', 1)[-1]}" for p in pictures]
    images = [ReportImage(caption, p) for caption, p in zip(captions, pictures, strict=True)]
    return ReportSection("Alignment", text=text, images=images)


def build_report(
    ctx: ShotContext,
    curation: CurationRecord,
    alignment: AlignmentRecord,
    inference: RenderManifest,
    matchgrade: RenderManifest | None,
    loss_png: Path | None,
) -> Path:
    """Write pictures, metrics JSON and one HTML report into ``04_inference_render/QC/<date>/``."""
    qc = ctx.qc_dir("inference")
    tag = f"{ctx.shot}_v{inference.version:03d}"
    metrics = dict(inference.metrics)
    if matchgrade is not None:
        metrics.update(matchgrade.metrics)
    verdict = qc_verdict(metrics)
    preview = curation.preview_frame
    trained = curation.training_frames[len(curation.training_frames) // 2]
    views = [frame_views(ctx, curation, alignment, inference, matchgrade, f) for f in (preview, trained)]
    decisions = {
        "training frames": ", ".join(map(str, curation.training_frames)),
        "held-out preview frame": preview,
        "reference offset / cadence": f"{curation.reference_offset} / {curation.cadence}",
        "alignment": (alignment.summary or f"{alignment.method}, quality {alignment.quality:.3f}")
        + f" [{alignment.motion}]"
        + (" - FELL BACK to manual" if alignment.fell_back else ""),
        "crop (x y r t)": " ".join(str(v) for v in alignment.crop.model_dump().values()),
    }
    sections = [
        ReportSection("Verdict", verdict=verdict),
        ReportSection(f"Compare on held-out frame {preview}", wipe=_wipe(views[0])),
        ReportSection("Measurements", text=METRICS_NOTE, table=labelled_metrics_table(metrics)),
        alignment_section(ctx, alignment),
        ReportSection(
            "Decisions", table=ReportTable(["decision", "value"], [[k, v] for k, v in decisions.items()])
        ),
    ]
    sheet_images, sheet_labels = [], []
    for view in views:
        kind = "held-out preview" if view.frame == preview else "training"
        picture = four_way(view.original, view.balanced, view.reference, view.ml, view.lut)
        path = write_png(qc / f"{tag}_fourway_{view.frame}.png", picture)
        caption = "original scan | balanced | reference (aligned) | ML restore" + (
            " | MatchGrade LUT" if view.lut is not None else ""
        )
        sections.append(ReportSection(f"Frame {view.frame}, {kind}", images=(ReportImage(caption, path),)))
        sheet_images += [view.original, view.ml]
        sheet_labels += [f"scan {view.frame}", f"ML {view.frame}"]
    sheet = write_png(qc / f"{tag}_contact.png", contact_sheet(sheet_images, sheet_labels, columns=2))
    caption = f"original scan | ML restore: frame {preview} (held-out preview), frame {trained} (training)"
    sections.append(ReportSection("Contact sheet", images=(ReportImage(caption, sheet),)))
    if loss_png is not None and loss_png.exists():
        sections.append(ReportSection("Training loss", images=(ReportImage("training loss", loss_png),)))
    write_json(qc / f"{tag}_metrics.json", metrics)
    report = html_report(
        qc / f"{tag}_report.html",
        f"QC {ctx.job.project.name} {ctx.shot}: ML restore v{inference.version:03d}",
        sections,
        subtitle=f"job {ctx.job.job_id}",
    )
    ml_de = metrics.get("ml_de00_truth_heldout")
    lut_de = metrics.get("lut_de00_truth_heldout")
    note = (
        f"{ctx.today} {ctx.shot} native inference v{inference.version:03d}: {verdict.word}, "
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
