"""``inference`` auto: the decision with a forced device and measured (or faked) differences."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
import torch

from chroma_engine.devices import CAPABILITIES
from chroma_engine.training import HALF_STEP, build_model, plan_inference
from schemas import InferenceSpec

CUDA = CAPABILITIES["cuda"]
CPU = CAPABILITIES["cpu"]


def _frame(height: int = 24, width: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((height, width, 3), dtype=np.float32)


class FakeRun:
    """``run`` for ``plan_inference``: float32 is the frame; each autocast / compiled model adds an error."""

    def __init__(self, frame: np.ndarray, errors: dict[tuple[str | None, bool], float], luma: float = 0.0):
        self.frame, self.errors, self.luma, self.calls = frame, errors, luma, []

    def __call__(self, model, autocast):  # type: ignore[no-untyped-def]
        compiled = isinstance(model, Compiled)
        self.calls.append((autocast, compiled))
        error = 0.0 if autocast is None and not compiled else self.errors[(autocast, compiled)]
        out = self.frame.copy()
        out[0, 0] += error * np.array([1.0, -0.2126 / 0.7152, 0.0], np.float32)  # chroma only, Y' kept
        if self.luma and (autocast, compiled) != (None, False):
            out[1, 1] += self.luma  # R'=G'=B' up: Y' moves by ``luma``
        return out


class Compiled(torch.nn.Module):
    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner


def _compile(model, height, width, autocast):  # type: ignore[no-untyped-def]
    return Compiled(model)


def _never(*_args):  # type: ignore[no-untyped-def]
    raise AssertionError("nothing may be measured or compiled here")


AUTO = InferenceSpec()


def test_auto_on_the_cpu_is_float32_without_measuring() -> None:
    model = build_model("small")
    plan = plan_inference(model, AUTO, _frame(), caps=CPU, run=_never, compile_model=_never)
    assert (plan.model, plan.autocast, plan.compiled, plan.trials, plan.warning) == (
        model,
        None,
        False,
        (),
        None,
    )


def test_auto_on_cuda_keeps_bf16_and_compile_when_they_pass() -> None:
    frame = _frame()
    run = FakeRun(frame, {("bf16", False): 2e-4, ("bf16", True): 3e-4})
    plan = plan_inference(build_model("small"), AUTO, frame, caps=CUDA, run=run, compile_model=_compile)
    assert (plan.autocast, plan.compiled, plan.warning) == ("bf16", True, None)
    assert isinstance(plan.model, Compiled)
    assert [(t.autocast, t.compiled, t.passed) for t in plan.trials] == [
        ("bf16", False, True),
        ("bf16", True, True),
    ]
    assert plan.trials[0].max_abs_drgb == pytest.approx(2e-4, rel=1e-3)
    assert plan.describe() == "bf16, compiled"


def test_auto_tries_fp16_when_bf16_is_over_the_half_step() -> None:
    frame = _frame()
    run = FakeRun(frame, {("bf16", False): 4e-3, ("fp16", False): 5e-4, ("fp16", True): 6e-4})
    plan = plan_inference(build_model("small"), AUTO, frame, caps=CUDA, run=run, compile_model=_compile)
    assert (plan.autocast, plan.compiled, plan.warning) == ("fp16", True, None)
    assert [t.passed for t in plan.trials] == [False, True, True]


def test_auto_falls_back_to_float32_with_a_warning_when_nothing_passes(caplog) -> None:  # type: ignore[no-untyped-def]
    frame = _frame()
    unsafe = {("bf16", False): 8e-3, ("fp16", False): 2 * HALF_STEP, (None, True): 1.5 * HALF_STEP}
    model = build_model("small")
    with caplog.at_level(logging.WARNING, logger="chroma_engine"):
        plan = plan_inference(
            model, AUTO, frame, caps=CUDA, run=FakeRun(frame, unsafe), compile_model=_compile
        )
    assert (plan.model, plan.autocast, plan.compiled) == (model, None, False)
    assert [(t.autocast, t.compiled, t.passed) for t in plan.trials] == [
        ("bf16", False, False),
        ("fp16", False, False),
        (None, True, False),
    ]
    assert plan.warning is not None and "rendering float32" in plan.warning
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [plan.warning]


def test_a_moved_luma_rejects_a_candidate_within_the_half_step() -> None:
    frame = _frame()
    errors = {("bf16", False): 1e-4, ("fp16", False): 1e-4, (None, True): 1e-4}
    run = FakeRun(frame, errors, luma=5e-4)  # under HALF_STEP, but the scan's Y' moved
    plan = plan_inference(build_model("small"), AUTO, frame, caps=CUDA, run=run, compile_model=_compile)
    assert (plan.autocast, plan.compiled) == (None, False) and not any(t.passed for t in plan.trials)
    assert plan.trials[0].luma_max_abs_dy == pytest.approx(5e-4, rel=1e-3)


def test_a_compile_that_fails_keeps_the_checked_precision() -> None:
    frame = _frame()
    model = build_model("small")
    run = FakeRun(frame, {("bf16", False): 1e-4})
    plan = plan_inference(model, AUTO, frame, caps=CUDA, run=run, compile_model=lambda m, *_: m)
    assert (plan.model, plan.autocast, plan.compiled, plan.warning) == (model, "bf16", False, None)


def test_explicit_values_are_followed_unmeasured() -> None:
    frame = _frame()
    model = build_model("small")
    plain = plan_inference(
        model, InferenceSpec(half_precision=False, compile=False), frame, caps=CUDA, run=_never
    )
    assert (plain.model, plain.autocast, plain.trials) == (model, None, ())
    fast = plan_inference(
        model,
        InferenceSpec(half_precision=True, compile=True),
        frame,
        caps=CUDA,
        run=_never,
        compile_model=_compile,
    )
    assert (fast.autocast, fast.compiled, fast.trials) == ("bf16", True, ())
    big = plan_inference(
        model,
        InferenceSpec(half_precision=True, compile=True),
        _frame(24, 40),
        caps=CUDA,
        run=_never,
        compile_model=_never,
        whole_frame=32,
    )
    assert (big.autocast, big.compiled) == ("bf16", False)  # tiles would recompile: never compiled


def test_explicit_half_with_auto_compile_checks_compile_against_its_own_precision() -> None:
    frame = _frame()
    run = FakeRun(frame, {("bf16", False): 5e-3, ("bf16", True): 5e-3 + 1e-4})
    spec = InferenceSpec(half_precision=True, compile="auto")
    plan = plan_inference(build_model("small"), spec, frame, caps=CUDA, run=run, compile_model=_compile)
    assert (plan.autocast, plan.compiled) == ("bf16", True)
    assert plan.trials[0].max_abs_drgb == pytest.approx(1e-4, rel=1e-2)  # compiled bf16 vs plain bf16


def test_the_measurement_is_real_on_a_device_with_half_autocast() -> None:
    # The CPU runs bfloat16 autocast too: a device record with half autocast and no compiler measures it.
    torch.manual_seed(3)
    model = build_model("small").eval()
    with torch.no_grad():
        model.head.weight.normal_(0, 0.2)
    caps = dataclasses.replace(CPU, half_autocast="bf16")
    frame = _frame(40, 48, seed=2)
    plan = plan_inference(model, AUTO, frame, caps=caps)
    bf16 = plan.trials[0]
    assert (bf16.autocast, bf16.compiled) == ("bf16", False)
    assert bf16.max_abs_drgb > 0.0  # bfloat16 does change the result
    assert bf16.luma_max_abs_dy <= 1e-5  # and the scan's Y' comes through either way
    assert bf16.passed == (bf16.max_abs_drgb <= HALF_STEP)
    assert plan.autocast == next((t.autocast for t in plan.trials if t.passed), None)
