"""What every stage builder shares: options, the resolved decisions, paths, Root and I/O nodes.

Stage scripts chain through files on disk, as the manual workflow did: 01 writes the training pairs,
02 reads them and writes the aligned, cropped pairs, 03 trains on those; 04 and 05 read the whole
shot. Every render goes into a ``v###`` folder of its stage (``BuildOptions.render_version``), and
each stage reads its upstream stage's folder of the same version.

Colour: Root uses OCIO with a pinned Nuke-bundled config (ACES 1.3 studio config, OCIO v2 names)
and working space ACEScg. Job colour-space names come from the engine's ACES 2 studio config;
:func:`nuke_colourspace` maps them to the names of the pinned Nuke config
(``Gamma 2.4 Encoded Rec.709`` -> ``Gamma 2.4 Rec.709 - Texture``), so the names are consistent.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from schemas import AlignmentRecord, CropBox, CurationRecord, SequenceRef, ShotJob, Transform2D

from ._errors import StageInputError
from ._graph import Graph, KnobValue, Node, array

#: Stage -> folder under ``pipeline/`` (the project layout).
STAGE_DIRS: dict[str, str] = {
    "curation": "01_dataset_curation",
    "alignment": "02_alignment",
    "training": "03_copycat_training",
    "inference": "04_inference_render",
    "matchgrade": "05_matchgrade_render",
}
#: Nuke 14/15's bundled ACES 1.3 studio config (OCIO v2 colour-space names).
NUKE_OCIO_CONFIG = "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1"
WORKING_SPACE = "ACEScg"
#: Engine (ACES 2 studio config) names whose spelling differs in the pinned Nuke config.
_NAME_MAP = {
    "Gamma 2.4 Encoded Rec.709": "Gamma 2.4 Rec.709 - Texture",
    "Gamma 2.2 Encoded Rec.709": "Gamma 2.2 Rec.709 - Texture",
    "Gamma 1.8 Encoded Rec.709": "Gamma 1.8 Rec.709 - Texture",
    "sRGB Encoded Rec.709 (sRGB)": "sRGB - Texture",
}
#: Names known to exist in the pinned config (checked against OCIO's built-in copy in the tests).
NUKE_COLOURSPACES = frozenset(
    {
        "ACES2065-1",
        "ACEScg",
        "ACEScct",
        "ACEScc",
        "Linear Rec.709 (sRGB)",
        "Linear P3-D65",
        "Linear Rec.2020",
        "Camera Rec.709",
        "sRGB - Texture",
        "Raw",
        *_NAME_MAP.values(),
    }
)
NON_COMMERCIAL_MAX = (1920, 1080)


@dataclass(frozen=True)
class BuildOptions:
    """How the scripts are written.

    Attributes:
        nuke_version: target ``version`` line (``15.1v5``).
        ocio_config: Root ``OCIO_config`` (a Nuke-bundled config name).
        render_version: the ``v###`` folder renders go to (and upstream renders are read from).
        source_size: (width, height) of the source when no alignment record gives it.
        model_file: the ``.cat`` for inference; default: ``<training v###>/model/<shot>.cat``.
        non_commercial: Nuke Non-Commercial: limit the inference output to 1920x1080.
        script_paths: stage -> path written into Root ``name`` (set by ``build_scripts``).
    """

    nuke_version: str = "15.1v5"
    ocio_config: str = NUKE_OCIO_CONFIG
    render_version: int = 1
    source_size: tuple[int, int] = (1920, 1080)
    model_file: str | None = None
    non_commercial: bool = False
    script_paths: tuple[tuple[str, str], ...] = ()


def nuke_colourspace(name: str, field: str, stage: str) -> str:
    """The pinned Nuke config's name for a job colour space, or :class:`StageInputError`."""
    mapped = _NAME_MAP.get(name, name)
    if mapped not in NUKE_COLOURSPACES:
        raise StageInputError(
            stage,
            field,
            f"colour space {name!r} has no known name in Nuke's {NUKE_OCIO_CONFIG}",
            "use ACES2065-1, ACEScg, Linear Rec.709 (sRGB) or Gamma 2.4 Encoded Rec.709",
        )
    return mapped


def training_input(job: ShotJob) -> SequenceRef:
    """The sequence trained and inferred on: the balanced scan if present (as the seed did), else source."""
    return job.media.balanced or job.media.source


def project_path(job: ShotJob, *parts: str) -> str:
    """An absolute, forward-slash path inside the project root."""
    root = job.project.root.replace("\\", "/")
    joined = posixpath.join(*parts) if parts else ""
    return joined if posixpath.isabs(joined) else posixpath.join(root, joined)


def stage_dir(job: ShotJob, stage: str) -> str:
    """``<root>/pipeline/0N_<stage>/<shot>``."""
    return project_path(job, "pipeline", STAGE_DIRS[stage], job.shot.name)


def render_dir(job: ShotJob, stage: str, options: BuildOptions) -> str:
    """``<stage dir>/v###`` of the options' render version."""
    return posixpath.join(stage_dir(job, stage), f"v{options.render_version:03d}")


@dataclass(frozen=True)
class Decisions:
    """The engine's decisions (or the job's explicit values / defaults) a stage needs."""

    frames: tuple[int, ...]
    reference_frames: tuple[int, ...]
    preview_frame: int
    transform: Transform2D
    use_manual: bool
    crop_keys: tuple[tuple[int, CropBox], ...]
    cleanup_box: CropBox
    source_size: tuple[int, int]
    motion: str


def _full_frame(size: tuple[int, int]) -> CropBox:
    return CropBox(x=0, y=0, r=size[0], t=size[1])


def resolve_decisions(
    job: ShotJob,
    curation: CurationRecord | None,
    alignment: AlignmentRecord | None,
    options: BuildOptions,
    stage: str,
) -> Decisions:
    """Merge engine records, the job's explicit settings and defaults (records win).

    Raises:
        StageInputError: no training frames at all (no record and empty ``curation.frames``).
    """
    src = training_input(job)
    if curation is not None:
        frames = tuple(curation.training_frames)
        refs = tuple(curation.reference_frame_for(f) for f in frames)
        preview: int | None = curation.preview_frame
    else:
        frames = tuple(sorted(job.curation.frames))
        offset = job.curation.reference_offset or 0
        refs = tuple(f + offset for f in frames)
        preview = job.curation.preview_frame
    if not frames:
        raise StageInputError(
            stage,
            "curation.frames",
            "no training frames: the job lists none and there is no curation.json",
            "run the native curation stage first or list frames in the job's curation.frames",
        )
    if preview is None:
        candidates = [f for f in src.frames if f not in frames]
        if not candidates:
            raise StageInputError(stage, "curation.preview_frame", "every source frame is a training frame")
        preview = candidates[len(candidates) // 2]
    size = alignment.source_size if alignment is not None else options.source_size
    if alignment is not None:
        transform = alignment.transform
        manual = alignment.fell_back or alignment.method == "manual"
        keys = tuple((i + 1, alignment.crop_for_frame(f)) for i, f in enumerate(frames))
        cleanup = alignment.cleanup_box or job.crop.cleanup_box or _full_frame(size)
        motion = alignment.motion
    else:
        transform = job.alignment.manual_transform or Transform2D(center_x=size[0] / 2, center_y=size[1] / 2)
        manual = job.alignment.mode == "manual"
        box = job.crop.box or _full_frame(size)
        keys = tuple((i + 1, box) for i in range(len(frames)))
        cleanup = job.crop.cleanup_box or _full_frame(size)
        motion = job.alignment.motion
    return Decisions(frames, refs, preview, transform, manual, keys, cleanup, size, motion)


def make_root(
    job: ShotJob, stage: str, first: int, last: int, options: BuildOptions, size: tuple[int, int]
) -> Node:
    """The Root node: script name, frame range, fps, format, OCIO colour management."""
    scripts = dict(options.script_paths)
    name = scripts.get(stage) or posixpath.join(stage_dir(job, stage), "nuke", f"{job.shot.name}_{stage}.nk")
    width, height = size
    knobs: dict[str, KnobValue] = {
        "name": name,
        "first_frame": first,
        "last_frame": last,
        "lock_range": True,
        "fps": float(job.frame_rate),
        "format": f"{width} {height} 0 0 {width} {height} 1 {job.shot.name}_{width}x{height}",
        "colorManagement": "OCIO",
        "OCIO_config": options.ocio_config,
        "workingSpaceLUT": WORKING_SPACE,
        "monitorLut": "ACES 1.0 - SDR Video (sRGB - Display)",
        "int8Lut": "sRGB - Texture",
        "int16Lut": "sRGB - Texture",
        "logLut": "ACEScct",
        "floatLut": WORKING_SPACE,
    }
    return Node("Root", "Root", knobs)


def add_read(
    graph: Graph, name: str, path: str, first: int, last: int, colourspace: str, size: tuple[int, int]
) -> Node:
    """A Read of a ``####`` sequence with its range, format and colour space written explicitly."""
    width, height = size
    return graph.add(
        "Read",
        {
            "file": path,
            "format": f"{width} {height} 0 0 {width} {height} 1 {width}x{height}",
            "first": first,
            "last": last,
            "origfirst": first,
            "origlast": last,
            "origset": True,
            "colorspace": colourspace,
            "on_error": "error",
        },
        name=name,
    )


def add_read_seq(
    graph: Graph, name: str, job: ShotJob, seq: SequenceRef, field: str, stage: str, size: tuple[int, int]
) -> Node:
    """A Read of a job sequence (path relative to the project root) in its own colour space."""
    colourspace = nuke_colourspace(seq.colour_space, f"{field}.colour_space", stage)
    path = project_path(job, seq.hash_pattern())
    return add_read(graph, name, path, seq.first_frame, seq.last_frame, colourspace, size)


def add_write(
    graph: Graph,
    name: str,
    source: Node,
    path: str,
    first: int,
    last: int,
    colourspace: str,
    compression: str = "DWAA",
) -> Node:
    """An EXR Write, 16-bit half, creating its folders, limited to ``first``-``last``."""
    knobs: dict[str, KnobValue] = {
        "file": path,
        "file_type": "exr",
        "channels": "rgb",
        "colorspace": colourspace,
        "datatype": "16 bit half",
        "compression": compression,
    }
    if compression == "DWAA":
        knobs["dw_compression_level"] = 45.0
    knobs.update({"create_directories": True, "first": first, "last": last, "use_limit": True})
    return graph.add("Write", knobs, name=name, inputs=[source])


def box_value(box: CropBox) -> KnobValue:
    """``{x y r t}``."""
    return array(box.x, box.y, box.r, box.t)


def pair_stage_graph(
    job: ShotJob,
    stage: str,
    curation: CurationRecord | None,
    alignment: AlignmentRecord | None,
    options: BuildOptions,
) -> tuple[Decisions, Graph]:
    """Decisions and an empty graph for a stage whose frames are the training pairs (1..N)."""
    dec = resolve_decisions(job, curation, alignment, options, stage)
    graph = Graph(version=options.nuke_version)
    graph.root = make_root(job, stage, 1, len(dec.frames), options, dec.source_size)
    return dec, graph
