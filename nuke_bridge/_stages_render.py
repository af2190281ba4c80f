"""Stages 03 (CopyCat training), 04 (inference render) and 05 (MatchGrade LUT baseline).

03 reads 02's aligned pairs. Ground truth = the source's Y with the reference's CbCr: ``Median`` on
the reference, ``Colorspace`` linear->YCbCr on both sides, ``Copy`` (B = reference, A = source,
``rgba.red`` -> ``rgba.red``), back to linear, ``Grade`` with both clamps, ``Remove`` alpha. The input
side goes back to linear, Grade, Remove, then ``CopyBBox`` (bbox from the reference). ``CopyCat``
inputs: 0 = input, 1 = ground truth, 2 = preview (the held-out frame via ``FrameHold``).

04: the whole training-input sequence -> clean-up ``Crop`` -> ``Inference`` (``modelFile`` .cat) ->
optional ``Reformat`` to the resolution limit -> EXR ``Write`` (16-bit half DWAA, ACES2065-1). The
Inference node sees single frames, as CopyCat trained on them; the native engine's model sees each
frame's temporal mean (``training.temporal_radius``), so a native model meant for this graph is trained
with radius 0.

05: both sequences lin->log (``OCIOLogConvert``) -> ``MatchGrade`` (Match Graded Source, 3D LUT,
reference frames = training frames, ``.cube`` out) over the whole sequence -> log->lin -> EXR Write.
"""

from __future__ import annotations

import posixpath

from schemas import AlignmentRecord, CropBox, CurationRecord, ShotJob

from ._errors import StageInputError
from ._graph import Curve, Graph, KnobValue, Node
from ._layout import add_backdrop, auto_layout
from ._stage_common import (
    NON_COMMERCIAL_MAX,
    WORKING_SPACE,
    BuildOptions,
    add_read,
    add_read_seq,
    add_write,
    box_value,
    make_root,
    nuke_colourspace,
    pair_stage_graph,
    render_dir,
    resolve_decisions,
    training_input,
)
from ._stages_prep import _training_field, pairs_path

MODEL_SIZES = {"small": "Small", "medium": "Medium", "large": "Large"}


def copycat_directory(job: ShotJob, options: BuildOptions) -> str:
    """CopyCat ``dataDirectory``: ``pipeline/03_copycat_training/<shot>/v###/copycat``."""
    return posixpath.join(render_dir(job, "training", options), "copycat")


def model_file(job: ShotJob, options: BuildOptions) -> str:
    """The ``.cat`` inference uses: ``options.model_file`` or ``<training v###>/model/<shot>.cat``."""
    if options.model_file:
        return options.model_file.replace("\\", "/")
    return posixpath.join(render_dir(job, "training", options), "model", f"{job.shot.name}.cat")


def build_training(
    job: ShotJob,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    options: BuildOptions | None = None,
) -> Graph:
    """Stage 03: the ground-truth construction and the CopyCat node.

    Raises:
        StageInputError: no training frames, or an unknown colour space.
    """
    options = options or BuildOptions()
    dec, graph = pair_stage_graph(job, "training", curation, alignment, options)
    count = len(dec.frames)
    size = dec.source_size
    src = add_read(
        graph,
        "Read_SOURCE_ALIGNED",
        pairs_path(job, "alignment", "SOURCE", options),
        1,
        count,
        WORKING_SPACE,
        size,
    )
    ref = add_read(
        graph, "Read_REF_ALIGNED", pairs_path(job, "alignment", "REF", options), 1, count, WORKING_SPACE, size
    )
    ref_clean: Node = ref
    if job.reference_cleanup.median_size > 0:
        ref_clean = graph.add(
            "Median", {"size": job.reference_cleanup.median_size}, name="Median_REF", inputs=[ref]
        )
    to_ycc = {"colorspace_in": "linear", "colorspace_out": "YCbCr"}
    to_lin = {"colorspace_in": "YCbCr", "colorspace_out": "linear"}
    ref_ycc = graph.add("Colorspace", to_ycc, name="Colorspace_REF_toYCbCr", inputs=[ref_clean])
    src_ycc = graph.add("Colorspace", to_ycc, name="Colorspace_SOURCE_toYCbCr", inputs=[src])
    copy = graph.add(
        "Copy", {"from0": "rgba.red", "to0": "rgba.red"}, name="Copy_Y_from_SOURCE", inputs=[ref_ycc, src_ycc]
    )
    clamp = {"black_clamp": True, "white_clamp": True}
    gt_lin = graph.add("Colorspace", to_lin, name="Colorspace_GT_toLinear", inputs=[copy])
    gt_grade = graph.add("Grade", clamp, name="Grade_GT", inputs=[gt_lin])
    gt = graph.add(
        "Remove", {"operation": "remove", "channels": "alpha"}, name="Remove_GT", inputs=[gt_grade]
    )
    src_lin = graph.add("Colorspace", to_lin, name="Colorspace_SOURCE_toLinear", inputs=[src_ycc])
    src_grade = graph.add("Grade", clamp, name="Grade_SOURCE", inputs=[src_lin])
    src_rm = graph.add(
        "Remove", {"operation": "remove", "channels": "alpha"}, name="Remove_SOURCE", inputs=[src_grade]
    )
    bbox = graph.add("CopyBBox", name="CopyBBox_SOURCE", inputs=[src_rm, ref_ycc])
    preview_read = add_read_seq(
        graph, "Read_SOURCE_PREVIEW", job, training_input(job), _training_field(job), "training", size
    )
    preview = graph.add(
        "FrameHold",
        {"firstFrame": dec.preview_frame, "increment": 0},
        name="FrameHold_PREVIEW",
        inputs=[preview_read],
    )
    tr = job.training
    knobs: dict[str, KnobValue] = {
        "dataDirectory": copycat_directory(job, options),
        "epochs": tr.total_steps,
        "batchSizeType": "Manual",
        "batchSize": tr.batch_size,
        "cropSize": tr.patch_size,
        "modelSize": MODEL_SIZES[tr.model_size],
        "checkpointInterval": tr.checkpoint_interval,
        "imageInterval": tr.contact_sheet_interval,
        "useGPUIfAvailable": True,
        "initialWeights": "Checkpoint" if tr.initial_weights else "None",
    }
    if tr.initial_weights:
        # [U] knob name of the checkpoint path when initialWeights is Checkpoint.
        knobs["checkpointFile"] = tr.initial_weights
    graph.add("CopyCat", knobs, name="CopyCat1", inputs=[bbox, gt, preview])
    auto_layout(graph)
    frames = " ".join(str(f) for f in dec.frames)
    add_backdrop(
        graph, f"03 CopyCat training\n{job.shot.name}: frames {frames}", list(graph.nodes), 0x4C8C4C00
    )
    return graph


def build_inference(
    job: ShotJob,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    options: BuildOptions | None = None,
) -> Graph:
    """Stage 04: the whole shot through the trained ``.cat``, written as ACES2065-1 EXR.

    Training frames are not needed here; the clean-up box comes from the alignment record, the
    job's ``crop.cleanup_box`` or the full frame.
    """
    options = options or BuildOptions()
    seq = training_input(job)
    size = alignment.source_size if alignment is not None else options.source_size
    cleanup = (alignment.cleanup_box if alignment else None) or job.crop.cleanup_box
    graph = Graph(version=options.nuke_version)
    graph.root = make_root(job, "inference", seq.first_frame, seq.last_frame, options, size)
    read = add_read_seq(graph, "Read_SOURCE", job, seq, _training_field(job), "inference", size)
    box = box_value(cleanup) if cleanup else box_value_full(size)
    crop = graph.add(
        "Crop", {"box": box, "reformat": False, "crop": True}, name="Crop_CLEANUP", inputs=[read]
    )
    infer = graph.add(
        "Inference",
        {
            "modelFile": model_file(job, options),
            "useGPUIfAvailable": True,
            "halfPrecision": job.inference.half_precision is True,  # "auto" is measured by the engine only
        },
        name="Inference1",
        inputs=[crop],
    )
    last: Node = infer
    limit = job.output.max_resolution or (NON_COMMERCIAL_MAX if options.non_commercial else None)
    if limit is not None:
        last = graph.add(
            "Reformat",
            {
                "type": "to box",
                "box_width": limit[0],
                "box_height": limit[1],
                "box_fixed": True,
                "resize": "fit",
            },
            name="Reformat_MAX",
            inputs=[infer],
        )
    colourspace = nuke_colourspace(job.output.colour_space, "output.colour_space", "inference")
    path = posixpath.join(render_dir(job, "inference", options), job.output_name())
    write = add_write(graph, "Write_EXR", last, path, seq.first_frame, seq.last_frame, colourspace)
    write.knobs["dw_compression_level"] = float(job.output.dwa_level)
    auto_layout(graph)
    add_backdrop(graph, f"04 inference render\n{job.shot.name}", list(graph.nodes), 0x5C6BC000)
    return graph


def box_value_full(size: tuple[int, int]) -> KnobValue:
    """``{0 0 W H}``."""
    return box_value(CropBox(x=0, y=0, r=size[0], t=size[1]))


def _ref_frames_curve(frames: tuple[int, ...]) -> Curve:
    """Reference frames as keys (MatchGrade's ``sourceRefFrames``/``targetRefFrames``) [U]."""
    return Curve(tuple((f, f) for f in frames), "K")


def build_matchgrade(
    job: ShotJob,
    curation: CurationRecord | None = None,
    alignment: AlignmentRecord | None = None,
    options: BuildOptions | None = None,
) -> Graph:
    """Stage 05: a MatchGrade 3D LUT fitted on the training frames, applied to the whole shot.

    Raises:
        StageInputError: ``matchgrade.enabled`` is false, or no training frames.
    """
    options = options or BuildOptions()
    if not job.matchgrade.enabled:
        raise StageInputError("matchgrade", "matchgrade.enabled", "MatchGrade is disabled in the job")
    dec = resolve_decisions(job, curation, alignment, options, "matchgrade")
    seq = training_input(job)
    size = dec.source_size
    graph = Graph(version=options.nuke_version)
    graph.root = make_root(job, "matchgrade", seq.first_frame, seq.last_frame, options, size)
    src: Node = add_read_seq(graph, "Read_SOURCE", job, seq, _training_field(job), "matchgrade", size)
    ref: Node = add_read_seq(
        graph, "Read_REF", job, job.media.reference, "media.reference", "matchgrade", size
    )
    log = job.matchgrade.log_pre_lut
    if log:
        src = graph.add(
            "OCIOLogConvert", {"operation": "lin to log"}, name="LogConvert_SOURCE_toLog", inputs=[src]
        )
        ref = graph.add(
            "OCIOLogConvert", {"operation": "lin to log"}, name="LogConvert_REF_toLog", inputs=[ref]
        )
    out_dir = render_dir(job, "matchgrade", options)
    match = graph.add(
        "MatchGrade",
        {
            "matchGradeTask": "Match Graded Source",
            "analysisType": "Analyze Reference Frames",
            "sourceRefFrames": _ref_frames_curve(dec.frames),
            "targetRefFrames": _ref_frames_curve(dec.reference_frames),
            "transform": "3D LUT",
            "lutres": job.matchgrade.lut_size,
            "prelut": "Logarithmic" if log else "Linear",
            "output": "Matched",
            "outfile": posixpath.join(out_dir, f"{job.shot.name}_matchgrade.cube"),
        },
        name="MatchGrade1",
        inputs=[src, ref],
    )
    last: Node = match
    if log:
        last = graph.add(
            "OCIOLogConvert", {"operation": "log to lin"}, name="LogConvert_toLinear", inputs=[match]
        )
    colourspace = nuke_colourspace(job.output.colour_space, "output.colour_space", "matchgrade")
    name = (
        job.output_name().replace("_ML_", "_MG_")
        if "_ML_" in job.output_name()
        else f"MG_{job.output_name()}"
    )
    add_write(
        graph, "Write_EXR", last, posixpath.join(out_dir, name), seq.first_frame, seq.last_frame, colourspace
    )
    auto_layout(graph)
    add_backdrop(graph, f"05 MatchGrade baseline\n{job.shot.name}", list(graph.nodes), 0x8C5C4C00)
    return graph
