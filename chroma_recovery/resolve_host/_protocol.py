"""The tool side of the host protocol: one JSON request in, one JSON reply line out.

The in-host client (:mod:`resolve_bridge`'s ``ToolClient``) runs ``chroma-recovery resolve host
<verb>`` with ``{"protocol": 1, "args": {...}}`` on stdin. :func:`handle` answers
``{"protocol": 1, "ok": true, "result": {...}}`` or ``{"protocol": 1, "ok": false, "error": "one
line", "hint": "..."}``; the command exits 0 or 2 accordingly. Project errors (every package's
error root, pydantic validation) become the one-line refusal; anything else is a crash, reported
the same way with its traceback on stderr so Resolve's console still shows one line.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from resolve_bridge import HOST_PROTOCOL

from ._errors import BadRequest

M = TypeVar("M", bound=BaseModel)
Verb = Callable[[Mapping[str, Any]], dict[str, Any]]


def parse(model: type[M], args: Mapping[str, Any]) -> M:
    """The request's ``args`` validated by the verb's request model.

    Raises:
        BadRequest: a field is missing, unknown or of the wrong type (named).
    """
    try:
        return model.model_validate(dict(args))
    except ValidationError as exc:
        raise BadRequest(
            f"malformed request: {one_line(exc)}", hint="reinstall the menu scripts to match the tool"
        ) from exc


def one_line(exc: BaseException) -> str:
    """The first line of an error; pydantic errors as ``field: message`` of their first problem."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        extra = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first.get('msg', 'invalid')}{extra}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: Top-level packages whose exceptions are project errors (each derives from its package's root).
OUR_PACKAGES = ("schemas", "chroma_engine", "nuke_bridge", "resolve_bridge", "chroma_recovery")


def is_project_error(exc: BaseException) -> bool:
    """An error of ours (any package's error root) or a pydantic validation error: one line, no
    traceback. Decided by where the class is defined, so no package is imported to find out."""
    if isinstance(exc, ValidationError):
        return True
    return any(cls.__module__.partition(".")[0] in OUR_PACKAGES for cls in type(exc).__mro__)


def _reply(ok: bool, **fields: Any) -> str:
    return json.dumps({"protocol": HOST_PROTOCOL, "ok": ok, **fields}, separators=(",", ":"))


def refusal(message: str, hint: str = "") -> str:
    """A refusal reply line."""
    return _reply(False, error=message, hint=hint)


def handle(verb: str, text: str) -> str:
    """Answer one request: ``text`` is the request JSON, the result is the reply line."""
    from ._verbs import load_verb

    try:
        request = json.loads(text)
    except ValueError as exc:
        return refusal(f"the request is not JSON ({exc})", hint="reinstall the menu scripts")
    if not isinstance(request, dict) or not isinstance(request.get("args"), dict):
        return refusal("the request is not {'protocol', 'args'}", hint="reinstall the menu scripts")
    if request.get("protocol") != HOST_PROTOCOL:
        return refusal(
            f"the menu scripts speak host protocol {request.get('protocol')!r}, "
            f"this chroma-recovery speaks {HOST_PROTOCOL}",
            hint="run 'chroma-recovery resolve install-scripts' again",
        )
    try:
        action = load_verb(verb)
        return _reply(True, result=action(request["args"]))
    except Exception as exc:  # noqa: BLE001 - every failure answers one line
        if is_project_error(exc):
            return refusal(one_line(exc), str(getattr(exc, "hint", "") or ""))
        traceback.print_exc(file=sys.stderr)  # a crash: details on the tool's stderr
        return refusal(
            f"chroma-recovery failed on '{verb}': {type(exc).__name__}: {one_line(exc)}",
            hint="the full traceback went to the tool's stderr; please report it",
        )


def reply_ok(reply: str) -> bool:
    """Whether a reply line says ok (the command's exit status is 0 then, else 2)."""
    try:
        return bool(json.loads(reply).get("ok"))
    except ValueError:
        return False
