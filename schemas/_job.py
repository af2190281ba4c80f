"""``ShotJob``: everything a render side needs to restore one shot.

A job is written by the Resolve bridge ("Send Shot to ML") or by ``chroma-recovery synth`` and read
by the native engine and the Nuke bridge. Paths are relative to ``project.root`` or absolute inside
it; ``decode_shot_job`` rejects anything that escapes the root.
"""

from __future__ import annotations

import posixpath
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._base import (
    TIMECODE_RE,
    Fraction,
    FrameNumber,
    FrameRate,
    SafeName,
    SchemaModel,
)
from ._sequence import SequenceRef

#: Device names a job (``training.device``) and the ``--device`` options accept.
DEVICE_PATTERN = r"^(auto|cpu|cuda(:\d+)?|mps|ddp)$"


class ProjectInfo(SchemaModel):
    """Attributes:
    name: project name, used in output file names (``{project}_ML_####.exr``).
    root: absolute path of the project folder (the five-stage layout lives here).
    """

    name: SafeName
    root: str

    @field_validator("root")
    @classmethod
    def _absolute(cls, value: str) -> str:
        """The project root must be an absolute path, and not a file system's root (``/``, ``C:\\``)."""
        if "\x00" in value:
            raise ValueError("must not contain a NUL character")
        if not value.startswith("/") and not (len(value) > 2 and value[1] == ":"):
            raise ValueError("must be an absolute path")
        normal = posixpath.normpath(value.replace("\\", "/"))
        if normal in ("/", "//") or re.fullmatch(r"[A-Za-z]:/?", normal):
            raise ValueError("must be a project folder, not the file system's root")
        return value


class ShotInfo(SchemaModel):
    """Attributes:
    name: shot name (file-name safe).
    reel: reel / tape name from the cut, if known.
    record_in, record_out: absolute record frames on the timeline (``record_out`` exclusive).
    record_timecode: record-in timecode ``HH:MM:SS:FF``.
    cut_path: the shot's OTIO cut, relative to the project root.
    """

    name: SafeName
    reel: str | None = None
    record_in: FrameNumber | None = None
    record_out: FrameNumber | None = None
    record_timecode: str | None = None
    cut_path: str | None = None

    @field_validator("record_timecode")
    @classmethod
    def _timecode(cls, value: str | None) -> str | None:
        """Timecode must read HH:MM:SS:FF."""
        if value is not None and not TIMECODE_RE.match(value):
            raise ValueError("must be a timecode HH:MM:SS:FF")
        return value

    @model_validator(mode="after")
    def _record_order(self) -> ShotInfo:
        """``record_out`` (exclusive) must follow ``record_in``."""
        if self.record_in is not None and self.record_out is not None and self.record_out <= self.record_in:
            raise ValueError("record_out must be after record_in (record_out is exclusive)")
        return self


class MediaSet(SchemaModel):
    """Attributes:
    source: the faded scan (Rec.709 EXR from Resolve: ``[PROJECT]_SOURCE_####.exr``).
    reference: the colour-correct video reference (``_REF_``).
    balanced: a simple balance of the scan (``_BAL_``), used for QC and the 4-way comparison.
    truth: synthetic shots only: scan luma + clean chroma, for metrics, never for training.
    """

    source: SequenceRef
    reference: SequenceRef
    balanced: SequenceRef | None = None
    truth: SequenceRef | None = None


class Curation(SchemaModel):
    """Attributes:
    frames: explicit training frames (source numbering); empty = choose automatically.
    auto_count: pairs to pick automatically (CopyCat practice: 4, escalate to 7 and 11).
    preview_frame: held-out frame for the training preview; never trained on. None = automatic.
    reference_offset: reference frame = source frame + offset; None = detect (luma correlation).
    """

    frames: tuple[FrameNumber, ...] = ()
    auto_count: int = Field(default=4, ge=3, le=11)
    preview_frame: FrameNumber | None = None
    reference_offset: int | None = None

    @model_validator(mode="after")
    def _preview_not_trained(self) -> Curation:
        """The preview frame must be held out."""
        if self.preview_frame is not None and self.preview_frame in self.frames:
            raise ValueError(f"preview_frame {self.preview_frame} is also a training frame")
        if len(set(self.frames)) != len(self.frames):
            raise ValueError("frames contains duplicates")
        return self


class Transform2D(SchemaModel):
    """A similarity transform mapping reference pixels onto source pixels (Nuke Transform knobs).

    Attributes:
        translate_x, translate_y: pixels, applied after scale and rotation about ``center``.
        rotate: degrees, counter-clockwise.
        scale: uniform scale.
        center_x, center_y: pivot in reference pixels.
    """

    translate_x: float = 0.0
    translate_y: float = 0.0
    rotate: float = 0.0
    scale: float = Field(default=1.0, gt=0)
    center_x: float = 0.0
    center_y: float = 0.0


class Alignment(SchemaModel):
    """Attributes:
    mode: ``auto`` registers on luma structure; ``manual`` uses ``manual_transform``.
    motion: registration model (F_Align's scale/rotate/translate/perspective toggles).
    manual_transform: the fallback path (the seed graph's Transform; Dissolve which=1).
    fallback_threshold: registration quality (0-1) under which the manual transform is used.
    """

    mode: Literal["auto", "manual"] = "auto"
    motion: Literal["similarity", "affine", "perspective"] = "affine"
    manual_transform: Transform2D | None = None
    fallback_threshold: Fraction = 0.5

    @model_validator(mode="after")
    def _manual_needs_transform(self) -> Alignment:
        """Manual mode needs a transform."""
        if self.mode == "manual" and self.manual_transform is None:
            raise ValueError("mode 'manual' needs manual_transform")
        return self


class CropBox(SchemaModel):
    """A box in source pixels, Nuke ``box`` order: left x, bottom y, right r, top t (y up)."""

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    r: int = Field(gt=0)
    t: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> CropBox:
        """Right must exceed left and top must exceed bottom."""
        if self.r <= self.x or self.t <= self.y:
            raise ValueError("box needs r > x and t > y")
        return self


class Crop(SchemaModel):
    """Attributes:
    mode: ``auto`` detects black borders in both images; ``box`` uses ``box``.
    box: training crop applied identically to source and reference.
    exclude_subtitles: detect burned-in subtitles in the reference and exclude them per frame.
    subtitle_zone: lower fraction of the frame searched for subtitles.
    cleanup_box: inference clean-up crop (perforations, soundtrack, frame line); None = none.
    """

    mode: Literal["auto", "box"] = "auto"
    box: CropBox | None = None
    exclude_subtitles: bool = True
    subtitle_zone: Fraction = 0.3
    cleanup_box: CropBox | None = None

    @model_validator(mode="after")
    def _box_mode(self) -> Crop:
        """Box mode needs a box."""
        if self.mode == "box" and self.box is None:
            raise ValueError("mode 'box' needs box")
        return self


class ReferenceCleanup(SchemaModel):
    """Attributes:
    median_size: median filter size on the reference before training (0 = off).
    """

    median_size: int = Field(default=10, ge=0, le=64)


class Training(SchemaModel):
    """Attributes:
    batch_size: patches per step (CopyCat Manual batch 3).
    patch_size: training crop size in pixels (512, or 256 when the crop is small).
    steps: total optimisation steps; None = batch_size x 10,000.
    checkpoint_interval: steps between checkpoints.
    contact_sheet_interval: steps between contact sheets.
    model_size: small / medium / large.
    initial_weights: a checkpoint to start from (path), or None.
    device: ``auto`` (CUDA when present, else Apple's MPS, else the CPU), ``cpu``, ``cuda``,
        ``cuda:N`` or ``mps``; ``ddp`` for all GPUs.
    seed: random seed.
    learning_rate: Adam learning rate. The model starts from the closed-form LUT fit, so training
        refines rather than learns from scratch: on the severe synthetic shot (600 steps) held-out
        dE00 was 2.32 at 2e-3, 2.17 at 2e-4 and 2.11 at 5e-5 (higher rates fit the reference's softness).
    temporal_radius: native engine: the model's input (training and inference) is each frame averaged
        with up to this many neighbours either side, motion-compensated (``chroma_engine.temporal``),
        which removes grain from the predicted chroma; the output keeps each frame's own scan luma and
        grain. 0 = single frames, as CopyCat and Nuke's Inference node see them. Severe synthetic shot,
        held-out dE00 of the model's start: 1.80 single frames, 1.52 at radius 3.
    """

    batch_size: int = Field(default=3, ge=1, le=64)
    patch_size: Literal[64, 128, 256, 512] = 512
    steps: int | None = Field(default=None, ge=1)
    checkpoint_interval: int = Field(default=10_000, ge=1)
    contact_sheet_interval: int = Field(default=100, ge=1)
    model_size: Literal["small", "medium", "large"] = "medium"
    initial_weights: str | None = None
    device: str = Field(default="auto", pattern=DEVICE_PATTERN)
    seed: int = 0
    learning_rate: float = Field(default=5e-5, gt=0, lt=1)
    temporal_radius: int = Field(default=3, ge=0, le=8)

    @property
    def total_steps(self) -> int:
        return self.steps if self.steps is not None else self.batch_size * 10_000


class OutputSpec(SchemaModel):
    """Attributes:
    file_format, bit_depth, compression, dwa_level: EXR 16-bit half DWAA (level 45).
    colour_space: OCIO name of the written pixels.
    naming: file name pattern; ``{project}`` and ``{shot}`` are substituted.
    max_resolution: optional (width, height) limit, e.g. (1920, 1080) for Nuke Non-Commercial.
    """

    file_format: Literal["exr"] = "exr"
    bit_depth: Literal["half"] = "half"
    compression: Literal["dwaa"] = "dwaa"
    dwa_level: float = Field(default=45.0, gt=0, le=1000)
    colour_space: str = "ACES2065-1"
    naming: str = "{project}_ML_####.exr"
    max_resolution: tuple[int, int] | None = None

    @field_validator("naming")
    @classmethod
    def _naming(cls, value: str) -> str:
        """The name needs one #### frame token and no folders."""
        if "/" in value or "\\" in value:
            raise ValueError("must be a file name, not a path")
        if value.count("#") < 1 or "#" not in value.split(".")[0]:
            raise ValueError("needs a #### frame token")
        return value


#: ``inference.half_precision`` / ``inference.compile``: on, off, or ``auto`` (measured at model load).
Switch = bool | Literal["auto"]


class InferenceSpec(SchemaModel):
    """Attributes:
    half_precision: run the model in half precision on the GPU. ``auto`` (the default): on CUDA the
        native engine measures bfloat16, then float16, autocast against float32 on the shot's first
        frame when the model is loaded and keeps the first whose largest |dR'G'B'| is under the half
        float step at white (2**-10) with the scan's Y' untouched, else float32 with a warning; on
        the CPU and Apple's MPS ``auto`` is float32. ``true``: bfloat16 autocast on CUDA unchecked;
        ``false``: float32. Nuke's Inference ``halfPrecision`` ("Optimize for Speed and Memory")
        follows ``true`` only (Nuke has no check to run). The scan's Y' is untouched either way.
    compile: native engine on CUDA: compile the model for the shot's frame size with
        ``torch.compile`` before rendering (7-15 s once per shot on an H100; falls back to the plain
        model, with a warning, where compiling fails). ``auto`` (the default): compile on CUDA and
        keep it where the compiled model passes the same check against float32; off on the CPU and
        MPS. Pays off on long shots when EXR I/O is not the bottleneck.
    """

    half_precision: Switch = "auto"
    compile: Switch = "auto"


class MatchGradeSpec(SchemaModel):
    """Attributes:
    enabled: render the MatchGrade 3D-LUT baseline.
    lut_size: LUT edge length.
    log_pre_lut: fit in log space (linear -> log -> LUT -> log -> linear).
    """

    enabled: bool = True
    lut_size: int = Field(default=33, ge=2, le=65)
    log_pre_lut: bool = True


class ShotJob(SchemaModel):
    """One shot's job. ``schema_version`` selects the layout; see ``decode_shot_job``."""

    schema_version: Literal["1"] = "1"
    job_id: SafeName
    project: ProjectInfo
    shot: ShotInfo
    media: MediaSet
    frame_rate: FrameRate = 24.0
    curation: Curation = Curation()
    alignment: Alignment = Alignment()
    crop: Crop = Crop()
    reference_cleanup: ReferenceCleanup = ReferenceCleanup()
    training: Training = Training()
    output: OutputSpec = OutputSpec()
    inference: InferenceSpec = InferenceSpec()
    matchgrade: MatchGradeSpec = MatchGradeSpec()
    backend: Literal["auto", "nuke", "native"] = "auto"

    @model_validator(mode="after")
    def _frames_in_range(self) -> ShotJob:
        """Curated and preview frames must lie inside the source range."""
        src = self.media.source
        for frame in (*self.curation.frames, self.curation.preview_frame):
            if frame is not None and not src.first_frame <= frame <= src.last_frame:
                raise ValueError(
                    f"curation frame {frame} is outside the source range {src.first_frame}-{src.last_frame}"
                )
        return self

    def output_name(self) -> str:
        """The output file pattern with project and shot substituted."""
        return self.output.naming.format(project=self.project.name, shot=self.shot.name)
