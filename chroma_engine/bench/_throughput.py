"""Throughput benchmarks: inference frames/s (model alone, end to end with EXR I/O) vs I/O alone."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..colour import ACES2065_1, REC709_DISPLAY, convert
from ..devices import device_capabilities, synchronize
from ..io import read_image, write_exr
from ..runner._pipeline import run_pipeline


def model_alone_fps(
    model, frame: np.ndarray, device: str, repeats: int = 30, autocast: str | None = None
) -> float:  # type: ignore[no-untyped-def]
    """Frames/s of the model on one resident frame (no host transfers, no I/O)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(frame.transpose(2, 0, 1)))[None].to(device)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(autocast or "", None)
    with torch.inference_mode():
        for _ in range(3):
            _run(model, x, device, dtype)
        synchronize(device)
        started = time.perf_counter()
        for _ in range(repeats):
            _run(model, x, device, dtype)
        synchronize(device)
    return repeats / (time.perf_counter() - started)


def _run(model, x, device: str, dtype):  # type: ignore[no-untyped-def]
    import torch

    if dtype is None:
        return model(x)
    with torch.autocast(device_type=torch.device(device).type, dtype=dtype):
        return model(x)


def write_test_sequence(folder: Path, frames: int, height: int, width: int, seed: int = 0) -> str:
    """A Rec.709 EXR half DWAA test sequence with film-like texture; returns its %04d pattern."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([xx / width, yy / height, 0.5 + 0.3 * np.sin(xx / 37.0) * np.cos(yy / 23.0)], axis=-1)
    pattern = str(folder / "SRC_%04d.exr")
    for frame in range(1, frames + 1):
        noisy = base + rng.normal(0, 0.02, base.shape).astype(np.float32)
        write_exr(pattern % frame, np.clip(noisy, 0, 1).astype(np.float32), REC709_DISPLAY)
    return pattern


def _read_half(path: str) -> np.ndarray:
    """An EXR's RGB as float16, straight from the file's half pixels (no float32 pass)."""
    import OpenImageIO as oiio

    buf = oiio.ImageBuf(path)
    return np.asarray(buf.get_pixels(oiio.HALF))[:, :, :3]


def io_only_fps(
    pattern: str,
    out_folder: Path,
    frames: int,
    workers: int = 16,
    colour: bool = True,
    half: bool = False,
    depth: int = 4,
) -> float:
    """EXR read + write DWAA with no model through the same pipeline; ``colour``: with the OCIO
    conversion to ACES2065-1 on the CPU in between (False = the pure read+write the target names);
    ``half``: pixels stay float16 from reader to writer (the cheapest possible copy)."""
    out_folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run_pipeline(
        list(range(1, frames + 1)),
        lambda f: _read_half(pattern % f) if half else read_image(pattern % f),
        lambda f, rgb: rgb,
        lambda f, rgb: write_exr(
            out_folder / f"IO_{f:04d}.exr",
            convert(rgb, REC709_DISPLAY, ACES2065_1) if colour else rgb,
            ACES2065_1,
        ),
        workers=workers,
        depth=depth,
        ordered=False,
    )
    return frames / (time.perf_counter() - started)


def end_to_end_fps(
    model,
    pattern: str,
    out_folder: Path,
    frames: int,
    device: str,
    workers: int = 16,  # type: ignore[no-untyped-def]
    autocast: str | None = None,
    ordered: bool = False,
    depth: int = 4,
    temporal_radius: int = 0,
) -> float:
    """Read, restore (scan Y' + predicted CbCr), convert to ACES2065-1, write DWAA: frames/s.

    The same per-frame work as ``run_inference`` minus the metrics: the reader threads read the frames
    and compute the optical flows to ``temporal_radius`` neighbours either side (``TemporalInput.stack``);
    ``restore_frame_with_aces`` makes the temporal mean and runs the model (both on the GPU on CUDA,
    where the conversion to ACES2065-1 runs too and half pixels come back) and keeps the scan's luma;
    then the EXR write.
    """
    import torch

    from ..temporal import DeviceFrames, TemporalInput
    from ..training import restore_frame_with_aces

    out_folder.mkdir(parents=True, exist_ok=True)
    numbers = list(range(1, frames + 1))
    on_device = device_capabilities(device).device_pipeline
    inputs = TemporalInput(
        lambda f: read_image(pattern % f, keep_half=on_device),  # as run_inference reads
        numbers,
        temporal_radius,
        depth + workers,
    )

    uploaded = DeviceFrames(torch.device(device), temporal_radius)

    def restore(f: int, item: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]) -> np.ndarray:
        scan, neighbours, flows = item  # as restore_frames on CUDA: the mean is made on the device
        if not neighbours or not on_device:
            return restore_frame_with_aces(
                model, scan, device=device, autocast=autocast, neighbours=neighbours, flows=flows
            )[1]
        centre, others = uploaded.frame_stack(f, scan, inputs.neighbours(f), neighbours)  # each uploaded once
        return restore_frame_with_aces(
            model, scan, device=device, autocast=autocast, neighbours=others, flows=flows, on_device=centre
        )[1]

    started = time.perf_counter()
    run_pipeline(
        numbers,
        inputs.stack,
        restore,
        lambda f, aces: write_exr(out_folder / f"ML_{f:04d}.exr", aces, ACES2065_1),
        workers=workers,
        depth=depth,
        ordered=ordered,
    )
    return frames / (time.perf_counter() - started)


@dataclass(frozen=True)
class AlternatingPasses:
    """Best frames/s of EXR read+write alone (``x16 float`` / ``x16 half``) and of each end-to-end
    layout over alternating passes, and every pass as measured."""

    read_write: dict[str, float]
    end_to_end: dict[str, float]
    passes: list[dict[str, object]]


def alternating_passes(
    pattern: str,
    work: Path,
    frames: int,
    device: str,
    layouts: Mapping[str, tuple[object, str | None, int]],
    repeats: int,
) -> AlternatingPasses:
    """EXR read+write alone (float and half) and end to end with each layout
    (``name: (model, autocast, temporal radius)``; the model in one thread, 16 reader/encoder threads,
    32 frames in flight), measured in alternation ``repeats`` times; host load drifts between runs, so
    the best pass of each is what is compared."""
    read_write: dict[str, float] = {}
    end_to_end: dict[str, float] = {}
    passes: list[dict[str, object]] = []
    for rep in range(1, repeats + 1):
        for half in (False, True):
            key = f"x16 {'half' if half else 'float'}"
            fps = io_only_fps(
                pattern, work / f"rw_{rep}_{half}", frames, workers=16, colour=False, half=half, depth=32
            )
            read_write[key] = max(fps, read_write.get(key, 0.0))
            passes.append({"pass": rep, "measure": f"read+write {key}", "fps": fps})
        for key, (net, precision, radius) in layouts.items():
            fps = end_to_end_fps(
                net,
                pattern,
                work / f"e2e_{rep}_{len(passes)}",
                frames,
                device,
                workers=16,
                autocast=precision,
                ordered=True,
                depth=32,
                temporal_radius=radius,
            )
            end_to_end[key] = max(fps, end_to_end.get(key, 0.0))
            passes.append({"pass": rep, "measure": f"end to end {key}", "fps": fps})
    return AlternatingPasses(read_write, end_to_end, passes)
