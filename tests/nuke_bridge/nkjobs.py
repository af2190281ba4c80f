"""Job and engine-record factories for the nuke_bridge stage tests."""

from __future__ import annotations

from typing import Any

from schemas import (
    AlignmentRecord,
    CropBox,
    CurationRecord,
    PairDecision,
    ShotJob,
    SubtitleKey,
    Transform2D,
    decode_shot_job,
)


def make_job(root: str, **overrides: Any) -> ShotJob:
    """A 100-frame shot (1001-1100) with three explicit training frames, offset +2, preview 1070."""
    data: dict[str, Any] = {
        "schema_version": "1",
        "job_id": "job_sh010",
        "project": {"name": "FILM", "root": root},
        "shot": {"name": "sh010"},
        "media": {
            "source": {"path": "media/FILM_SOURCE_####.exr", "first_frame": 1001, "last_frame": 1100},
            "reference": {"path": "media/FILM_REF_####.exr", "first_frame": 1001, "last_frame": 1100},
        },
        "curation": {"frames": [1010, 1050, 1090], "preview_frame": 1070, "reference_offset": 2},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return decode_shot_job(data, check_paths=False)


def make_curation(job_id: str = "job_sh010") -> CurationRecord:
    """Engine curation: frames 1020/1060 (+ explicit pair for 1060 -> 1065), offset 3, preview 1040."""
    return CurationRecord(
        job_id=job_id,
        training_frames=(1020, 1060),
        preview_frame=1040,
        reference_offset=3,
        pairs=(PairDecision(source_frame=1060, reference_frame=1065, accepted=True, score=0.9),),
    )


def make_alignment(
    job_id: str = "job_sh010", fell_back: bool = True, subtitles: bool = True
) -> AlignmentRecord:
    """Engine alignment on a 2048x1152 source; a subtitle key at 1060 shrinks the crop's bottom."""
    keys = (
        (SubtitleKey(frame=1060, box=CropBox(x=64, y=200, r=1984, t=1100), subtitle=True),)
        if subtitles
        else ()
    )
    return AlignmentRecord(
        job_id=job_id,
        method="auto",
        fell_back=fell_back,
        quality=0.4 if fell_back else 0.9,
        motion="perspective",
        matrix=((1.0, 0.0, 3.5), (0.0, 1.0, -2.0), (0.0, 0.0, 1.0)),
        transform=Transform2D(
            translate_x=3.5, translate_y=2.0, rotate=0.25, scale=1.01, center_x=1024, center_y=576
        ),
        source_size=(2048, 1152),
        reference_size=(1920, 1080),
        crop=CropBox(x=64, y=40, r=1984, t=1100),
        subtitle_keys=keys,
        cleanup_box=CropBox(x=32, y=16, r=2016, t=1136),
    )
