"""The in-host client of the ``chroma-recovery`` tool: one JSON request, one JSON reply.

Resolve runs menu scripts with whatever CPython 3 it finds (``PYTHON3HOME``, the system Python,
21.1's bundled Python 3.14 without pip), never our environment. So the in-host code uses the
standard library only, and everything that needs pydantic, OpenImageIO, OpenTimelineIO or the
engine runs in the tool's own interpreter, reached as a subprocess with an argv list (no shell).

Host protocol, version :data:`HOST_PROTOCOL`:

* argv: ``[<chroma-recovery>, "resolve", "host", <verb>]``, or
  ``[<its python>, "-m", "chroma_recovery", "resolve", "host", <verb>]`` when only the Python is
  found (both absolute paths, recorded by ``chroma-recovery resolve install-scripts``);
* stdin: one JSON document ``{"protocol": 1, "args": {...}}``;
* stdout: one JSON line ``{"protocol": 1, "ok": true, "result": {...}}`` or
  ``{"protocol": 1, "ok": false, "error": "one line", "hint": "what to do"}``; logs go to stderr;
* exit status 0 when ok, 2 when the request was refused, anything else when the tool crashed.

A refused request becomes :class:`ToolError` carrying the tool's one-line message and hint, which
the menu prints to Resolve's console (and shows in a dialog where UIManager exists).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from ._errors import ToolError

#: Version of the request/reply format; the tool refuses any other.
HOST_PROTOCOL = 1
#: How long one request may take (the longest is a frame check over a long sequence).
DEFAULT_TIMEOUT_S = 900.0
#: Variables of Resolve's Python that would make the tool's interpreter load the wrong stdlib.
FOREIGN_ENV = ("PYTHONHOME", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__", "PYTHONSTARTUP")
_NO_WINDOW = 0x08000000  # CREATE_NO_WINDOW: no console flashes up over Resolve on Windows
_REINSTALL = (
    "run 'chroma-recovery resolve install-scripts' again from the environment that has chroma-recovery"
)

#: In-process transport: ``(verb, request JSON text) -> reply JSON text`` (``typing.Callable``:
#: ``collections.abc.Callable[...]`` is not subscriptable at runtime on Python 3.8).
Handler = Callable[[str, str], str]


@dataclass(frozen=True)
class ToolRecord:
    """Where the tool lives, as ``install-scripts`` wrote it into each menu script.

    Attributes:
        executable: absolute path of the ``chroma-recovery`` command ("" when none was found).
        python: absolute path of the Python that runs it (``sys.executable`` at install time).
        package: the ``resolve_bridge`` folder the menu scripts load (standard library only).
        protocol: host protocol the installed scripts speak.
    """

    executable: str = ""
    python: str = ""
    package: str = ""
    protocol: int = HOST_PROTOCOL

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ToolRecord:
        values = dict(data or {})
        return cls(
            executable=str(values.get("executable") or ""),
            python=str(values.get("python") or ""),
            package=str(values.get("package") or ""),
            protocol=int(values.get("protocol") or HOST_PROTOCOL),
        )

    def as_mapping(self) -> dict[str, Any]:
        return {
            "executable": self.executable,
            "python": self.python,
            "package": self.package,
            "protocol": self.protocol,
        }

    def argv(self, verb: str) -> list[str]:
        """The command line of ``verb``: the executable if it exists, else ``python -m``.

        Raises:
            ToolError: the scripts were installed for another host protocol, or neither recorded
                path exists (nothing installed, or the tool moved).
        """
        if self.protocol != HOST_PROTOCOL:
            raise ToolError(
                verb,
                f"these menu scripts were installed for host protocol {self.protocol}, "
                f"this chroma-recovery speaks {HOST_PROTOCOL}",
                hint=_REINSTALL,
            )
        if self.executable and os.path.isfile(self.executable):
            return [self.executable, "resolve", "host", verb]
        if self.python and os.path.isfile(self.python):
            return [self.python, "-m", "chroma_recovery", "resolve", "host", verb]
        recorded = " or ".join(p for p in (self.executable, self.python) if p) or "nothing recorded"
        raise ToolError(verb, f"the chroma-recovery tool was not found ({recorded})", hint=_REINSTALL)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def read_reply(verb: str, stdout: str, stderr: str = "", returncode: int = 0) -> Any:
    """The ``result`` of a reply line, or :class:`ToolError` with the tool's one-line message."""
    reply: Any = None
    last = _last_line(stdout)
    if last:
        try:
            reply = json.loads(last)
        except ValueError:
            reply = None
    if not isinstance(reply, dict):
        detail = _last_line(stderr) or last or "no output"
        raise ToolError(
            verb,
            f"chroma-recovery resolve host {verb} gave no reply (exit status {returncode}): {detail}",
            hint="run 'chroma-recovery resolve host --help' in a terminal to check the tool; " + _REINSTALL,
        )
    if reply.get("protocol") != HOST_PROTOCOL:
        raise ToolError(
            verb,
            f"chroma-recovery speaks host protocol {reply.get('protocol')!r}, "
            f"these menu scripts speak {HOST_PROTOCOL}",
            hint=_REINSTALL,
        )
    if not reply.get("ok"):
        lines = str(reply.get("error") or "the tool refused the request").splitlines()
        raise ToolError(verb, lines[0] if lines else "refused", hint=str(reply.get("hint") or ""))
    return reply.get("result")


def _encode(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} cannot go into a host request")


class ToolClient:
    """Sends host-protocol requests to the tool.

    Args:
        record: where the tool lives (subprocess transport, what the menu scripts use).
        handler: an in-process transport ``(verb, request text) -> reply text``, for code that already
            runs in the tool's interpreter (``watch-renders --resolve``, tests). Exactly one of the two.
        timeout_s: default time limit of one request.
    """

    def __init__(
        self,
        record: ToolRecord | None = None,
        handler: Handler | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if (record is None) == (handler is None):
            raise ValueError("ToolClient needs exactly one of record and handler")
        self.record = record
        self.handler = handler
        self.timeout_s = timeout_s

    @classmethod
    def from_record(cls, data: ToolClient | ToolRecord | Mapping[str, Any] | None) -> ToolClient:
        """A client from what a menu script holds (its recorded mapping), or the client itself."""
        if isinstance(data, ToolClient):
            return data
        record = data if isinstance(data, ToolRecord) else ToolRecord.from_mapping(data)
        return cls(record=record)

    def call(self, verb: str, args: Mapping[str, Any], timeout_s: float | None = None) -> Any:
        """Send one request and return the reply's ``result``.

        Raises:
            ToolError: the tool refused (its one-line message and hint), could not be started,
                timed out or answered no reply.
        """
        request = json.dumps({"protocol": HOST_PROTOCOL, "args": dict(args)}, default=_encode)
        if self.handler is not None:
            return read_reply(verb, self.handler(verb, request))
        assert self.record is not None
        argv = self.record.argv(verb)
        limit = self.timeout_s if timeout_s is None else timeout_s
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
        env["PYTHONIOENCODING"] = "utf-8"
        try:
            done = subprocess.run(
                argv,
                input=request,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=limit,
                env=env,
                creationflags=_NO_WINDOW if os.name == "nt" else 0,
            )
        except subprocess.TimeoutExpired as exc:
            raise ToolError(
                verb,
                f"chroma-recovery resolve host {verb} gave no answer within {limit:g} s",
                hint="the machine may be overloaded; run the menu entry again",
            ) from exc
        except OSError as exc:
            raise ToolError(verb, f"cannot run {argv[0]}: {exc.strerror or exc}", hint=_REINSTALL) from exc
        return read_reply(verb, done.stdout, done.stderr, done.returncode)
