"""Records of the native engine's decisions (curation, alignment), read by the Nuke bridge.

The engine writes them into the stage folders; ``nuke_bridge`` writes the same frames, transform
and crop into its ``.nk`` scripts, so Nuke renders what the engine decided.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._base import FrameNumber, SafeName, SchemaModel
from ._job import CropBox, Transform2D

Matrix3 = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]


class PairDecision(SchemaModel):
    """One candidate training pair and why it was accepted or rejected.

    Attributes:
        source_frame: frame number in the source sequence.
        reference_frame: matching frame number in the reference sequence (after offset/cadence).
        accepted: used for training.
        score: overall score 0-1 (higher is better).
        scores: named component scores (sharpness, exposure, alignment, cut_distance, ...).
        reasons: human-readable reasons (rejections, warnings).
    """

    source_frame: FrameNumber
    reference_frame: FrameNumber
    accepted: bool
    score: float = Field(ge=0.0, le=1.0)
    scores: dict[str, float] = Field(default_factory=dict)
    reasons: tuple[str, ...] = ()


class CurationRecord(SchemaModel):
    """Stage 1's result.

    Attributes:
        training_frames: accepted source frames, ascending.
        preview_frame: held-out source frame (never trained on).
        reference_offset: reference frame = source frame + offset (before cadence mapping).
        cadence: ``same`` or a 24/25 difference (``24to25``: source 24 fps, reference 25 fps).
        pairs: every candidate with its decision.
    """

    schema_version: Literal["1"] = "1"
    job_id: SafeName
    training_frames: tuple[FrameNumber, ...]
    preview_frame: FrameNumber
    reference_offset: int = 0
    cadence: Literal["same", "24to25", "25to24"] = "same"
    offset_confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    pairs: tuple[PairDecision, ...] = ()

    @model_validator(mode="after")
    def _held_out(self) -> CurationRecord:
        """At least one training frame, and the preview frame is held out."""
        if not self.training_frames:
            raise ValueError("no training frames were accepted")
        if self.preview_frame in self.training_frames:
            raise ValueError("preview_frame is also a training frame")
        return self

    def reference_frame_for(self, source_frame: int) -> int:
        """The reference frame matching a source frame (offset, then cadence)."""
        for pair in self.pairs:
            if pair.source_frame == source_frame:
                return pair.reference_frame
        if self.cadence == "24to25":
            return round(source_frame * 25 / 24) + self.reference_offset
        if self.cadence == "25to24":
            return round(source_frame * 24 / 25) + self.reference_offset
        return source_frame + self.reference_offset


class SubtitleKey(SchemaModel):
    """Crop box in force from ``frame`` on (step key); it excludes a subtitle when one is present."""

    frame: FrameNumber
    box: CropBox
    subtitle: bool = False


class AlignmentRecord(SchemaModel):
    """Stage 2's result. Coordinates are pixels; boxes use Nuke's y-up convention.

    Attributes:
        method: which path was used (``auto`` registration or the ``manual`` transform).
        fell_back: auto registration scored under the threshold, so the manual path was used.
        quality: match quality 0-1 (median over the training frames): how close local patches of the
            warped reference lie to where the matrix puts them, times the share of patches found
            (see ``chroma_engine.alignment``); under ~0.5 the error reaches several pixels.
        motion: the motion model used.
        matrix: 3x3 homography mapping reference pixel coordinates (x right, y down) to source pixels.
        transform: the same as Nuke Transform knobs (similarity part), for the manual path and QC.
        source_size, reference_size: (width, height).
        crop: one linked training crop in source pixels (y up), applied to source and warped reference.
        subtitle_keys: per-frame crop keys (step curve), when subtitles force a smaller box.
        cleanup_box: inference clean-up crop (y up), or None.
        per_frame_quality: the quality on each training frame.
        estimated_error_px: likely misregistration at the picture corners, source pixels (median
            over the training frames), or None when it could not be measured.
        summary: the transform and its quality in a colorist's words.
        (``estimated_error_px`` and ``summary`` were added within version 1: optional, absent from
        records written before them.)
    """

    schema_version: Literal["1"] = "1"
    job_id: SafeName
    method: Literal["auto", "manual"]
    fell_back: bool = False
    quality: float = Field(ge=0.0, le=1.0)
    motion: Literal["similarity", "affine", "perspective"] = "affine"
    matrix: Matrix3
    transform: Transform2D
    source_size: tuple[int, int]
    reference_size: tuple[int, int]
    crop: CropBox
    subtitle_keys: tuple[SubtitleKey, ...] = ()
    cleanup_box: CropBox | None = None
    per_frame_quality: dict[int, float] = Field(default_factory=dict)
    estimated_error_px: float | None = None
    summary: str = ""

    def crop_for_frame(self, frame: int) -> CropBox:
        """The crop box in force on ``frame`` (last key at or before it, else ``crop``)."""
        box = self.crop
        for key in sorted(self.subtitle_keys, key=lambda k: k.frame):
            if key.frame <= frame:
                box = key.box
        return box
