"""Start Nuke as a subprocess, stream its output, enforce a timeout and decide whether it worked.

Nuke's exit status is undocumented, so a run counts as failed when any of these holds: the exit status is
not 0, a line matches an error pattern (``ERROR:``, ``Error:``, ``Eddy[ERROR]`` as Deadline Cloud's Nuke
adaptor does), or an expected output file is missing, empty or unreadable. Every line goes to a log file
next to the script and, parsed into a ``NukeEvent``, to the caller's callback.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from chroma_engine.io import free_path
from schemas import SchemaModel

from ._errors import NukeBridgeError
from ._wrapper import CAT_PREFIX

_PROGRESS_RE = re.compile(r"\bFrame (\d+) \((\d+) of (\d+)\)")
_ERROR_RE = re.compile(r"ERROR:|Error:|Eddy\[ERROR\]")
_KEEP_ERRORS = 20


class NukeRenderError(NukeBridgeError):
    """Nuke exited non-zero, printed error lines, or did not write what it should have.

    Attributes:
        returncode: the process exit status (None when it was killed after a timeout).
        log_path: the full log of the run.
        error_lines: the last error lines Nuke printed (at most 20).
        missing: expected outputs that are missing, empty or unreadable.
    """

    def __init__(
        self,
        message: str,
        *,
        returncode: int | None,
        log_path: str,
        error_lines: Sequence[str] = (),
        missing: Sequence[str] = (),
        hint: str = "",
    ) -> None:
        super().__init__(message, hint or f"the full Nuke output is in {log_path}")
        self.returncode = returncode
        self.log_path = log_path
        self.error_lines = tuple(error_lines)
        self.missing = tuple(missing)


class NukeTimeoutError(NukeRenderError):
    """Nuke ran longer than the timeout; its whole process group was killed."""


class NukeEvent(SchemaModel):
    """One line of Nuke output, classified.

    Attributes:
        kind: ``progress`` (``Frame N (i of n)``), ``error``, ``cat`` (the wrapper's ``.cat`` line) or
            ``line`` (anything else).
        line: the line without its newline.
        frame, index, total: for ``progress``: frame number and its 1-based position in the range.
        path: for ``cat``: the ``.cat`` file.
    """

    kind: Literal["progress", "error", "cat", "line"]
    line: str
    frame: int | None = None
    index: int | None = None
    total: int | None = None
    path: str | None = None


class NukeRunResult(SchemaModel):
    """A successful Nuke run.

    Attributes:
        command: the argv that was run.
        returncode: exit status (0).
        log_path: the log file next to the script.
        duration_s: wall-clock seconds.
        outputs: the expected files, all verified.
        cat_file: for training: the newest ``.cat`` written; else None.
        frames_done: progress lines seen.
    """

    command: tuple[str, ...]
    returncode: int
    log_path: str
    duration_s: float
    outputs: tuple[str, ...] = ()
    cat_file: str | None = None
    frames_done: int = 0


EventCallback = Callable[[NukeEvent], None]


def parse_line(line: str) -> NukeEvent:
    """Classify one output line (the error check runs before progress: an error line is never progress)."""
    text = line.rstrip("\r\n")
    if text.startswith(CAT_PREFIX):
        return NukeEvent(kind="cat", line=text, path=text[len(CAT_PREFIX) :].strip())
    if _ERROR_RE.search(text):
        return NukeEvent(kind="error", line=text)
    match = _PROGRESS_RE.search(text)
    if match:
        frame, index, total = (int(g) for g in match.groups())
        return NukeEvent(kind="progress", line=text, frame=frame, index=index, total=total)
    return NukeEvent(kind="line", line=text)


def next_free_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem.2.suffix``, ``stem.3.suffix`` ... whichever does not exist yet."""
    return free_path(folder, stem, suffix, separator=".")


def check_outputs(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The paths that are missing, empty, or (EXR/DPX/TIFF/PNG) cannot be opened by OpenImageIO."""
    bad: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file() or path.stat().st_size == 0:
            bad.append(str(path))
            continue
        if path.suffix.lower() in {".exr", ".dpx", ".tif", ".tiff", ".png"}:
            import OpenImageIO as oiio

            image = oiio.ImageInput.open(str(path))
            if image is None:
                oiio.geterror()  # clear the pending error so it does not leak into the next call
                bad.append(str(path))
            else:
                image.close()
    return bad


def newest_cat(folder: str | os.PathLike[str], since: float = 0.0) -> Path | None:
    """Newest ``*.cat`` in a CopyCat data directory modified at or after ``since`` (epoch seconds)."""
    root = Path(folder)
    if not root.is_dir():
        return None
    cats = [p for p in root.glob("*.cat") if p.stat().st_mtime >= since]
    return max(cats, key=lambda p: (p.stat().st_mtime, p.name)) if cats else None


_WINDOWS = sys.platform.startswith("win")
#: Nuke gets its own process group so a timeout kills it and everything it started.
_GROUP_FLAGS: int = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) if _WINDOWS else 0


def _kill_group(proc: subprocess.Popen[str], grace_s: float) -> None:
    """Terminate Nuke and everything it started (its own process group), then kill after ``grace_s``."""
    if _WINDOWS:
        proc.kill()
        proc.wait()
        return
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)
    lines.put(None)


def run_nuke(
    command: Sequence[str],
    *,
    log_path: str | os.PathLike[str],
    timeout_s: float | None = None,
    on_event: EventCallback | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    expected_outputs: Sequence[str | os.PathLike[str]] = (),
    cat_dir: str | os.PathLike[str] | None = None,
    kill_grace_s: float = 5.0,
) -> NukeRunResult:
    """Run one Nuke command line (``shell=False``), streaming and logging its output.

    Args:
        command: argv, e.g. from ``terminal_command``; never a shell string.
        log_path: file receiving the command line, every output line (stdout and stderr merged, in
            order) and the exit status.
        timeout_s: wall-clock limit; when exceeded the process group is terminated, then killed.
        on_event: called in this thread with every classified line.
        env: full environment for Nuke (default: this process's).
        cwd: working directory (default: the log's folder).
        expected_outputs: files that must exist, be non-empty and open afterwards.
        cat_dir: CopyCat data directory: when the output carries no ``CHROMA_RECOVERY_CAT=`` line, the
            newest ``.cat`` written there during the run is taken; none is an error.
        kill_grace_s: seconds between SIGTERM and SIGKILL on timeout.

    Raises:
        NukeTimeoutError: the timeout was hit.
        NukeRenderError: non-zero exit, error lines, missing outputs, missing ``.cat``, or Nuke could not
            be started.
    """
    argv = [str(a) for a in command]
    log = Path(log_path)
    log.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    cat_file: str | None = None
    frames_done = 0
    started = time.time()
    from chroma_engine.io import durable_log

    with durable_log(log) as log_file:
        log_file.write("# command: " + subprocess.list2cmdline(argv) + "\n")
        log_file.flush()
        try:
            # Raises: OSError when the executable is missing or not executable.
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
                env=dict(env) if env is not None else None,
                cwd=str(cwd) if cwd is not None else str(log.parent),
                shell=False,
                start_new_session=not _WINDOWS,
                creationflags=_GROUP_FLAGS,
            )
        except OSError as exc:
            log_file.write(f"# could not start: {exc}\n")
            raise NukeRenderError(
                f"cannot start Nuke ({argv[0]}): {exc}", returncode=None, log_path=str(log)
            ) from exc
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
        reader.start()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        timed_out = False
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                timed_out = True
                break
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                timed_out = True
                break
            if line is None:
                break
            log_file.write(line if line.endswith("\n") else line + "\n")
            log_file.flush()
            event = parse_line(line)
            if event.kind == "error":
                errors.append(event.line)
                del errors[:-_KEEP_ERRORS]
            elif event.kind == "progress":
                frames_done += 1
            elif event.kind == "cat":
                cat_file = event.path
            if on_event is not None:
                on_event(event)
        if timed_out:
            _kill_group(proc, kill_grace_s)
            log_file.write(f"# killed after the {timeout_s:g} s timeout\n")
            raise NukeTimeoutError(
                f"Nuke ran longer than {timeout_s:g} s and was stopped: {subprocess.list2cmdline(argv)}",
                returncode=None,
                log_path=str(log),
                error_lines=errors,
                hint=f"raise the timeout or check the log {log}",
            )
        returncode = proc.wait()
        reader.join(timeout=5)
        duration = time.time() - started
        log_file.write(f"# exit status {returncode} after {duration:.1f} s\n")
    missing = check_outputs(expected_outputs)
    if returncode == 0 and not errors and cat_dir is not None and cat_file is None:
        found = newest_cat(cat_dir, since=started - 2.0)
        cat_file = str(found) if found else None
        if found is None:
            missing.append(str(Path(cat_dir) / "*.cat"))
    if returncode != 0 or errors or missing:
        if returncode != 0:
            reason = f"exit status {returncode}"
        elif errors:
            reason = "error lines in its output"
        else:
            reason = f"{len(missing)} expected output(s) missing or unreadable, first {missing[0]}"
        last = f": {errors[-1]}" if errors else ""
        raise NukeRenderError(
            f"Nuke failed ({reason}){last}",
            returncode=returncode,
            log_path=str(log),
            error_lines=errors,
            missing=missing,
        )
    return NukeRunResult(
        command=tuple(argv),
        returncode=returncode,
        log_path=str(log),
        duration_s=round(duration, 3),
        outputs=tuple(str(p) for p in expected_outputs),
        cat_file=cat_file,
        frames_done=frames_done,
    )
