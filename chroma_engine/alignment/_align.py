"""Stage 2: register the reference onto the source, choose the linked crop and the subtitle keys.

``align`` reads the curated training frames, registers each pair (``register_pair``: features, then
ECC), pools them with the element-wise median matrix, refines that matrix on all pairs at once by
local phase correlation (``_blocks.refine``: one robust fit over the patches of every frame), scores
it on every training frame by how far its patches still are from where the matrix puts them, falls
back to the manual transform when the score is under ``job.alignment.fallback_threshold`` (the seed
graph's Dissolve switch), then intersects the source picture with the warped reference picture for
the crop and scans every frame of the shot for burned-in subtitles. ``align_single_pair`` does the
same for one in-memory pair without a job. The record carries the transform in a colorist's words.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from schemas import Alignment as AlignmentSpec
from schemas import AlignmentRecord, Crop, CropBox, CurationRecord, ShotJob, SubtitleKey, Transform2D

from .._errors import StageError
from ..io import ResolvedSequence
from ._blocks import measure
from ._crop import Box, detect_subtitle, exclude_band, film_edge_side, inner_box, picture_box, warped_valid
from ._describe import alignment_sentence
from ._geometry import (
    as_tuple3,
    box_inside,
    box_to_rows_cols,
    matrix_to_transform,
    rows_cols_to_box,
    transform_to_matrix,
)
from ._register import clean, luma_of, register_pair
from ._robust import MatchCheck, check, refine

log = logging.getLogger(__name__)


def _box_mask(box: Box, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[box[0] : box[1], box[2] : box[3]] = True
    return mask


def _picture(lumas: Sequence[np.ndarray], frames: Sequence[int], what: str) -> Box:
    """Picture box of a stack of frames (per-pixel max), raising on all-black input."""
    for frame, lum in zip(frames, lumas, strict=True):
        if float(lum.max()) < 0.01:
            raise StageError(
                f"{what} frame {frame} is entirely black",
                hint="check the export of that frame, or pick other training frames",
            )
    box = picture_box(np.max(np.stack(lumas), axis=0))
    if box is None:
        raise StageError(f"{what} frames {list(frames)} have no picture area", hint="check the exports")
    return box


@dataclass(frozen=True)
class _Scored:
    """A matrix with its per-frame checks (``matrix`` None: no registration; ``note`` says why)."""

    matrix: np.ndarray | None
    checks: dict[int, MatchCheck]
    note: str = ""

    @property
    def quality(self) -> dict[int, float]:
        return {f: round(c.quality, 4) for f, c in self.checks.items()}

    @property
    def estimated_px(self) -> float | None:
        values = [c.estimated_px for c in self.checks.values()]
        median = float(np.median(values)) if values else math.inf
        return round(median, 3) if math.isfinite(median) else None


def _register_all(
    frames: Sequence[int],
    src_l: Sequence[np.ndarray],
    ref_l: Sequence[np.ndarray],
    motion: str,
    src_box: Box,
    ref_box: Box,
) -> _Scored:
    """Per-frame registrations pooled by median, then refined on all pairs at once."""
    src_valid = _box_mask(src_box, src_l[0].shape)
    ref_valid = _box_mask(ref_box, ref_l[0].shape)
    matrices, notes = [], []
    for frame, s, r in zip(frames, src_l, ref_l, strict=True):
        reg = register_pair(s, r, motion, src_valid=src_valid, ref_valid=ref_valid)
        if reg.matrix is None:
            notes.append(f"frame {frame}: {reg.message}")
        else:
            matrices.append(reg.matrix / reg.matrix[2, 2])
    if not matrices:
        failed = MatchCheck(0.0, math.inf, math.inf, 0, 0)
        return _Scored(None, {f: failed for f in frames}, "; ".join(notes))
    pooled = np.median(np.stack(matrices), axis=0)
    refined = refine(src_l, ref_l, pooled, motion, src_valid, ref_valid)
    return _Scored(refined.matrix, dict(zip(frames, refined.checks, strict=True)), "; ".join(notes))


def _score(
    matrix: np.ndarray,
    motion: str,
    frames: Sequence[int],
    src_l: Sequence[np.ndarray],
    ref_l: Sequence[np.ndarray],
    src_box: Box,
    ref_box: Box,
) -> _Scored:
    """Per-frame checks of a given matrix (the manual transform)."""
    src_valid, ref_valid = _box_mask(src_box, src_l[0].shape), _box_mask(ref_box, ref_l[0].shape)
    return _Scored(
        matrix,
        {
            f: check(measure(s, r, matrix, src_valid, ref_valid), matrix, motion)
            for f, s, r in zip(frames, src_l, ref_l, strict=True)
        },
    )


def _subtitle_keys(
    crop_rows: Box, subtitle_frames: Iterable[tuple[int, Box | None]], src_h: int, crop: CropBox
) -> tuple[SubtitleKey, ...]:
    """Step keys: a smaller box on frames with a subtitle band, back to ``crop`` after."""
    keys: list[SubtitleKey] = []
    current = crop
    for frame, band in subtitle_frames:
        if band is None:
            box, has = crop, False
        else:
            rows = exclude_band(crop_rows, band)
            if rows is None:
                raise StageError(
                    f"reference frame for source frame {frame}: the subtitle covers the whole crop",
                    hint="set crop.mode 'box' with a box above the subtitles, or drop this frame",
                )
            box, has = rows_cols_to_box(*rows, height=src_h), True
        if box != current or (not keys and has):
            keys.append(SubtitleKey(frame=frame, box=box, subtitle=has))
            current = box
    return tuple(keys)


def solve_alignment(
    job_id: str,
    frames: Sequence[int],
    sources: Sequence[np.ndarray],
    references: Sequence[np.ndarray],
    spec: AlignmentSpec,
    crop_spec: Crop,
    subtitle_frames: Iterable[tuple[int, np.ndarray]] | None = None,
) -> AlignmentRecord:
    """The alignment decision from in-memory training pairs (the engine of ``align``).

    Args:
        job_id: written into the record.
        frames: source frame numbers of the pairs.
        sources, references: RGB frames (HxWx3 float); NaN/Inf are replaced by 0 and logged.
        spec: the job's alignment settings (mode, motion, manual transform, threshold).
        crop_spec: the job's crop settings.
        subtitle_frames: ``(source frame, reference RGB)`` for every frame to scan for subtitles;
            default: the training pairs.

    Raises:
        StageError: all-black frame, failed registration without a manual transform, no overlap.
    """
    src_l: list[np.ndarray] = []
    ref_l: list[np.ndarray] = []
    for frame, s, r in zip(frames, sources, references, strict=True):
        for what, img, out in (("source", s, src_l), ("reference", r, ref_l)):
            fixed, bad = clean(img)
            if bad:
                log.warning("%s frame %s: NaN/Inf pixels replaced by 0 before alignment", what, frame)
            out.append(luma_of(fixed))
    src_h, src_w = src_l[0].shape
    ref_h, ref_w = ref_l[0].shape
    src_box = _picture(src_l, frames, "source")
    ref_box = _picture(ref_l, frames, "reference")
    method, fell_back = spec.mode, False
    matrix: np.ndarray | None = None
    scored: _Scored | None = None
    if spec.mode == "auto":
        scored = _register_all(frames, src_l, ref_l, spec.motion, src_box, ref_box)
        matrix, quality, note = scored.matrix, scored.quality, scored.note
        score = float(np.median(list(quality.values())))
        if matrix is None or score < spec.fallback_threshold:
            worst = min(quality, key=lambda f: quality[f])
            off = scored.estimated_px
            why = note or (
                f"quality {score:.3f} < fallback_threshold {spec.fallback_threshold}"
                + (
                    f"; the reference looks about {off:.1f} px off"
                    if off is not None
                    else "; no patch matched"
                )
            )
            if spec.manual_transform is None:
                raise StageError(
                    f"alignment failed on frame {worst} ({why})",
                    hint="set alignment.manual_transform (Nuke Transform knobs) or choose other frames",
                )
            log.warning("auto alignment failed (%s); falling back to the manual transform", why)
            method, fell_back, matrix = "manual", True, None
    if matrix is None:
        assert spec.manual_transform is not None
        matrix = transform_to_matrix(spec.manual_transform, (ref_w, ref_h), (src_w, src_h))
        scored = _score(matrix, spec.motion, frames, src_l, ref_l, src_box, ref_box)
    assert scored is not None
    transform: Transform2D = (
        spec.manual_transform
        if method == "manual" and spec.manual_transform is not None
        else matrix_to_transform(matrix, (ref_w, ref_h), (src_w, src_h))
    )
    if crop_spec.mode == "box":
        assert crop_spec.box is not None
        if not box_inside(crop_spec.box, (src_w, src_h)):
            raise StageError(
                f"crop.box {crop_spec.box} is outside the {src_w}x{src_h} source", hint="fix crop.box"
            )
        crop = crop_spec.box
        crop_rows = box_to_rows_cols(crop, src_h)
    else:
        both = _box_mask(src_box, (src_h, src_w)) & warped_valid(
            matrix, (ref_h, ref_w), (src_h, src_w), ref_box
        )
        margin = max(2, round(0.004 * max(src_h, src_w)))
        found = inner_box(both, margin)
        if found is None or (found[1] - found[0]) < 16 or (found[3] - found[2]) < 16:
            raise StageError(
                f"no overlap between source and warped reference picture on frames {list(frames)}",
                hint="check the alignment (difference image) or set crop.mode 'box'",
            )
        crop_rows = found
        crop = rows_cols_to_box(*found, height=src_h)
    side = film_edge_side(np.max(np.stack(src_l), axis=0), src_box)
    if side:
        log.info("film edge (perforations/soundtrack) detected at the %s of the source", side)
    cleanup = crop_spec.cleanup_box
    if cleanup is None and (src_box != (0, src_h, 0, src_w)):
        cleanup = rows_cols_to_box(*src_box, height=src_h)
    keys: tuple[SubtitleKey, ...] = ()
    if crop_spec.exclude_subtitles:
        scan = subtitle_frames if subtitle_frames is not None else zip(frames, references, strict=True)
        bands = (
            (f, _band(detect_subtitle(r, ref_box, crop_spec.subtitle_zone, matrix, (src_h, src_w))))
            for f, r in scan
        )
        keys = _subtitle_keys(crop_rows, bands, src_h, crop)
    record = AlignmentRecord(
        job_id=job_id,
        method=method,
        fell_back=fell_back,
        quality=float(np.clip(np.median(list(scored.quality.values())), 0.0, 1.0)),
        motion=spec.motion,
        matrix=as_tuple3(matrix),  # type: ignore[arg-type]
        transform=transform,
        source_size=(src_w, src_h),
        reference_size=(ref_w, ref_h),
        crop=crop,
        subtitle_keys=keys,
        cleanup_box=cleanup,
        per_frame_quality=scored.quality,
        estimated_error_px=scored.estimated_px,
    )
    return record.model_copy(update={"summary": alignment_sentence(record)})


def _band(sub: object) -> Box | None:
    return None if sub is None else sub.src_box  # type: ignore[attr-defined]


def align(
    job: ShotJob,
    curation: CurationRecord,
    source: ResolvedSequence,
    reference: ResolvedSequence,
    progress: Callable[[str], None] | None = None,
) -> AlignmentRecord:
    """Stage 2 for a shot: registration on the training frames, crop, subtitle keys for every frame.

    Args:
        job: the shot job (``alignment`` and ``crop`` settings).
        curation: stage 1's record (training frames, reference frame mapping).
        source, reference: the resolved SOURCE and REF sequences.
        progress: optional callback for one-line progress messages.

    Raises:
        StageError: naming the frame (black frame, failed registration with no manual transform,
            no overlap, subtitle covering the crop); ``MediaError`` from reading.
    """
    frames = list(curation.training_frames)
    ref_last = reference.ref.last_frame

    def ref_frame(f: int) -> int:
        rf = curation.reference_frame_for(f)
        if not reference.ref.first_frame <= rf <= ref_last:
            raise StageError(f"source frame {f} maps to reference frame {rf}, outside the reference range")
        return rf

    sources = [source.read(f) for f in frames]
    references = [reference.read(ref_frame(f)) for f in frames]
    if progress:
        progress(f"aligning on frames {frames}")

    def all_frames() -> Iterable[tuple[int, np.ndarray]]:
        from ..logs import ProgressLog

        lines = ProgressLog("frames checked for subtitles", len(source.ref.frames), label="subtitles")
        for i, f in enumerate(source.ref.frames):
            rf = curation.reference_frame_for(f)
            if reference.ref.first_frame <= rf <= ref_last:
                yield f, reference.read(rf)
            lines.update(i + 1)

    return solve_alignment(job.job_id, frames, sources, references, job.alignment, job.crop, all_frames())


def align_single_pair(
    source_rgb: np.ndarray,
    reference_rgb: np.ndarray,
    motion: str = "affine",
    *,
    fallback_threshold: float = 0.0,
    manual_transform: Transform2D | None = None,
    subtitle_zone: float = 0.3,
    exclude_subtitles: bool = True,
    frame: int = 0,
) -> AlignmentRecord:
    """Align one reference picture onto one source picture, no job needed (benchmarks, real cases).

    Args:
        source_rgb, reference_rgb: HxWx3 (RGBA is cut to RGB), display-referred 0-1.
        motion: ``similarity``, ``affine`` or ``perspective``.
        fallback_threshold, manual_transform: the manual fallback, as in a job.
        subtitle_zone, exclude_subtitles: subtitle detection settings.
        frame: the frame number used in the record's keys.

    Returns:
        An ``AlignmentRecord`` with ``job_id`` ``single``; ``crop_for_frame(frame)`` excludes subtitles.
    """
    spec = AlignmentSpec(
        mode="auto",
        motion=motion,
        manual_transform=manual_transform,  # type: ignore[arg-type]
        fallback_threshold=fallback_threshold,
    )
    crop_spec = Crop(exclude_subtitles=exclude_subtitles, subtitle_zone=subtitle_zone)
    return solve_alignment(
        "single", [frame], [source_rgb[..., :3]], [reference_rgb[..., :3]], spec, crop_spec
    )


def check_matrix(
    source_rgb: np.ndarray, reference_rgb: np.ndarray, matrix: np.ndarray, motion: str = "affine"
) -> MatchCheck:
    """The match check of a given reference -> source ``matrix`` on one pair (what stage 2 scores).

    Used to see how the quality answers a known error (``bench alignment``) or to vet a hand-made
    transform before putting it in a job.
    """
    src, ref = luma_of(clean(source_rgb[..., :3])[0]), luma_of(clean(reference_rgb[..., :3])[0])
    src_box, ref_box = _picture([src], [0], "source"), _picture([ref], [0], "reference")
    return _score(np.asarray(matrix, dtype=np.float64), motion, [0], [src], [ref], src_box, ref_box).checks[0]
