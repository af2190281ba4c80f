"""The bridge's durable write: standard library only, so it also runs in Resolve's own Python.

Outside Resolve, files go through ``chroma_engine.io``'s helper; inside it, the engine (OpenImageIO,
numpy) is not importable, so this module does the same steps with the standard library: a temporary
name in the target's folder, every byte written and fsynced, the size checked, renamed onto the target,
the folder fsynced. On any failure the temporary file is removed, the target is left as it was, and
``BridgeError`` names the file. Every file the bridge writes goes through ``write_text_durable``.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from ._errors import BridgeError


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows and some file systems cannot open a folder for fsync
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_durable(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` durably (see the module docstring); returns the path."""
    target = Path(path)
    tmp = target.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(3)}-{target.name}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            view = memoryview(data)
            while view:
                view = view[handle.write(view) :]
            handle.flush()
            os.fsync(handle.fileno())
        if tmp.stat().st_size != len(data):
            raise OSError(errno.EIO, "short write")
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        hint = "the disk is full: free some space and try again" if full else "check the folder's permissions"
        raise BridgeError(f"{target}: not written ({exc.strerror or exc})", hint=hint) from exc
    return target


def write_text_durable(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text durably."""
    return write_bytes_durable(path, text.encode("utf-8"))
