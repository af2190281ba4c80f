"""How the model runs for a shot: ``inference.half_precision`` and ``inference.compile``, ``auto`` included.

``auto`` is decided when the model is loaded, by measurement: the candidate (bfloat16 autocast, then
float16, then ``torch.compile`` of the one kept) restores the shot's first frame and is compared with
the plain float32 model on the same frame. A candidate is kept when

- its largest |dR'G'B'| against float32 is at most ``HALF_STEP`` (2**-10, the spacing of half floats
  at display white: below what the half-float EXR the render writes can tell apart at the top of the
  range; ~1e-3 relative), and
- its luma identity (max |dY'| against the scan) is the float32 model's to ``LUMA_SLACK``.

Otherwise the next candidate is tried and, when none passes, the float32 plain model renders, with a
warning line. Devices without half autocast or the compiler (the CPU, Apple's MPS, see
``chroma_engine.devices``) make ``auto`` float32 without measuring anything. Explicit ``true`` /
``false`` are followed as written (``true`` is bfloat16, unchecked).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from schemas import InferenceSpec

from ..devices import DeviceCapabilities, device_capabilities

log = logging.getLogger(__name__)

#: Largest |dR'G'B'| (display, 0-1) a faster way of running the model may add to the float32 result:
#: the spacing of half floats at white (2**-10 = 9.8e-4).
HALF_STEP = 2.0**-10
#: How much a faster way may raise the largest |dY'| against the scan over float32's (float rounding).
LUMA_SLACK = 1e-6
#: Half-precision candidates of ``auto``, in order: the device's autocast type first, then float16
#: (three more mantissa bits than bfloat16, the same speed on tensor cores).
HALF_CANDIDATES = ("bf16", "fp16")


@dataclass(frozen=True)
class PrecisionTrial:
    """One way of running the model, measured against float32 on one frame.

    Attributes:
        autocast: ``bf16``, ``fp16`` or None (float32).
        compiled: the ``torch.compile``-d model.
        max_abs_drgb: largest |dR'G'B'| against the float32 plain model.
        luma_max_abs_dy: its luma identity (max |dY'| against the scan).
        passed: within ``HALF_STEP`` with the luma identity of float32 (``LUMA_SLACK``).
    """

    autocast: str | None
    compiled: bool
    max_abs_drgb: float
    luma_max_abs_dy: float
    passed: bool

    def describe(self) -> str:
        verdict = "kept" if self.passed else "rejected"
        return (
            f"{_name(self.autocast, self.compiled)}: max |dRGB| {self.max_abs_drgb:.2e} vs float32 "
            f"(limit {HALF_STEP:.2e}), luma max |dY'| {self.luma_max_abs_dy:.2e}: {verdict}"
        )


@dataclass(frozen=True)
class InferencePlan:
    """The model a render uses and why.

    Attributes:
        model: the model to render with (compiled or plain).
        autocast: the autocast type of every frame (None: float32).
        compiled: ``model`` is the compiled one.
        trials: the measurements that decided ``auto`` (empty when nothing was measured).
        warning: the line written when ``auto`` fell back (None otherwise).
    """

    model: nn.Module
    autocast: str | None
    compiled: bool
    trials: tuple[PrecisionTrial, ...] = ()
    warning: str | None = None

    def describe(self) -> str:
        return _name(self.autocast, self.compiled)

    def close(self) -> None:
        """The render is over: a compiled model goes back for the next shot (``compile_reusing``)."""
        if self.compiled:
            release_compiled(self.model)


def _name(autocast: str | None, compiled: bool) -> str:
    return f"{autocast or 'float32'}{', compiled' if compiled else ''}"


#: Restore a frame with a model: ``(model, autocast) -> display R'G'B'`` (HxWx3 float32).
RunFn = Callable[[nn.Module, "str | None"], np.ndarray]
#: Compile a model for HxW frames: ``(model, height, width, autocast) -> model`` (the same on failure).
CompileFn = Callable[[nn.Module, int, int, "str | None"], nn.Module]


@dataclass
class _Compiled:
    """A compiled model kept by this process: its eager module (whose weights each render loads) and
    whether a render holds it now."""

    eager: nn.Module
    compiled: nn.Module
    busy: bool = True


_REUSED: dict[tuple[object, ...], list[_Compiled]] = {}
_REUSED_LOCK = threading.Lock()


def compile_reusing(model: nn.Module, height: int, width: int, autocast: str | None = None) -> nn.Module:
    """``compile_for_frames``, once per process for each model shape, frame size and precision.

    Compiling takes seconds to tens of seconds, longer than the model runs on a whole shot; a ``watch``
    worker renders shot after shot of one size. A compiled model that no render holds is reused: the
    new shot's weights are copied into its eager module, which the compiled code reads (parameters are
    inputs of the compiled graph, not constants). ``plan_inference`` then checks it against float32
    like a fresh one, so a reuse that did not take the new weights would be caught and not used.
    ``InferencePlan.close`` gives it back. Anything but a ``ChromaNet`` is compiled afresh.
    """
    from ._inference import compile_for_frames, eager_model, model_device
    from ._model import ChromaNet

    eager = eager_model(model)
    if not isinstance(eager, ChromaNet):
        return compile_for_frames(model, height, width, autocast)
    key = (tuple(sorted(eager.config().items())), str(model_device(eager)), height, width, autocast)
    with _REUSED_LOCK:
        free = next((entry for entry in _REUSED.get(key, []) if not entry.busy), None)
        if free is not None:
            free.busy = True
    if free is not None:
        with torch.no_grad():
            free.eager.load_state_dict(eager.state_dict())
        return free.compiled
    compiled = compile_for_frames(eager, height, width, autocast)
    if compiled is eager:  # compiling failed (warned): the plain model
        return model
    with _REUSED_LOCK:
        _REUSED.setdefault(key, []).append(_Compiled(eager, compiled))
    return compiled


def release_compiled(module: nn.Module) -> None:
    """A render is done with ``module`` (from ``compile_reusing``): the next one may reuse it."""
    with _REUSED_LOCK:
        for entries in _REUSED.values():
            for entry in entries:
                if entry.compiled is module:
                    entry.busy = False


class FrameCheck:
    """Measures ways of running the model against its plain float32 result on one frame."""

    def __init__(self, model: nn.Module, scan: np.ndarray, run: RunFn) -> None:
        from ..metrics import luma_identity

        self._model, self._run, self._scan = model, run, scan
        self._references: dict[str | None, np.ndarray] = {}
        self._luma = luma_identity
        self.reference_luma = float(luma_identity(self.reference(None), scan))

    def reference(self, autocast: str | None) -> np.ndarray:
        """The plain model's result with ``autocast`` (None: float32), made once."""
        if autocast not in self._references:
            self._references[autocast] = self._run(self._model, autocast)
        return self._references[autocast]

    def trial(
        self, model: nn.Module, autocast: str | None, compiled: bool, against: str | None = None
    ) -> PrecisionTrial:
        """``model`` with ``autocast`` against the plain model with ``against`` (None: float32)."""
        out = self._run(model, autocast)
        reference = self.reference(against)
        drgb = float(np.abs(out[..., :3].astype(np.float64) - reference[..., :3]).max())
        dy = float(self._luma(out, self._scan))
        ok = bool(np.isfinite(drgb) and drgb <= HALF_STEP and dy <= self.reference_luma + LUMA_SLACK)
        return PrecisionTrial(autocast, compiled, drgb, dy, ok)


def whole_frame_run(frame: np.ndarray, device: object = None) -> RunFn:
    """``(model, autocast) -> display R'G'B'`` of ``frame`` in one piece (a compiled model is compiled
    for the whole frame, so no tiles)."""
    from ._inference import restore_frame

    def run(model: nn.Module, autocast: str | None) -> np.ndarray:
        return restore_frame(model, frame, tile=max(frame.shape[:2]), device=device, autocast=autocast)  # type: ignore[arg-type]

    return run


def plan_inference(
    model: nn.Module,
    spec: InferenceSpec,
    frame: np.ndarray,
    *,
    caps: DeviceCapabilities | None = None,
    run: RunFn | None = None,
    compile_model: CompileFn | None = None,
    whole_frame: int | None = None,
) -> InferencePlan:
    """Decide how ``model`` renders the shot whose first frame (the scan, HxWx3) is ``frame``.

    Args:
        model: the loaded model (plain, float32).
        spec: the job's ``inference`` block.
        frame: the shot's first frame: the candidates of ``auto`` restore it.
        caps: the model device's capabilities (default: those of the model's device).
        run: ``(model, autocast) -> display R'G'B'`` of ``frame`` (default: ``restore_frame``, whole).
        compile_model: the compiler (default: ``compile_reusing``).
        whole_frame: the largest frame edge rendered in one piece, above which nothing is compiled
            (tiles would recompile; default: ``GPU_WHOLE_FRAME``).
    """
    from ._inference import GPU_WHOLE_FRAME, model_device

    caps = caps or device_capabilities(model_device(model))
    compile_model = compile_model or compile_reusing
    height, width = frame.shape[:2]
    limit = GPU_WHOLE_FRAME if whole_frame is None else whole_frame
    can_compile = caps.compile and max(height, width) <= limit
    half_auto, compile_auto = spec.half_precision == "auto", spec.compile == "auto"
    measure_half = half_auto and caps.half_autocast is not None
    measure_compile = compile_auto and can_compile
    if not (measure_half or measure_compile):  # explicit values, or a device where auto is float32
        autocast = caps.half_autocast if spec.half_precision is True else None
        if spec.compile is True and can_compile:
            net = compile_model(model, height, width, autocast)
            return InferencePlan(net, autocast, net is not model)
        return InferencePlan(model, autocast, compiled=False)
    check = FrameCheck(model, frame, run or whole_frame_run(frame, model_device(model)))
    trials: list[PrecisionTrial] = []
    autocast = caps.half_autocast if spec.half_precision is True else None
    if measure_half:
        candidates = dict.fromkeys((caps.half_autocast, *HALF_CANDIDATES))
        for candidate in candidates:
            trials.append(check.trial(model, candidate, compiled=False))
            if trials[-1].passed:
                autocast = candidate
                break
    net, compiled = model, False
    if measure_compile or (spec.compile is True and can_compile):
        built = compile_model(model, height, width, autocast)
        if built is not model:
            if measure_compile:  # an explicit half_precision is compared with its own plain result
                against = autocast if spec.half_precision is True else None
                trials.append(check.trial(built, autocast, compiled=True, against=against))
                compiled = trials[-1].passed
            else:
                compiled = True
            if not compiled:
                release_compiled(built)
            net = built if compiled else model
    warning = _fallback_warning(trials, measure_half, autocast, measure_compile, compiled)
    plan = InferencePlan(net, autocast, compiled, tuple(trials), warning)
    for trial in trials:
        log.info("inference precision check: %s", trial.describe())
    if warning:
        log.warning("%s", warning)
    log.info("inference runs %s", plan.describe())
    return plan


def _fallback_warning(
    trials: list[PrecisionTrial],
    measure_half: bool,
    autocast: str | None,
    measure_compile: bool,
    compiled: bool,
) -> str | None:
    failed = [t for t in trials if not t.passed]
    fell_back = (measure_half and autocast is None) or (measure_compile and not compiled)
    if not failed or not fell_back:
        return None
    worst = ", ".join(f"{_name(t.autocast, t.compiled)} {t.max_abs_drgb:.2e}" for t in failed)
    return (
        f"inference auto: {worst} max |dRGB| against float32 on the first frame is over the half-float "
        f"step {HALF_STEP:.2e} (or the luma moved); rendering {_name(autocast, compiled)}"
    )
