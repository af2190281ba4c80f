"""The one durable-write helper: every file the project writes goes through here.

A write goes to a temporary name in the target's folder (``.tmp-<pid>-<rand>-<name>``, extension kept
so format-sniffing writers still work), the writer's status is checked, the data is flushed and
fsynced, the file is verified (size; callers add a format check such as re-opening an image header),
renamed onto the target and the folder is fsynced. On any failure the temporary file is removed, the
target is left as it was, and ``WriteError`` names the file. A full disk therefore never replaces a good
file with a short one, and nothing is left half-written under a final name.

``simulate_full_disk`` makes the helper fail as a full disk does (ENOSPC) after a number of writes: the
fault-injection tests and ``bench reliability`` use it to reach every caller's error path.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from .._errors import WriteError

Verify = Callable[[Path], None]

_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run again (the previous file, if any, is kept)",
    errno.EDQUOT: "the disk quota is exceeded: free some space and run again",
    errno.EACCES: "check the folder's permissions",
    errno.EROFS: "the file system is read-only",
}


class _FullDisk:
    """Process-wide simulated full disk: the (n+1)-th durable write from now on fails with ENOSPC."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.remaining: int | None = None
        self.failed: list[Path] = []

    def check(self, target: Path) -> None:
        with self.lock:
            if self.remaining is None:
                return
            if self.remaining > 0:
                self.remaining -= 1
                return
            self.failed.append(target)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))


_FULL = _FullDisk()


@contextmanager
def simulate_full_disk(after: int = 0) -> Iterator[list[Path]]:
    """Within the block, every durable write after the first ``after`` fails as on a full disk.

    Yields the list of targets whose write failed (filled in as they fail).
    """
    with _FULL.lock:
        previous = _FULL.remaining, _FULL.failed
        _FULL.remaining, _FULL.failed = max(0, int(after)), []
        failed = _FULL.failed
    try:
        yield failed
    finally:
        with _FULL.lock:
            _FULL.remaining, _FULL.failed = previous


def _error(target: Path, exc: BaseException) -> WriteError:
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return WriteError(target, reason, _HINTS.get(exc.errno or 0, "check the disk and the folder"))
    return WriteError(target, f"{type(exc).__name__}: {exc}", "check the disk and the folder")


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        _fsync_path(folder, directory=True)
    except OSError as exc:  # some file systems (and Windows) cannot fsync a folder
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES, errno.EISDIR):
            raise


def temporary_name(target: Path) -> Path:
    """The hidden temporary sibling a write of ``target`` goes to (unique per call)."""
    return target.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(3)}-{target.name}")


def is_temporary(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a temporary file of this helper (left over only after a hard kill)."""
    return Path(path).name.startswith(".tmp-")


@contextmanager
def atomic_target(
    target: str | os.PathLike[str], verify: Verify | None = None, allow_empty: bool = False
) -> Iterator[Path]:
    """Yield a temporary sibling path for a writer that needs a file name; make it ``target`` durably.

    After the block: the file must exist (and be non-empty unless ``allow_empty``), it is fsynced,
    ``verify(tmp)`` runs (raise to refuse it), it is renamed onto ``target`` and the folder fsynced.
    An ``OSError`` from the block or from any of these steps, and any failed check, remove the
    temporary file and raise ``WriteError`` naming ``target``; other exceptions from the block
    propagate unchanged (after the temporary file is removed).
    """
    final = Path(target)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _error(final, exc) from exc
    tmp = temporary_name(final)
    try:
        yield tmp
        _seal(tmp, final, verify, allow_empty)
    except BaseException as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _error(final, exc) from exc
        raise


def _seal(tmp: Path, final: Path, verify: Verify | None, allow_empty: bool) -> None:
    """Check, fsync, verify and rename a written temporary file onto ``final``."""
    if not tmp.is_file():
        raise WriteError(final, "the writer produced no file", "check the disk and the folder")
    if tmp.stat().st_size == 0 and not allow_empty:
        raise WriteError(final, "the writer produced an empty file", "the disk may be full")
    _fsync_path(tmp)
    _FULL.check(final)
    if verify is not None:
        try:
            verify(tmp)
        except (OSError, WriteError):
            raise
        except Exception as exc:  # noqa: BLE001 - any refusal of the written file
            raise WriteError(
                final, f"the written file does not check out ({exc})", "the disk may be full"
            ) from exc
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def _check_size(expected: int) -> Verify:
    def verify(tmp: Path) -> None:
        size = tmp.stat().st_size
        if size != expected:
            raise ValueError(f"{size} of {expected} bytes on disk")

    return verify


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, verify: Verify | None = None) -> Path:
    """Write ``data`` durably (see the module docstring); ``verify`` adds a format check. Returns the path."""
    target = Path(path)
    size_ok = _check_size(len(data))

    def check(tmp: Path) -> None:
        size_ok(tmp)
        if verify is not None:
            verify(tmp)

    with atomic_target(target, verify=check, allow_empty=True) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            view = memoryview(data)
            while view:  # a short write (a full disk) raises here rather than going unnoticed
                written = handle.write(view)
                view = view[written:]
            handle.flush()
            os.fsync(handle.fileno())
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text durably."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike[str], data: object, sort_keys: bool = False) -> Path:
    """Write ``data`` as indented JSON (non-JSON values via ``str``) durably."""
    return write_text_atomic(path, json.dumps(data, indent=2, sort_keys=sort_keys, default=str) + "\n")


def write_document(path: str | os.PathLike[str], model: Any) -> Path:
    """Write a pydantic model (a ``schemas`` document) as indented JSON durably."""
    return write_text_atomic(path, model.model_dump_json(indent=2) + "\n")


def copy_file_atomic(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Copy ``source`` to ``target`` durably (contents and modification time)."""
    src = Path(source)
    try:
        size = src.stat().st_size
    except OSError as exc:
        raise WriteError(Path(target), f"cannot read {src} ({exc.strerror})", "check the path") from exc
    with atomic_target(target, verify=_check_size(size), allow_empty=True) as tmp:
        shutil.copyfile(src, tmp)
        shutil.copystat(src, tmp)
    return Path(target)


@contextmanager
def durable_log(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """A text log written while a process runs: a temporary name during the run, then the final name.

    Unlike ``atomic_target`` the log is kept when the block fails (that is when it is read): on any exit
    it is flushed, fsynced and renamed onto ``path``. A hard kill leaves only the temporary file.
    """
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_name(final)
        handle = open(tmp, "x", encoding="utf-8")  # noqa: SIM115 - closed below, on every exit
    except OSError as exc:
        raise _error(final, exc) from exc
    try:
        yield handle
    finally:
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            _FULL.check(final)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            handle.close()
            tmp.unlink(missing_ok=True)
            raise _error(final, exc) from exc
