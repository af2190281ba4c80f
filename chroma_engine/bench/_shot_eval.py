"""One shot of the quality protocol: synthesise it, curate and align it, run every method, score them.

Every method is scored by the runner's own ``FrameScorer`` on the runner's own held-out frames, so the
bench and a production run's manifest measure alike. The models are trained by stage 3's ``train``
with a ``ModelRecipe``; the training pairs are stage 3's ``reference_pairs``.
"""

from __future__ import annotations

import io
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy as np

import schemas

from ._protocol import Method, ProtocolConfig, ShotSpec
from ._record import PhaseClock


def _prepare_job(spec: ShotSpec, config: ProtocolConfig, root: Path):  # type: ignore[no-untyped-def]
    """Synthesise the shot and return its job with the protocol's pair count and step intervals."""
    from ..io import write_document
    from ..synth import ReferenceOptions, synthesize_shot

    job = synthesize_shot(
        root,
        frames=config.frames,
        width=config.size[0],
        height=config.size[1],
        severity=spec.severity,  # type: ignore[arg-type]
        seed=spec.seed,
        conditions=spec.conditions,
        reference=ReferenceOptions.model_validate(dict(spec.reference)) if spec.reference else None,
        progress=False,
    )
    steps = max(1, config.steps)
    data = job.model_dump(mode="json")
    data["curation"]["auto_count"] = config.pairs
    # one checkpoint and one contact sheet per run: the bench reads the final model only
    data["training"].update({"checkpoint_interval": steps, "contact_sheet_interval": steps})
    if config.learning_rate is not None:
        data["training"]["learning_rate"] = config.learning_rate
    job = schemas.decode_shot_job(data, source=f"{root}/job.json", check_paths=False)
    write_document(root / "job.json", job)  # the job on disk is the job that ran
    return job


class _Shot:
    """A curated, aligned shot and the inputs every method shares."""

    def __init__(self, job: Any, config: ProtocolConfig) -> None:
        from rich.console import Console

        from ..runner import ShotContext, load_pairs, run_job, shot_held_out

        run_job(job, stages=("curation", "alignment"), console=Console(file=io.StringIO()))
        self.job, self.config = job, config
        self.ctx = ShotContext.from_job(job)
        self.curation, self.alignment = self.ctx.load_curation(), self.ctx.load_alignment()
        self.held = shot_held_out(self.ctx, self.curation)
        frames = [*self.curation.training_frames, self.curation.preview_frame]
        self.loaded = load_pairs(self.ctx, self.curation, self.alignment, frames)
        self._pairs: dict[int, list[Any]] = {}
        self._inputs: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = {}

    def _context(self, radius: int) -> Any:
        from ..runner import ShotContext

        if radius == self.job.training.temporal_radius:
            return self.ctx
        training = self.job.training.model_copy(update={"temporal_radius": radius})
        return ShotContext.from_job(self.job.model_copy(update={"training": training}))

    def pairs(self, radius: int) -> list[Any]:
        """Stage 3's training pairs (last: the preview pair) with model inputs of ``radius``."""
        from ..runner import model_input, reference_pairs

        if radius not in self._pairs:
            known = {p.frame: p.source for p in self.loaded}
            inputs = model_input(self._context(radius), known=known)
            self._pairs[radius] = reference_pairs(self.ctx, self.loaded, inputs)
        return self._pairs[radius]

    def inputs(self, radius: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """``frame -> (scan, model input)`` of the held-out frames at ``radius``."""
        from ..runner import model_input

        if radius not in self._inputs:
            reader = model_input(self._context(radius), in_flight=len(self.held.frames))
            self._inputs[radius] = {f: reader(f) for f in self.held.frames}
        return self._inputs[radius]

    def scorer(self, name: str) -> Any:
        from ..runner import FrameScorer

        return FrameScorer(self.ctx, self.curation, self.alignment, name)


def _nuke_lut(shot: _Shot) -> dict[int, np.ndarray]:
    """Stage 5's MatchGrade fit (raw scans against the median-cleaned reference) on the held-out frames."""
    from ..matchgrade import fit_lut
    from ..training import median_clean

    spec, median = shot.job.matchgrade, shot.job.reference_cleanup.median_size
    train = [p for p in shot.loaded if p.frame in shot.curation.training_frames]
    targets = [median_clean(p.reference, median) if median > 1 else p.reference for p in train]
    lut = fit_lut(
        [p.source for p in train], targets, [p.mask for p in train], size=spec.lut_size, log=spec.log_pre_lut
    )
    return {f: lut.apply(scan) for f, (scan, _) in shot.inputs(0).items()}


def _model_outputs(shot: _Shot, method: Method, folder: Path) -> tuple[dict[int, np.ndarray], dict[str, Any]]:
    """Train ``method``'s recipe (on TRUTH for the oracle) and restore the held-out frames."""
    from ..training import TrainingPair, load_model, restore_frame, train

    assert method.recipe is not None
    radius = method.recipe.input_radius(shot.job.training.temporal_radius)
    pairs = shot.pairs(radius)
    if method.oracle:
        assert shot.ctx.truth is not None
        pairs = [
            TrainingPair(p.frame, p.source, shot.ctx.truth.read(p.frame)[..., :3], p.mask) for p in pairs
        ]
    job = shot.job
    if method.learning_rate is not None:
        training = job.training.model_copy(update={"learning_rate": method.learning_rate})
        job = job.model_copy(update={"training": training})
    result = train(
        job,
        pairs[:-1],
        pairs[-1],
        folder,
        steps=shot.config.steps,
        device=shot.config.device,
        resume=False,
        recipe=method.recipe,
    )
    model = load_model(result.model_file, device=result.device)
    outputs = {
        f: restore_frame(model, model_in, luma_from=None if model_in is scan else scan)
        for f, (scan, model_in) in shot.inputs(radius).items()
    }
    info = {
        "train_s": result.seconds,
        "steps": result.steps,
        "final_loss": result.final_loss,
        "reference_blur_px": result.reference_blur_px,
        "device": result.device,
        "learning_rate": job.training.learning_rate,
    }
    return outputs, info


def _written_grain(shot: _Shot, frame: int, restored: np.ndarray) -> float:
    """Luma grain of the ML output written as the render writes it (ACES2065-1 half DWAA) vs the scan
    written through the same codec."""
    from ..colour import ACES2065_1, REC709_DISPLAY, convert
    from ..io import read_image, write_exr
    from ..metrics import grain_noise_power_ratio

    scan = shot.inputs(0)[frame][0]
    images = []
    with tempfile.TemporaryDirectory(dir=shot.ctx.root) as folder:
        for name, rgb in (("out", restored), ("scan", scan)):
            path = write_exr(
                Path(folder) / f"{name}.exr", convert(rgb, REC709_DISPLAY, ACES2065_1), ACES2065_1
            )
            images.append(convert(read_image(path), ACES2065_1, REC709_DISPLAY))
    return float(grain_noise_power_ratio(images[0], images[1]))


def evaluate_shot(spec: ShotSpec, config: ProtocolConfig, work: Path) -> dict[str, Any]:
    """Run every method of ``config.methods(spec)`` on one synthetic shot; never raises (a failure is
    recorded with its traceback)."""
    clock = PhaseClock()
    record: dict[str, Any] = {"shot": spec.name, "group": spec.group, "severity": spec.severity}
    record["seed"] = spec.seed
    try:
        root = work / spec.name
        job = _prepare_job(spec, config, root)
        clock.lap("synth")
        shot = _Shot(job, config)
        record["training_frames"] = list(shot.curation.training_frames)
        record["held_out"] = {"frames": list(shot.held.frames), "gap": shot.held.gap}
        record["held_out"]["min_distance"] = shot.held.min_distance
        clock.lap("curation_alignment")
        methods: dict[str, Any] = {}
        for method in config.methods(spec):
            info: dict[str, Any] = {}
            if method.recipe is None:
                outputs, chroma_only = _nuke_lut(shot), True
            else:
                outputs, info = _model_outputs(shot, method, root / "bench_training" / method.name)
                chroma_only = False
            scorer = shot.scorer(method.name)
            for frame, out in outputs.items():
                scorer.add(frame, shot.inputs(0)[frame][0], out, chroma_only=chroma_only)
            summary = scorer.summary()
            info["de00"] = summary[f"{method.name}_de00_truth_heldout"]
            info["luma_max_abs_dY"] = summary.get(f"{method.name}_luma_max_abs_dY")
            info["grain_nps_ratio"] = summary.get(f"{method.name}_grain_nps_ratio")
            if method.name == "ml":
                middle = shot.held.frames[len(shot.held.frames) // 2]
                info["grain_nps_ratio_written"] = _written_grain(shot, middle, outputs[middle])
            methods[method.name] = info
            clock.lap(method.name)
        record["methods"] = methods
        record["status"] = "ok"
    except Exception as exc:  # a failed shot is reported, not fatal to the run
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc(limit=8)
    record["timing"] = clock.phases
    record["cpu_s"] = round(sum(p["cpu_s"] for p in clock.phases.values()), 3)
    record["wall_s"] = round(sum(p["wall_s"] for p in clock.phases.values()), 3)
    return record
