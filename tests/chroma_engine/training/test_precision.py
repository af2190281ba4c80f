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


@pytest.fixture(autouse=True)
def _own_compiled_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its (faked) compiled models to itself."""
    from chroma_engine.training import _precision

    monkeypatch.setattr(_precision, "_REUSED", {})


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


class Recorder(torch.nn.Module):
    """What a faked ``torch.compile`` returns: the module it was given, counted."""

    made = 0

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        Recorder.made += 1
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def _seeded(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_model("small").eval()
    with torch.no_grad():
        model.head.weight.normal_(0, 0.2)
    return model


def test_a_compiled_model_is_reused_with_the_next_shots_weights(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chroma_engine.training import restore_frame
    from chroma_engine.training._precision import compile_reusing, release_compiled

    monkeypatch.setattr(torch, "compile", Recorder)
    monkeypatch.setattr(Recorder, "made", 0)
    first, second = _seeded(1), _seeded(2)
    frame = _frame(28, 36, seed=4)
    a = compile_reusing(first, 28, 36, None)
    busy = compile_reusing(second, 28, 36, None)  # the first is still rendering: a second compile
    assert Recorder.made == 2 and busy is not a
    release_compiled(a)
    b = compile_reusing(second, 28, 36, None)
    assert b is a and Recorder.made == 2  # no third compile: the free one took the second's weights
    np.testing.assert_allclose(restore_frame(b, frame), restore_frame(second, frame), atol=1e-6)
    assert compile_reusing(_seeded(3), 28, 40, None) is not a  # another frame size: its own
    for module in (a, busy):
        release_compiled(module)


def test_a_plan_gives_its_compiled_model_back_when_closed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(torch, "compile", Recorder)
    frame = _frame(20, 24, seed=5)
    caps = dataclasses.replace(CPU, compile=True)  # a compiling device, float32 only
    plans = [plan_inference(_seeded(seed), AUTO, frame, caps=caps) for seed in (6, 7)]
    assert all(p.compiled for p in plans) and plans[0].model is not plans[1].model
    assert plans[0].trials[0].passed and plans[0].trials[0].max_abs_drgb <= 1e-5  # the same computation
    plans[0].close()
    again = plan_inference(_seeded(8), AUTO, frame, caps=caps)
    assert again.model is plans[0].model and again.compiled
    again.close()
    plans[1].close()
