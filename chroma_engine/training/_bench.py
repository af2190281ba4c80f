"""GPU (or CPU) throughput benchmarks of the chroma model on synthetic data, for ``chroma-recovery bench``.

Training: ``pairs`` random frames of ``height`` x ``width`` stay resident on the device; each step
cuts ``batch`` patches of ``patch`` pixels on the device (with the real sampler's augmentation),
runs Adam on the masked CbCr L1. Inference: the model alone on one full frame, float32 and
bf16 / fp16 autocast. Warm-up iterations are excluded and the device is synchronised around each timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from ..devices import device_capabilities, device_name, resolve_device, synchronize
from ._model import build_model, parameter_count
from ._patches import PatchSampler, masked_l1
from ._truth import TrainingPair


def _timed(fn: Callable[[], object], iters: int, warmup: int, device: torch.device) -> float:
    """Seconds per call of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    synchronize(device)
    return (time.perf_counter() - start) / max(1, iters)


def _pairs(count: int, height: int, width: int, seed: int) -> list[TrainingPair]:
    rng = np.random.default_rng(seed)
    pairs = []
    for frame in range(count):
        src = rng.random((height, width, 3), dtype=np.float32)
        pairs.append(TrainingPair(frame=frame, source=src, target=src[..., ::-1].copy()))
    return pairs


def gpu_bench(
    *,
    pairs: int = 4,
    height: int = 1556,
    width: int = 2048,
    patch: int = 512,
    batch: int = 3,
    model_size: str = "medium",
    train_steps: int = 50,
    infer_iters: int = 20,
    warmup: int = 5,
    device: str | torch.device | None = None,
    precisions: tuple[str, ...] = ("fp32", "bf16", "fp16"),
    seed: int = 0,
) -> dict[str, object]:
    """Training steps/s and inference fps of the chroma model.

    Args:
        pairs, height, width: the resident training shot (defaults: 4 pairs of 2048x1556).
        patch, batch: training patch edge and batch (defaults: 512, 3).
        model_size: ``small`` / ``medium`` / ``large``.
        train_steps, infer_iters, warmup: timed iterations and untimed warm-up iterations.
        device: None = CUDA when present.
        precisions: any of ``fp32``, ``bf16``, ``fp16`` (autocast); fp16 is skipped on CPU.

    Returns:
        dict: device name, parameter count, ``train_steps_per_s`` and ``infer_fps`` keyed by precision
        (None where skipped), ``infer_ms`` likewise, the sizes used and the peak CUDA memory (GiB).
    """
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = build_model(model_size).to(dev)
    sampler = PatchSampler(_pairs(pairs, height, width, seed), min(patch, height, width), dev, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    caps = device_capabilities(dev)
    if caps.cudnn:
        torch.backends.cudnn.benchmark = True
    if caps.memory_stats:
        torch.cuda.reset_peak_memory_stats(dev)
    train_sps: dict[str, float | None] = {}
    infer_ms: dict[str, float | None] = {}
    frame = torch.rand(1, 3, height, width, device=dev)
    for precision in precisions:
        if precision == "fp16" and not caps.accelerator:
            train_sps[precision] = infer_ms[precision] = None
            continue
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        scaler = torch.amp.GradScaler(dev.type, enabled=precision == "fp16")

        def step(dtype: torch.dtype | None = dtype, scaler: torch.amp.GradScaler = scaler) -> None:
            src, tgt, mask = sampler.sample(batch)
            with torch.autocast(
                device_type=dev.type, dtype=dtype or torch.float32, enabled=dtype is not None
            ):
                loss = masked_l1(model.chroma(src).float(), tgt, mask)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()

        train_sps[precision] = 1.0 / _timed(step, train_steps, warmup, dev)
        model.eval()

        def infer(dtype: torch.dtype | None = dtype) -> None:
            with (
                torch.inference_mode(),
                torch.autocast(device_type=dev.type, dtype=dtype or torch.float32, enabled=dtype is not None),
            ):
                model(frame)

        infer_ms[precision] = 1000.0 * _timed(infer, infer_iters, warmup, dev)
        model.train()
    return {
        "device": device_name(dev),
        "torch": torch.__version__,
        "model_size": model_size,
        "parameters": parameter_count(model),
        "pairs": pairs,
        "frame": (width, height),
        "patch": sampler.patch,
        "batch": batch,
        "train_steps_per_s": train_sps,
        "infer_ms": infer_ms,
        "infer_fps": {k: (None if v is None else 1000.0 / v) for k, v in infer_ms.items()},
        "peak_cuda_gib": torch.cuda.max_memory_allocated(dev) / 2**30 if caps.memory_stats else None,
    }
