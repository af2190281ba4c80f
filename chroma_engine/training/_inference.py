"""Inference: devices, model files (checkpoint or TorchScript), exact tiled restoration of frames.

Tiling is overlap-and-crop: the frame is cut into ``tile`` x ``tile`` cores, each run with
``overlap`` pixels of context on every side (at least the model's receptive radius), and the cores
are cross-faded over a narrow band inside that context. Every kept pixel saw its whole receptive
field and tile origins sit on the U-Net's 4-pixel grid, so the tiled result equals the untiled one
to float rounding (no seams).
"""

from __future__ import annotations

import os
import threading
import warnings
import zipfile
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import cast

import numpy as np
import torch
from torch import nn

from .._errors import TrainingError, WriteError
from ..devices import DeviceCapabilities, device_capabilities, resolve_device
from ..io import atomic_target
from ._model import CONFIG_KEYS, RECEPTIVE_RADIUS, SIZE_MULTIPLE, ChromaNet
from ._patches import frame_positions

#: Cross-fade band (pixels on each side of a core boundary).
BLEND = 8
#: Frames up to this edge run whole on CUDA (with the ACES conversion on the GPU); larger ones tile.
GPU_WHOLE_FRAME = 4096


def export_torchscript(model: nn.Module, path: str | os.PathLike[str]) -> Path:
    """Script ``model`` (a ``ChromaNet``) on CPU in float32 and save it atomically (CatFileCreator .pt)."""
    target = Path(path)
    if isinstance(model, torch.jit.ScriptModule):
        scripted = model
    else:
        cpu_model = ChromaNet(**model.config()) if isinstance(model, ChromaNet) else model
        if isinstance(model, ChromaNet):
            cpu_model.load_state_dict({k: v.detach().cpu().float() for k, v in model.state_dict().items()})
        try:
            scripted = torch.jit.script(cpu_model.eval())
        except Exception as exc:  # TorchScript raises several unrelated types
            raise TrainingError(f"{target}: TorchScript export failed: {exc}") from exc
    from ._checkpoints import verify_archive

    with atomic_target(target, verify=verify_archive) as tmp:
        try:
            scripted.save(str(tmp))
        except RuntimeError as exc:  # torch's zip writer reports a full disk as RuntimeError
            raise WriteError(target, str(exc).splitlines()[0], "the disk may be full") from exc
    return target


def _is_torchscript(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("constants.pkl") or "/code/" in name for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def load_model(path: str | os.PathLike[str], device: str | torch.device | None = "cpu") -> nn.Module:
    """Load a training checkpoint / exported model (``ChromaNet``) or a TorchScript file, in eval mode."""
    source = Path(path)
    if not source.is_file():
        raise TrainingError(f"{source}: model file not found", hint="train the shot first")
    # cudnn.benchmark stays as the caller set it (off by default): its plan cache is per thread, so
    # every new frame worker re-benchmarks every convolution (H100, 2K: 370 vs 30 ms per frame with
    # 16 fresh workers), and end to end is slower with it even with the model in one thread.
    dev = resolve_device(device)
    if _is_torchscript(source):
        return torch.jit.load(str(source), map_location=dev).eval()
    try:
        state = torch.load(str(source), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise TrainingError(
            f"{source}: unreadable checkpoint ({exc})", hint="the file may be truncated"
        ) from exc
    if not isinstance(state, dict) or "model_state" not in state or "model_config" not in state:
        raise TrainingError(f"{source}: not a chroma-recovery checkpoint (no model_state/model_config)")
    model = ChromaNet(**state["model_config"])
    model.load_state_dict(state["model_state"])
    return model.to(dev).eval()


def eager_model(model: nn.Module) -> nn.Module:
    """The eager ``ChromaNet`` of a ChromaNet TorchScript (same weights, same device); else ``model``."""
    if not isinstance(model, torch.jit.ScriptModule) or not all(hasattr(model, k) for k in CONFIG_KEYS):
        return model
    eager = ChromaNet(**{k: int(getattr(model, k)) for k in CONFIG_KEYS})
    eager.load_state_dict(model.state_dict())
    return eager.to(model_device(model)).eval()


def compile_for_frames(model: nn.Module, height: int, width: int, autocast: str | None = None) -> nn.Module:
    """``torch.compile`` the model (eager form) for HxW frames and warm it up; ``model`` where that fails.

    Compiling takes tens of seconds once; the first call is made here, on a black frame of the shot's
    size and precision, so that a missing compiler shows up now (as a warning) and not mid-render.
    """
    eager = eager_model(model)
    dev = model_device(eager)
    try:
        compiled = cast(nn.Module, torch.compile(eager))
        with torch.inference_mode():
            _run(compiled, torch.zeros(1, 3, height, width, device=dev), autocast)
    except Exception as exc:  # inductor raises many types (no compiler, no Triton, unsupported op)
        warnings.warn(f"torch.compile failed, rendering with the plain model: {exc}", stacklevel=2)
        return model
    return compiled


def model_device(model: nn.Module, device: str | torch.device | None = None) -> torch.device:
    """``device`` resolved, else the device of the model's parameters (CPU for a parameterless model)."""
    if device is not None:
        return resolve_device(device)
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


def _cores(total: int, tile: int, minimum: int) -> list[tuple[int, int]]:
    """(start, end) of the tile cores along one axis; a last core narrower than ``minimum`` joins the
    one before it (the cross-fade band on both sides of a boundary must fit inside the frame)."""
    starts = list(range(0, total, tile))
    if len(starts) > 1 and total - starts[-1] < minimum:
        starts.pop()
    return list(zip(starts, [*starts[1:], total], strict=True))


def _ramp(length: int, lo_band: int, hi_band: int) -> np.ndarray:
    """1-D weights over an extended core: linear rise over the first ``2*lo_band``, fall at the end."""
    pos = np.arange(length, dtype=np.float32) + 0.5
    weight = np.ones(length, np.float32)
    if lo_band:
        weight = np.minimum(weight, pos / (2 * lo_band))
    if hi_band:
        weight = np.minimum(weight, (length - pos) / (2 * hi_band))
    return np.clip(weight, 0.0, 1.0)


def _restore(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Scan Y' + predicted CbCr for R'G'B' (``forward``) or R'G'B' + frame positions (5 channels)."""
    if x.shape[1] == 3:
        return model(x)  # the same computation; a compiled model compiles ``forward`` only
    rgb = x[:, 0:3]
    return model.recombine(model.luma(rgb), model.chroma(x))  # type: ignore[operator]


def _run(model: nn.Module, x: torch.Tensor, autocast: str | None) -> torch.Tensor:
    if autocast is None:
        return _restore(model, x).float()
    dtype = torch.bfloat16 if autocast == "bf16" else torch.float16
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        return _restore(model, x).float()


def restore_frame(
    model: nn.Module,
    src_rgb: np.ndarray,
    *,
    tile: int = 1024,
    overlap: int = 32,
    device: str | torch.device | None = None,
    autocast: str | None = None,
    window: tuple[int, int, int, int] | None = None,
    luma_from: np.ndarray | None = None,
) -> np.ndarray:
    """Restore one frame: the scan's Y' with the model's CbCr, as float32 HxWx3 R'G'B'.

    Args:
        model: a ``ChromaNet`` or its TorchScript (``forward``: raw 1x3xHxW -> R'G'B').
        src_rgb: the scan, HxWx3(+) display-referred R'G'B' (alpha ignored).
        tile: core tile edge (rounded up to a multiple of 4); frames that fit are run whole.
        overlap: context margin per side, raised to the model's receptive radius when smaller.
        device: None = the model's device.
        autocast: None (float32), ``"bf16"`` or ``"fp16"``.
        window: ``(y0, x0, full_height, full_width)`` when ``src_rgb`` is a crop of a larger frame
            (positions are the frame's); None = ``src_rgb`` is the whole frame.
        luma_from: the frame whose Y' the result keeps when ``src_rgb`` is only the model's input (the
            temporal mean, ``chroma_engine.temporal``); None = ``src_rgb``'s own Y'.
    """
    if src_rgb.ndim != 3 or src_rgb.shape[2] < 3:
        raise TrainingError(f"restore_frame: expected an HxWx3 frame, got shape {src_rgb.shape}")
    if luma_from is not None:
        if luma_from.shape[:2] != src_rgb.shape[:2]:
            raise TrainingError(
                f"restore_frame: luma_from {luma_from.shape[:2]} != input {src_rgb.shape[:2]}"
            )
        own = restore_frame(
            model, src_rgb, tile=tile, overlap=overlap, device=device, autocast=autocast, window=window
        )
        return reluma(own, luma_from)
    dev = model_device(model, device)
    height, width = src_rgb.shape[:2]
    mult = SIZE_MULTIPLE
    tile = max(mult, -(-int(tile) // mult) * mult)
    margin = -(-max(int(overlap), RECEPTIVE_RADIUS + BLEND) // mult) * mult
    rgb = np.ascontiguousarray(src_rgb[..., :3], dtype=np.float32)
    non_blocking = device_capabilities(dev).async_copies
    with torch.inference_mode():
        if height <= tile and width <= tile and window is None:
            # Whole frame in one go: the model derives the same frame positions itself (on device).
            x3 = torch.from_numpy(rgb).to(dev, non_blocking=non_blocking).permute(2, 0, 1)[None]
            return _run(model, x3, autocast)[0].permute(1, 2, 0).contiguous().cpu().numpy()
    y0, x0, full_h, full_w = window if window is not None else (0, 0, height, width)
    pos = frame_positions(height, width, y0, x0, full_h, full_w)
    # Channels 3-4 carry frame positions, so every tile knows where it lies in the frame.
    x = torch.from_numpy(np.ascontiguousarray(np.concatenate([rgb, pos], axis=2))).permute(2, 0, 1)[None]
    with torch.inference_mode():
        if height <= tile and width <= tile:
            return _run(model, x.to(dev), autocast)[0].permute(1, 2, 0).contiguous().cpu().numpy()
        pad_h, pad_w = (-height) % mult, (-width) % mult
        xp = torch.nn.functional.pad(x, [0, pad_w, 0, pad_h], mode="replicate")
        hp, wp = height + pad_h, width + pad_w
        acc = np.zeros((hp, wp, 3), np.float32)
        wsum = np.zeros((hp, wp, 1), np.float32)
        band = min(BLEND, margin - RECEPTIVE_RADIUS) if margin > RECEPTIVE_RADIUS else 0
        for y0, y1 in _cores(hp, tile, 2 * band):
            for x0, x1 in _cores(wp, tile, 2 * band):
                wy0, wy1 = max(0, y0 - margin), min(hp, y1 + margin)
                wx0, wx1 = max(0, x0 - margin), min(wp, x1 + margin)
                out = _run(model, xp[:, :, wy0:wy1, wx0:wx1].to(dev), autocast)[0].permute(1, 2, 0)
                out_np = out.cpu().numpy()
                # Extended core: the core plus ``band`` on interior sides, cross-faded with neighbours.
                by0, by1 = y0 - (band if y0 > 0 else 0), y1 + (band if y1 < hp else 0)
                bx0, bx1 = x0 - (band if x0 > 0 else 0), x1 + (band if x1 < wp else 0)
                wy = _ramp(by1 - by0, band if y0 > 0 else 0, band if y1 < hp else 0)
                wx = _ramp(bx1 - bx0, band if x0 > 0 else 0, band if x1 < wp else 0)
                weight = (wy[:, None] * wx[None, :])[..., None]
                acc[by0:by1, bx0:bx1] += out_np[by0 - wy0 : by1 - wy0, bx0 - wx0 : bx1 - wx0] * weight
                wsum[by0:by1, bx0:bx1] += weight
        return (acc / np.maximum(wsum, 1e-12))[:height, :width]


def reluma(rgb: np.ndarray, scan: np.ndarray) -> np.ndarray:
    """``rgb`` with ``scan``'s BT.709 Y' and its own CbCr (float32 HxWx3).

    The Cb and Cr rows of the BT.709 matrix sum to zero, so adding one amount to R', G' and B' moves
    Y' by exactly that amount and leaves CbCr as they were.
    """
    from ..colour import luma

    out = np.asarray(rgb[..., :3], dtype=np.float32)
    shift = luma(np.asarray(scan[..., :3], dtype=np.float32)) - luma(out)
    return (out + shift[..., None]).astype(np.float32)


def _reluma_torch(rgb: torch.Tensor, scan: torch.Tensor) -> torch.Tensor:
    """``reluma`` on the GPU (Nx3xHxW tensors)."""
    from ..colour import matrices

    weights = torch.from_numpy(matrices()[0][0].copy()).to(rgb).view(1, 3, 1, 1)
    shift = ((scan - rgb) * weights).sum(dim=1, keepdim=True)
    return rgb + shift


_GPU_LOCK = threading.Lock()


def restore_frame_with_aces(
    model: nn.Module,
    src_rgb: np.ndarray,
    *,
    device: str | torch.device | None = None,
    autocast: str | None = None,
    tile: int = GPU_WHOLE_FRAME,
    luma_from: np.ndarray | None = None,
    neighbours: Sequence[np.ndarray] | Sequence[torch.Tensor] = (),
    flows: Sequence[np.ndarray] = (),
    on_device: torch.Tensor | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Restore one frame and convert it for writing: (display R'G'B' float32, ACES2065-1).

    On a device with the device pipeline (CUDA, see ``chroma_engine.devices``), with the frame in one
    tile, the ACES2065-1 conversion runs on the GPU right after the model (``display_to_aces_torch``,
    checked against OCIO) and comes back as float16, ready for a half EXR: the CPU is left with the
    EXR codec alone. Elsewhere the display result is converted by OCIO on the CPU (float32); on
    another GPU (MPS) only the model runs there, one frame at a time. The display frame is returned
    too: luma identity and the metrics are measured on it, before any encoding. ``luma_from``: as in
    ``restore_frame`` (the scan, when ``src_rgb`` is the temporal mean). ``neighbours`` / ``flows``
    (``TemporalInput.stack``): the model's input is ``src_rgb``'s temporal mean with them, made on the
    model's device in the device pipeline (``mean_on_device``), else on the CPU, and the result keeps
    ``src_rgb``'s luma. In the device pipeline the neighbours may be tensors already there (1x3xHxW
    float32, ``DeviceFrames``), and ``on_device`` ``src_rgb`` itself.
    """
    from ..colour import ACES2065_1, REC709_DISPLAY, convert, display_to_aces_torch
    from ..temporal import mean_on_device, motion_compensated_mean, to_device

    dev = model_device(model, device)
    caps = device_capabilities(dev)
    height, width = src_rgb.shape[:2]
    if not caps.device_pipeline or max(height, width) > tile or src_rgb.ndim != 3:
        if neighbours:
            luma_from = src_rgb if luma_from is None else luma_from
            hosts = [
                n.permute(0, 2, 3, 1)[0].cpu().numpy() if isinstance(n, torch.Tensor) else n
                for n in neighbours
            ]
            src_rgb = motion_compensated_mean(src_rgb, hosts, flows)
        with _GPU_LOCK if caps.accelerator else nullcontext():  # one frame on a GPU at a time
            display = restore_frame(
                model, src_rgb, device=device, autocast=autocast, tile=tile, luma_from=luma_from
            )
        return display, convert(display, REC709_DISPLAY, ACES2065_1)
    # One frame on the GPU at a time: frame workers interleaving their kernels and transfers on one
    # device only queue behind each other and hold more memory (measured: 16 workers were slower
    # than 4 without this); the codec work of the other frames goes on meanwhile. Both results go back
    # into pinned host memory asynchronously and are waited for after the lock: a pageable copy of the
    # float32 display frame inside the lock takes 29 of the 50 ms per 2K frame (H100) and caps end to
    # end near 14.5 fps.
    with _GPU_LOCK, torch.inference_mode():
        # A half frame (a half EXR read as it is stored) goes over as half and becomes float32 there.
        x3 = on_device if on_device is not None else to_device(src_rgb, dev)
        scan_t = None if luma_from is None else to_device(luma_from, dev)
        if neighbours:
            scan_t = x3 if scan_t is None else scan_t
            others = [n if isinstance(n, torch.Tensor) else to_device(n, dev) for n in neighbours]
            x3 = mean_on_device(x3, others, flows)
        out = _run(model, x3, autocast)
        if scan_t is not None:
            out = _reluma_torch(out, scan_t)
        aces = display_to_aces_torch(out)[0].permute(1, 2, 0).to(torch.float16).contiguous()
        shown = out[0].permute(1, 2, 0).contiguous()
        host_shown, host_aces = _to_host(shown, caps), _to_host(aces, caps)
        done = None
        if _copies_in_flight(caps):
            done = torch.cuda.Event()
            done.record(torch.cuda.current_stream(dev))
    if done is not None:
        done.synchronize()
    return host_shown.numpy(), host_aces.numpy()


def _copies_in_flight(caps: DeviceCapabilities) -> bool:
    """Device-to-host copies go into pinned memory asynchronously and are waited for with an event."""
    return caps.pinned_memory and caps.async_copies and caps.events


def _to_host(tensor: torch.Tensor, caps: DeviceCapabilities) -> torch.Tensor:
    """``tensor`` on the host: started into a pinned buffer when copies may fly, else copied now."""
    if not _copies_in_flight(caps):
        return tensor.cpu()
    host = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=True)
    host.copy_(tensor, non_blocking=True)
    return host
