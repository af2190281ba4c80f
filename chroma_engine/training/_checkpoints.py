"""Training checkpoints: written durably and verified, checked on load, with a fallback.

``save_checkpoint`` writes through the durable-write helper and checks every member's CRC in the written
archive before it takes the final name. ``load_checkpoint`` loads the newest checkpoint that reads and
holds a training state; a damaged one (truncated by a full disk, a copy cut short...) is reported and
the previous one is used, so a killed run resumes from the last good step.

A checkpoint holds the weights, optimiser, schedule, step, loss history, torch RNG and the patch
generator of every rank (``sampler_rngs``, with ``world_size``; ``sampler_rng`` is rank 0's, the one
key a one-process checkpoint of earlier versions has). ``resume_from`` puts it back on each rank: with
the world size it was saved with, a resumed run draws exactly the patches an unbroken one would have;
with another, the ranks draw fresh patches (seeded by step and rank), which changes the patches but
not the optimisation.
"""

from __future__ import annotations

import logging
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .._errors import WriteError
from ..devices import device_capabilities
from ..io import atomic_target
from ._distributed import DistributedContext
from ._model import ChromaNet
from ._patches import PatchSampler

log = logging.getLogger(__name__)

_CKPT_RE = re.compile(r"^ckpt_(\d+)\.pt$")
#: ``format`` of every saved chroma model and checkpoint.
MODEL_FORMAT = "chroma-recovery/ChromaNet/1"
#: Keys every training checkpoint holds.
REQUIRED_KEYS = ("model_state", "optimizer", "scheduler", "step")


def checkpoint_path(out_dir: str | os.PathLike[str], step: int) -> Path:
    """``out_dir/checkpoints/ckpt_<step>.pt`` (step zero-padded to 7 digits)."""
    return Path(out_dir) / "checkpoints" / f"ckpt_{step:07d}.pt"


def checkpoint_files(out_dir: str | os.PathLike[str]) -> list[Path]:
    """The checkpoints under ``out_dir/checkpoints``, newest (highest step) first."""
    folder = Path(out_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _CKPT_RE.match(p.name))]
    return [path for _, path in sorted(found, reverse=True)]


def newest_checkpoint(out_dir: str | os.PathLike[str]) -> Path | None:
    """The checkpoint with the highest step under ``out_dir/checkpoints``, or None (not verified)."""
    files = checkpoint_files(out_dir)
    return files[0] if files else None


def verify_archive(path: Path) -> None:
    """Every member of a torch zip archive passes its CRC (a truncated file fails to open)."""
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise ValueError(f"member {bad} fails its CRC")


def save_checkpoint(path: str | os.PathLike[str], payload: dict[str, Any]) -> Path:
    """``torch.save`` through the durable-write helper; the archive is CRC-checked before the rename."""
    target = Path(path)
    with atomic_target(target, verify=verify_archive) as tmp:
        try:
            torch.save(payload, tmp)
        except RuntimeError as exc:  # torch's zip writer reports a full disk as RuntimeError
            raise WriteError(target, str(exc).splitlines()[0], "the disk may be full") from exc
    return target


@dataclass(frozen=True)
class SkippedCheckpoint:
    """A checkpoint that could not be used, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class LoadedCheckpoint:
    """The newest usable checkpoint: its file, its state and the newer ones that were skipped."""

    path: Path
    state: dict[str, Any]
    skipped: tuple[SkippedCheckpoint, ...] = ()


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load one checkpoint and check it holds a training state; ``ValueError`` says what is wrong."""
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises RuntimeError, EOFError, UnpicklingError...
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise ValueError(f"unreadable ({type(exc).__name__}: {first})") from exc
    if not isinstance(state, dict):
        raise ValueError("not a training checkpoint")
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return state


def load_checkpoint(out_dir: str | os.PathLike[str]) -> LoadedCheckpoint | None:
    """The newest checkpoint under ``out_dir`` that loads; damaged newer ones are reported and skipped.

    None when there is no usable checkpoint (training starts from the beginning).
    """
    skipped: list[SkippedCheckpoint] = []
    for path in checkpoint_files(out_dir):
        try:
            state = read_checkpoint(path)
        except ValueError as exc:
            skipped.append(SkippedCheckpoint(path, str(exc)))
            log.warning("checkpoint %s is damaged (%s); trying the previous one", path, exc)
            continue
        return LoadedCheckpoint(path, state, tuple(skipped))
    if skipped:
        log.warning("no usable checkpoint in %s; training starts again", Path(out_dir) / "checkpoints")
    return None


def model_payload(model: ChromaNet, model_size: str, step: int) -> dict[str, Any]:
    """What ``load_model`` needs: format, configuration, size and CPU weights."""
    return {
        "format": MODEL_FORMAT,
        "model_config": model.config(),
        "model_size": model_size,
        "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "step": step,
    }


@dataclass(frozen=True)
class Resumed:
    """Where a run continues.

    Attributes:
        step: the checkpoint's step (the next step trained is ``step + 1``; 0 for a fresh run).
        history: the loss history up to ``step``.
        seconds: training seconds spent before the kill.
        reference_blur_px: the reference softness measured by the run's start (None: not measured).
        checkpoint: the checkpoint resumed from (None for a fresh run).
    """

    step: int
    history: list[dict[str, Any]]
    seconds: float
    reference_blur_px: float | None
    checkpoint: Path | None = None


def resume_from(
    loaded: LoadedCheckpoint,
    model: ChromaNet,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    sampler: PatchSampler,
    ranks: DistributedContext,
) -> Resumed:
    """Put a loaded checkpoint back into this rank's model, optimiser, schedule, RNGs and patch generator."""
    state = loaded.state
    model.load_state_dict(state["model_state"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    step = int(state["step"])
    saved = state.get("sampler_rngs") or [state.get("sampler_rng")]
    if int(state.get("world_size", 1)) == ranks.world_size and len(saved) == ranks.world_size:
        sampler.set_state(saved[ranks.rank])
    else:
        sampler.generator.manual_seed(step * 1000 + ranks.rank)
    if state.get("torch_rng") is not None:
        torch.set_rng_state(state["torch_rng"])
    if device_capabilities(ranks.device).rng_state and state.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(state["cuda_rng"], ranks.device)
    return Resumed(
        step=step,
        history=[row for row in state.get("history", []) if row["step"] <= step],
        seconds=float(state.get("seconds", 0.0)),
        reference_blur_px=state.get("reference_blur_px"),
        checkpoint=loaded.path,
    )
