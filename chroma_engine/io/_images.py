"""Single images on OpenImageIO: read any format to float RGB, write EXR half DWAA and PNG atomically."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import OpenImageIO as oiio

from .._errors import MediaError, WriteError
from ._atomic import atomic_target, write_bytes_atomic

_THREADS = 0


def set_threads(count: int) -> None:
    """OpenImageIO worker threads (0 = all cores). Set 1 when running many frames in parallel."""
    global _THREADS
    _THREADS = max(0, int(count))
    oiio.attribute("threads", _THREADS)
    oiio.attribute("exr_threads", _THREADS)


def read_image(path: str | os.PathLike[str], channels: int = 3, keep_half: bool = False) -> np.ndarray:
    """Read an image (EXR, DPX, TIFF, PNG, ...) as float32 HxWx``channels``; alpha dropped.

    Integer formats come back normalised to 0-1. Grey (and grey + alpha) images are expanded to RGB;
    frame sequences refuse them (``ResolvedSequence``). A missing,
    unreadable or truncated file raises ``MediaError`` naming it. ``keep_half``: a file stored as half
    floats comes back as float16, exactly its values (half the memory, no conversion pass); any other
    file as float32.
    """
    return read_image_channels(path, channels, keep_half)[0]


def read_image_channels(
    path: str | os.PathLike[str], channels: int = 3, keep_half: bool = False
) -> tuple[np.ndarray, int]:
    """``read_image`` plus the channel count the file itself has (before grey is expanded to RGB)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise MediaError(f"{path}: file not found", hint="check the sequence pattern and frame range")
    buf = oiio.ImageBuf(path)
    half = keep_half and buf.spec().format.basetype == oiio.HALF
    ok = buf.read(subimage=0, miplevel=0, force=True, convert=oiio.HALF if half else oiio.FLOAT)
    if not ok or buf.has_error:
        message = buf.geterror().strip().splitlines()
        raise MediaError(
            f"{path}: unreadable image ({message[0] if message else 'unknown error'})",
            hint="the file may be truncated or corrupt; re-export it",
        )
    pixels = np.asarray(buf.get_pixels(oiio.HALF if half else oiio.FLOAT))
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    stored = pixels.shape[2]
    if stored < 3:  # grey (or grey + alpha): the grey channel as R, G and B
        pixels = np.repeat(pixels[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :channels]), stored


def image_info(path: str | os.PathLike[str]) -> dict[str, object]:
    """Header facts of an image: size, channels, pixel type, compression and colour space."""
    inp = oiio.ImageInput.open(os.fspath(path))
    if inp is None:
        raise MediaError(f"{path}: cannot open ({oiio.geterror().strip()})", hint="is it an image?")
    try:
        spec = inp.spec()
        return {
            "width": spec.width,
            "height": spec.height,
            "channels": spec.nchannels,
            "format": str(spec.format),
            "compression": spec.get_string_attribute("compression"),
            "colour_space": spec.get_string_attribute("oiio:ColorSpace"),
            "chroma_recovery": spec.get_string_attribute("chroma_recovery:colour_space"),
        }
    finally:
        inp.close()


def write_exr(
    path: str | os.PathLike[str],
    rgb: np.ndarray,
    colour_space: str,
    compression: str = "dwaa",
    dwa_level: float = 45.0,
    bit_depth: str = "half",
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write an RGB EXR (half DWAA by default) atomically, recording the colour space in the header."""
    if rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise MediaError(f"{path}: expected HxWx3 pixels, got shape {rgb.shape}")
    # float16 pixels go to a half file as they are (no conversion pass on the CPU).
    keep_half = rgb.dtype == np.float16 and bit_depth == "half"
    data = np.ascontiguousarray(rgb, dtype=np.float16 if keep_half else np.float32)
    if not np.isfinite(data).all():
        data = np.nan_to_num(data, nan=0.0, posinf=65504.0, neginf=-65504.0)
    height, width, nch = data.shape
    spec = oiio.ImageSpec(width, height, nch, oiio.HALF if bit_depth == "half" else oiio.FLOAT)
    comp = f"{compression}:{int(dwa_level)}" if compression.startswith("dwa") else compression
    spec.attribute("compression", comp)
    spec.attribute("oiio:ColorSpace", colour_space)
    spec.attribute("chroma_recovery:colour_space", colour_space)
    for key, value in (metadata or {}).items():
        spec.attribute(key, value)
    return _write(path, data, spec)


def write_png(path: str | os.PathLike[str], rgb: np.ndarray) -> Path:
    """Write display-referred 0-1 RGB as an 8-bit PNG atomically (QC pictures)."""
    data = np.clip(np.nan_to_num(rgb[..., :3]), 0.0, 1.0)
    data = np.ascontiguousarray((data * 255.0 + 0.5).astype(np.uint8))
    spec = oiio.ImageSpec(data.shape[1], data.shape[0], 3, oiio.UINT8)
    return _write(path, data, spec)


def write_figure(path: str | os.PathLike[str], figure: Any) -> Path:
    """Save a matplotlib figure as PNG durably (rendered in memory, written and re-opened)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # into memory
    return write_bytes_atomic(path, buffer.getvalue(), verify=_header_check(None))


def _header_check(spec: oiio.ImageSpec | None) -> Callable[[Path], None]:
    """Verification of a written image: it re-opens (with the size and channels that were written)."""

    def verify(tmp: Path) -> None:
        inp = oiio.ImageInput.open(str(tmp))
        if inp is None:
            raise ValueError(f"does not re-open ({oiio.geterror().strip() or 'unreadable header'})")
        try:
            got = inp.spec()
            if spec is not None and (got.width, got.height, got.nchannels) != (
                spec.width,
                spec.height,
                spec.nchannels,
            ):
                raise ValueError(f"header says {got.width}x{got.height}x{got.nchannels}")
        finally:
            inp.close()

    return verify


def _write(path: str | os.PathLike[str], data: np.ndarray, spec: oiio.ImageSpec) -> Path:
    """Encode with OpenImageIO through the durable-write helper, checking every writer status."""
    target = Path(path)
    with atomic_target(target, verify=_header_check(spec)) as tmp:
        out = oiio.ImageOutput.create(str(target))
        if out is None:
            raise MediaError(f"{target}: no writer for this format ({oiio.geterror().strip()})")
        if not out.open(str(tmp), spec):
            raise WriteError(
                target, f"cannot open for writing ({out.geterror().strip()})", "check permissions"
            )
        wrote = out.write_image(data)
        closed = out.close()  # the encoder flushes here: a full disk shows up in close(), not before
        if not (wrote and closed) or out.has_error:
            message = out.geterror().strip() or "the encoder reported a failure"
            raise WriteError(target, message.splitlines()[0], "the disk may be full; nothing was replaced")
    return target
