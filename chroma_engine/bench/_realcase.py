"""``bench realdata``: the real La Muralla Verde frame 1503 (scan, video reference, CopyCat's result).

The scan is SOURCE and the reference REF of a one-frame shot: alignment (similarity/affine, the two
have different framing and scale), linked crop, subtitle exclusion, training on this one pair,
inference. CopyCat's result is a screen capture framed like the reference, so it is registered onto
the scan the same way. Scores inside the common picture area, outside the subtitles: mean CIEDE2000
and mean CbCr distance to the reference for ours, CopyCat's and the LUT baseline (chroma on scan
luma), and luma identity with the scan.

What the numbers are: a **single-frame fit**. With one frame there is no held-out frame: ours and the
LUT are trained and scored on the same frame against the same reference, so they measure how closely a
method can follow this reference, not how well it restores frames it was not trained on (that is
``bench quality``'s job, on held-out frames of synthetic shots). Nor do they rank us against CopyCat:
CopyCat's image is an 8-bit screen capture made through a different luma pipeline (its luma differs
from the scan's), so its distances carry errors that are not its chroma's.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .._errors import StageError
from ..io import read_image, write_png
from ._record import machine_info, write_result


def _single_frame_job(root: Path, steps: int):  # type: ignore[no-untyped-def]
    from schemas import decode_shot_job

    return decode_shot_job(
        {
            "schema_version": "1",
            "job_id": "muralla_1503",
            "project": {"name": "MURALLA", "root": str(root)},
            "shot": {"name": "f1503"},
            "media": {
                "source": {"path": "scan_####.png", "first_frame": 1503, "last_frame": 1503},
                "reference": {"path": "ref_####.png", "first_frame": 1503, "last_frame": 1503},
            },
            "training": {
                "steps": steps,
                "patch_size": 256,
                "batch_size": 3,
                "checkpoint_interval": steps,
                "contact_sheet_interval": max(1, steps // 4),
                "model_size": "medium",
            },
        },
        check_paths=False,
    )


def bench_realdata(case: Path, out_dir: Path, steps: int = 800) -> tuple[list[str], list[list[object]]]:
    """Run the real case; write ``realdata.json``/``.md`` and QC pictures into ``out_dir``."""
    from ..alignment import align_single_pair, training_mask, warp_reference
    from ..colour import recombine
    from ..matchgrade import fit_lut
    from ..metrics import chroma_distance, delta_e00, luma_identity
    from ..training import load_model, reference_pair, restore_frame, train

    files = {name: case / f"{name}.png" for name in ("scan", "reference", "copycat_result")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise StageError(f"real case incomplete: missing {', '.join(missing)}", hint="see ../shared/realdata")
    scan, ref, copycat = (read_image(files[n]) for n in ("scan", "reference", "copycat_result"))
    started = time.perf_counter()
    rec = align_single_pair(scan, ref, motion="affine", frame=1503)
    rec_cc = align_single_pair(scan, copycat, motion="affine", frame=1503)
    warped_ref = warp_reference(ref, rec, scan.shape)
    warped_cc = warp_reference(copycat, rec_cc, scan.shape)
    mask = training_mask(rec, 1503, scan.shape) & training_mask(rec_cc, 1503, scan.shape)
    align_s = time.perf_counter() - started

    work = out_dir / "realdata_work"
    job = _single_frame_job(work, steps)
    pair = reference_pair(1503, scan, scan, warped_ref, 10, mask)
    started = time.perf_counter()
    result = train(job, [pair], pair, work / "train", steps=steps, resume=False)
    train_s = time.perf_counter() - started
    ours = restore_frame(load_model(result.torchscript), scan)
    lut = recombine(scan, fit_lut([scan], [warped_ref], [mask], size=33, log=True).apply(scan))

    def score(image: np.ndarray) -> tuple[float, float]:
        return float(delta_e00(image, warped_ref, mask)), float(chroma_distance(image, warped_ref, mask))

    rows: list[list[object]] = []
    results = {}
    for name, image in (
        ("chroma-recovery (fit on this frame)", ours),
        ("CopyCat (8-bit screen capture)", warped_cc),
        ("MatchGrade LUT (fit on this frame)", lut),
        ("scan (no restoration)", scan),
    ):
        de, cd = score(image)
        dy = float(luma_identity(np.where(mask[..., None], image, scan), scan))
        results[name] = {"de00": de, "cbcr_distance": cd, "max_abs_dY_in_area": dy}
        rows.append([name, de, cd, dy])
    out_dir.mkdir(parents=True, exist_ok=True)
    from ..qc import four_way

    write_png(
        out_dir / "realdata_fourway.png",
        four_way(
            scan, warped_cc, warped_ref, ours, lut, labels=["scan", "CopyCat", "reference", "ours", "LUT"]
        ),
    )
    data = {
        "machine": machine_info(),
        "case": str(case),
        "steps": steps,
        "align_seconds": align_s,
        "train_seconds": train_s,
        "alignment_quality": rec.quality,
        "copycat_alignment_quality": rec_cc.quality,
        "transform": json.loads(rec.transform.model_dump_json()),
        "crop": rec.crop.model_dump(),
        "scored_pixels": int(mask.sum()),
        "kind": "single-frame fit: trained and scored on the same frame against the same reference",
        "results": results,
        "caveats": [
            "no held-out frame: ours and the LUT are scored on the frame they were fitted to",
            "CopyCat's image is an 8-bit screen capture with a different luma pipeline: not a ranking",
        ],
    }
    columns = ["method", "mean dE00 vs reference", "mean CbCr distance", "max |dY'| vs scan (area)"]
    write_result(
        out_dir,
        "realdata",
        data,
        columns,
        rows,
        notes=(
            "\nA single-frame fit: ours and the LUT are trained and scored on the same frame against the "
            "same reference (no held-out frame exists), so these numbers say how closely each follows "
            "this reference, not how well it restores unseen frames (see `bench quality`). CopyCat's "
            "image is an 8-bit screen capture with a different luma pipeline, so this is not a ranking "
            f"against CopyCat. Area: common picture outside subtitles, {int(mask.sum())} px.\n"
        ),
    )
    return columns, rows
