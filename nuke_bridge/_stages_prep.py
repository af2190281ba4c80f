"""Stages 01 (dataset curation) and 02 (alignment): node for node the seed NukeX graph.

01: ``Read_SOURCE``/``Read_REF`` -> ``FrameRange`` (1-1) -> one ``FrameHold`` per pair (source frames
on the source side, matching reference frames on the reference side) -> one ``AppendClip`` per side ->
EXR ``Write`` of the pairs (clip frames 1..N). A second ``AppendClip`` interleaving the pairs feeds a
``PostageStamp`` for monitoring.

02: reads 01's pairs; ``F_Align`` (input 0 = the reference pairs to warp, input 1 = the source pairs it
is aligned to; input order [U]) and a manual ``Transform`` path, a ``Dissolve`` choosing between them
(``which`` 0 = F_Align, 1 = manual), a ``Merge2`` difference for QC, then one identical ``Crop`` on both
sides (step-keyed when subtitle keys exist) and an EXR ``Write`` per side.
"""

from __future__ import annotations

import posixpath

from schemas import AlignmentRecord, CropBox, CurationRecord, ShotJob

from ._graph import Curve, Graph, KnobValue, Node, array
from ._layout import add_backdrop, auto_layout
from ._stage_common import (
    WORKING_SPACE,
    BuildOptions,
    Decisions,
    add_read,
    add_read_seq,
    add_write,
    box_value,
    pair_stage_graph,
    render_dir,
    training_input,
)

PAIR_SIDES = ("SOURCE", "REF")
_LOSSLESS = "Zip (1 scanline)"


def pairs_path(job: ShotJob, stage: str, side: str, options: BuildOptions) -> str:
    """Pair clip written by stage 01 (``pairs``) or 02 (``aligned``) for one side (SOURCE/REF)."""
    kind = "pairs" if stage == "curation" else "aligned"
    return posixpath.join(render_dir(job, stage, options), f"{job.shot.name}_{kind}_{side}_####.exr")


def _training_field(job: ShotJob) -> str:
    return "media.balanced" if job.media.balanced is not None else "media.source"


def build_curation(
    job: ShotJob,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    options: BuildOptions | None = None,
) -> Graph:
    """Stage 01: the training pairs as two one-frame-per-pair clips.

    Raises:
        StageInputError: no training frames (``curation.frames``) or an unknown colour space.
    """
    options = options or BuildOptions()
    dec, graph = pair_stage_graph(job, "curation", curation, alignment, options)
    count = len(dec.frames)
    sides = {
        "SOURCE": (training_input(job), _training_field(job), dec.frames),
        "REF": (job.media.reference, "media.reference", dec.reference_frames),
    }
    holds: dict[str, list[Node]] = {}
    for side, (seq, field, frames) in sides.items():
        read = add_read_seq(graph, f"Read_{side}", job, seq, field, "curation", dec.source_size)
        limit = graph.add(
            "FrameRange", {"first_frame": 1, "last_frame": 1}, name=f"FrameRange_{side}", inputs=[read]
        )
        holds[side] = [
            graph.add(
                "FrameHold",
                {"firstFrame": frame, "increment": 0},
                name=f"FrameHold_{side}_{index}",
                inputs=[limit],
            )
            for index, frame in enumerate(frames, start=1)
        ]
    appends = {}
    for side in PAIR_SIDES:
        appends[side] = graph.add(
            "AppendClip", {"firstFrame": 1, "lastFrame": count}, name=f"AppendClip_{side}", inputs=holds[side]
        )
    for side in PAIR_SIDES:
        path = pairs_path(job, "curation", side, options)
        add_write(graph, f"Write_{side}_PAIRS", appends[side], path, 1, count, WORKING_SPACE, _LOSSLESS)
    interleaved = [hold for pair in zip(holds["SOURCE"], holds["REF"], strict=True) for hold in pair]
    monitor = graph.add(
        "AppendClip", {"firstFrame": 1, "lastFrame": 2 * count}, name="AppendClip_MONITOR", inputs=interleaved
    )
    graph.add(
        "PostageStamp",
        {"hide_input": False, "postage_stamp": True},
        name="PostageStamp_MONITOR",
        inputs=[monitor],
    )
    auto_layout(graph)
    pairs = ", ".join(f"{s}->{r}" for s, r in zip(dec.frames, dec.reference_frames, strict=True))
    add_backdrop(graph, f"01 dataset curation\n{job.shot.name}: {pairs}", list(graph.nodes), 0x7171C600)
    return graph


def _crop_value(dec: Decisions) -> tuple[KnobValue, bool]:
    """The Crop ``box``: literal when constant, else one step curve per field (x, y, r, t)."""
    boxes = [box for _, box in dec.crop_keys]
    if all(box == boxes[0] for box in boxes):
        return box_value(boxes[0]), False
    fields: list[KnobValue] = []
    for attr in ("x", "y", "r", "t"):
        keys: list[tuple[int, int]] = []
        for frame, box in dec.crop_keys:
            value = getattr(box, attr)
            if not keys or keys[-1][1] != value:
                keys.append((frame, value))
        fields.append(Curve.step(keys))
    return array(*fields), True


def _region(dec: Decisions) -> tuple[KnobValue, KnobValue]:
    """F_Align analysis region: the training crop (first key), else the central 80 %."""
    box: CropBox = dec.crop_keys[0][1]
    width, height = dec.source_size
    if (box.x, box.y, box.r, box.t) == (0, 0, width, height):
        box = CropBox(x=width // 10, y=height // 10, r=width - width // 10, t=height - height // 10)
    return array(box.x, box.y), array(box.r, box.t)


def build_alignment(
    job: ShotJob,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    options: BuildOptions | None = None,
) -> Graph:
    """Stage 02: align the reference pairs onto the source pairs, crop both identically, write both.

    Raises:
        StageInputError: no training frames (``curation.frames``).
    """
    options = options or BuildOptions()
    dec, graph = pair_stage_graph(job, "alignment", curation, alignment, options)
    count = len(dec.frames)
    reads = {
        side: add_read(
            graph,
            f"Read_{side}_PAIRS",
            pairs_path(job, "curation", side, options),
            1,
            count,
            WORKING_SPACE,
            dec.source_size,
        )
        for side in PAIR_SIDES
    }
    src, ref = reads["SOURCE"], reads["REF"]
    perspective = dec.motion == "perspective"
    region_bl, region_tr = _region(dec)
    falign = graph.add(
        "OFXuk.co.thefoundry.furnace.f_align_v403",
        {
            "range": "Source Clip Range",
            "scale": True,
            "rotate": True,
            "translate": True,
            "perspective": perspective,
            "regionBL": region_bl,
            "regionTR": region_tr,
            "accuracy": 0.9,
        },
        name="F_Align_REF",
        inputs=[ref, src],
    )
    t = dec.transform
    manual = graph.add(
        "Transform",
        {
            "translate": array(t.translate_x, t.translate_y),
            "rotate": t.rotate,
            "scale": t.scale,
            "center": array(t.center_x, t.center_y),
            "filter": "Cubic",
            "black_outside": True,
        },
        name="Transform_REF_MANUAL",
        inputs=[ref],
    )
    switch = graph.add(
        "Dissolve", {"which": 1 if dec.use_manual else 0}, name="Dissolve_PATH", inputs=[falign, manual]
    )
    graph.add(
        "Merge2",
        {"operation": "difference", "output": "rgb"},
        name="Merge_QC_DIFFERENCE",
        inputs=[src, switch],
    )
    box, keyed = _crop_value(dec)
    crop_knobs: dict[str, KnobValue] = {"box": box, "reformat": False, "crop": True}
    crops = {
        "SOURCE": graph.add("Crop", dict(crop_knobs), name="Crop_SOURCE", inputs=[src]),
        "REF": graph.add("Crop", dict(crop_knobs), name="Crop_REF", inputs=[switch]),
    }
    for side in PAIR_SIDES:
        path = pairs_path(job, "alignment", side, options)
        add_write(graph, f"Write_{side}_ALIGNED", crops[side], path, 1, count, WORKING_SPACE, _LOSSLESS)
    auto_layout(graph)
    path_name = "manual Transform" if dec.use_manual else "F_Align"
    label = f"02 alignment\n{job.shot.name}: {path_name} path{', subtitle-keyed crop' if keyed else ''}"
    add_backdrop(graph, label, list(graph.nodes), 0x8E8E3800)
    return graph
