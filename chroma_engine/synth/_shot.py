"""``synthesize_shot``: a complete synthetic shot folder (SOURCE, REF, BAL, TRUTH, job, truth).

Layout written under ``out_dir`` (the project root)::

    media/SOURCE/<project>_SOURCE_1001.exr ...   faded 10-bit scan (magenta cast, grain, flicker)
    media/REF/<project>_REF_1001.exr ...         colour-correct video reference (offset, bars, subtitle)
    media/BAL/<project>_BAL_1001.exr ...         grey-world balance of SOURCE
    media/TRUTH/<project>_TRUTH_1001.exr ...     SOURCE Y' + clean CbCr (metrics only)
    synth_truth.json                             ``SynthTruth``
    reference_transform.json                     ``ReferenceTransform``: the true scan -> REF matrix
    job.json                                     ``schemas.ShotJob`` (written last)

All images are Rec.709 display-referred (``Gamma 2.4 Encoded Rec.709``) EXR half: SOURCE, REF and BAL
DWAA 45 like Resolve's exports; TRUTH lossless (ZIP), because DWAA alone moves its chroma by about
0.55 dE00 (measured on the severe shot), an error every scored method would inherit from the yardstick.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

import schemas
from schemas import ShotJob

from .._errors import MediaError, StageError
from ..colour import REC709_DISPLAY, recombine
from ..io import write_document, write_exr
from ._camera import PHOTOS, CameraPath, plan_camera
from ._conditions import ShotConditions, drifted_field
from ._fading import Severity, balance, fade_field, fade_frame, grey_world_gains, sample_fade
from ._reference import ReferenceParams, render_reference, sample_reference
from ._telecine import TelecineGeometry, plan_telecine, render_telecine
from ._truth import SynthTruth, write_truth
from ._video import ReferenceOptions

FIRST_FRAME = 1001
#: OpenImageIO stamps the wall-clock time into every EXR (``capDate``) unless ``DateTime`` is given;
#: a fixed stamp keeps a seed's files byte-identical.
FIXED_DATE = "2000:01:01 00:00:00"
KINDS: tuple[str, ...] = ("SOURCE", "REF", "BAL", "TRUTH")
#: The ground truth is a yardstick, so it is stored losslessly (half ZIP); the other media are DWAA.
TRUTH_COMPRESSION = "zip"
_MEDIA_KEYS = {"SOURCE": "source", "REF": "reference", "BAL": "balanced", "TRUTH": "truth"}


def media_pattern(project: str, kind: str) -> str:
    """``media/<KIND>/<project>_<KIND>_####.exr``, relative to the project root."""
    return f"media/{kind}/{project}_{kind}_####.exr"


def _refuse_existing(root: Path, project: str) -> None:
    """Never overwrite: refuse a folder that already holds a job or synthetic media."""
    if (root / "job.json").exists():
        raise MediaError(
            f"{root}: already holds a job (job.json); refusing to overwrite it",
            hint="choose a new OUT_DIR, or delete the old shot folder yourself",
        )
    for kind in KINDS:
        folder = root / "media" / kind
        if folder.is_dir() and any(folder.iterdir()):
            raise MediaError(
                f"{folder}: already holds media; refusing to overwrite it",
                hint="choose a new OUT_DIR, or delete the old shot folder yourself",
            )


def build_job(
    root: Path, project: str, shot: str, frames: int, width: int, height: int, fps: float
) -> ShotJob:
    """The shot's ``ShotJob`` with training defaults sized for small synthetic frames."""
    last = FIRST_FRAME + frames - 1
    media: dict[str, Any] = {
        key: {
            "path": media_pattern(project, kind),
            "first_frame": FIRST_FRAME,
            "last_frame": last,
            "colour_space": REC709_DISPLAY,
            "frame_rate": fps,
        }
        for kind, key in _MEDIA_KEYS.items()
    }
    usable = 0.7 * min(width, height)  # after the reference's bars and the alignment margin
    patch = 512 if usable >= 512 else 256 if usable >= 256 else 128 if usable >= 128 else 64
    data = {
        "schema_version": schemas.SCHEMA_VERSION,
        "job_id": f"{project}_{shot}"[:64],
        "project": {"name": project, "root": str(root)},
        "shot": {"name": shot, "reel": "SYNTH"},
        "media": media,
        "frame_rate": fps,
        "reference_cleanup": {"median_size": max(3, int(round(width / 100)) | 1)},
        "training": {
            "batch_size": 3,
            "patch_size": patch,
            "steps": 1500,
            "checkpoint_interval": 500,
            "contact_sheet_interval": 250,
            "model_size": "small",
        },
        "backend": "auto",
    }
    return schemas.decode_shot_job(data, source=f"{root}/job.json", check_paths=False)


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Any]:
    """A rich progress bar (or a no-op advance callable when disabled)."""
    if not enabled:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task("frames", total=total)
        yield lambda: bar.advance(task)


def synthesize_shot(
    out_dir: str | os.PathLike[str],
    *,
    frames: int = 48,
    width: int = 512,
    height: int = 384,
    severity: Severity = "severe",
    seed: int = 0,
    project: str = "DEMO",
    shot: str = "sh010",
    ref_frame_offset: int = 0,
    fps: float = 24.0,
    photo: str | None = None,
    grain: float = 1.0,
    progress: bool | None = None,
    reference: ReferenceOptions | None = None,
    conditions: ShotConditions | None = None,
) -> ShotJob:
    """Synthesise a faded shot with known ground truth and its job; deterministic for a seed.

    Args:
        out_dir: the shot's project root; created; must not already hold a job or media.
        frames: frames per sequence (numbered 1001..1000+frames).
        width, height: frame size of every sequence.
        severity: ``mild``, ``severe`` or ``extreme`` (cyan almost gone: no LUT can invert it).
        seed: drives every random choice (photograph, camera, fade, grain, reference).
        project, shot: names used in file names and the job.
        ref_frame_offset: REF frame ``n + offset`` shows SOURCE frame ``n``.
        fps: frame rate recorded in the job.
        photo: a name of ``PHOTOS``; None picks ``PHOTOS[seed % len(PHOTOS)]``.
        grain: grain strength multiplier (0 = none).
        progress: show a rich progress bar; None = when ``frames >= 24``.
        reference: how the reference is made (SD raster, framing, grade, codec, levels); None = the
            default ``ReferenceOptions()``, whose shots are byte-identical to those made before.
        conditions: harder conditions (graded reference, fast non-rigid motion, drifting fade); None =
            ``ShotConditions()``, whose shots are byte-identical to those made before it existed.

    Returns:
        The validated ``ShotJob`` that was written to ``<out_dir>/job.json``.

    Raises:
        StageError: impossible arguments (the message names the argument).
        MediaError: ``out_dir`` already holds a job or media, or a file cannot be written.
        schemas.ValidationFailed: project or shot is not a file-name-safe name.
    """
    if frames < 1 or width < 64 or height < 64:
        raise StageError(
            f"synth: frames={frames}, size={width}x{height} is too small",
            hint="use at least 1 frame and 64x64 pixels",
        )
    if abs(ref_frame_offset) >= frames:
        raise StageError(
            f"synth: ref_frame_offset {ref_frame_offset} leaves no frame in common with {frames} frames",
            hint="use |offset| < frames",
        )
    if photo is not None and photo not in PHOTOS:
        raise StageError(f"synth: unknown photo {photo!r}", hint=f"choose one of {', '.join(PHOTOS)}")
    if severity not in ("mild", "severe", "extreme"):
        raise StageError(f"synth: unknown severity {severity!r}", hint="choose mild, severe or extreme")
    root = Path(out_dir).expanduser().absolute()
    if root.exists() and not root.is_dir():
        raise MediaError(f"{root}: exists and is not a folder", hint="choose another OUT_DIR")
    job = build_job(root, project, shot, frames, width, height, fps)
    _refuse_existing(root, project)

    cond = conditions or ShotConditions()
    rng = np.random.default_rng(seed)
    photo_name = photo or PHOTOS[seed % len(PHOTOS)]
    fade = sample_fade(severity, rng, grain).model_copy(update={"drift": cond.fade_drift})
    options = reference or ReferenceOptions()
    ref_params = sample_reference(width, height, frames, FIRST_FRAME, ref_frame_offset, rng, options)
    ref_params = ref_params.model_copy(
        update={
            "hue_deg": cond.reference_hue_deg,
            "hue_split_deg": cond.reference_hue_split_deg,
            "saturation": cond.reference_saturation,
        }
    )
    telecine = None
    if options.raster != "scan":
        telecine, ref_params = plan_telecine(options, ref_params, width, height)
    indices = range(min(0, -ref_frame_offset), max(frames, frames - ref_frame_offset))
    r2s = np.asarray(ref_params.ref_to_source, dtype=np.float64)
    wobble_px = cond.nonrigid_px * width / 512.0
    camera = plan_camera(
        photo_name, width, height, frames, rng, indices, (r2s,), speed=cond.motion_speed, wobble_px=wobble_px
    )
    field = fade_field(fade, width, height, rng)
    exposures = tuple(round(float(e), 6) for e in 1.0 + rng.uniform(-fade.flicker, fade.flicker, frames))

    def scan(index: int) -> tuple[np.ndarray, np.ndarray]:
        clean = camera.render(index)
        frame_rng = np.random.default_rng([seed, index])
        kept = drifted_field(field, fade.drift, camera.time(index))
        return clean, fade_frame(clean, fade, kept, frame_rng, exposures[index])

    middle = frames // 2
    cached = {middle: scan(middle)}
    gains = grey_world_gains(cached[middle][1])
    paths = {kind: root / media_pattern(project, kind).replace("####", "{:04d}") for kind in KINDS}
    show = progress if progress is not None else frames >= 24
    with (
        _single_threaded_exr(),
        ThreadPoolExecutor(max_workers=2) as pool,
        _progress_bar(show, frames) as advance,
    ):
        pending: list[Future[Path]] = []
        for index in range(frames):
            number = FIRST_FRAME + index
            clean, source = cached.pop(index) if index in cached else scan(index)
            images = {
                "SOURCE": source,
                "REF": _render_ref(camera, ref_params, telecine, options, number, seed),
                "BAL": balance(source, gains),
                "TRUTH": recombine(source, ref_params.grade(clean)),  # the reference's colours
            }
            for kind, image in images.items():
                target = str(paths[kind]).format(number)
                tags = {"DateTime": FIXED_DATE, "chroma_recovery:synth": f"{kind} seed {seed} {severity}"}
                codec = TRUTH_COMPRESSION if kind == "TRUTH" else "dwaa"
                pending.append(
                    pool.submit(write_exr, target, image, REC709_DISPLAY, compression=codec, metadata=tags)
                )
            for future in [f for f in pending if f.done()]:
                future.result()
            pending = [f for f in pending if not f.done()]
            advance()
        for future in pending:
            future.result()

    truth = SynthTruth(
        seed=seed,
        severity=severity,
        kept=fade.kept,
        ref_frame_offset=ref_frame_offset,
        subtitle_frames=ref_params.subtitle_frames,
        photo=photo_name,
        width=width,
        height=height,
        first_frame=FIRST_FRAME,
        last_frame=FIRST_FRAME + frames - 1,
        frame_rate=fps,
        exposures=exposures,
        balance_gains=gains,
        fade=fade,
        camera=camera,
        reference=ref_params,
        media={kind: media_pattern(project, kind) for kind in KINDS},
        reference_options=None if options.is_default else options,
        telecine=telecine,
        conditions=None if cond.is_default else cond,
    )
    write_truth(truth, root)
    _init_layout(root)
    write_document(root / "job.json", job)
    return job


def _render_ref(
    camera: CameraPath,
    params: ReferenceParams,
    telecine: TelecineGeometry | None,
    options: ReferenceOptions,
    number: int,
    seed: int,
) -> np.ndarray:
    """REF frame ``number``: scan raster or SD; its own grain drawn from (seed, frame) when asked for."""
    rng = np.random.default_rng([seed, number, 1]) if options.grain > 0 else None
    if telecine is None:
        return render_reference(camera, params, number, FIRST_FRAME, options, rng)
    return render_telecine(camera, params, telecine, options, number, FIRST_FRAME, rng)


@contextmanager
def _single_threaded_exr() -> Iterator[None]:
    """One OpenImageIO thread per write while two writes run at once (DWAA's per-file thread start-up
    costs more than it saves on small frames); the previous settings are restored afterwards."""
    import OpenImageIO as oiio

    saved = {name: oiio.get_int_attribute(name, 0) for name in ("threads", "exr_threads")}
    for name in saved:
        oiio.attribute(name, 1)
    try:
        yield
    finally:
        for name, value in saved.items():
            oiio.attribute(name, value)


def _init_layout(root: Path) -> None:
    """The five-stage project layout, when the lead's ``chroma_engine.layout`` is available."""
    try:
        from ..layout import init_project
    except ImportError:  # pragma: no cover - layout ships with the engine
        return
    init_project(root)


def clean_frame(camera: CameraPath, index: int) -> np.ndarray:
    """The clean (unfaded) display-referred frame ``index`` of a shot's camera (tests, metrics)."""
    return camera.render(index)
